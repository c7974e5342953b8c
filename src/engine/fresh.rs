//! `fresh` and every-origin revalidation: the operations that go past one
//! endpoint — to each origin instance, then to the CDN's purge.

use super::{Engine, EngineEvent, Outbox, Planned, SiteId, StartError, not_started};
use crate::engine::session::Session;
use crate::engine::verify::fresh::{FreshStep, Sent, make_fresh, send_everywhere};
use crate::model::target::Target;
use crate::wire::purge::Purger;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

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
        deadline: Duration,
        purge: bool,
    ) -> JoinHandle<()> {
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
                let work = (site, session, purger, deadline, cancel);
                engine.fresh_all(&mut out, work, targets).await;
                out
            },
        )
    }

    async fn fresh_all(
        &self,
        out: &mut Outbox,
        (site, session, purger, deadline, cancel): FreshWork,
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
                    let result = make_fresh(
                        &session,
                        purger.as_deref(),
                        &target,
                        &pages,
                        deadline,
                        &cancel,
                        &report,
                    )
                    .await;
                    (target, result, cancel.is_cancelled())
                }
            })
            .collect();
        while let Some((target, result, interrupted)) = running.next().await {
            match result {
                Ok((outcome, verifications)) => {
                    self.inner
                        .recorder
                        .verifications(&verifications, interrupted);
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
            FreshStep::Origins(text) | FreshStep::PurgeSkipped(text) => {
                self.emit(EngineEvent::Step {
                    site,
                    target: target.clone(),
                    text,
                })
            }
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
    Option<Arc<Purger>>,
    Duration,
    CancellationToken,
);
