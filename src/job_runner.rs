//! Running many revalidations for one site within its limits.
//!
//! Each target is a tokio task that waits for a concurrency permit, a
//! pause gate (set by a 429's Retry-After, so the whole site backs off, not
//! just one request), and the rate limiter, then sends. Results come back
//! as `JobEvent`s over a channel; the CLI prints them, the UI will show them.
//! Cancelling the token stops new requests at once; requests already in
//! flight finish within their timeout.

use crate::config::{Limits, Site};
use crate::endpoint::EndpointProfile;
use crate::outcome::{Outcome, OutcomeKind};
use crate::redact::Redactor;
use crate::revalidation;
use crate::secret::Secret;
use crate::target::Target;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug)]
pub enum JobEvent {
    /// The request for `index` is being sent (attempt counts from 1).
    Sending {
        index: usize,
        attempt: u32,
    },
    /// The site asked us to wait (429 Retry-After); every request pauses.
    Waiting {
        index: usize,
        wait: Duration,
    },
    Finished {
        index: usize,
        outcome: Outcome,
    },
}

/// What one run needs, shared by its tasks.
pub struct Job {
    profile: EndpointProfile,
    secret: Secret,
    client: reqwest::Client,
    redactor: Redactor,
    limits: Limits,
    permits: Semaphore,
    limiter: Option<DefaultDirectRateLimiter>,
    paused_until: Mutex<Option<Instant>>,
}

impl Job {
    pub fn new(site: &Site, secret: Secret) -> Result<Arc<Job>, String> {
        let client = crate::http::client(&site.limits, site.tls_verify)
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Arc::new(Job {
            profile: site.endpoint.clone(),
            redactor: Redactor::new(Some(&secret)),
            secret,
            client,
            limits: site.limits.clone(),
            permits: Semaphore::new(site.limits.concurrency.max(1)),
            limiter: rate_limiter(site.limits.rate_per_second),
            paused_until: Mutex::new(None),
        }))
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }
}

fn rate_limiter(rate: Option<f64>) -> Option<DefaultDirectRateLimiter> {
    let period = Duration::from_secs_f64(1.0 / rate?);
    let quota = Quota::with_period(period)?.allow_burst(NonZeroU32::MIN);
    Some(RateLimiter::direct(quota))
}

/// Start every target; events arrive on `events`. The returned handle
/// completes when every target has a `Finished` event.
pub fn run(
    job: Arc<Job>,
    targets: Vec<Target>,
    cancel: CancellationToken,
    events: mpsc::UnboundedSender<JobEvent>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, target) in targets.into_iter().enumerate() {
            let job = job.clone();
            let cancel = cancel.clone();
            let events = events.clone();
            tasks.spawn(async move {
                let outcome = revalidate_one(&job, index, &target, &cancel, &events).await;
                let _ = events.send(JobEvent::Finished { index, outcome });
            });
        }
        while tasks.join_next().await.is_some() {}
    })
}

/// Send one target within the job's limits (permit, pause gate, rate,
/// 429 retries) and wait for its outcome: what revalidate-and-verify uses,
/// since it must fingerprint the page right before and poll right after.
pub async fn send_one(job: &Job, target: &Target, cancel: &CancellationToken) -> Outcome {
    let (events, _ignored) = mpsc::unbounded_channel();
    revalidate_one(job, 0, target, cancel, &events).await
}

async fn revalidate_one(
    job: &Job,
    index: usize,
    target: &Target,
    cancel: &CancellationToken,
    events: &mpsc::UnboundedSender<JobEvent>,
) -> Outcome {
    let request = match job.profile.prepare(target, &job.secret) {
        Ok(request) => request,
        Err(reason) => return Outcome::refused(reason),
    };
    let _permit = tokio::select! {
        _ = cancel.cancelled() => return Outcome::cancelled(),
        permit = job.permits.acquire() => match permit {
            Ok(permit) => permit,
            Err(_) => return Outcome::cancelled(),
        },
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        if !wait_turn(job, cancel).await {
            return Outcome::cancelled();
        }
        let _ = events.send(JobEvent::Sending { index, attempt });
        let outcome = revalidation::send(
            &job.client,
            request.clone(),
            job.profile.success,
            &job.redactor,
        )
        .await;
        match retry_wait(job, &outcome, attempt) {
            Some(wait) => {
                pause_site(job, wait);
                let _ = events.send(JobEvent::Waiting { index, wait });
            }
            None => return with_secret_source(job, outcome),
        }
    }
}

/// A refused secret is explained with where it came from and its
/// fingerprint, so it can be compared with the app's without showing it.
fn with_secret_source(job: &Job, mut outcome: Outcome) -> Outcome {
    if outcome.kind == OutcomeKind::Unauthorized {
        outcome.explanation = format!(
            "{}; sent the secret from {}",
            outcome.explanation,
            job.secret.fingerprint()
        );
    }
    outcome
}

/// Wait for the pause gate and the rate limiter; false when cancelled.
async fn wait_turn(job: &Job, cancel: &CancellationToken) -> bool {
    loop {
        let until = job.paused_until.lock().map(|p| *p).unwrap_or(None);
        match until {
            Some(until) if until > Instant::now() => {
                tokio::select! {
                    _ = cancel.cancelled() => return false,
                    _ = tokio::time::sleep_until(until) => {}
                }
            }
            _ => break,
        }
    }
    if let Some(limiter) = &job.limiter {
        tokio::select! {
            _ = cancel.cancelled() => return false,
            _ = limiter.until_ready() => {}
        }
    }
    !cancel.is_cancelled()
}

/// How long to wait before retrying a 429, if it is worth retrying.
fn retry_wait(job: &Job, outcome: &Outcome, attempt: u32) -> Option<Duration> {
    if outcome.kind != OutcomeKind::RateLimited || attempt > job.limits.max_retries {
        return None;
    }
    // Without Retry-After, back off a little more each time.
    let wait = outcome
        .retry_after_s
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1 << attempt.min(5)));
    (wait <= job.limits.max_retry_after).then_some(wait)
}

fn pause_site(job: &Job, wait: Duration) {
    let until = Instant::now() + wait;
    if let Ok(mut paused) = job.paused_until.lock()
        && paused.is_none_or(|p| p < until)
    {
        *paused = Some(until);
    }
}
