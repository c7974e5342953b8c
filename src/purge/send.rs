//! Sending purge calls and classifying the answers, for every provider:
//! one call at a time (a provider's rate budget is per account, and purges
//! are few), a 429 waited out as its `Retry-After` says, every string
//! masked (the token and the revalidation secret) and escaped.

use super::{Provider, PurgeCall, PurgeConfig, PurgeItem, calls, cloudflare, fastly, vercel};
use crate::config::Site;
use crate::endpoint::SuccessRule;
use crate::http::{self, ENDPOINT_BODY_CAP};
use crate::outcome::OutcomeKind;
use crate::redact::{MASK, Redactor};
use crate::safe_text;
use crate::secret::Secret;
use serde::Serialize;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How a purge call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PurgeKind {
    Purged,
    /// 401/403: the token (or the node's ACL) refused the purge.
    Unauthorized,
    /// The provider refused the request (4xx, or `success: false`).
    Rejected,
    /// Still 429 after waiting as asked.
    RateLimited,
    /// More items than the provider takes in one request.
    BatchTooLarge,
    /// 5xx from the provider or node.
    ServerError,
    Timeout,
    ConnectionFailed,
    /// Not sent: nothing could express it, or Ctrl-C came first.
    NotSent,
}

impl PurgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PurgeKind::Purged => "purged",
            PurgeKind::Unauthorized => "unauthorized",
            PurgeKind::Rejected => "rejected",
            PurgeKind::RateLimited => "rate_limited",
            PurgeKind::BatchTooLarge => "batch_too_large",
            PurgeKind::ServerError => "server_error",
            PurgeKind::Timeout => "timeout",
            PurgeKind::ConnectionFailed => "connection_failed",
            PurgeKind::NotSent => "not_sent",
        }
    }
}

/// One purge call's result, safe to show and store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PurgeOutcome {
    pub provider: &'static str,
    /// The call, token masked: `POST https://api…/purge_cache {"files":[…]}`.
    pub call: String,
    pub covers: Vec<PurgeItem>,
    pub kind: PurgeKind,
    pub explanation: String,
    pub fix: Option<String>,
    pub status: Option<u16>,
    /// The provider's own words, masked and escaped.
    pub message: Option<String>,
    pub latency_ms: Option<u64>,
}

/// A site's CDN purge, ready to send: config, client, token, redactor.
pub struct Purger {
    pub site: Site,
    pub config: PurgeConfig,
    client: reqwest::Client,
    token: Option<Secret>,
    redactor: Redactor,
}

impl Purger {
    /// `redactor` already hides the revalidation secret; the token is added.
    pub fn new(
        site: Site,
        config: PurgeConfig,
        client: reqwest::Client,
        mut redactor: Redactor,
    ) -> Result<Purger, String> {
        let token = match &config.token {
            Some(source) => Some(source.resolve().map_err(|e| format!("purge token: {e}"))?),
            None => None,
        };
        if let Some(token) = &token {
            redactor.add(token.expose());
        }
        Ok(Purger {
            site,
            config,
            client,
            token,
            redactor,
        })
    }

    pub fn provider(&self) -> &'static str {
        self.config.provider.name()
    }

    /// The calls as they would be sent, token masked (`--dry-run`).
    pub fn shown_calls(&self, items: &[PurgeItem]) -> Result<Vec<PurgeCall>, String> {
        calls(&self.site, &self.config, items, MASK)
    }

    /// Purge `items`: one outcome per call, in order.
    pub async fn purge(
        &self,
        items: &[PurgeItem],
        cancel: &CancellationToken,
    ) -> Result<Vec<PurgeOutcome>, String> {
        let token = self.token.as_ref().map_or("", Secret::expose);
        let real = calls(&self.site, &self.config, items, token)?;
        let shown = self.shown_calls(items)?;
        let mut outcomes = Vec::new();
        for (call, shown) in real.into_iter().zip(shown) {
            let summary = self.redactor.redact(&shown.summary());
            let outcome = if cancel.is_cancelled() {
                self.not_sent(summary, shown.covers, "cancelled: Ctrl-C came first")
            } else {
                self.send_retrying(call, summary, cancel).await
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    async fn send_retrying(
        &self,
        call: PurgeCall,
        summary: String,
        cancel: &CancellationToken,
    ) -> PurgeOutcome {
        let limits = &self.site.limits;
        let mut tries = 0;
        loop {
            let (outcome, wait) = self.send(&call, summary.clone()).await;
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
    async fn send(&self, call: &PurgeCall, summary: String) -> (PurgeOutcome, Option<Duration>) {
        let started = Instant::now();
        let method =
            reqwest::Method::from_bytes(call.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut request = self.client.request(method, &call.url);
        for (name, value) in &call.headers {
            request = request.header(name, value);
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
        let wait = http::retry_after(response.headers());
        let body = match http::read_capped(&mut response, ENDPOINT_BODY_CAP).await {
            Ok((body, _)) => body,
            Err(e) => return (self.transport(outcome, &e, started), None),
        };
        outcome.status = Some(status);
        outcome.latency_ms = Some(started.elapsed().as_millis() as u64);
        self.judge(&mut outcome, status, &body, wait);
        (outcome, wait)
    }

    fn judge(&self, o: &mut PurgeOutcome, status: u16, body: &[u8], wait: Option<Duration>) {
        let cf_error = match self.config.provider {
            Provider::Cloudflare { .. } => cloudflare::error(body),
            Provider::Fastly { .. } => fastly::error(body).map(|m| (m, false)),
            Provider::Vercel { .. } => vercel::error(body).map(|m| (m, false)),
            _ => None,
        };
        o.message = cf_error
            .as_ref()
            .map(|(m, _)| m.clone())
            .or_else(|| safe_text::body_excerpt(body, None, &self.redactor, 300, true))
            .map(|m| safe_text::one_line_excerpt(&m, &self.redactor, 300, true));
        let provider = self.provider();
        let (kind, explanation, fix): (PurgeKind, String, Option<String>) = match status {
            200..=299 if self.succeeded(body) => (PurgeKind::Purged, format!("{provider} purged it"), None),
            200..=299 => (
                PurgeKind::Rejected,
                format!("{provider} answered {status} but did not confirm the purge"),
                Some("read the provider's message below".into()),
            ),
            401 | 403 => (
                PurgeKind::Unauthorized,
                format!("{provider} refused the purge ({status})"),
                Some(self.auth_fix()),
            ),
            405 | 501 => (
                PurgeKind::Rejected,
                format!("{provider} does not accept {} here ({status})", o.call.split(' ').next().unwrap_or("the method")),
                Some("the cache node's VCL must handle PURGE (or BAN): see the README's purge section".into()),
            ),
            413 => batch_too_large(provider),
            429 => (
                PurgeKind::RateLimited,
                match wait {
                    Some(w) => format!("{provider} rate limited the purge (429): it asks to wait {} s", w.as_secs()),
                    None => format!("{provider} rate limited the purge (429)"),
                },
                Some("purge fewer items at once, or wait and run again".into()),
            ),
            400..=499 if cf_error.as_ref().is_some_and(|(_, too_many)| *too_many) => {
                batch_too_large(provider)
            }
            400..=499 => (
                PurgeKind::Rejected,
                format!("{provider} rejected the purge ({status})"),
                Some("read the provider's message: a wrong zone or service id, or an item it cannot purge".into()),
            ),
            _ => (
                PurgeKind::ServerError,
                format!("{provider} failed ({status})"),
                Some("retry; if it persists, check the provider's status page".into()),
            ),
        };
        o.kind = kind;
        o.explanation = explanation;
        o.fix = fix;
    }

    fn succeeded(&self, body: &[u8]) -> bool {
        match &self.config.provider {
            Provider::Cloudflare { .. } => cloudflare::succeeded(body),
            Provider::Fastly { .. } | Provider::Vercel { .. } => {
                serde_json::from_slice::<serde_json::Value>(body).is_ok()
            }
            Provider::Http { success, .. } if *success != SuccessRule::Any2xx => {
                serde_json::from_slice::<serde_json::Value>(body).is_ok()
            }
            _ => true,
        }
    }

    fn auth_fix(&self) -> String {
        match &self.config.provider {
            Provider::Varnish { .. } => "the node refuses purges from this address: add it to the VCL's purge ACL".into(),
            Provider::Cloudflare { .. } => "check the token in [purge.token]: it needs the Zone › Cache Purge permission for this zone".into(),
            Provider::Fastly { .. } => "check the token in [purge.token]: it needs the purge_select scope (purge_all for --everything) on this service".into(),
            Provider::Vercel { .. } => "check the token in [purge.token] and team_id: the token's owner needs the owner or member role on the project's team".into(),
            Provider::Http { .. } => "check the token in [purge.token] and where the request carries it".into(),
        }
    }

    fn transport(&self, mut o: PurgeOutcome, e: &reqwest::Error, started: Instant) -> PurgeOutcome {
        let failure = crate::revalidation::transport_failure(e, &self.redactor);
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
        }
    }

    fn not_sent(&self, call: String, covers: Vec<PurgeItem>, why: &str) -> PurgeOutcome {
        let mut o = self.blank(call, covers);
        o.explanation = why.to_string();
        o
    }
}

fn batch_too_large(provider: &str) -> (PurgeKind, String, Option<String>) {
    (
        PurgeKind::BatchTooLarge,
        format!("{provider} takes fewer items per request"),
        Some(
            "purge fewer items at once (isrctl batches at the documented limit: report this)"
                .into(),
        ),
    )
}

impl PurgeOutcome {
    /// The history record of this purge call, one per item it covered.
    pub fn history_records(&self, site: &str) -> Vec<crate::history::Record> {
        self.covers
            .iter()
            .map(|item| crate::history::Record {
                time: jiff::Timestamp::now(),
                operator: crate::history::operator(),
                site: site.to_string(),
                target: item_target(item),
                action: "purge".into(),
                outcome: self.kind.as_str().into(),
                status: self.status,
                latency_ms: self.latency_ms,
                message: Some(format!("{}: {}", self.provider, self.call)),
            })
            .collect()
    }
}

/// History keys targets by path or tag: a prefix is kept as its path with
/// `*`, everything as `*`.
pub fn item_target(item: &PurgeItem) -> crate::target::Target {
    match item {
        PurgeItem::Path(p) => crate::target::Target::path(p.clone()),
        PurgeItem::Tag(t) => crate::target::Target::tag(t.clone()),
        PurgeItem::Prefix(p) => crate::target::Target::path(format!("{p}*")),
        PurgeItem::Everything => crate::target::Target::path("*"),
    }
}
