//! The engine: the one place that carries out work for both faces.
//!
//! It keeps a [`Session`] per site (opened on first use, off the async
//! threads, so a password manager runs once per site per program run), and
//! offers the operations — revalidate, verify, checks, probe, cancel — each
//! a tokio task that streams [`EngineEvent`]s over the engine's one channel
//! and writes history itself ([`record`] holds the rules). The command line
//! prints the events; the console turns them into messages. Nothing here
//! knows about the terminal.
//!
//! May use: `wire`, `history`, `model`.

pub mod checks;
pub mod discover;
pub mod event;
mod fresh;
mod history_feed;
pub mod plan;
pub mod probe;
mod purge;
pub use purge::PURGE_WAIT;
mod record;
mod route_index;
mod run_checks;
pub(crate) mod session;
mod sitemaps;
pub mod stale;
pub mod status;
pub(crate) mod verify;
pub mod watcher;

pub use event::{EngineEvent, SiteId, StartError};
pub use plan::{Planned, plan, plan_one};
pub use sitemaps::{SitemapRoutes, sitemap_routes};

use crate::engine::session::Session;
use crate::engine::verify::{Verified, VerifyPlan};
use crate::history::History;
use crate::model::config::Site;
use crate::model::endpoint::masked_summary;
use crate::model::outcome::Outcome;
use crate::model::target::Target;
use crate::wire::job_runner::{self, PauseListener};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use record::Recorder;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The most results a bulk run records in one append.
const BATCH_MAX: usize = 512;

/// Cheap to clone: clones share sessions, history and the event channel.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    sites: Vec<Site>,
    sessions: tokio::sync::Mutex<HashMap<SiteId, Arc<Session>>>,
    recorder: Recorder,
    events: UnboundedSender<EngineEvent>,
    /// Replaced after each cancel, so later work starts uncancelled.
    cancel: Mutex<CancellationToken>,
}

impl Engine {
    /// An engine over `sites`; every event of every operation arrives on
    /// the returned receiver.
    pub fn new(
        sites: Vec<Site>,
        history: Option<Arc<History>>,
    ) -> (Engine, UnboundedReceiver<EngineEvent>) {
        let (events, receiver) = mpsc::unbounded_channel();
        let inner = Inner {
            sites,
            sessions: tokio::sync::Mutex::default(),
            recorder: Recorder::new(history, events.clone()),
            events,
            cancel: Mutex::new(CancellationToken::new()),
        };
        let engine = Engine {
            inner: Arc::new(inner),
        };
        (engine, receiver)
    }

    /// Why the operator does what follows (`--reason`, the console's
    /// prompt): recorded with every history record from now on; `None`
    /// stops it.
    pub fn set_reason(&self, reason: Option<&str>) {
        self.inner.recorder.set_reason(reason);
    }

    /// Results that could not be written to history (a full disk).
    pub fn not_recorded(&self) -> usize {
        self.inner.recorder.lost()
    }

    pub fn site(&self, site: SiteId) -> Option<&Site> {
        self.inner.sites.get(site)
    }

    /// The site's session, opened on first use; it has read no secret yet.
    pub async fn session(&self, site: SiteId) -> Result<Arc<Session>, StartError> {
        let config = self.site(site).ok_or(StartError::UnknownSite(site))?;
        let mut sessions = self.inner.sessions.lock().await;
        if let Some(session) = sessions.get(&site) {
            return Ok(session.clone());
        }
        let session = Session::open(config, self.pause_listener(site))
            .map(Arc::new)
            .map_err(StartError::Client)?;
        sessions.insert(site, session.clone());
        Ok(session)
    }

    /// The site's session with its revalidation secret read (once): what
    /// revalidating, verifying and the checks need.
    pub async fn revalidating_session(&self, site: SiteId) -> Result<Arc<Session>, StartError> {
        let session = self.session(site).await?;
        session
            .revalidation_ready()
            .await
            .map_err(StartError::Secret)?;
        Ok(session)
    }

    /// Send every planned target that was not refused; refused ones are
    /// reported and recorded at once. One `Finished` event per target.
    pub fn revalidate(&self, site: SiteId, planned: Vec<Planned>) -> JoinHandle<()> {
        self.send(site, planned, None)
    }

    /// Revalidate each planned target and watch its pages until they change
    /// or `deadline` passes; one `Verified` event per target. A site whose
    /// endpoint says `each_origin` is revalidated on every origin and
    /// verified as `fresh` does, without the purge (`FreshDone` events).
    pub fn verify(
        &self,
        site: SiteId,
        planned: Vec<Planned>,
        plan: impl Into<VerifyPlan>,
    ) -> JoinHandle<()> {
        let plan = plan.into();
        if self.site(site).is_some_and(|s| s.endpoint.each_origin) {
            return self.fresh(site, planned, plan, false);
        }
        self.send(site, planned, Some(plan))
    }

    /// Revalidate (and, with a deadline, verify) as one task whose last
    /// event comes after the index is written.
    fn send(
        &self,
        site: SiteId,
        planned: Vec<Planned>,
        verify: Option<VerifyPlan>,
    ) -> JoinHandle<()> {
        self.sending(
            site,
            planned,
            move |engine, mut out, session, targets, cancel| async move {
                match verify {
                    Some(plan) => {
                        let work = (site, session.as_ref(), plan, cancel);
                        engine.verify_all(&mut out, work, targets).await;
                    }
                    None => {
                        engine
                            .send_all(&mut out, site, &session, targets, cancel)
                            .await
                    }
                }
                out
            },
        )
    }

    /// The frame of every operation that sends: refused targets reported
    /// and recorded, the session opened (or why not), then `work`, and the
    /// index written before the last event goes out.
    fn sending<W, F>(&self, site: SiteId, planned: Vec<Planned>, work: W) -> JoinHandle<()>
    where
        W: FnOnce(Engine, Outbox, Arc<Session>, Vec<Target>, CancellationToken) -> F
            + Send
            + 'static,
        F: std::future::Future<Output = Outbox> + Send,
    {
        let engine = self.clone();
        let cancel = self.cancel_token();
        tokio::spawn(async move {
            let mut out = engine.outbox();
            if let Some(targets) = engine.report_refusals(&mut out, site, planned)
                && let Some(session) = engine.sending_session(&mut out, site, &targets).await
            {
                out = work(engine.clone(), out, session, targets, cancel).await;
            }
            out.close(&engine.inner.recorder);
        })
    }

    /// Stop every running operation: no new requests; those in flight
    /// finish within their timeout.
    pub fn cancel_all(&self) {
        let mut cancel = self.lock_cancel();
        cancel.cancel();
        *cancel = CancellationToken::new();
    }

    fn cancel_token(&self) -> CancellationToken {
        self.lock_cancel().clone()
    }

    /// The token is always valid, so a poisoned lock (a panic elsewhere)
    /// changes nothing: keep using it.
    fn lock_cancel(&self) -> std::sync::MutexGuard<'_, CancellationToken> {
        self.inner
            .cancel
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn emit(&self, event: EngineEvent) {
        // Nobody listening any more (the face quit): nothing to do.
        let _ = self.inner.events.send(event);
    }

    fn pause_listener(&self, site: SiteId) -> PauseListener {
        let events = self.inner.events.clone();
        Box::new(move |wait| {
            let _ = events.send(EngineEvent::Waiting { site, wait });
        })
    }

    fn outbox(&self) -> Outbox {
        Outbox {
            events: self.inner.events.clone(),
            held: None,
        }
    }

    fn not_started(&self, site: SiteId, targets: Vec<Target>, reason: StartError) {
        self.emit(EngineEvent::NotStarted {
            site,
            targets,
            reason,
        });
    }

    /// Report and record the refused targets; the rest, or `None` when
    /// the site is unknown.
    fn report_refusals(
        &self,
        out: &mut Outbox,
        site: SiteId,
        planned: Vec<Planned>,
    ) -> Option<Vec<Target>> {
        let Some(config) = self.site(site) else {
            let targets = planned.into_iter().map(|p| p.target).collect();
            out.send(not_started(site, targets, StartError::UnknownSite(site)));
            return None;
        };
        let mut sendable = Vec::new();
        for Planned {
            target, refusal, ..
        } in planned
        {
            match refusal {
                Some(outcome) => {
                    self.inner.recorder.revalidation(config, &target, &outcome);
                    out.send(finished(site, config, target, outcome));
                }
                None => sendable.push(target),
            }
        }
        Some(sendable)
    }

    /// The session to send with, or `None` after reporting why not.
    async fn sending_session(
        &self,
        out: &mut Outbox,
        site: SiteId,
        targets: &[Target],
    ) -> Option<Arc<Session>> {
        if targets.is_empty() {
            return None;
        }
        let session = match self.revalidating_session(site).await {
            Ok(session) => session,
            Err(reason) => {
                out.send(not_started(site, targets.to_vec(), reason));
                return None;
            }
        };
        if let Err(reason) = session.job() {
            out.send(not_started(
                site,
                targets.to_vec(),
                StartError::Secret(reason),
            ));
            return None;
        }
        Some(session)
    }

    async fn send_all(
        &self,
        out: &mut Outbox,
        site: SiteId,
        session: &Session,
        targets: Vec<Target>,
        cancel: CancellationToken,
    ) {
        let Ok(job) = session.job() else { return };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let handle = job_runner::run(job.clone(), targets.clone(), cancel, tx);
        // Whatever finished while the last batch was written is recorded
        // in one append, then reported: no result waits for a batch to
        // fill, and none is reported before it is recorded.
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < BATCH_MAX
                && let Ok(more) = rx.try_recv()
            {
                batch.push(more);
            }
            let done: Vec<(&Target, Outcome)> = batch
                .into_iter()
                .filter_map(|e| Some((targets.get(e.index)?, e.outcome)))
                .collect();
            let recorded = done.iter().map(|(target, outcome)| (*target, outcome));
            self.inner.recorder.revalidations(&session.site, recorded);
            for (target, outcome) in done {
                out.send(finished(site, &session.site, target.clone(), outcome));
            }
        }
        let _ = handle.await;
    }

    async fn verify_all(
        &self,
        out: &mut Outbox,
        (site, session, plan, cancel): (SiteId, &Session, VerifyPlan, CancellationToken),
        targets: Vec<Target>,
    ) {
        let mut running: FuturesUnordered<_> = targets
            .into_iter()
            .map(|target| {
                let cancel = cancel.clone();
                async move {
                    let pages = verify::pages_for(&session.site, &target);
                    let attempt = || {
                        verify::revalidate_and_verify(
                            session,
                            &target,
                            &pages,
                            plan.deadline,
                            &cancel,
                        )
                    };
                    let first = |(outcome, verifications): Verified, wait: Duration| {
                        let recorder = &self.inner.recorder;
                        recorder.revalidation(&session.site, &target, &outcome);
                        recorder.verifications(&verifications);
                        let text = verify::retry_words(wait);
                        let target = target.clone();
                        self.emit(EngineEvent::Step { site, target, text });
                    };
                    let result = verify::with_retry(&plan, &cancel, attempt, first).await;
                    (target, result, cancel.is_cancelled())
                }
            })
            .collect();
        while let Some((target, result, interrupted)) = running.next().await {
            let (outcome, mut verifications) = match result {
                Ok(verified) => verified,
                Err(reason) => {
                    out.send(not_started(site, vec![target], StartError::Secret(reason)));
                    continue;
                }
            };
            self.inner
                .recorder
                .revalidation(&session.site, &target, &outcome);
            verify::Verification::mark_stopped(&mut verifications, interrupted);
            self.inner.recorder.verifications(&verifications);
            out.send(EngineEvent::Verified {
                site,
                request: masked_summary(&session.site.endpoint, &target),
                target,
                outcome: Box::new(outcome),
                verifications,
            });
        }
    }
}

fn finished(site: SiteId, config: &Site, target: Target, outcome: Outcome) -> EngineEvent {
    EngineEvent::Finished {
        site,
        request: masked_summary(&config.endpoint, &target),
        target,
        outcome: Box::new(outcome),
    }
}

fn not_started(site: SiteId, targets: Vec<Target>, reason: StartError) -> EngineEvent {
    EngineEvent::NotStarted {
        site,
        targets,
        reason,
    }
}

/// An operation's events with the last one held back until the index is
/// written: a face that sees the last result may quit at once, and the
/// index must already cover it.
struct Outbox {
    events: UnboundedSender<EngineEvent>,
    held: Option<EngineEvent>,
}

impl Outbox {
    fn send(&mut self, event: EngineEvent) {
        if let Some(previous) = self.held.replace(event) {
            let _ = self.events.send(previous);
        }
    }

    fn close(mut self, recorder: &Recorder) {
        recorder.finish();
        if let Some(last) = self.held.take() {
            let _ = self.events.send(last);
        }
    }
}
