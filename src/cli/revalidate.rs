//! `isrctl revalidate SITE --path P… --tag T… [--paths-from FILE|-]`.
//!
//! Targets are gathered and linted first; refused ones are reported and
//! never sent. Then the job runner sends the rest within the site's limits,
//! each result is printed and appended to history as it arrives, and
//! Ctrl-C stops new requests.

use super::output::parse_duration;
use super::output::{millis, print_json, to_value};
use super::{Exit, open_history, unknown_site};
use crate::checks::CheckContext;
use crate::checks::verify::{self, Verdict, Verification};
use crate::config::{Config, Site};
use crate::endpoint::masked_summary;
use crate::history::{History, Record};
use crate::job_runner::{self, Job, JobEvent};
use crate::outcome::{Outcome, OutcomeKind};
use crate::path_lint::{self, LintFinding, LintLevel};
use crate::target::{PageType, Target, TargetKind};
use clap::{Args, ValueEnum};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde_json::{Value, json};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

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
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub deadline: Duration,
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

/// One target on its way through lint, send and report.
struct Item {
    target: Target,
    lint: Vec<LintFinding>,
    outcome: Option<Outcome>,
    /// With --verify: one per page watched (none when the revalidation failed).
    verifications: Option<Vec<Verification>>,
}

pub async fn run(config: &Config, args: RevalidateArgs) -> Exit {
    let Some(site) = config.site(&args.site) else {
        return unknown_site(config, &args.site);
    };
    let targets = match gather_targets(&args) {
        Ok(targets) if !targets.is_empty() => targets,
        Ok(_) => {
            eprintln!("error: nothing to revalidate: give --path, --tag or --paths-from");
            return Exit::Usage;
        }
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Usage;
        }
    };
    let mut items = lint_all(site, targets, args.no_lint);
    print_lint_findings(&items);
    if args.dry_run {
        return dry_run(site, &items, args.json);
    }
    let sendable = items.iter().filter(|i| i.outcome.is_none()).count();
    if sendable > 1 && !args.yes && !confirm(site, sendable, args.paths_from.is_some()) {
        return Exit::Usage;
    }
    let secret = match site.secret.resolve() {
        Ok(secret) => secret,
        Err(e) => {
            eprintln!(
                "error: site {}: secret from {}: {e}",
                site.name,
                site.secret.describe()
            );
            return Exit::Usage;
        }
    };
    let job = match Job::new(site, secret.clone()) {
        Ok(job) => job,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let history = open_history();
    report_refusals(history.as_ref(), site, &items, args.json);
    if args.verify {
        let ctx = match CheckContext::with_secret(site, secret) {
            Ok(ctx) => ctx,
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        };
        verify_all(&ctx, job, &mut items, history.as_ref(), &args).await;
    } else {
        send_all(site, job, &mut items, history.as_ref(), args.json).await;
    }
    if let Some(Err(e)) = history.as_ref().map(History::update_index) {
        tracing::warn!("history index not updated: {e}");
    }
    report(site, &items, args.json)
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

fn read_paths(file: &PathBuf) -> Result<Vec<String>, String> {
    let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| format!("--paths-from {}: {e}", file.display()))?;
        Box::new(std::io::BufReader::new(f))
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

/// Lint paths; refused ones get their outcome now and are never sent,
/// unless `no_lint` turns each refusal into a warning.
fn lint_all(site: &Site, targets: Vec<Target>, no_lint: bool) -> Vec<Item> {
    targets
        .into_iter()
        .map(|target| {
            let mut lint = match target.kind {
                TargetKind::Path => {
                    path_lint::lint_path(&target.value, target.page_type, &site.path_rules)
                }
                TargetKind::Tag if target.value.trim().is_empty() => vec![LintFinding {
                    level: LintLevel::Refused,
                    message: "the tag is empty".into(),
                }],
                TargetKind::Tag => Vec::new(),
            };
            if no_lint && target.kind == TargetKind::Path {
                lint.iter_mut().for_each(overrule);
            }
            let outcome = path_lint::first_refusal(&lint)
                .map(|f| Outcome::refused(f.message.clone()))
                .or_else(|| unsupported(site, &target));
            Item {
                target,
                lint,
                outcome,
                verifications: None,
            }
        })
        .collect()
}

/// `--no-lint`: a refusal becomes a warning that says it was overruled.
fn overrule(finding: &mut LintFinding) {
    if finding.level == LintLevel::Refused {
        finding.level = LintLevel::Warning;
        finding.message = format!("sent anyway (--no-lint): {}", finding.message);
    }
}

/// A target the endpoint profile cannot express (a tag on a Pages Router endpoint).
fn unsupported(site: &Site, target: &Target) -> Option<Outcome> {
    site.endpoint
        .prepare_masked(target, crate::redact::MASK)
        .err()
        .map(Outcome::refused)
}

fn print_lint_findings(items: &[Item]) {
    for item in items {
        for finding in item.lint.iter().filter(|f| f.level == LintLevel::Warning) {
            eprintln!("warning: {}: {}", item.target, finding.message);
        }
    }
}

fn dry_run(site: &Site, items: &[Item], json: bool) -> Exit {
    if json {
        let results: Vec<Value> = items.iter().map(|i| result_json(site, i)).collect();
        print_json(
            "revalidate",
            json!({ "site": site.name, "dry_run": true, "results": results, "summary": summary_json(items) }),
        );
    } else {
        println!(
            "dry run: nothing sent; secret from {}",
            site.secret.describe()
        );
        for item in items {
            match &item.outcome {
                Some(outcome) => println!("refused  {}: {}", item.target, outcome.explanation),
                None => println!(
                    "would send  {}",
                    masked_summary(&site.endpoint, &item.target)
                ),
            }
        }
    }
    exit_for(items)
}

/// Ask at a terminal; refuse when nobody can answer.
fn confirm(site: &Site, count: usize, stdin_used: bool) -> bool {
    let interactive =
        !stdin_used && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        eprintln!(
            "error: refusing to send {count} revalidations to {} without --yes (no terminal to confirm at)",
            site.name
        );
        return false;
    }
    eprint!("Send {count} revalidations to {}? [y/N] ", site.name);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    let yes = matches!(answer.trim(), "y" | "Y" | "yes");
    if !yes {
        eprintln!("cancelled: nothing sent");
    }
    yes
}

/// Print and record the targets refused before sending.
fn report_refusals(history: Option<&History>, site: &Site, items: &[Item], json: bool) {
    let refused = items
        .iter()
        .filter_map(|i| i.outcome.as_ref().map(|o| (&i.target, o)));
    if !json {
        refused
            .clone()
            .for_each(|(target, outcome)| print_result(target, outcome));
    }
    let Some(history) = history else { return };
    let records: Vec<Record> = items
        .iter()
        .filter_map(|i| i.outcome.as_ref().map(|o| record(site, &i.target, o)))
        .collect();
    if !records.is_empty()
        && let Err(e) = history.append_all(&records)
    {
        eprintln!("warning: cannot write history: {e}");
    }
}

fn record(site: &Site, target: &Target, outcome: &Outcome) -> Record {
    crate::revalidation::history_record(&site.name, target, outcome)
}

/// Send every item without an outcome yet; print and record each result as it arrives.
async fn send_all(
    site: &Site,
    job: std::sync::Arc<Job>,
    items: &mut [Item],
    history: Option<&History>,
    json: bool,
) {
    let pending: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].outcome.is_none())
        .collect();
    let targets = pending.iter().map(|&i| items[i].target.clone()).collect();
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = job_runner::run(job.clone(), targets, cancel.clone(), tx);
    let mut progress = Progress::new(pending.len());
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(JobEvent::Finished { index, outcome }) => {
                    let item = &mut items[pending[index]];
                    record_result(site, history, &item.target, &outcome);
                    progress.finished(outcome.kind.is_success());
                    if !json {
                        progress.clear();
                        print_result(&item.target, &outcome);
                    }
                    item.outcome = Some(outcome);
                    progress.show();
                }
                Some(JobEvent::Waiting { wait, .. }) => {
                    progress.clear();
                    eprintln!("rate limited: waiting {}s as the server asks (Retry-After)", wait.as_secs());
                }
                Some(JobEvent::Sending { .. }) => {}
                None => break,
            },
            _ = &mut ctrl_c, if !cancel.is_cancelled() => {
                progress.clear();
                eprintln!("cancelling: no new requests; waiting for those in flight");
                cancel.cancel();
            }
        }
    }
    progress.clear();
    let _ = handle.await;
}

/// Log and append one result as soon as it arrives: a crash loses at most
/// the record in flight.
fn record_result(site: &Site, history: Option<&History>, target: &Target, outcome: &Outcome) {
    tracing::info!(
        site = %site.name,
        target = %target,
        outcome = outcome.kind.as_str(),
        status = ?outcome.status,
        request = %masked_summary(&site.endpoint, target),
        "revalidation finished"
    );
    if outcome.kind == OutcomeKind::Cancelled {
        return;
    }
    if let Some(Err(e)) = history.map(|h| h.append(&record(site, target, outcome))) {
        eprintln!("warning: cannot write history: {e}");
    }
}

fn print_result(target: &Target, outcome: &Outcome) {
    println!(
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
    println!("    {}", outcome.explanation);
    if let Some(message) = &outcome.message {
        println!("    server said: {message}");
    }
    if let Some(fix) = &outcome.fix {
        println!("    fix: {fix}");
    }
}

fn report(site: &Site, items: &[Item], json: bool) -> Exit {
    if json {
        let results: Vec<Value> = items.iter().map(|i| result_json(site, i)).collect();
        print_json(
            "revalidate",
            json!({ "site": site.name, "dry_run": false, "results": results, "summary": summary_json(items) }),
        );
    } else {
        let ok = items.iter().filter(|i| is_ok(i)).count();
        println!(
            "{} target(s) on {}: {ok} revalidated, {} failed{}",
            items.len(),
            site.name,
            items.len() - ok,
            verify_summary(items)
        );
    }
    exit_for(items)
}

/// `; 1 of 2 page(s) verified fresh everywhere`, with --verify only.
fn verify_summary(items: &[Item]) -> String {
    if items.iter().all(|i| i.verifications.is_none()) {
        return String::new();
    }
    let verified: Vec<&Verification> = items
        .iter()
        .flat_map(|i| i.verifications.iter().flatten())
        .collect();
    let fresh = verified
        .iter()
        .filter(|v| v.verdict == Verdict::FreshEverywhere)
        .count();
    format!(
        "; {fresh} of {} page(s) verified fresh everywhere",
        verified.len()
    )
}

fn is_ok(item: &Item) -> bool {
    item.outcome.as_ref().is_some_and(|o| o.kind.is_success())
}

fn result_json(site: &Site, item: &Item) -> Value {
    let mut result = json!({
        "target": item.target,
        "request": masked_summary(&site.endpoint, &item.target),
        "lint": item.lint,
        "outcome": item.outcome.as_ref().map(to_value),
    });
    if let (Some(v), Some(obj)) = (&item.verifications, result.as_object_mut()) {
        obj.insert("verifications".into(), to_value(v));
    }
    result
}

fn summary_json(items: &[Item]) -> Value {
    let ok = items.iter().filter(|i| is_ok(i)).count();
    let refused = items
        .iter()
        .filter(|i| {
            i.outcome
                .as_ref()
                .is_some_and(|o| o.kind == OutcomeKind::Refused)
        })
        .count();
    json!({ "total": items.len(), "revalidated": ok, "refused": refused, "failed": items.iter().filter(|i| i.outcome.is_some()).count() - ok })
}

fn exit_for(items: &[Item]) -> Exit {
    // With --verify, a revalidation counts only once seen fresh everywhere.
    let verified = |i: &Item| match &i.verifications {
        None => true,
        Some(v) => !v.is_empty() && v.iter().all(|v| v.verdict == Verdict::FreshEverywhere),
    };
    let all_fine = items
        .iter()
        .all(|i| i.outcome.as_ref().is_none_or(|o| o.kind.is_success()) && verified(i));
    if all_fine { Exit::Ok } else { Exit::Failed }
}

/// A progress line on stderr for bulk runs, only when stderr is a terminal.
struct Progress {
    total: usize,
    done: usize,
    failed: usize,
    enabled: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        Progress {
            total,
            done: 0,
            failed: 0,
            enabled: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    fn finished(&mut self, ok: bool) {
        self.done += 1;
        if !ok {
            self.failed += 1;
        }
    }

    fn show(&self) {
        if self.enabled {
            eprint!("\r[{}/{}] {} failed ", self.done, self.total, self.failed);
            let _ = std::io::stderr().flush();
        }
    }

    fn clear(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}

/// `--verify`: per target, fingerprint its pages, send, and poll every
/// layer; results print and go to history as each target finishes.
async fn verify_all(
    ctx: &CheckContext,
    job: std::sync::Arc<Job>,
    items: &mut [Item],
    history: Option<&History>,
    args: &RevalidateArgs,
) {
    let cancel = CancellationToken::new();
    let mut running = FuturesUnordered::new();
    for (i, item) in items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.outcome.is_none())
    {
        let (target, job, cancel) = (item.target.clone(), job.clone(), cancel.clone());
        let pages = verify::pages_for(&ctx.site, &target);
        running.push(async move {
            let result =
                verify::revalidate_and_verify(ctx, &job, &target, &pages, args.deadline, &cancel)
                    .await;
            (i, result)
        });
    }
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            next = running.next() => match next {
                Some((i, (outcome, verifications))) => {
                    finish_verified(&ctx.site, history, &mut items[i], outcome, verifications, args.json);
                }
                None => break,
            },
            _ = &mut ctrl_c, if !cancel.is_cancelled() => {
                eprintln!("cancelling: no new requests; verification stops");
                cancel.cancel();
            }
        }
    }
}

fn finish_verified(
    site: &Site,
    history: Option<&History>,
    item: &mut Item,
    outcome: Outcome,
    verifications: Vec<Verification>,
    json: bool,
) {
    record_result(site, history, &item.target, &outcome);
    let records: Vec<Record> = verifications
        .iter()
        .map(Verification::history_record)
        .collect();
    if let Some(Err(e)) = history.map(|h| h.append_all(&records)) {
        eprintln!("warning: cannot write history: {e}");
    }
    if !json {
        print_result(&item.target, &outcome);
        print_verifications(&item.target, &outcome, &verifications);
    }
    item.outcome = Some(outcome);
    item.verifications = Some(verifications);
}

fn print_verifications(target: &Target, outcome: &Outcome, verifications: &[Verification]) {
    if outcome.kind.is_success() && verifications.is_empty() {
        println!(
            "    verify: no page to watch for {target}: add routes with this tag to the config, or revalidate with --path"
        );
    }
    for v in verifications {
        println!(
            "    verify {}: {} ({})",
            v.page,
            v.explanation,
            v.verdict.as_str()
        );
        for line in verify::finding(crate::checks::CheckId::Verify, v)
            .evidence
            .iter()
            .skip(1)
        {
            println!("      {line}");
        }
        if let Some(fix) = &v.fix {
            println!("    fix: {fix}");
        }
    }
}
