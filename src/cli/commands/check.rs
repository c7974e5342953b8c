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
    /// The site's name, as in [sites.NAME] [default: every site, passive checks of each one's key pages]
    pub site: Option<String>,
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

/// `check` without a site: each site's report, in config order.
#[derive(Debug, Serialize)]
struct EverySiteReport {
    sites: Vec<CheckReport>,
}

pub async fn run(config: &Config, args: CheckArgs) -> Exit {
    let Some(name) = &args.site else {
        return every_site(config, &args).await;
    };
    let Some(site) = config.site(name) else {
        return unknown_site(config, name);
    };
    match check_site(site, &args).await {
        Ok((report, redactor)) => finish(&report, args.output, &redactor),
        Err(exit) => exit,
    }
}

/// `isrctl check` alone: the passive checks of every site's key pages, one
/// site after another; exit 1 when any finds a problem.
async fn every_site(config: &Config, args: &CheckArgs) -> Exit {
    if !args.paths.is_empty() || args.active {
        errln!("error: --path and --active need a site: isrctl check SITE --path /x [--active]");
        return Exit::Usage;
    }
    let mut reports = Vec::new();
    for site in &config.sites {
        // A site that could not start is said on stderr; the others are
        // still checked (and the exit says one was not).
        if let Ok((report, _)) = check_site(site, args).await {
            args.output.human(|| print_summary(&report));
            reports.push(report);
        }
    }
    let problems = reports.iter().filter(|r| r.summary.problem > 0).count();
    let report = EverySiteReport { sites: reports };
    args.output
        .report("check", &report, &Redactor::default(), |r| {
            outln!(
                "{} site(s) checked: {problems} with a problem",
                r.sites.len()
            )
        });
    if problems > 0 || report.sites.len() < config.sites.len() {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

/// Run the checks on one site, printing each finding as it arrives; the
/// report and the redactor that masks it.
async fn check_site(site: &Site, args: &CheckArgs) -> Result<(CheckReport, Redactor), Exit> {
    let paths = match args.site {
        Some(_) => paths(site, &args.paths),
        None => site.key_pages(),
    };
    let driver = Driver::new(site, args.reason.as_deref());
    let engine = &driver.engine;
    let redactor = match engine.revalidating_session(0).await {
        Ok(session) => session.redactor(),
        Err(e) => {
            errln!("error: {}: {e}", site.name);
            return Err(Exit::Usage);
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
        return Err(Exit::Usage);
    }
    report.summary = Counts::of(&report.findings);
    Ok((report, redactor))
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

fn print_summary(report: &CheckReport) {
    let s = &report.summary;
    outln!(
        "{} finding(s): {} ok, {} warning, {} problem, {} could not check",
        report.findings.len(),
        s.ok,
        s.warning,
        s.problem,
        s.could_not_check
    );
}

fn finish(report: &CheckReport, output: Output, redactor: &Redactor) -> Exit {
    let s = &report.summary;
    output.report("check", report, redactor, print_summary);
    if s.problem > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
