//! `isrctl stale SITE`: the pages of the site's sitemap that are probably
//! stale now, worst first, each with why and the command that fixes it.
//! `--json` prints JSON Lines: one line per page (what `fresh --paths-from
//! -` reads), then one summary line. Exit 1 when a page is listed.

use crate::cli::drive::Driver;
use crate::cli::output::Output;
use crate::cli::progress::Progress;
use crate::cli::unknown_site;
use crate::engine::EngineEvent;
use crate::engine::stale::{StaleOptions, StalePage, StaleScan};
use crate::model::config::{Config, Site};
use crate::model::exit::Exit;
use crate::model::redact::Redactor;
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct StaleArgs {
    /// The site's name, as in [sites.NAME]; it needs a `sitemap`
    pub site: String,
    /// Only pages that changed longer ago than this, e.g. 10m, 2h
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::flags::parse_duration)]
    pub older_than: Option<std::time::Duration>,
    /// At most this many pages (the worst)
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON Lines: one line per page (`isrctl fresh SITE --paths-from -` reads them), then a summary line
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub output: Output,
}

/// One `--json` line per page.
#[derive(Serialize)]
struct PageLine<'a> {
    site: &'a str,
    #[serde(flatten)]
    page: &'a StalePage,
    fix: String,
}

/// The last `--json` line.
#[derive(Serialize)]
struct SummaryLine<'a> {
    summary: &'a StaleScan,
    fix_all: Option<String>,
}

pub async fn run(config: &Config, args: StaleArgs) -> Exit {
    let Some(site) = config.site(&args.site) else {
        return unknown_site(config, &args.site);
    };
    if site.sitemap.is_none() {
        errln!(
            "error: site {} has no sitemap: stale compares each page's <lastmod> with its copies\n  fix: add sitemap = \"/sitemap.xml\" to [sites.{}]",
            site.name,
            site.name
        );
        return Exit::Usage;
    }
    let options = StaleOptions {
        older_than: args.older_than.unwrap_or_default(),
        limit: args.limit,
    };
    let driver = Driver::new(site, None);
    let operation = driver.engine.find_stale(0, options);
    let mut scanned = None;
    let mut progress = Progress::new(0);
    let driven = driver
        .run(
            operation,
            "cancelling: the pages read so far are judged",
            |event| match event {
                EngineEvent::StaleProgress { done, total, .. } => {
                    if progress.total() != total {
                        progress = Progress::new(total);
                    }
                    progress.set_done(done);
                    progress.show();
                }
                EngineEvent::StaleScanned { scan, .. } => scanned = Some(*scan),
                _ => {}
            },
        )
        .await;
    progress.clear();
    match scanned {
        Some(Ok(scan)) => report(site, &scan, args.output, driven.interrupted),
        Some(Err(trouble)) => {
            errln!("error: {trouble}");
            if let Some(fix) = &trouble.fix {
                errln!("  fix: {fix}");
            }
            Exit::Failed
        }
        None => Exit::Usage,
    }
}

fn report(site: &Site, scan: &StaleScan, output: Output, interrupted: bool) -> Exit {
    let fix_all = (!scan.stale.is_empty()).then(|| fix_all(site));
    match output {
        Output::Json => {
            let redactor = Redactor::default();
            for page in &scan.stale {
                let fix = fix_one(site, &page.path);
                let line = PageLine {
                    site: &site.name,
                    page,
                    fix,
                };
                Output::json_line("stale", &line, &redactor);
            }
            let summary = SummaryLine {
                summary: scan,
                fix_all,
            };
            Output::json_line("stale", &summary, &redactor);
        }
        Output::Human => print_scan(site, scan, fix_all.as_deref()),
    }
    if interrupted {
        errln!("stopped: {} page(s) of the sitemap were read", scan.pages);
        return Exit::Interrupted;
    }
    if scan.stale.is_empty() {
        Exit::Ok
    } else {
        Exit::Failed
    }
}

fn print_scan(site: &Site, scan: &StaleScan, fix_all: Option<&str>) {
    for note in &scan.sitemap_notes {
        errln!("note: sitemap: {}", crate::model::safe_text::one_line(note));
    }
    for page in &scan.stale {
        let lastmod = page
            .lastmod
            .map(|t| format!("  lastmod {}", crate::model::text::when(t)))
            .unwrap_or_default();
        outln!("{}{lastmod}", crate::model::safe_text::one_line(&page.path));
        for why in &page.why {
            outln!("  {why}");
        }
        outln!("  run: {}", fix_one(site, &page.path));
    }
    outln!("{}", summary_words(scan));
    if let Some(fix) = fix_all {
        outln!("fix them all: {fix}");
    }
}

fn summary_words(scan: &StaleScan) -> String {
    let mut line = format!(
        "{} of {} page(s) probably stale",
        scan.stale.len() + scan.not_listed,
        scan.pages
    );
    if scan.not_listed > 0 {
        line.push_str(&format!(
            " ({} not listed: --limit or --older-than)",
            scan.not_listed
        ));
    }
    if scan.unanswered > 0 {
        line.push_str(&format!(
            "; {} page(s) had a layer that did not answer",
            scan.unanswered
        ));
    }
    if scan.undated > 0 {
        line.push_str(&format!(
            "; {} page(s) cannot be dated (no marker time, no Age, never revalidated through isrctl): a route `marker` that is a render time dates them",
            scan.undated
        ));
    }
    line
}

/// The command that makes one page fresh everywhere.
fn fix_one(site: &Site, path: &str) -> String {
    format!(
        "isrctl{} fresh {} --path {}",
        crate::cli::as_invoked(),
        crate::cli::shell_word(&site.name),
        crate::cli::shell_word(path)
    )
}

/// The pipeline that makes every listed page fresh.
fn fix_all(site: &Site) -> String {
    let flags = crate::cli::as_invoked();
    let name = crate::cli::shell_word(&site.name);
    format!("isrctl{flags} stale {name} --json | isrctl{flags} fresh {name} --paths-from - --yes")
}
