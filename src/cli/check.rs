//! `isrctl check SITE [--path P…] [--active]`: run the troubleshooting
//! checks, print each finding as it arrives, and exit 1 if any is a problem.

use super::output::{parse_duration, print_json_redacted, to_value};
use super::{Exit, open_history, unknown_site};
use crate::checks::{self, CheckContext, CheckEvent, Finding, Plan, Severity, Verification};
use crate::config::{Config, Site};
use crate::history::{History, Record};
use crate::redact::Redactor;
use clap::Args;
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Paths checked when none is given: the first configured routes.
const DEFAULT_PATHS: usize = 10;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The site's name, as in [sites.NAME]
    pub site: String,
    /// A path to check (repeatable) [default: the site's routes, up to 10]
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<String>,
    /// Also run the checks that revalidate: revalidate-and-verify and the webhook dry run
    #[arg(long)]
    pub active: bool,
    /// How long the active checks wait for the page to change
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub deadline: Duration,
    /// Show the evidence of passing findings too
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Print one JSON document (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

/// Everything the run produced, in arrival order.
#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    verifications: Vec<Verification>,
}

pub async fn run(config: &Config, args: CheckArgs) -> Exit {
    let Some(site) = config.site(&args.site) else {
        return unknown_site(config, &args.site);
    };
    let paths = paths(site, &args.paths);
    let ctx = match CheckContext::prepare(site.clone()).await {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let redactor = ctx.redactor.clone();
    if !args.json {
        print_header(site, &paths, args.active);
    }
    let plan = Plan {
        paths: paths.clone(),
        active: args.active,
        deadline: args.deadline,
    };
    let collected = stream(ctx, plan, &args, &redactor).await;
    record(site, &paths, &collected);
    report(site, &paths, &args, &collected, &redactor)
}

fn paths(site: &Site, given: &[String]) -> Vec<String> {
    if !given.is_empty() {
        return given.to_vec();
    }
    let routes: Vec<String> = site
        .routes
        .iter()
        .filter(|r| r.page_type.is_none())
        .map(|r| r.path.clone())
        .take(DEFAULT_PATHS)
        .collect();
    if routes.is_empty() {
        vec!["/".to_string()]
    } else {
        routes
    }
}

fn print_header(site: &Site, paths: &[String], active: bool) {
    let mode = if active {
        "passive and active checks (this revalidates each path)"
    } else {
        "passive checks (nothing is revalidated)"
    };
    println!("checking {} for {}: {mode}", site.name, paths.join(", "));
}

/// Run the suite; print findings as they come (human mode); Ctrl-C cancels.
async fn stream(
    ctx: std::sync::Arc<CheckContext>,
    plan: Plan,
    args: &CheckArgs,
    redactor: &Redactor,
) -> Collected {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let handle = checks::run(ctx, plan, tx, cancel.clone());
    let mut collected = Collected::default();
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(CheckEvent::Finding(f)) => {
                    if !args.json {
                        print_finding(&f, args.verbose, redactor);
                    }
                    collected.findings.push(f);
                }
                Some(CheckEvent::Verified(v)) => collected.verifications.push(*v),
                Some(_) => {}
                None => break,
            },
            _ = &mut ctrl_c, if !cancel.is_cancelled() => {
                eprintln!("cancelling: the checks stop now (a revalidation already sent is not undone)");
                cancel.cancel();
            }
        }
    }
    let _ = handle.await;
    collected
}

/// `problem  cache_layers  /blog/hello: title`, evidence and fix indented.
pub fn print_finding(f: &Finding, verbose: bool, redactor: &Redactor) {
    let path = f
        .path
        .as_deref()
        .map(|p| format!("{p}: "))
        .unwrap_or_default();
    let line = format!(
        "{:<15} {:<13} {path}{}",
        f.severity.as_str(),
        f.check.as_str(),
        f.title
    );
    println!("{}", redactor.redact(&line));
    if f.severity != Severity::Ok || verbose {
        for e in &f.evidence {
            println!("    {}", redactor.redact(e));
        }
    }
    if let Some(fix) = f
        .fix
        .as_ref()
        .filter(|_| f.severity != Severity::Ok || verbose)
    {
        println!("    fix: {}", redactor.redact(fix));
    }
}

fn counts(findings: &[Finding]) -> serde_json::Value {
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    json!({
        "ok": n(Severity::Ok),
        "warning": n(Severity::Warning),
        "problem": n(Severity::Problem),
        "could_not_check": n(Severity::CouldNotCheck),
    })
}

fn report(
    site: &Site,
    paths: &[String],
    args: &CheckArgs,
    c: &Collected,
    redactor: &Redactor,
) -> Exit {
    let summary = counts(&c.findings);
    if args.json {
        let body = json!({
            "site": site.name,
            "paths": paths,
            "active": args.active,
            "findings": c.findings.iter().map(to_value).collect::<Vec<_>>(),
            "verifications": c.verifications.iter().map(to_value).collect::<Vec<_>>(),
            "summary": summary,
        });
        print_json_redacted("check", body, redactor);
    } else {
        println!(
            "{} finding(s): {} ok, {} warning, {} problem, {} could not check",
            c.findings.len(),
            summary["ok"],
            summary["warning"],
            summary["problem"],
            summary["could_not_check"]
        );
    }
    if c.findings.iter().any(|f| f.severity == Severity::Problem) {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

/// One "check" record per path (its worst finding, site-wide ones
/// included), and one "verify" record per verification.
fn record(site: &Site, paths: &[String], c: &Collected) {
    let Some(history) = open_history() else {
        return;
    };
    let mut records: Vec<Record> = paths
        .iter()
        .filter_map(|p| check_record(site, p, &c.findings))
        .collect();
    records.extend(c.verifications.iter().map(Verification::history_record));
    if let Err(e) = history.append_all(&records) {
        eprintln!("warning: cannot write history: {e}");
    }
    let _ = History::update_index(&history);
}

fn check_record(site: &Site, path: &str, findings: &[Finding]) -> Option<Record> {
    crate::checks::history_record(&site.name, path, findings)
}
