//! `isrctl revalidate SITE --path P… --tag T… [--paths-from FILE|-]`.
//!
//! Targets are planned first (lint, `--no-lint`, what the endpoint cannot
//! express); refused ones are reported and never sent. The engine sends the
//! rest within the site's limits and records each result; this file only
//! asks for confirmation and renders the engine's events.

mod report;

use super::drive::drive;
use super::output::{Deadline, millis, print_document};
use super::progress::Progress;
use super::{open_history, unknown_site};
use crate::config::{Config, Site};
use crate::endpoint::masked_summary;
use crate::engine::{Engine, EngineEvent, Planned};
use crate::exit::Exit;
use crate::outcome::Outcome;
use crate::path_lint;
use crate::target::{PageType, Target};
use crate::verify::Verification;
use clap::{Args, ValueEnum};
use report::RevalidateReport;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RevalidateArgs {
    /// The site's name, as in [sites.NAME]
    pub site: String,
    /// A path to revalidate, e.g. /blog/hello (repeatable)
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<String>,
    /// A tag to revalidate (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// The type for dynamic patterns such as /blog/[slug]
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub page_type: Option<TypeArg>,
    /// Read paths from a file, one per line ('-' for stdin; blank lines and # comments skipped)
    #[arg(long, value_name = "FILE")]
    pub paths_from: Option<PathBuf>,
    /// Print what would be sent (secret masked) and send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Send more than one target without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// After each revalidation, watch the page at every layer (CDN, each origin) until it changes or the deadline passes
    #[arg(long)]
    pub verify: bool,
    /// How long --verify waits for the page to change
    #[arg(long, value_name = "DURATION", default_value_t)]
    pub deadline: Deadline,
    /// Send the revalidation to every origin instance's endpoint (each has its own ISR cache)
    #[arg(long)]
    pub every_origin: bool,
    /// Then purge the CDN once every origin serves the new page, and verify (as `isrctl fresh`)
    #[arg(long)]
    pub purge: bool,
    /// Send paths the linter refuses (for endpoints with unusual paths); each is shown as a warning
    #[arg(long)]
    pub no_lint: bool,
    /// Print one JSON document (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TypeArg {
    Page,
    Layout,
}

impl From<TypeArg> for PageType {
    fn from(t: TypeArg) -> PageType {
        match t {
            TypeArg::Page => PageType::Page,
            TypeArg::Layout => PageType::Layout,
        }
    }
}

fn gather_targets(args: &RevalidateArgs) -> Result<Vec<Target>, String> {
    let page_type = args.page_type.map(PageType::from);
    let mut paths = args.paths.clone();
    if let Some(file) = &args.paths_from {
        paths.extend(read_paths(file)?);
    }
    let mut targets: Vec<Target> = paths
        .into_iter()
        .map(|p| match page_type {
            Some(t) if path_lint::is_dynamic_pattern(&p) => Target::pattern(p, t),
            _ => Target::path(p),
        })
        .collect();
    targets.extend(args.tags.iter().map(Target::tag));
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(t.clone()));
    Ok(targets)
}

/// Largest `--paths-from` file: a million paths or so.
const PATHS_FILE_CAP: u64 = 64 * 1024 * 1024;

fn read_paths(file: &std::path::Path) -> Result<Vec<String>, String> {
    let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let bytes = crate::files::read_regular(file, PATHS_FILE_CAP)
            .map_err(|why| format!("--paths-from {}: it {why}", file.display()))?;
        Box::new(std::io::Cursor::new(bytes))
    };
    let mut paths = Vec::new();
    for line in reader.lines() {
        let line = line.map_err(|e| format!("--paths-from {}: {e}", file.display()))?;
        let line = line.trim();
        if !line.is_empty() && !line.starts_with('#') {
            paths.push(line.to_string());
        }
    }
    Ok(paths)
}

pub async fn run(config: &Config, args: RevalidateArgs) -> Exit {
    let Some(site) = config.site(&args.site) else {
        return unknown_site(config, &args.site);
    };
    let Some(planned) = planned_or_say_why(site, &args, "revalidate") else {
        return Exit::Usage;
    };
    let mut report = RevalidateReport::new(site, &planned, args.dry_run, args.verify);
    if args.dry_run {
        return dry_run(site, &report, args.json);
    }
    if args.purge || (args.verify && args.every_origin) {
        return super::fresh::send(site, planned, &args).await;
    }
    let Some(sendable) = confirmed(site, &planned, &args) else {
        return Exit::Usage;
    };
    let (engine, mut events) = Engine::new(vec![site.clone()], open_history().map(Into::into));
    let every_origin = args.every_origin || site.endpoint.each_origin;
    let operation = if args.verify {
        engine.verify(0, planned, args.deadline.0)
    } else if every_origin {
        engine.revalidate_everywhere(0, planned)
    } else {
        engine.revalidate(0, planned)
    };
    let mut progress = Progress::new(sendable);
    let mut not_started = false;
    let on_cancel = if args.verify {
        "cancelling: no new requests; verification stops"
    } else {
        "cancelling: no new requests; waiting for those in flight"
    };
    drive(&engine, &mut events, operation, on_cancel, |event| {
        progress.clear();
        match event {
            EngineEvent::Finished {
                target,
                outcome,
                request,
                ..
            } => {
                progress.finished(outcome.kind.is_success());
                if !args.json {
                    print_result(&target, &outcome);
                    if every_origin {
                        outln!("    via {request}");
                    }
                }
                match every_origin {
                    true => report.add_instance(&target, request, *outcome),
                    false => report.set(&target, *outcome, None),
                }
            }
            EngineEvent::Verified {
                target,
                outcome,
                verifications,
                ..
            } => {
                progress.finished(outcome.kind.is_success());
                if !args.json {
                    print_result(&target, &outcome);
                    print_verifications(&target, &outcome, &verifications);
                }
                report.set(&target, *outcome, Some(verifications));
            }
            EngineEvent::Waiting { wait, .. } => errln!(
                "rate limited: waiting {}s as the server asks (Retry-After)",
                wait.as_secs()
            ),
            EngineEvent::NotStarted { reason, .. } => {
                errln!("error: site {}: {reason}", site.name);
                not_started = true;
            }
            EngineEvent::Warning { message } => errln!("warning: {message}"),
            _ => {}
        }
        progress.show();
    })
    .await;
    progress.clear();
    if not_started {
        return Exit::Usage;
    }
    finish(&report, args.json)
}

/// The targets the flags name, planned (linted), lint warnings printed;
/// `None` after saying why there is nothing to `verb`.
pub(super) fn planned_or_say_why(
    site: &Site,
    args: &RevalidateArgs,
    verb: &str,
) -> Option<Vec<Planned>> {
    match gather_targets(args) {
        Ok(targets) if !targets.is_empty() => {
            let planned = crate::engine::plan(site, targets, args.no_lint);
            print_lint_warnings(&planned);
            Some(planned)
        }
        Ok(_) => {
            errln!("error: nothing to {verb}: give --path, --tag or --paths-from");
            None
        }
        Err(message) => {
            errln!("error: {message}");
            None
        }
    }
}

/// Lint warnings (overruled refusals included) go to stderr before anything is sent.
fn print_lint_warnings(planned: &[Planned]) {
    for p in planned {
        for finding in p.warnings() {
            errln!("warning: {}: {}", p.target, finding.message);
        }
    }
}

fn dry_run(site: &Site, report: &RevalidateReport, json: bool) -> Exit {
    if json {
        print_document("revalidate", report, &Default::default());
    } else {
        outln!(
            "dry run: nothing sent; secret from {}",
            site.secret.describe()
        );
        for result in &report.results {
            match &result.outcome {
                Some(outcome) => outln!("refused  {}: {}", result.target, outcome.explanation),
                None => outln!(
                    "would send  {}",
                    masked_summary(&site.endpoint, &result.target)
                ),
            }
        }
    }
    exit_for(report)
}

fn finish(report: &RevalidateReport, json: bool) -> Exit {
    if json {
        print_document("revalidate", report, &Default::default());
    } else {
        let s = &report.summary;
        outln!(
            "{} target(s) on {}: {} revalidated, {} failed{}",
            s.total,
            report.site,
            s.revalidated,
            s.total - s.revalidated,
            report.verify_summary()
        );
    }
    exit_for(report)
}

fn exit_for(report: &RevalidateReport) -> Exit {
    if report.all_fine() {
        Exit::Ok
    } else {
        Exit::Failed
    }
}

/// How many targets will be sent, once several were confirmed (`--yes`,
/// or an answer at the terminal); `None` when the user declined or
/// nobody could answer.
pub(super) fn confirmed(site: &Site, planned: &[Planned], args: &RevalidateArgs) -> Option<usize> {
    let sendable = planned.iter().filter(|p| !p.is_refused()).count();
    // Only `--paths-from -` takes stdin; from a file, stdin is free to answer.
    let stdin_used = args
        .paths_from
        .as_ref()
        .is_some_and(|f| f.as_os_str() == "-");
    let asked = sendable > 1 && !args.yes;
    (!asked || confirm(site, sendable, stdin_used)).then_some(sendable)
}

/// Ask at a terminal; refuse when nobody can answer.
fn confirm(site: &Site, count: usize, stdin_used: bool) -> bool {
    let interactive =
        !stdin_used && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        errln!(
            "error: refusing to send {count} revalidations to {} without --yes (no terminal to confirm at)",
            site.name
        );
        return false;
    }
    errout!("Send {count} revalidations to {}? [y/N] ", site.name);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    let yes = matches!(answer.trim(), "y" | "Y" | "yes");
    if !yes {
        errln!("cancelled: nothing sent");
    }
    yes
}

pub(super) fn print_result(target: &Target, outcome: &Outcome) {
    outln!(
        "{:17} {:>4} {:>8}  {}",
        outcome.kind.as_str(),
        outcome
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into()),
        millis(outcome.latency_ms),
        target
    );
    if outcome.kind.is_success() {
        return;
    }
    outln!("    {}", outcome.explanation);
    if let Some(message) = &outcome.message {
        outln!("    server said: {message}");
    }
    if let Some(fix) = &outcome.fix {
        outln!("    fix: {fix}");
    }
}

pub(super) fn print_verifications(
    target: &Target,
    outcome: &Outcome,
    verifications: &[Verification],
) {
    if outcome.kind.is_success() && verifications.is_empty() {
        outln!(
            "    verify: no page to watch for {target}: add routes with this tag to the config, or revalidate with --path"
        );
    }
    for v in verifications {
        outln!(
            "    verify {}: {} ({})",
            v.page,
            v.explanation,
            v.verdict.as_str()
        );
        for line in crate::checks::verify::finding(crate::checks::CheckId::Verify, v)
            .evidence
            .iter()
            .skip(1)
        {
            outln!("      {line}");
        }
        if let Some(fix) = &v.fix {
            outln!("    fix: {fix}");
        }
    }
}
