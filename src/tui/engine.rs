//! Carries out the console's commands: each revalidation run is a task on
//! the job runner, results come back as `EngineEvent`s and go to history
//! before the console hears of them. Nothing here blocks the console.

use super::message::EngineEvent;
use crate::checks::{self, CheckContext, CheckId, Plan};
use crate::config::Site;
use crate::endpoint::masked_summary;
use crate::history::{History, Record};
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
    /// One check context per site (client and secret), made on first use.
    contexts: Arc<Mutex<HashMap<usize, Arc<CheckContext>>>>,
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
            contexts: Arc::default(),
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

    /// Revalidate each target and watch its pages; one event per target.
    pub fn verify(&self, site_index: usize, targets: Vec<Target>) {
        let Some(site) = self.sites.get(site_index).cloned() else {
            return;
        };
        for target in targets {
            let contexts = self.contexts.clone();
            let (site, history) = (site.clone(), self.history.clone());
            let (cancel, events) = (self.cancel.clone(), self.events.clone());
            tokio::spawn(async move {
                let ctx = match context_for(&contexts, site_index, &site).await {
                    Ok(ctx) => ctx,
                    Err(reason) => return not_started(&events, &site, vec![target], reason),
                };
                let job = match checks::verify::job(&ctx, CheckId::Verify) {
                    Ok(job) => job,
                    Err(finding) => {
                        return not_started(&events, &site, vec![target], finding.title);
                    }
                };
                let pages = checks::verify::pages_for(&site, &target);
                let (outcome, verifications) = checks::verify::revalidate_and_verify(
                    &ctx,
                    &job,
                    &target,
                    &pages,
                    VERIFY_DEADLINE,
                    &cancel,
                )
                .await;
                if let Some(history) = &history {
                    let mut records = vec![revalidation_record(&site, &target, &outcome)];
                    records.extend(verifications.iter().map(|v| v.history_record()));
                    if let Err(e) = history.append_all(&records) {
                        tracing::warn!("history append failed: {e}");
                    }
                }
                let _ = events.send(EngineEvent::Verified {
                    site: site.name.clone(),
                    request: masked_summary(&site.endpoint, &target),
                    target,
                    outcome: Box::new(outcome),
                    verifications,
                });
            });
        }
    }

    /// The passive checks for a site and paths; findings stream as events.
    pub fn run_checks(&self, site_index: usize, paths: Vec<String>) {
        let Some(site) = self.sites.get(site_index).cloned() else {
            return;
        };
        let contexts = self.contexts.clone();
        let history = self.history.clone();
        let (cancel, events) = (self.cancel.clone(), self.events.clone());
        tokio::spawn(async move {
            let name = site.name.clone();
            let ctx = match context_for(&contexts, site_index, &site).await {
                Ok(ctx) => ctx,
                Err(reason) => return not_started(&events, &site, Vec::new(), reason),
            };
            let plan = Plan {
                paths: paths.clone(),
                active: false,
                deadline: VERIFY_DEADLINE,
            };
            let (tx, mut rx) = mpsc::unbounded_channel();
            let handle = checks::run(ctx, plan, tx, cancel);
            let mut findings = Vec::new();
            while let Some(event) = rx.recv().await {
                if let checks::CheckEvent::Finding(finding) = &event {
                    findings.push(finding.clone());
                }
                let _ = events.send(EngineEvent::Check {
                    site: name.clone(),
                    event,
                });
            }
            let _ = handle.await;
            record_checks(history.as_deref(), &name, &paths, &findings);
            let _ = events.send(EngineEvent::ChecksDone { site: name });
        });
    }

    /// Fetch a page through every layer of its site.
    pub fn probe(&self, site_index: usize, path: String) {
        let Some(site) = self.sites.get(site_index).cloned() else {
            return;
        };
        let events = self.events.clone();
        tokio::spawn(async move {
            let settings = match crate::probe::ProbeSettings::for_site(&site, &path) {
                Ok(settings) => settings,
                Err(reason) => return not_started(&events, &site, Vec::new(), reason),
            };
            let layers = crate::probe::site_layers(&site, &path);
            let probes = crate::probe::probe_all(&settings, &layers).await;
            let _ = events.send(EngineEvent::Probed {
                site: site.name.clone(),
                path,
                probes,
            });
        });
    }

    /// Stop every run: no new requests; those in flight finish.
    pub fn cancel_all(&mut self) {
        self.cancel.cancel();
        self.cancel = CancellationToken::new();
    }
}

/// How long a verification from the console watches the page: the same as
/// the command line's default `--deadline`.
const VERIFY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// One "check" record per path, as `isrctl check` writes them.
fn record_checks(
    history: Option<&History>,
    site: &str,
    paths: &[String],
    findings: &[checks::Finding],
) {
    let Some(history) = history else { return };
    let records: Vec<Record> = paths
        .iter()
        .filter_map(|path| checks::history_record(site, path, findings))
        .collect();
    if let Err(e) = history.append_all(&records) {
        tracing::warn!("history append failed: {e}");
    }
}

fn not_started(
    events: &mpsc::UnboundedSender<EngineEvent>,
    site: &Site,
    targets: Vec<Target>,
    reason: String,
) {
    let _ = events.send(EngineEvent::NotStarted {
        site: site.name.clone(),
        targets,
        reason,
    });
}

async fn context_for(
    contexts: &Mutex<HashMap<usize, Arc<CheckContext>>>,
    index: usize,
    site: &Site,
) -> Result<Arc<CheckContext>, String> {
    let mut contexts = contexts.lock().await;
    if let Some(ctx) = contexts.get(&index) {
        return Ok(ctx.clone());
    }
    let ctx = CheckContext::prepare(site.clone()).await?;
    contexts.insert(index, ctx.clone());
    Ok(ctx)
}

fn revalidation_record(site: &Site, target: &Target, outcome: &crate::outcome::Outcome) -> Record {
    crate::revalidation::history_record(&site.name, target, outcome)
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
            let record = revalidation_record(site, &target, &outcome);
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
