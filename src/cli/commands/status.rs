//! `isrctl status [SITE…]`: every site (or those named) in one line — its
//! worst current finding and how long ago it was seen — from its key pages
//! read now and what history last said of the rest; the pages not fresh
//! below it, each with the command that fixes it. Exit 1 when a site is
//! not fresh (unknown is not fresh).

use crate::cli::output::Output;
use crate::cli::unknown_site;
use crate::engine::status::{SiteStatus, StatusFinding, site_status};
use crate::model::config::{Config, Site};
use crate::model::exit::Exit;
use crate::model::redact::Redactor;
use crate::model::standing::Standing;
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Sites to look at, as in [sites.NAME] [default: every site]
    #[arg(value_name = "SITE")]
    pub sites: Vec<String>,
    /// Print one JSON document (shape documented in the README)
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub output: Output,
}

/// Pages not fresh shown under a site, at most.
const SHOWN_PER_SITE: usize = 5;

#[derive(Serialize)]
struct StatusReport {
    sites: Vec<SiteStatus>,
}

pub async fn run(config: &Config, args: StatusArgs) -> Exit {
    let mut sites: Vec<&Site> = Vec::new();
    for name in &args.sites {
        match config.site(name) {
            Some(site) => sites.push(site),
            None => return unknown_site(config, name),
        }
    }
    if sites.is_empty() {
        sites = config.sites.iter().collect();
    }
    let history = match crate::cli::open_history().map(|h| h.last_states()) {
        Some(Ok(states)) => states,
        Some(Err(e)) => {
            errln!("warning: cannot read history: {e}: only the key pages read now count");
            Default::default()
        }
        None => Default::default(),
    };
    let looks = sites.iter().map(|site| site_status(site, &history));
    let report = StatusReport {
        sites: futures::future::join_all(looks).await,
    };
    args.output
        .report("status", &report, &Redactor::default(), |report| {
            report.sites.iter().for_each(print_site)
        });
    if report.sites.iter().all(|s| s.standing == Standing::Fresh) {
        Exit::Ok
    } else {
        Exit::Failed
    }
}

fn print_site(status: &SiteStatus) {
    let now = jiff::Timestamp::now();
    let worst = match status.worst() {
        Some(f) if status.standing != Standing::Fresh => format!(
            "{}: {} ({})",
            f.page,
            f.words,
            crate::model::text::ago(f.seen, now)
        ),
        Some(_) => format!("fresh: {} page(s) known", status.findings.len()),
        None => "nothing known".into(),
    };
    outln!(
        "{} {:<16} {}   {}",
        status.standing.symbol(),
        status.site,
        crate::model::safe_text::one_line(&worst),
        crate::model::standing::counts(status.findings.iter().map(|f| f.standing))
    );
    let not_fresh = status
        .findings
        .iter()
        .filter(|f| f.standing != Standing::Fresh);
    for finding in not_fresh.skip(1).take(SHOWN_PER_SITE - 1) {
        outln!(
            "    {} {}: {} ({})",
            finding.standing.symbol(),
            crate::model::safe_text::one_line(&finding.page),
            crate::model::safe_text::one_line(&finding.words),
            crate::model::text::ago(finding.seen, now)
        );
    }
    if let Some(fix) = status.worst().and_then(|f| fix(status, f)) {
        outln!("    run: {fix}");
    }
}

/// The command that makes the worst page fresh, when it is a page.
fn fix(status: &SiteStatus, worst: &StatusFinding) -> Option<String> {
    let stale = matches!(worst.standing, Standing::Stale | Standing::Attention);
    (stale && worst.page.starts_with('/')).then(|| {
        format!(
            "isrctl{} fresh {} --path {}",
            crate::cli::as_invoked(),
            crate::cli::shell_word(&status.site),
            crate::cli::shell_word(&worst.page)
        )
    })
}
