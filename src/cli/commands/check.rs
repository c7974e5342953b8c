//! `isrctl check SITE [--path P…] [--active]`: run the troubleshooting
//! checks through the engine, print each finding as it arrives, and exit 1
//! if any is a problem. The engine records the results in history.

use crate::cli::drive::Driver;
use crate::cli::flags::Deadline;
use crate::cli::output::Output;
use crate::cli::print::print_finding;
use crate::cli::unknown_site;
use crate::engine::EngineEvent;
use crate::engine::checks::{CheckEvent, Finding, Plan, Severity, Verification};
use crate::model::config::{Config, Site};
use crate::model::exit::Exit;
use crate::model::redact::Redactor;
use clap::Args;
use serde::Serialize;

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
    #[arg(long, value_name = "DURATION", default_value_t)]
    pub deadline: Deadline,
    /// Show the evidence of passing findings too
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Why: recorded with each result in history (the audit trail), e.g. "price fix, ticket 123"
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Print one JSON document (shape documented in the README)
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub output: Output,
}

/// The `check` report: the JSON document, and what the summary line reads.
#[derive(Debug, Serialize)]
struct CheckReport {
    site: String,
    paths: Vec<String>,
    active: bool,
    /// In the order they arrived.
    findings: Vec<Finding>,
    verifications: Vec<Verification>,
    summary: Counts,
}

#[derive(Debug, Default, Serialize)]
struct Counts {
    ok: usize,
    warning: usize,
    problem: usize,
    could_not_check: usize,
}

impl Counts {
    fn of(findings: &[Finding]) -> Counts {
        let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        Counts {
            ok: n(Severity::Ok),
            warning: n(Severity::Warning),
            problem: n(Severity::Problem),
            could_not_check: n(Severity::CouldNotCheck),
        }
    }
}

pub async fn run(config: &Config, args: CheckArgs) -> Exit {
    let Some(site) = config.site(&args.site) else {
        return unknown_site(config, &args.site);
    };
    let paths = paths(site, &args.paths);
    let driver = Driver::new(site, args.reason.as_deref());
    let engine = &driver.engine;
    let redactor = match engine.revalidating_session(0).await {
        Ok(session) => session.redactor(),
        Err(e) => {
            errln!("error: {e}");
            return Exit::Usage;
        }
    };
    args.output
        .human(|| print_header(site, &paths, args.active));
    let plan = Plan {
        paths: paths.clone(),
        active: args.active,
        deadline: args.deadline.0,
        last_revalidation: None,
    };
    let mut report = CheckReport {
        site: site.name.clone(),
        paths,
        active: args.active,
        findings: Vec::new(),
        verifications: Vec::new(),
        summary: Counts::default(),
    };
    let operation = engine.run_checks(0, plan);
    let on_cancel = "cancelling: the checks stop now (a revalidation already sent is not undone)";
    let driven = driver
        .run(operation, on_cancel, |event| {
            let EngineEvent::Check { event, .. } = event else {
                return;
            };
            match event {
                CheckEvent::Finding(f) => {
                    args.output
                        .human(|| print_finding(&f, args.verbose, &redactor));
                    report.findings.push(f);
                }
                CheckEvent::Verified(v) => report.verifications.push(*v),
                _ => {}
            }
        })
        .await;
    if driven.not_started {
        return Exit::Usage;
    }
    report.summary = Counts::of(&report.findings);
    finish(&report, args.output, &redactor)
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
    outln!("checking {} for {}: {mode}", site.name, paths.join(", "));
}

fn finish(report: &CheckReport, output: Output, redactor: &Redactor) -> Exit {
    let s = &report.summary;
    output.report("check", report, redactor, |report| {
        outln!(
            "{} finding(s): {} ok, {} warning, {} problem, {} could not check",
            report.findings.len(),
            s.ok,
            s.warning,
            s.problem,
            s.could_not_check
        );
    });
    if s.problem > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
