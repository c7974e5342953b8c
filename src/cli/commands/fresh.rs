//! `isrctl fresh SITE --path P…|--tag T…|--paths-from FILE`: revalidate on
//! every origin, wait until each serves the new page, purge the CDN,
//! verify every layer; each step printed as it happens, then a verdict.
//! Exit 0 only when every layer serves the new page. Also what
//! `revalidate --every-origin --purge --verify` runs.

use crate::cli::drive::Driver;
use crate::cli::flags::{RevalidateArgs, confirmed, planned_or_say_why};

use crate::cli::output::Output;
use crate::cli::print::{print_purge_outcome as print_purge, print_result, print_verifications};
use crate::cli::unknown_site;
use crate::engine::verify::{Verdict, Verification};
use crate::engine::{EngineEvent, Planned};
use crate::model::config::{Config, Site};
use crate::model::exit::Exit;
use crate::model::outcome::Outcome;
use crate::model::purge::PurgeOutcome;
use crate::model::redact::Redactor;
use crate::model::target::Target;
use serde::Serialize;

/// The `fresh` report (README, "JSON output").
#[derive(Serialize)]
struct FreshReport {
    site: String,
    results: Vec<FreshResult>,
    /// Every page of every target serves the new page at every layer.
    fresh: bool,
}

#[derive(Serialize)]
struct FreshResult {
    target: Target,
    /// One per origin instance (or the endpoint), secret masked.
    revalidations: Vec<Sent>,
    /// What happened between: origins fresh, purge skipped and why.
    steps: Vec<String>,
    purges: Vec<PurgeOutcome>,
    verifications: Vec<Verification>,
}

#[derive(Serialize)]
struct Sent {
    request: String,
    outcome: Outcome,
}

/// `isrctl fresh`.
pub async fn run(config: &Config, mut args: RevalidateArgs) -> Exit {
    let Some(site) = config.site(&args.targets.site) else {
        return unknown_site(config, &args.targets.site);
    };
    args.purge = true;
    match planned_or_say_why(site, &args, "make fresh") {
        Some(planned) => send(site, planned, &args).await,
        None => Exit::Usage,
    }
}

/// Run `fresh` (with the purge when `args.purge`) on planned targets.
pub(super) async fn send(site: &Site, planned: Vec<Planned>, args: &RevalidateArgs) -> Exit {
    if args.dry_run {
        errln!(
            "error: --dry-run shows single requests: use `isrctl revalidate --dry-run` and `isrctl purge --dry-run`"
        );
        return Exit::Usage;
    }
    if confirmed(site, &planned, args).is_none() {
        return Exit::Usage;
    }
    let mut results: Vec<FreshResult> = planned
        .iter()
        .map(|p| FreshResult {
            target: p.target.clone(),
            revalidations: Vec::new(),
            steps: Vec::new(),
            purges: Vec::new(),
            verifications: Vec::new(),
        })
        .collect();
    let refused = planned.iter().any(Planned::is_refused);
    // `revalidate --verify` on every origin runs this without the purge,
    // and prints revalidate's document, not fresh's.
    let as_revalidate = (!args.purge)
        .then(|| super::revalidate_report::RevalidateReport::new(site, &planned, false, true));
    let driver = Driver::new(site, args.targets.reason.as_deref());
    let engine = &driver.engine;
    let operation = engine.fresh(0, planned, args.verify_plan(), args.purge);
    let output = args.output;
    let on_cancel = "cancelling: no new requests; verification stops";
    let driven = driver
        .run(operation, on_cancel, |event| {
            render(&mut results, output, event)
        })
        .await;
    if driven.not_started {
        return Exit::Usage;
    }
    match as_revalidate {
        Some(report) => finish_as_revalidate(report, results, output),
        None => finish(site, results, refused, output),
    }
}

/// The results as `revalidate --verify` reports them: each origin's
/// answer as an instance, the verifications on their target.
fn finish_as_revalidate(
    mut report: super::revalidate_report::RevalidateReport,
    results: Vec<FreshResult>,
    output: Output,
) -> Exit {
    for result in results {
        for sent in result.revalidations {
            report.add_instance(&result.target, sent.request, sent.outcome);
        }
        report.set_verifications(&result.target, result.verifications);
    }
    super::revalidate_report::finish(&report, output)
}

fn render(results: &mut [FreshResult], output: Output, event: EngineEvent) {
    match event {
        EngineEvent::FreshSent {
            target,
            request,
            outcome,
            ..
        }
        | EngineEvent::Finished {
            target,
            request,
            outcome,
            ..
        } => {
            output.human(|| {
                print_result(&target, &outcome);
                outln!("    via {request}");
            });
            if let Some(r) = result_for(results, &target) {
                r.revalidations.push(Sent {
                    request,
                    outcome: *outcome,
                });
            }
        }
        EngineEvent::Step { target, text, .. } => {
            output.human(|| outln!("  {target}: {text}"));
            if let Some(r) = result_for(results, &target) {
                r.steps.push(text);
            }
        }
        EngineEvent::Purged {
            target, outcome, ..
        } => {
            output.human(|| print_purge(&outcome));
            if let Some(r) = target.and_then(|t| result_for(results, &t)) {
                r.purges.push(*outcome);
            }
        }
        EngineEvent::FreshDone {
            target,
            outcome,
            verifications,
            ..
        } => {
            output.human(|| print_verifications(&target, &outcome, &verifications));
            if let Some(r) = result_for(results, &target) {
                r.verifications = verifications;
            }
        }
        _ => {}
    }
}

fn result_for<'a>(results: &'a mut [FreshResult], target: &Target) -> Option<&'a mut FreshResult> {
    results.iter_mut().find(|r| &r.target == target)
}

fn finish(site: &Site, results: Vec<FreshResult>, refused: bool, output: Output) -> Exit {
    let fresh = !refused
        && results.iter().all(|r| {
            !r.verifications.is_empty()
                && r.verifications
                    .iter()
                    .all(|v| v.verdict == Verdict::FreshEverywhere)
        });
    let report = FreshReport {
        site: site.name.clone(),
        results,
        fresh,
    };
    output.report("fresh", &report, &Redactor::default(), |report| {
        let verifications = report.results.iter().flat_map(|r| &r.verifications);
        let pages = verifications.clone().count();
        let good = verifications
            .filter(|v| v.verdict == Verdict::FreshEverywhere)
            .count();
        let verdict = if fresh { "fresh" } else { "NOT fresh" };
        outln!(
            "{verdict}: {good} of {pages} page(s) on {} serve the new page at every layer",
            report.site
        );
    });
    if fresh { Exit::Ok } else { Exit::Failed }
}
