//! Sending purge calls and classifying the answers, for every provider:
//! one call at a time (a provider's rate budget is per account, and purges
//! are few), a 429 waited out as its `Retry-After` says, every string
//! masked (the token and the revalidation secret) and escaped.

use super::{
    ProviderCalls, PurgeCall, PurgeConfig, PurgeItem, PurgeKind, PurgeOutcome, calls, cloudfront,
    wire_of,
};
use crate::model::config::Site;
use crate::model::outcome::OutcomeKind;
use crate::model::redact::{self, Redactor};
use crate::model::secret::Secret;
use crate::model::trouble::Trouble;
use crate::wire::http::{self, ENDPOINT_BODY_CAP};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What a purge provider signs or authorises its calls with.
#[derive(Default)]
pub struct PurgeCredentials {
    /// The API token (none for Varnish nodes that trust their network).
    pub token: Option<Secret>,
    /// CloudFront: AWS credentials for SigV4.
    pub aws: Option<cloudfront::AwsCredentials>,
    /// Akamai: EdgeGrid credentials.
    pub edgegrid: Option<super::edgegrid::EdgeGridCredentials>,
}

impl PurgeCredentials {
    /// Read what `config` needs: its token, and AWS's standard places for
    /// CloudFront. Blocks (a token `command` may take its time).
    pub fn resolve(config: &PurgeConfig) -> Result<PurgeCredentials, Trouble> {
        let token = match &config.token {
            Some(source) => Some(
                source
                    .resolve()
                    .map_err(|e| Trouble::unavailable(format!("purge token: {e}")))?,
            ),
            None => None,
        };
        let aws = match wire_of(config.provider.as_ref()).signs_with_aws() {
            true => Some(
                cloudfront::AwsCredentials::from_standard_places().map_err(Trouble::unavailable)?,
            ),
            false => None,
        };
        let edgegrid = match wire_of(config.provider.as_ref()).edgegrid() {
            Some(source) => Some(
                super::edgegrid::EdgeGridCredentials::resolve(source, token.as_ref())
                    .map_err(Trouble::unavailable)?,
            ),
            None => None,
        };
        Ok(PurgeCredentials {
            token,
            aws,
            edgegrid,
        })
    }

    /// Every value a redactor must hide.
    pub fn secrets(&self) -> Vec<&str> {
        let mut parts: Vec<&str> = self.token.iter().map(Secret::expose).collect();
        parts.extend(
            self.aws
                .iter()
                .flat_map(cloudfront::AwsCredentials::secrets),
        );
        parts.extend(self.edgegrid.iter().flat_map(|e| e.secrets()));
        parts
    }
}

/// A site's CDN purge, ready to send: config, client, token, redactor.
pub struct Purger {
    pub site: Site,
    pub config: PurgeConfig,
    pub(super) client: reqwest::Client,
    pub(super) credentials: PurgeCredentials,
    /// Hides every secret of the site, the credentials' included.
    pub(super) redactor: Redactor,
}

/// How a purge is carried out and watched: hard even where the provider
/// purges softly, Ctrl-C, how long a CloudFront invalidation may take,
/// and who hears how it is going meanwhile.
#[derive(Clone, Copy)]
pub struct PurgeWatch<'a> {
    pub cancel: &'a CancellationToken,
    pub patience: Duration,
    pub progress: &'a (dyn Fn(String) + Sync),
    /// Drop the copies even where the provider is set to mark them stale
    /// (`fresh`, when an origin's page carries no validator).
    pub hard: bool,
}

/// How often a CloudFront invalidation in progress is said to be.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);

/// How long a CloudFront invalidation is watched until it completes, when
/// nothing shorter is asked (`--no-wait`, a `fresh` deadline).
pub const INVALIDATION_WAIT: Duration = Duration::from_secs(15 * 60);

impl Purger {
    /// The credentials come resolved (the session reads every secret of a
    /// site once); `redactor` already hides all of them.
    pub fn new(
        site: Site,
        config: PurgeConfig,
        client: reqwest::Client,
        credentials: PurgeCredentials,
        redactor: Redactor,
    ) -> Purger {
        Purger {
            site,
            config,
            client,
            credentials,
            redactor,
        }
    }

    pub fn provider(&self) -> &'static str {
        self.config.provider.name()
    }

    /// The provider's calls and how its answers read.
    pub(super) fn wire(&self) -> &dyn ProviderCalls {
        wire_of(self.config.provider.as_ref())
    }

    /// Purge `items`: one outcome per call, in order. A CloudFront
    /// invalidation is watched until it completes, for at most `patience`
    /// (zero: not at all, `--no-wait`), and no longer once `cancel` fires.
    pub async fn purge(
        &self,
        items: &[PurgeItem],
        watch: PurgeWatch<'_>,
    ) -> Result<Vec<PurgeOutcome>, Trouble> {
        let cancel = watch.cancel;
        let token = self.credentials.token.as_ref().map_or("", Secret::expose);
        let hardened = match watch.hard {
            true => self.config.provider.hardened().map(|provider| PurgeConfig {
                provider,
                token: self.config.token.clone(),
            }),
            false => None,
        };
        let real = calls(
            &self.site,
            hardened.as_ref().unwrap_or(&self.config),
            items,
            token,
        )?;
        let mut outcomes = Vec::new();
        for call in real {
            // Shown as sent (the same CallerReference), every secret masked
            // by the redactor that knows each form the token takes.
            let summary = self.redactor.redact(&call.summary());
            let outcome = if cancel.is_cancelled() {
                self.not_sent(summary, call.covers.clone(), "cancelled: Ctrl-C came first")
            } else {
                self.send_retrying(call, summary, watch).await
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    async fn send_retrying(
        &self,
        call: PurgeCall,
        summary: String,
        watch: PurgeWatch<'_>,
    ) -> PurgeOutcome {
        let cancel = watch.cancel;
        let limits = &self.site.limits;
        let mut tries = 0;
        loop {
            let (outcome, wait) = self.send(&call, summary.clone(), watch).await;
            let retry = outcome.kind == PurgeKind::RateLimited
                && tries < limits.max_retries
                && wait.is_some_and(|w| w <= limits.max_retry_after);
            if !retry {
                return outcome;
            }
            tries += 1;
            tokio::select! {
                _ = cancel.cancelled() => return outcome,
                _ = tokio::time::sleep(wait.unwrap_or_default()) => {}
            }
        }
    }

    /// One call; the outcome and, for a 429, how long the provider asks to wait.
    async fn send(
        &self,
        call: &PurgeCall,
        summary: String,
        watch: PurgeWatch<'_>,
    ) -> (PurgeOutcome, Option<Duration>) {
        // Before the purge: what each page's copy is (see proof.rs).
        let before = self.objects_before(call).await;
        let started = Instant::now();
        let method =
            reqwest::Method::from_bytes(call.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut request = match self.request_for(method, call) {
            Ok(request) => request,
            Err(why) => return (self.not_sent(summary, call.covers.clone(), &why), None),
        };
        if let Some(aws) = &self.credentials.aws {
            match cloudfront::sign(call, aws, std::time::SystemTime::now()) {
                Ok(signed) => {
                    for (name, value) in signed {
                        request = request.header(name, value);
                    }
                }
                Err(why) => {
                    let mut o = self.not_sent(summary, call.covers.clone(), &why);
                    o.explanation = self.redactor.redact(&o.explanation);
                    return (o, None);
                }
            }
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        let mut outcome = self.blank(summary, call.covers.clone());
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => return (self.transport(outcome, &e, started), None),
        };
        let status = response.status().as_u16();
        let wait = http::retry_after(response.headers())
            .or_else(|| http::rate_limit_reset(response.headers()).filter(|_| status == 429));
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let from_app = answered_by_the_app(response.headers());
        let body = match http::read_capped(&mut response, ENDPOINT_BODY_CAP).await {
            Ok((body, _)) => body,
            Err(e) => return (self.transport(outcome, &e, started), None),
        };
        outcome.status = Some(status);
        outcome.latency_ms = Some(started.elapsed().as_millis() as u64);
        self.judge(
            &mut outcome,
            (status, location.as_deref(), from_app),
            &body,
            wait,
        );
        let wait = match (outcome.kind, wait) {
            (PurgeKind::RateLimited, None) => self.wire().default_wait(outcome.message.as_deref()),
            (_, wait) => wait,
        };
        if outcome.kind == PurgeKind::Purged {
            self.await_settling(&body, watch).await;
            let softly = self.config.provider.purges_softly() && !watch.hard;
            self.prove(&mut outcome, call, (started, &before), softly)
                .await;
        }
        if outcome.kind == PurgeKind::Purged
            && let Some((id, state)) =
                cloudfront::invalidation(&body).filter(|_| self.credentials.aws.is_some())
        {
            outcome.invalidation = Some(id.clone());
            self.await_invalidation(&mut outcome, call, (&id, &state), watch)
                .await;
        }
        (outcome, wait)
    }

    /// Poll a CloudFront invalidation until it completes: until then the
    /// edges may still serve the old page. An error while polling ends the
    /// wait at once and says why (a key without `GetInvalidation` is
    /// refused every poll); Ctrl-C, a deadline or `--no-wait` end it too,
    /// with the invalidation's id to look it up later.
    async fn await_invalidation(
        &self,
        o: &mut PurgeOutcome,
        call: &PurgeCall,
        (id, first): (&str, &str),
        PurgeWatch {
            cancel,
            patience,
            progress,
            ..
        }: PurgeWatch<'_>,
    ) {
        let status_url = cloudfront::status_url(&call.url, id);
        let started = Instant::now();
        let mut status = first.to_string();
        let mut wait = Duration::from_millis(250);
        let mut stopped = "it did not complete in time".to_string();
        let mut last_said = Instant::now();
        while !cloudfront::completed(&status) {
            let left = patience.saturating_sub(started.elapsed());
            if left.is_zero() {
                if patience.is_zero() {
                    stopped = "not waited for".into();
                }
                break;
            }
            tokio::select! {
                _ = cancel.cancelled() => {
                    stopped = "stopped waiting (cancelled)".into();
                    break;
                }
                _ = tokio::time::sleep(wait.min(left)) => {}
            }
            wait = (wait * 2).min(Duration::from_secs(10));
            match self.invalidation_status(&status_url).await {
                Ok(Some(now)) => {
                    status = now;
                    if !cloudfront::completed(&status) && last_said.elapsed() >= PROGRESS_EVERY {
                        last_said = Instant::now();
                        progress(format!(
                            "cloudfront invalidation {id}: {status} after {} s (Ctrl-C stops waiting; it goes on at CloudFront)",
                            started.elapsed().as_secs()
                        ));
                    }
                }
                Ok(None) => {}
                Err((kind, why)) => {
                    o.kind = kind;
                    o.explanation = format!("cloudfront accepted invalidation {id}, but {why}");
                    o.fix = Some(match kind {
                        PurgeKind::Unauthorized => "give the credentials cloudfront:GetInvalidation on this distribution (isrctl polls until the invalidation completes)".into(),
                        _ => format!("look it up: aws cloudfront get-invalidation --id {id} --distribution-id …"),
                    });
                    return;
                }
            }
        }
        let secs = started.elapsed().as_secs();
        if cloudfront::completed(&status) {
            o.explanation = format!("cloudfront invalidation {id} completed after {secs} s");
        } else {
            o.kind = PurgeKind::Pending;
            o.explanation =
                format!("cloudfront invalidation {id} is still {status} ({stopped}, {secs} s)");
            o.fix = Some(format!(
                "until it completes the edges may serve the old page: aws cloudfront get-invalidation --id {id} --distribution-id …"
            ));
        }
    }

    /// One GetInvalidation: its status, `None` for an answer to try again
    /// (a 5xx, a dropped connection), or why polling must stop.
    async fn invalidation_status(&self, url: &str) -> Result<Option<String>, (PurgeKind, String)> {
        let status_call = PurgeCall {
            method: "GET".into(),
            url: url.to_string(),
            headers: Vec::new(),
            body: None,
            covers: Vec::new(),
        };
        let Some(aws) = &self.credentials.aws else {
            return Ok(None);
        };
        let signed = cloudfront::sign(&status_call, aws, std::time::SystemTime::now())
            .map_err(|why| (PurgeKind::NotSent, self.redactor.redact(&why)))?;
        let mut request = self.client.get(url);
        for (name, value) in signed {
            request = request.header(name, value);
        }
        let Ok(mut response) = request.send().await else {
            return Ok(None);
        };
        let code = response.status().as_u16();
        let body = http::read_capped(&mut response, ENDPOINT_BODY_CAP)
            .await
            .map(|(b, _)| b)
            .unwrap_or_default();
        let said = cloudfront::error(&body)
            .map(|(c, m)| redact::one_line_excerpt(&format!("{c}: {m}"), &self.redactor, 200, true))
            .unwrap_or_else(|| format!("HTTP {code}"));
        match code {
            200..=299 => Ok(cloudfront::invalidation(&body).map(|(_, now)| now)),
            401 | 403 => Err((
                PurgeKind::Unauthorized,
                format!("refused to report its status ({code} {said})"),
            )),
            400..=499 => Err((
                PurgeKind::Rejected,
                format!("answered {code} when asked for its status ({said})"),
            )),
            _ => Ok(None),
        }
    }

    fn transport(&self, mut o: PurgeOutcome, e: &reqwest::Error, started: Instant) -> PurgeOutcome {
        let failure = crate::wire::revalidation::transport_failure(e, &self.redactor);
        o.kind = if failure.kind == OutcomeKind::Timeout {
            PurgeKind::Timeout
        } else {
            PurgeKind::ConnectionFailed
        };
        o.explanation = failure.explanation;
        o.fix = failure.fix;
        o.message = failure.message;
        o.latency_ms = Some(started.elapsed().as_millis() as u64);
        o
    }

    fn blank(&self, call: String, covers: Vec<PurgeItem>) -> PurgeOutcome {
        PurgeOutcome {
            provider: self.provider(),
            call,
            covers,
            kind: PurgeKind::NotSent,
            explanation: String::new(),
            fix: None,
            status: None,
            message: None,
            latency_ms: None,
            invalidation: None,
        }
    }

    fn not_sent(&self, call: String, covers: Vec<PurgeItem>, why: &str) -> PurgeOutcome {
        let mut o = self.blank(call, covers);
        o.explanation = why.to_string();
        o
    }
}

/// Whether an answer came from the Next.js app behind the cache (its own
/// headers): a cache that passed a purge method on, having no branch for it.
fn answered_by_the_app(headers: &reqwest::header::HeaderMap) -> bool {
    let next = |v: &reqwest::header::HeaderValue| {
        String::from_utf8_lossy(v.as_bytes()).contains("Next.js")
    };
    headers.get("x-powered-by").is_some_and(next)
        || headers
            .keys()
            .any(|name| name.as_str().starts_with("x-nextjs-"))
}

/// What purging `items` costs, where the provider charges for it:
/// CloudFront charges per path; the others do not.
pub fn cost(site: &Site, config: &PurgeConfig, items: &[PurgeItem]) -> Option<String> {
    // A tag is invalidated as its routes' paths: those are what is paid.
    let paths = super::expand_tags(site, config.provider.as_ref(), items)
        .ok()?
        .len();
    wire_of(config.provider.as_ref()).cost(paths)
}
