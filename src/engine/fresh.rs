//! `fresh`, the whole operation in one place: make a page fresh at every
//! layer, and prove it — revalidate on every origin instance, wait until
//! each serves the new page, purge the CDN, then watch the public URL until
//! it serves the new page too. Every-origin revalidation (the first step
//! alone) lives here as well.
//!
//! The order matters (Next.js 16): after `revalidateTag(t, 'max')` the
//! next origin answer is STALE *with the old page*; a purge before the
//! origins serve the new page would make the CDN fetch and keep the old
//! one again. So the purge waits for every origin, and happens whenever
//! the origins agree on one page — also when that page did not change in
//! this run (someone else revalidated, time-based ISR ran): then the CDN's
//! copy is what is stale, and the purge is what fixes it. The CDN, and the
//! page's RSC variant there, are then judged against the origins' page.

use super::{Engine, EngineEvent, Outbox, Planned, SiteId, StartError, not_started};

mod cdn_only;
mod purge_steps;
use crate::engine::session::Session;
use crate::engine::verify::{
    Gate, SentTo, Verification, Watching, fingerprint, note_stale_cdn, verdict_on, watch_rsc,
};
use crate::engine::verify::{Verified, VerifyPlan, retry_words, with_retry};
use crate::model::endpoint::masked_summary;
use crate::model::outcome::Outcome;
use crate::model::purge::PurgeOutcome;
use crate::model::target::Target;
use crate::model::trouble::Trouble;
use crate::wire::purge::Purger;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use purge_steps::{purge_step, purge_step_now};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Whether `fresh` purges: not asked (every-origin verify), asked with no
/// purge configured (said so), or with the site's purger.
#[derive(Clone, Copy)]
pub enum Purging<'a> {
    Off,
    NotConfigured,
    Using(&'a Purger),
}

/// One revalidation request of a fan-out: where it went and how it ended.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The request, secret masked (its URL says which instance).
    pub request: String,
    pub outcome: Outcome,
}

/// What `fresh` reports as it goes.
#[derive(Clone, Debug)]
pub enum FreshStep {
    Revalidated(Sent),
    /// Every origin serves the new page (or not, and why the purge waits no longer).
    Origins(String),
    Purged(PurgeOutcome),
    /// Why nothing was purged.
    PurgeSkipped(String),
    /// How the purge goes: softly, or hard and why.
    PurgeChosen(String),
    /// `--retry-after`: the content did not change; all of it again soon.
    Retrying(String),
    /// How the purge's long wait is going (a CloudFront invalidation).
    Waiting(String),
}

/// Send the revalidation to every origin instance (the endpoint's path on
/// each), or to the endpoint alone when it cannot be (no origins, or an
/// absolute endpoint URL). All within the site's limits.
pub async fn send_everywhere(
    session: &Session,
    target: &Target,
    cancel: &CancellationToken,
) -> Result<Vec<Sent>, Trouble> {
    let job = session.job()?;
    let secret = session
        .secret()
        .as_ref()
        .map_err(|e| Trouble::unavailable(e.to_string()))?;
    let places = session.site.endpoint.on_every_origin(&session.site.origins);
    let sends = places.into_iter().map(|profile| async move {
        let request = masked_summary(&profile, target);
        let outcome = match profile.prepare(target, secret) {
            Ok(prepared) => job.send_prepared(prepared, cancel).await,
            Err(reason) => Outcome::refused(reason.to_string()),
        };
        Sent { request, outcome }
    });
    Ok(futures::future::join_all(sends).await)
}

/// Revalidate everywhere, wait for the origins, purge, verify. `report`
/// hears each step as it happens; the verifications are the result (none
/// when no revalidation succeeded).
pub async fn make_fresh(
    session: &Session,
    purging: Purging<'_>,
    target: &Target,
    pages: &[String],
    deadline: Duration,
    cancel: &CancellationToken,
    report: &(dyn Fn(FreshStep) + Sync),
) -> Result<(Outcome, Vec<Verification>), Trouble> {
    let watches = fingerprint(session, pages).await;
    let sent = send_everywhere(session, target, cancel).await?;
    for s in &sent {
        report(FreshStep::Revalidated(s.clone()));
    }
    let Some(outcome) = sent
        .iter()
        .map(|s| s.outcome.clone())
        .find(|o| o.kind.is_success())
    else {
        let because = (pages, cdn_only::Because::NotRevalidated);
        cdn_only::purge_stale_copies(session, purging, because, (deadline, cancel), report).await;
        let first = sent.into_iter().next().map(|s| s.outcome);
        return Ok((
            first.unwrap_or_else(|| Outcome::refused("nothing sent")),
            Vec::new(),
        ));
    };
    let mut watching = start_watching(session, watches, &sent);
    let origins = watching
        .iter_mut()
        .map(|w| w.poll(Gate::OriginsOnly, target.kind, deadline, cancel));
    futures::future::join_all(origins).await;
    // Every origin re-rendered the page, or they all serve the same one;
    // and it is a page a cache keeps (not broken, gated, per request).
    let not_a_page = watching.iter().find_map(Watching::not_a_cached_page);
    let ready = not_a_page.is_none()
        && watching
            .iter()
            .all(|w| w.origins_fresh() || w.origins_agree().is_some());
    report(FreshStep::Origins(origins_words(&watching)));
    if ready {
        for w in watching.iter_mut() {
            note_stale_cdn(w).await;
        }
    }
    let readiness = match (ready, not_a_page) {
        (true, _) => Ok(()),
        (false, why) => Err(why),
    };
    purge_step(
        session,
        purging,
        readiness,
        (target, &watching),
        (deadline, cancel),
        report,
    )
    .await;
    let public = watching.iter_mut().map(|w| async {
        w.poll(Gate::Everything, target.kind, deadline, cancel)
            .await;
        w.rsc = watch_rsc(w, target.kind, deadline, cancel).await;
    });
    futures::future::join_all(public).await;
    let verifications = watching
        .into_iter()
        .map(|w| verdict_on(session, w, target, &outcome, deadline))
        .collect();
    Ok((outcome, verifications))
}

/// Watch each page, knowing where the revalidation went: to each origin,
/// and whether the endpoint rendered the page before it answered.
fn start_watching(
    session: &Session,
    watches: Vec<crate::engine::verify::Watch>,
    sent: &[Sent],
) -> Vec<Watching> {
    let mut watching: Vec<Watching> = watches.into_iter().map(Watching::start).collect();
    let origin_count = session.site.origins.len();
    let every_origin_answered = sent.iter().all(|s| s.outcome.kind.is_success())
        && (sent.len() == origin_count || origin_count == 1);
    if every_origin_answered && session.site.endpoint.renders_before_answering {
        watching.iter_mut().for_each(Watching::rendered_by_endpoint);
    }
    if sent.len() > 1 {
        watching
            .iter_mut()
            .for_each(|w| w.sent_to = SentTo::EachOrigin);
    }
    watching
}

/// "every origin re-rendered the page (origin 1: fresh after 120 ms; …)".
fn origins_words(watching: &[Watching]) -> String {
    let layers: Vec<String> = watching
        .iter()
        .flat_map(|w| w.layers.iter())
        .filter(|l| l.layer != crate::model::observation::LayerKind::Public)
        .map(ToString::to_string)
        .collect();
    let all_fresh = watching.iter().all(Watching::origins_fresh);
    let all_agree = watching.iter().all(|w| w.origins_agree().is_some());
    let head = match (all_fresh, all_agree) {
        (true, _) => "every origin serves the new page",
        (false, true) => {
            "the origins serve the same page, though not every one showed a new render"
        }
        (false, false) => "not every origin serves the new page",
    };
    format!("{head} ({})", layers.join("; "))
}

impl Engine {
    /// Revalidate each planned target on every origin instance: one
    /// `Finished` event (and history record) per instance.
    pub fn revalidate_everywhere(&self, site: SiteId, planned: Vec<Planned>) -> JoinHandle<()> {
        self.sending(
            site,
            planned,
            move |engine, mut out, session, targets, cancel| async move {
                let sends = targets.into_iter().map(|target| {
                    let (session, cancel) = (session.clone(), cancel.clone());
                    async move {
                        let sent = send_everywhere(&session, &target, &cancel).await;
                        (target, sent)
                    }
                });
                let mut running: FuturesUnordered<_> = sends.collect();
                while let Some((target, sent)) = running.next().await {
                    match sent {
                        Ok(sent) => sent
                            .into_iter()
                            .for_each(|s| engine.sent(&mut out, site, &session, &target, s)),
                        Err(why) => {
                            out.send(not_started(site, vec![target], StartError::Secret(why)))
                        }
                    }
                }
                out
            },
        )
    }

    /// Make each planned target fresh everywhere: revalidate on every
    /// origin, wait for them, purge the CDN, verify every layer. Steps
    /// stream as they happen; one `FreshDone` per target ends it.
    /// Without `purge`, the CDN is left alone (every-origin verify).
    pub fn fresh(
        &self,
        site: SiteId,
        planned: Vec<Planned>,
        plan: impl Into<VerifyPlan>,
        purge: bool,
    ) -> JoinHandle<()> {
        let plan = plan.into();
        self.sending(
            site,
            planned,
            move |engine, mut out, session, targets, cancel| async move {
                let purger = match (&session.site.purge, purge) {
                    (Some(_), true) => match engine.purger(site).await {
                        Ok(purger) => Some(purger),
                        Err(reason) => {
                            out.send(not_started(site, targets, reason));
                            return out;
                        }
                    },
                    _ => None,
                };
                let work = (site, session, (purge, purger), plan, cancel);
                engine.fresh_all(&mut out, work, targets).await;
                out
            },
        )
    }

    async fn fresh_all(
        &self,
        out: &mut Outbox,
        (site, session, (purge, purger), plan, cancel): FreshWork,
        targets: Vec<Target>,
    ) {
        let mut running: FuturesUnordered<_> = targets
            .into_iter()
            .map(|target| {
                let (session, purger, cancel) = (session.clone(), purger.clone(), cancel.clone());
                let engine = self.clone();
                async move {
                    let pages = crate::engine::verify::pages_for(&session.site, &target);
                    let report = |step: FreshStep| engine.fresh_step(site, &session, &target, step);
                    let purging = match (purger.as_deref(), purge) {
                        (Some(purger), _) => Purging::Using(purger),
                        // Straight from an origin: no CDN to purge or blame.
                        (None, true) if session.site.public_is_an_origin() => Purging::Off,
                        (None, true) => Purging::NotConfigured,
                        (None, false) => Purging::Off,
                    };
                    let attempt = || {
                        make_fresh(
                            &session,
                            purging,
                            &target,
                            &pages,
                            plan.deadline,
                            &cancel,
                            &report,
                        )
                    };
                    let first = |(_, verifications): Verified, wait: Duration| {
                        engine.inner.recorder.verifications(&verifications);
                        report(FreshStep::Retrying(retry_words(wait)));
                    };
                    let result = with_retry(&plan, &cancel, attempt, first).await;
                    (target, result, cancel.is_cancelled())
                }
            })
            .collect();
        while let Some((target, result, interrupted)) = running.next().await {
            match result {
                Ok((outcome, mut verifications)) => {
                    crate::engine::verify::Verification::mark_stopped(
                        &mut verifications,
                        interrupted,
                    );
                    self.inner.recorder.verifications(&verifications);
                    out.send(EngineEvent::FreshDone {
                        site,
                        target,
                        outcome: Box::new(outcome),
                        verifications,
                    });
                }
                Err(why) => out.send(not_started(site, vec![target], StartError::Secret(why))),
            }
        }
    }

    /// A step of `fresh`, as it happens: recorded, then told.
    fn fresh_step(&self, site: SiteId, session: &Session, target: &Target, step: FreshStep) {
        match step {
            FreshStep::Revalidated(sent) => {
                let (request, outcome) = (sent.request, sent.outcome);
                self.inner
                    .recorder
                    .revalidation(&session.site, target, &outcome);
                self.emit(EngineEvent::FreshSent {
                    site,
                    target: target.clone(),
                    request,
                    outcome: Box::new(outcome),
                });
            }
            FreshStep::Purged(outcome) => {
                self.inner.recorder.purge(&session.site.name, &outcome);
                self.emit(EngineEvent::Purged {
                    site,
                    target: Some(target.clone()),
                    outcome: Box::new(outcome),
                });
            }
            FreshStep::Origins(text)
            | FreshStep::PurgeSkipped(text)
            | FreshStep::PurgeChosen(text)
            | FreshStep::Retrying(text)
            | FreshStep::Waiting(text) => self.emit(EngineEvent::Step {
                site,
                target: target.clone(),
                text,
            }),
        }
    }

    fn sent(&self, out: &mut Outbox, site: SiteId, session: &Session, target: &Target, sent: Sent) {
        self.inner
            .recorder
            .revalidation(&session.site, target, &sent.outcome);
        out.send(EngineEvent::Finished {
            site,
            target: target.clone(),
            request: sent.request,
            outcome: Box::new(sent.outcome),
        });
    }
}

type FreshWork = (
    SiteId,
    Arc<Session>,
    (bool, Option<Arc<Purger>>),
    VerifyPlan,
    CancellationToken,
);
