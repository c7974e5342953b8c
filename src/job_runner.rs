//! Running many revalidations for one site within its limits.
//!
//! Each target is a tokio task that waits for a concurrency permit, a
//! pause gate (set by a 429's Retry-After, so the whole site backs off, not
//! just one request), and the rate limiter, then sends. Results come back
//! as `JobEvent`s over a channel. Every request to the site's endpoint goes
//! through the same gate ([`Job::send_prepared`] for the auth check's
//! probes), so the limits hold across everything done to a site at once.
//! A pause is announced to the job's [`PauseListener`] (the engine turns it
//! into an event both faces show). Cancelling the token stops new requests
//! at once; requests already in flight finish within their timeout.

use crate::config::{Limits, Site};
use crate::endpoint::{EndpointProfile, PreparedRequest};
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
    Finished {
        index: usize,
        outcome: Outcome,
    },
}

/// Told each time the site asks to wait (a 429): every request pauses.
pub type PauseListener = Box<dyn Fn(Duration) + Send + Sync>;

/// A listener for when nobody needs to hear of pauses.
pub fn ignore_pauses() -> PauseListener {
    Box::new(|_| {})
}

/// What one site's requests share: the endpoint, the secret, the limits.
pub struct Job {
    profile: EndpointProfile,
    secret: Secret,
    client: reqwest::Client,
    redactor: Redactor,
    limits: Limits,
    permits: Semaphore,
    limiter: Option<DefaultDirectRateLimiter>,
    paused_until: Mutex<Option<Instant>>,
    on_pause: PauseListener,
}

impl Job {
    /// A job with its own client, for tools and tests; the engine's
    /// sessions share one client per site ([`Job::with_client`]).
    pub fn new(site: &Site, secret: Secret) -> Result<Arc<Job>, String> {
        let client = crate::http::client(&site.limits, site.tls_verify)
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Job::with_client(site, secret, client, ignore_pauses()))
    }

    pub fn with_client(
        site: &Site,
        secret: Secret,
        client: reqwest::Client,
        on_pause: PauseListener,
    ) -> Arc<Job> {
        Arc::new(Job {
            profile: site.endpoint.clone(),
            redactor: Redactor::new(Some(&secret)),
            secret,
            client,
            limits: site.limits.clone(),
            permits: Semaphore::new(site.limits.concurrency.max(1)),
            limiter: rate_limiter(site.limits.rate_per_second),
            paused_until: Mutex::new(None),
            on_pause,
        })
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

impl Job {
    /// Send a request built elsewhere (the auth check's probes) within the
    /// site's limits, honouring a 429 like a revalidation does.
    pub async fn send_prepared(
        &self,
        request: PreparedRequest,
        cancel: &CancellationToken,
    ) -> Outcome {
        let (events, _ignored) = mpsc::unbounded_channel();
        send_within_limits(self, 0, request, cancel, &events).await
    }
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
    let outcome = send_within_limits(job, index, request, cancel, events).await;
    with_secret_source(job, outcome)
}

async fn send_within_limits(
    job: &Job,
    index: usize,
    request: PreparedRequest,
    cancel: &CancellationToken,
    events: &mpsc::UnboundedSender<JobEvent>,
) -> Outcome {
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
            Some(wait) => pause_site(job, wait),
            None => return outcome,
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
    let extended = match job.paused_until.lock() {
        Ok(mut paused) if paused.is_none_or(|p| p < until) => {
            *paused = Some(until);
            true
        }
        _ => false,
    };
    // Announce each new pause once, not once per request that hit it.
    if extended {
        (job.on_pause)(wait);
    }
}
