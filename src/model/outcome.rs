//! The outcome of one revalidation: classified, with the evidence, a
//! one-line explanation and a fix.

use serde::Serialize;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// The endpoint confirmed the revalidation.
    Revalidated,
    /// 401/403: the secret was refused.
    Unauthorized,
    /// 400/404/405/422 or another 4xx: the request was refused as malformed.
    Rejected,
    /// 5xx.
    ServerError,
    /// 429 not resolved by waiting its Retry-After.
    RateLimited,
    /// 2xx but not a revalidation answer: HTML, unexpected JSON, `revalidated: false`.
    NotRevalidation,
    /// 3xx: not followed, because the secret must not travel elsewhere.
    Redirected,
    Timeout,
    /// DNS, refused, reset, TLS.
    ConnectionFailed,
    /// Not sent: the path linter or the endpoint profile refused it.
    Refused,
    /// Not sent: the run was cancelled first.
    Cancelled,
}

impl OutcomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Revalidated => "revalidated",
            OutcomeKind::Unauthorized => "unauthorized",
            OutcomeKind::Rejected => "rejected",
            OutcomeKind::ServerError => "server_error",
            OutcomeKind::RateLimited => "rate_limited",
            OutcomeKind::NotRevalidation => "not_revalidation",
            OutcomeKind::Redirected => "redirected",
            OutcomeKind::Timeout => "timeout",
            OutcomeKind::ConnectionFailed => "connection_failed",
            OutcomeKind::Refused => "refused",
            OutcomeKind::Cancelled => "cancelled",
        }
    }

    pub fn is_success(self) -> bool {
        self == OutcomeKind::Revalidated
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    /// What the server said (JSON `message`/`error`, or a body excerpt), redacted.
    pub message: Option<String>,
    /// The server's `now` field, when it sent one.
    pub server_now: Option<i64>,
    /// Seconds the server asked us to wait.
    pub retry_after_s: Option<u64>,
    /// Where a redirect pointed, redacted.
    pub location: Option<String>,
    pub explanation: String,
    pub fix: Option<String>,
    /// Response headers (values redacted), for the console's details pane.
    #[serde(skip)]
    pub response_headers: Vec<(String, String)>,
    /// The start of the response body, redacted.
    #[serde(skip)]
    pub body_excerpt: Option<String>,
    /// A refused secret's fingerprint (never the secret), for history.
    #[serde(skip)]
    pub secret: Option<String>,
}

impl Outcome {
    pub fn new(kind: OutcomeKind, explanation: impl Into<String>) -> Self {
        Outcome {
            kind,
            status: None,
            latency_ms: None,
            message: None,
            server_now: None,
            retry_after_s: None,
            location: None,
            explanation: explanation.into(),
            fix: None,
            response_headers: Vec::new(),
            body_excerpt: None,
            secret: None,
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency_ms = Some(latency.as_millis() as u64);
        self
    }

    pub fn with_message(mut self, message: Option<String>) -> Self {
        self.message = message;
        self
    }

    pub fn refused(reason: impl Into<String>) -> Self {
        Outcome::new(OutcomeKind::Refused, reason).with_fix("correct the target; nothing was sent")
    }

    pub fn cancelled() -> Self {
        Outcome::new(OutcomeKind::Cancelled, "not sent: the run was cancelled")
            .with_fix("run again for the targets that were not sent")
    }
}
