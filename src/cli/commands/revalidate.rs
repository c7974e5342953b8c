//! `isrctl revalidate SITE --path P… --tag T… [--paths-from FILE|-]`.
//!
//! Targets are planned first (lint, `--no-lint`, what the endpoint cannot
//! express); refused ones are reported and never sent. The engine sends the
//! rest within the site's limits and records each result; this file only
//! asks for confirmation and renders the engine's events.

use super::revalidate_report::{RevalidateReport, exit_for, finish};
use crate::cli::drive::Driver;
use crate::cli::flags::{RevalidateArgs, confirmed, planned_or_say_why};
use crate::cli::output::Output;
use crate::cli::print::{print_result, print_verifications};
use crate::cli::progress::Progress;
use crate::cli::unknown_site;
use crate::engine::EngineEvent;
use crate::model::config::{Config, Site};
use crate::model::endpoint::masked_summary;
use crate::model::exit::Exit;
use crate::model::outcome::OutcomeKind;

pub async fn run(config: &Config, args: RevalidateArgs) -> Exit {
    let Some(site) = config.site(&args.targets.site) else {
        return unknown_site(config, &args.targets.site);
    };
    let Some(planned) = planned_or_say_why(site, &args, "revalidate") else {
        return Exit::Usage;
    };
    let every_origin = args.every_origin || site.endpoint.each_origin;
    if args.retry_after.is_some() && !(args.verify || args.purge) {
        errln!("error: --retry-after repeats a verification: add --verify (or use `isrctl fresh`)");
        return Exit::Usage;
    }
    let mut report = RevalidateReport::new(site, &planned, args.dry_run, args.verify);
    if args.dry_run {
        report.would_send_everywhere(site, every_origin);
        return dry_run(site, &report, args.output);
    }
    // Verification of an every-origin revalidation is `fresh` without the purge.
    if args.purge || (args.verify && every_origin) {
        return super::fresh::send(site, planned, &args).await;
    }
    let Some(sendable) = confirmed(site, &planned, &args) else {
        return Exit::Usage;
    };
    send(site, planned, &args, report, sendable).await
}

/// Send the planned targets (verifying with `--verify`), results shown as
/// they arrive and counted on the progress line.
async fn send(
    site: &Site,
    planned: Vec<crate::engine::Planned>,
    args: &RevalidateArgs,
    mut report: RevalidateReport,
    sendable: usize,
) -> Exit {
    let every_origin = args.every_origin || site.endpoint.each_origin;
    let driver = Driver::new(site, args.targets.reason.as_deref());
    let engine = &driver.engine;
    let operation = if args.verify {
        engine.verify(0, planned, args.verify_plan())
    } else if every_origin {
        engine.revalidate_everywhere(0, planned)
    } else {
        engine.revalidate(0, planned)
    };
    let mut progress = Progress::new(sendable);
    let shown = Shown {
        output: args.output,
        every_origin,
    };
    let on_cancel = if args.verify {
        "cancelling: no new requests; verification stops"
    } else {
        "cancelling: no new requests; waiting for those in flight"
    };
    let driven = driver
        .run(operation, on_cancel, |event| {
            progress.clear();
            shown.event(event, &mut report, &mut progress);
            progress.show();
        })
        .await;
    progress.clear();
    if driven.not_started {
        return Exit::Usage;
    }
    let exit = finish(&report, args.output);
    let reason = args.targets.reason.as_deref();
    let why = crate::cli::unsent::CTRL_C;
    crate::cli::unsent::report(&site.name, reason, why, report.unsent());
    if driven.interrupted {
        Exit::Interrupted
    } else {
        exit
    }
}

/// How results are shown: to whom, and whether each names its instance.
struct Shown {
    output: Output,
    every_origin: bool,
}

impl Shown {
    fn event(&self, event: EngineEvent, report: &mut RevalidateReport, progress: &mut Progress) {
        let output = self.output;
        match event {
            // Never sent: counted and listed once at the end, not one line each.
            EngineEvent::Finished {
                target, outcome, ..
            } if outcome.kind == OutcomeKind::Cancelled => report.set(&target, *outcome, None),
            EngineEvent::Finished {
                target,
                outcome,
                request,
                ..
            } => {
                progress.finished(outcome.kind.is_success());
                output.human(|| {
                    print_result(&target, &outcome);
                    if self.every_origin {
                        outln!("    via {request}");
                    }
                });
                match self.every_origin {
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
                output.human(|| {
                    print_result(&target, &outcome);
                    print_verifications(&target, &outcome, &verifications);
                });
                report.set(&target, *outcome, Some(verifications));
            }
            EngineEvent::Step { target, text, .. } => output.human(|| outln!("  {target}: {text}")),
            _ => {}
        }
    }
}

fn dry_run(site: &Site, report: &RevalidateReport, output: Output) -> Exit {
    output.report("revalidate", report, &Default::default(), |report| {
        outln!(
            "dry run: nothing sent; secret from {}",
            site.secret.describe()
        );
        for result in &report.results {
            match &result.outcome {
                Some(outcome) => outln!("refused  {}: {}", result.target, outcome.explanation),
                None if !result.would_send.is_empty() => {
                    for request in &result.would_send {
                        outln!("would send  {request}");
                    }
                }
                None => outln!(
                    "would send  {}",
                    masked_summary(&site.endpoint, &result.target)
                ),
            }
        }
    });
    exit_for(report)
}
