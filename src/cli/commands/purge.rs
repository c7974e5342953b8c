//! `isrctl purge SITE --path P… [--tag T…] [--prefix P…] [--everything]`:
//! remove pages from the site's CDN through its `[sites.X.purge]` provider.

use crate::cli::drive::Driver;
use crate::cli::output::Output;
use crate::cli::print::print_purge_outcome;
use crate::cli::unknown_site;
use crate::engine::EngineEvent;
use crate::model::config::{Config, Site};
use crate::model::exit::Exit;
use crate::model::purge::{PurgeCall, PurgeItem, PurgeKind, PurgeOutcome};
use crate::model::redact::Redactor;
use clap::Args;
use serde::Serialize;
use std::io::{IsTerminal, Write};

#[derive(Debug, Args)]
#[command(
    after_help = "Purges only the CDN: Next.js keeps its own cache (revalidate first, or use `isrctl fresh`, which waits for every origin to serve the new page before it purges).\nMore than one item asks at a terminal (or needs --yes); --everything needs the site's name typed at the prompt, or --confirm SITE.\nExamples:\n  isrctl purge blog --path /blog/hello\n  isrctl purge blog --tag posts --yes\n  isrctl purge blog --everything --confirm blog\n  isrctl purge blog --path /about --dry-run"
)]
pub struct PurgeArgs {
    /// The site's name, as in [sites.NAME]
    pub site: String,
    /// A page to purge (repeatable)
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<String>,
    /// A cache tag to purge; without tag purge at the CDN, the routes carrying it
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Every URL under this path
    #[arg(long = "prefix", value_name = "PATH")]
    pub prefixes: Vec<String>,
    /// The whole site at the CDN
    #[arg(long)]
    pub everything: bool,
    /// With --everything from a script: the site's name, as a typed confirmation
    #[arg(long, value_name = "SITE")]
    pub confirm: Option<String>,
    /// Show the exact calls (token masked); send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Purge more than one item without asking
    #[arg(long)]
    pub yes: bool,
    /// Do not wait for the CDN to finish (CloudFront: the invalidation is `pending`, its id printed)
    #[arg(long)]
    pub no_wait: bool,
    /// Why: recorded with each result in history (the audit trail), e.g. "price fix, ticket 123"
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Print one JSON document
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub output: Output,
}

/// The `purge` report (README, "JSON output").
#[derive(Serialize)]
struct PurgeReport<'a> {
    site: &'a str,
    provider: &'static str,
    dry_run: bool,
    /// With --dry-run: the calls that would be sent, token masked.
    calls: Vec<PurgeCall>,
    results: Vec<PurgeOutcome>,
}

pub async fn run(config: &Config, args: PurgeArgs) -> Exit {
    let Some(site) = config.site(&args.site) else {
        return unknown_site(config, &args.site);
    };
    let items = items(&args);
    if items.is_empty() {
        errln!("error: nothing to purge: give --path, --tag, --prefix or --everything");
        return Exit::Usage;
    }
    let plan = match crate::engine::plan::plan_purge(site, &items) {
        Ok(plan) => plan,
        Err(why) => {
            errln!("error: {why}");
            return Exit::Usage;
        }
    };
    // What it costs, said before anything is sent (CloudFront charges).
    if let Some(note) = &plan.cost {
        errln!("{note}");
    }
    for note in [plan.rsc_note, plan.tag_note].into_iter().flatten() {
        errln!("note: {note}");
    }
    // What the provider cannot express is refused before anything is sent
    // (no token is read for this): a refusal, exit 1, as for revalidate.
    let calls = match crate::engine::plan::shown_purge_calls(site, &items) {
        Ok(calls) => calls,
        Err(why) => {
            errln!("error: {why}");
            return Exit::Failed;
        }
    };
    if args.dry_run {
        return dry_run(site, plan.provider, calls, args.output);
    }
    if !confirmed(site, &items, &args) {
        return Exit::Usage;
    }
    send(site, plan.provider, items, &args).await
}

/// Send the purge, each call's result shown as it arrives.
async fn send(
    site: &Site,
    provider: &'static str,
    items: Vec<PurgeItem>,
    args: &PurgeArgs,
) -> Exit {
    let driver = Driver::new(site, args.reason.as_deref());
    let engine = &driver.engine;
    let wait = if args.no_wait {
        std::time::Duration::ZERO
    } else {
        crate::engine::PURGE_WAIT
    };
    let operation = engine.purge(0, items, wait);
    let mut results = Vec::new();
    let on_cancel = "cancelling: no new purge calls";
    let driven = driver
        .run(operation, on_cancel, |event| {
            if let EngineEvent::Purged { outcome, .. } = event {
                args.output.human(|| print_purge_outcome(&outcome));
                results.push(*outcome);
            }
        })
        .await;
    if driven.not_started {
        return Exit::Usage;
    }
    let report = PurgeReport {
        site: &site.name,
        provider,
        dry_run: false,
        calls: Vec::new(),
        results,
    };
    // Each result was printed as it came.
    args.output
        .report("purge", &report, &Redactor::default(), |_| {});
    let results = report.results;
    // With --no-wait, an invalidation in progress is what was asked for.
    let fine =
        |r: &PurgeOutcome| r.kind.is_fine() || (args.no_wait && r.kind == PurgeKind::Pending);
    if results.iter().all(fine) {
        Exit::Ok
    } else {
        Exit::Failed
    }
}

fn items(args: &PurgeArgs) -> Vec<PurgeItem> {
    if args.everything {
        return vec![PurgeItem::Everything];
    }
    let paths = args.paths.iter().cloned().map(PurgeItem::Path);
    let tags = args.tags.iter().cloned().map(PurgeItem::Tag);
    let prefixes = args.prefixes.iter().cloned().map(PurgeItem::Prefix);
    paths.chain(tags).chain(prefixes).collect()
}

/// The calls, token masked; nothing is sent and no token is read.
fn dry_run(site: &Site, provider: &'static str, calls: Vec<PurgeCall>, output: Output) -> Exit {
    let report = PurgeReport {
        site: &site.name,
        provider,
        dry_run: true,
        calls,
        results: Vec::new(),
    };
    output.report("purge", &report, &Redactor::default(), |report| {
        outln!("dry run: {} call(s), nothing sent", report.calls.len());
        for call in &report.calls {
            outln!("  {}", call.summary());
        }
    });
    Exit::Ok
}

/// Bulk asks; everything needs the site's name typed (never --yes alone).
fn confirmed(site: &Site, items: &[PurgeItem], args: &PurgeArgs) -> bool {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if items.iter().any(PurgeItem::covers_everything) {
        if args.confirm.as_deref() == Some(site.name.as_str()) {
            return true;
        }
        if !interactive {
            errln!(
                "error: purging everything at {0}'s CDN needs the site's name: --confirm {0} (--yes is not enough)",
                site.name
            );
            return false;
        }
        let typed = ask(&format!(
            "Purge EVERYTHING at {}'s CDN? Type the site's name to confirm: ",
            site.name
        ));
        let ok = typed == site.name;
        if !ok {
            errln!("cancelled: nothing purged");
        }
        return ok;
    }
    if items.len() <= 1 || args.yes {
        return true;
    }
    if !interactive {
        errln!(
            "error: refusing to purge {} items at {} without --yes (no terminal to confirm at)",
            items.len(),
            site.name
        );
        return false;
    }
    let yes = matches!(
        ask(&format!(
            "Purge {} items at {}'s CDN? [y/N] ",
            items.len(),
            site.name
        ))
        .as_str(),
        "y" | "Y" | "yes"
    );
    if !yes {
        errln!("cancelled: nothing purged");
    }
    yes
}

fn ask(prompt: &str) -> String {
    errout!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    answer.trim().to_string()
}
