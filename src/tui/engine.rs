//! Carries out the console's commands: each revalidation run is a task on
//! the job runner, results come back as `EngineEvent`s and go to history
//! before the console hears of them. Nothing here blocks the console.

use super::message::EngineEvent;
use crate::config::Site;
use crate::endpoint::masked_summary;
use crate::history::{self, History, Record};
use crate::job_runner::{self, Job, JobEvent};
use crate::outcome::OutcomeKind;
use crate::target::Target;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;

pub struct Engine {
    sites: Arc<Vec<Site>>,
    /// One job per site, kept so its rate limit and pause gate span runs.
    jobs: Arc<Mutex<HashMap<usize, Arc<Job>>>>,
    history: Option<Arc<History>>,
    cancel: CancellationToken,
    events: mpsc::UnboundedSender<EngineEvent>,
}

impl Engine {
    pub fn new(
        sites: Vec<Site>,
        history: Option<Arc<History>>,
    ) -> (Engine, mpsc::UnboundedReceiver<EngineEvent>) {
        let (events, receiver) = mpsc::unbounded_channel();
        let engine = Engine {
            sites: Arc::new(sites),
            jobs: Arc::default(),
            history,
            cancel: CancellationToken::new(),
            events,
        };
        (engine, receiver)
    }

    /// Start a run; its results arrive as events.
    pub fn revalidate(&self, site_index: usize, targets: Vec<Target>) {
        let Some(site) = self.sites.get(site_index).cloned() else {
            return;
        };
        let jobs = self.jobs.clone();
        let history = self.history.clone();
        let cancel = self.cancel.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let job = match job_for(&jobs, site_index, &site).await {
                Ok(job) => job,
                Err(reason) => {
                    let _ = events.send(EngineEvent::NotStarted {
                        site: site.name.clone(),
                        targets,
                        reason,
                    });
                    return;
                }
            };
            forward_results(job, &site, targets, cancel, history, events).await;
        });
    }

    /// Stop every run: no new requests; those in flight finish.
    pub fn cancel_all(&mut self) {
        self.cancel.cancel();
        self.cancel = CancellationToken::new();
    }
}

/// The site's job, created on first use (the secret is read then, off the
/// console's thread: a password manager may take its time).
async fn job_for(
    jobs: &Mutex<HashMap<usize, Arc<Job>>>,
    index: usize,
    site: &Site,
) -> Result<Arc<Job>, String> {
    let mut jobs = jobs.lock().await;
    if let Some(job) = jobs.get(&index) {
        return Ok(job.clone());
    }
    let source = site.secret.clone();
    let secret = tokio::task::spawn_blocking(move || source.resolve())
        .await
        .map_err(|e| format!("reading the secret failed: {e}"))?
        .map_err(|e| format!("secret from {}: {e}", site.secret.describe()))?;
    let job = Job::new(site, secret)?;
    jobs.insert(index, job.clone());
    Ok(job)
}

async fn forward_results(
    job: Arc<Job>,
    site: &Site,
    targets: Vec<Target>,
    cancel: CancellationToken,
    history: Option<Arc<History>>,
    events: mpsc::UnboundedSender<EngineEvent>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = job_runner::run(job, targets.clone(), cancel, tx);
    while let Some(event) = rx.recv().await {
        let JobEvent::Finished { index, outcome } = event else {
            continue;
        };
        let Some(target) = targets.get(index).cloned() else {
            continue;
        };
        if let (Some(history), true) = (&history, outcome.kind != OutcomeKind::Cancelled) {
            let record = Record {
                time: jiff::Timestamp::now(),
                operator: history::operator(),
                site: site.name.clone(),
                target: target.clone(),
                action: "revalidate".into(),
                outcome: outcome.kind.as_str().into(),
                status: outcome.status,
                latency_ms: outcome.latency_ms,
                message: outcome.message.clone(),
            };
            if let Err(e) = history.append(&record) {
                tracing::warn!("history append failed: {e}");
            }
        }
        let request = masked_summary(&site.endpoint, &target);
        tracing::info!(site = %site.name, %target, outcome = outcome.kind.as_str(), %request, "revalidation finished");
        let _ = events.send(EngineEvent::Finished {
            site: site.name.clone(),
            target,
            request,
            outcome: Box::new(outcome),
        });
    }
    let _ = handle.await;
    if let Some(history) = &history
        && let Err(e) = history.update_index()
    {
        tracing::warn!("history index not updated: {e}");
    }
}
