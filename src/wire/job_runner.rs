//! Running many revalidations for one site within its limits.
//!
//! As many workers as the site's concurrency take targets in turn from
//! one queue (10,000 targets are not 10,000 parked tasks); each request
//! waits for a concurrency permit, a pause gate (set by a 429's
//! Retry-After, so the whole site backs off, not just one request), and
//! the rate limiter, then sends. Results come back as `JobEvent`s over a
//! channel. Every request to the site's endpoint goes
//! through the same gate ([`Job::send_prepared`] for the auth check's
//! probes), so the limits hold across everything done to a site at once.
//! A pause is announced to the job's [`PauseListener`] (the engine turns it
//! into an event both faces show). Cancelling the token stops new requests
//! at once; requests already in flight finish within their timeout.

use crate::model::config::{Limits, Site};
use crate::model::endpoint::{EndpointProfile, PreparedRequest};
use crate::model::outcome::{Outcome, OutcomeKind};
use crate::model::redact::Redactor;
use crate::model::secret::Secret;
use crate::model::target::Target;
use crate::model::trouble::{CLIENT_FIX, Trouble};
use crate::wire::revalidation;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One target done: `index` is its place in the list given to [`run`].
#[derive(Clone, Debug)]
pub struct JobEvent {
    pub index: usize,
    pub outcome: Outcome,
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
    pub fn new(site: &Site, secret: Secret) -> Result<Arc<Job>, Trouble> {
        let client = crate::wire::http::client(&site.limits, site.tls_verify).map_err(|e| {
            Trouble::unavailable(format!("cannot build the HTTP client: {e}")).with_fix(CLIENT_FIX)
        })?;
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
/// completes when every target has its event.
pub fn run(
    job: Arc<Job>,
    targets: Vec<Target>,
    cancel: CancellationToken,
    events: mpsc::UnboundedSender<JobEvent>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let workers = job.limits.concurrency.clamp(1, targets.len().max(1));
        let queue = Arc::new(Queue {
            targets,
            next: AtomicUsize::new(0),
        });
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..workers {
            let (job, queue) = (job.clone(), queue.clone());
            let (cancel, events) = (cancel.clone(), events.clone());
            tasks.spawn(async move {
                while let Some((index, target)) = queue.take() {
                    let outcome = revalidate_one(&job, target, &cancel).await;
                    let _ = events.send(JobEvent { index, outcome });
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    })
}

/// The targets a job's workers take in turn.
struct Queue {
    targets: Vec<Target>,
    next: AtomicUsize,
}

impl Queue {
    fn take(&self) -> Option<(usize, &Target)> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        self.targets.get(index).map(|target| (index, target))
    }
}

/// Send one target within the job's limits (permit, pause gate, rate,
/// 429 retries) and wait for its outcome: what revalidate-and-verify uses,
/// since it must fingerprint the page right before and poll right after.
pub async fn send_one(job: &Job, target: &Target, cancel: &CancellationToken) -> Outcome {
    revalidate_one(job, target, cancel).await
}

impl Job {
    /// Send a request built elsewhere (the auth check's probes) within the
    /// site's limits, honouring a 429 like a revalidation does.
    pub async fn send_prepared(
        &self,
        request: PreparedRequest,
        cancel: &CancellationToken,
    ) -> Outcome {
        send_within_limits(self, request, cancel).await
    }
}

async fn revalidate_one(job: &Job, target: &Target, cancel: &CancellationToken) -> Outcome {
    let request = match job.profile.prepare(target, &job.secret) {
        Ok(request) => request,
        Err(reason) => return Outcome::refused(reason.to_string()),
    };
    let outcome = send_within_limits(job, request, cancel).await;
    with_secret_source(job, outcome)
}

async fn send_within_limits(
    job: &Job,
    request: PreparedRequest,
    cancel: &CancellationToken,
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
        // A signed body carries a signature made with the secret, never the secret.
        let how = match job.profile.secret {
            crate::model::endpoint::SecretPlacement::Hmac(_) => "signed with the secret from",
            _ => "sent the secret from",
        };
        outcome.explanation = format!(
            "{}; {how} {}",
            outcome.explanation,
            job.secret.fingerprint()
        );
        outcome.secret = Some(job.secret.fingerprint());
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
