//! The `revalidate` report: one value that the JSON document serialises
//! and the human summary reads (README, "JSON output").

use crate::cli::output::Output;
use crate::engine::Planned;
use crate::engine::verify::{Verdict, Verification};
use crate::model::config::Site;
use crate::model::endpoint::masked_summary;
use crate::model::exit::Exit;
use crate::model::outcome::{Outcome, OutcomeKind};
use crate::model::paths::LintFinding;
use crate::model::target::Target;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct RevalidateReport {
    pub site: String,
    pub dry_run: bool,
    pub results: Vec<TargetResult>,
    pub summary: Summary,
    /// Where each target's result is: a bulk run sets 10,000 results, and
    /// a search per result made that quadratic.
    #[serde(skip)]
    index: std::collections::HashMap<Target, usize>,
}

#[derive(Debug, Serialize)]
pub struct TargetResult {
    pub target: Target,
    /// The request as it is (or would be) sent, secret masked.
    pub request: String,
    pub lint: Vec<LintFinding>,
    /// `None` in a dry run unless refused, or when it was never sent.
    pub outcome: Option<Outcome>,
    /// With `--verify` only: one per page watched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verifications: Option<Vec<Verification>>,
    /// With `--every-origin`: one result per origin instance (`outcome`
    /// is then the first failure, or a success when all succeeded).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<Instance>,
    /// A dry run of an every-origin revalidation: each request the real
    /// run sends, one per origin instance.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub would_send: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Instance {
    /// The request to this instance, secret masked.
    pub request: String,
    pub outcome: Outcome,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub total: usize,
    pub revalidated: usize,
    pub refused: usize,
    pub failed: usize,
    /// Never sent: Ctrl-C came first (not failures: nothing happened).
    pub not_sent: usize,
}

impl RevalidateReport {
    pub fn new(site: &Site, planned: &[Planned], dry_run: bool, verify: bool) -> Self {
        let results: Vec<TargetResult> = planned
            .iter()
            .map(|p| TargetResult {
                target: p.target.clone(),
                request: masked_summary(&site.endpoint, &p.target),
                lint: p.lint.clone(),
                outcome: p.refusal.clone(),
                verifications: (verify && !dry_run).then(Vec::new),
                instances: Vec::new(),
                would_send: Vec::new(),
            })
            .collect();
        let index = planned
            .iter()
            .enumerate()
            .map(|(i, p)| (p.target.clone(), i))
            .collect();
        let total = results.len();
        let mut report = RevalidateReport {
            site: site.name.clone(),
            dry_run,
            results,
            summary: Summary {
                total,
                ..Summary::default()
            },
            index,
        };
        // Refusals are outcomes from the start: counted like any other.
        for i in 0..total {
            report.recount(None, i);
        }
        report
    }

    /// In a dry run with every-origin: list each origin's request.
    pub fn would_send_everywhere(&mut self, site: &Site, every_origin: bool) {
        if !every_origin {
            return;
        }
        let places = site.endpoint.on_every_origin(&site.origins);
        for result in self.results.iter_mut().filter(|r| r.outcome.is_none()) {
            result.would_send = places
                .iter()
                .map(|p| masked_summary(p, &result.target))
                .collect();
            // The first place it goes, not the public endpoint, which an
            // every-origin run never contacts.
            if let Some(first) = result.would_send.first() {
                result.request = first.clone();
            }
        }
    }

    /// Put an outcome (and verifications) on its target's result.
    pub fn set(
        &mut self,
        target: &Target,
        outcome: Outcome,
        verifications: Option<Vec<Verification>>,
    ) {
        let Some(&i) = self.index.get(target) else {
            return;
        };
        let before = self.results[i].outcome.replace(kept(outcome));
        self.recount(before.as_ref(), i);
        if verifications.is_some() {
            self.results[i].verifications = verifications;
        }
    }

    /// Move one result's count from its old outcome to its new one.
    fn recount(&mut self, before: Option<&Outcome>, i: usize) {
        let tally = |summary: &mut Summary, outcome: &Outcome, add: bool| {
            let step = |n: &mut usize| *n = if add { *n + 1 } else { n.saturating_sub(1) };
            if outcome.kind.is_success() {
                step(&mut summary.revalidated);
            } else if outcome.kind == OutcomeKind::Cancelled {
                step(&mut summary.not_sent);
            } else {
                step(&mut summary.failed);
                if outcome.kind == OutcomeKind::Refused {
                    step(&mut summary.refused);
                }
            }
        };
        if let Some(before) = before {
            tally(&mut self.summary, before, false);
        }
        if let Some(now) = &self.results[i].outcome {
            let now = now.clone();
            tally(&mut self.summary, &now, true);
        }
    }

    /// A target's verifications, its outcome set apart.
    pub fn set_verifications(&mut self, target: &Target, verifications: Vec<Verification>) {
        if let Some(&i) = self.index.get(target) {
            self.results[i].verifications = Some(verifications);
        }
    }

    /// One instance's outcome of an every-origin revalidation.
    pub fn add_instance(&mut self, target: &Target, request: String, outcome: Outcome) {
        let Some(&i) = self.index.get(target) else {
            return;
        };
        let outcome = kept(outcome);
        let failed_before = self.results[i]
            .outcome
            .as_ref()
            .is_some_and(|o| !o.kind.is_success());
        if !failed_before {
            let before = self.results[i].outcome.replace(outcome.clone());
            self.recount(before.as_ref(), i);
        }
        self.results[i]
            .instances
            .push(Instance { request, outcome });
    }

    /// The targets Ctrl-C left unsent.
    pub fn unsent(&self) -> impl Iterator<Item = &Target> {
        self.results
            .iter()
            .filter(|r| {
                r.outcome
                    .as_ref()
                    .is_some_and(|o| o.kind == OutcomeKind::Cancelled)
            })
            .map(|r| &r.target)
    }

    /// `; 1 of 2 page(s) verified fresh everywhere`, with --verify only.
    pub fn verify_summary(&self) -> String {
        if self.results.iter().all(|r| r.verifications.is_none()) {
            return String::new();
        }
        let verified: Vec<&Verification> = self
            .results
            .iter()
            .flat_map(|r| r.verifications.iter().flatten())
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

    /// Every target revalidated (and, with --verify, seen fresh everywhere).
    pub fn all_fine(&self) -> bool {
        self.results.iter().all(|r| {
            let sent_fine = r
                .outcome
                .as_ref()
                .is_none_or(|o| o.kind.is_success() || o.kind == OutcomeKind::Cancelled);
            let verified = match &r.verifications {
                None => true,
                Some(v) => !v.is_empty() && v.iter().all(|v| v.verdict == Verdict::FreshEverywhere),
            };
            sent_fine && verified
        })
    }
}

/// What the report keeps of an outcome: not the response's headers and
/// body excerpt (the console's details pane shows those; no command line
/// output does), which were most of a 10,000-target run's memory.
fn kept(mut outcome: Outcome) -> Outcome {
    outcome.response_headers = Vec::new();
    outcome.body_excerpt = None;
    outcome
}

/// The report at the end: its JSON document, or its summary line.
pub(super) fn finish(report: &RevalidateReport, output: Output) -> Exit {
    output.report("revalidate", report, &Default::default(), |report| {
        let s = &report.summary;
        let not_sent = match s.not_sent {
            0 => String::new(),
            n => format!(", {n} not sent"),
        };
        outln!(
            "{} target(s) on {}: {} revalidated, {} failed{not_sent}{}",
            s.total,
            report.site,
            s.revalidated,
            s.failed,
            report.verify_summary()
        );
    });
    exit_for(report)
}

pub(super) fn exit_for(report: &RevalidateReport) -> Exit {
    if report.all_fine() {
        Exit::Ok
    } else {
        Exit::Failed
    }
}
