//! Sending one revalidation request and classifying the answer.

mod refusal;
mod server_error;

use refusal::refusal_in_body;

use crate::model::endpoint::{Method, PreparedRequest, SuccessRule};
use crate::model::outcome::{Outcome, OutcomeKind};
use crate::model::redact;
use crate::model::redact::Redactor;
use crate::model::safe_text;
use crate::wire::http::{self, ENDPOINT_BODY_CAP};
use std::error::Error as _;
use std::time::{Duration, Instant};

/// The history record of one revalidation, as every front end writes it.
pub fn history_record(
    site: &str,
    target: &crate::model::target::Target,
    outcome: &Outcome,
) -> crate::history::Record {
    crate::history::Record {
        time: jiff::Timestamp::now(),
        operator: crate::history::operator(),
        site: site.to_string(),
        target: target.clone(),
        action: "revalidate".into(),
        outcome: outcome.kind.as_str().into(),
        status: outcome.status,
        latency_ms: outcome.latency_ms,
        message: outcome.message.clone(),
        reason: None,
        secret: outcome.secret.clone(),
    }
}

/// Longest server message kept, in characters.
const MESSAGE_CHARS: usize = 300;
/// Longest body excerpt kept (console details, history, JSON), in characters.
const EXCERPT_CHARS: usize = 500;

/// Send one prepared request. Never panics, never returns the secret:
/// every string in the outcome passes through `redactor`.
pub async fn send(
    client: &reqwest::Client,
    request: PreparedRequest,
    success: SuccessRule,
    redactor: &Redactor,
) -> Outcome {
    let started = Instant::now();
    let mut builder = match request.method {
        Method::Get => client.get(request.url),
        Method::Post => client.post(request.url),
        Method::Put => client.put(request.url),
        Method::Patch => client.patch(request.url),
        Method::Delete => client.delete(request.url),
    };
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = request.body {
        builder = builder.body(body);
    }
    let mut response = match builder.send().await {
        Ok(response) => response,
        Err(e) => return transport_failure(&e, redactor).with_latency(started.elapsed()),
    };
    let status = response.status().as_u16();
    let headers = shown_headers(response.headers(), redactor);
    let retry_after = http::retry_after(response.headers());
    let location = response.headers().get(reqwest::header::LOCATION).map(|v| {
        let to = String::from_utf8_lossy(v.as_bytes());
        redact::one_line_excerpt(&to, redactor, HEADER_CHARS, true)
    });
    let encoding = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let is_html = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("html"));
    let (body, truncated) = match http::read_capped(&mut response, ENDPOINT_BODY_CAP).await {
        Ok(read) => read,
        Err(e) => {
            return transport_failure(&e, redactor)
                .with_status(status)
                .with_latency(started.elapsed());
        }
    };
    let answer = Answer {
        status,
        body: &body,
        is_html,
        retry_after,
        location,
        whole: !truncated,
        redactor,
        parsed: Default::default(),
    };
    let mut outcome = classify(&answer, success).with_latency(started.elapsed());
    outcome.response_headers = headers;
    outcome.body_excerpt = redact::body_excerpt(
        &body,
        encoding.as_deref(),
        redactor,
        EXCERPT_CHARS,
        !truncated,
    );
    outcome
}

/// Headers worth showing, values masked (a server may echo the secret)
/// and escaped.
fn shown_headers(
    headers: &reqwest::header::HeaderMap,
    redactor: &Redactor,
) -> Vec<(String, String)> {
    headers
        .iter()
        .take(40)
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            (
                name.to_string(),
                redact::one_line_excerpt(&value, redactor, HEADER_CHARS, true),
            )
        })
        .collect()
}

/// Longest header value kept, in characters.
const HEADER_CHARS: usize = 300;

/// What came back, ready to classify.
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    pub is_html: bool,
    pub retry_after: Option<Duration>,
    pub location: Option<String>,
    /// The body is all there was (not cut at the read cap).
    pub whole: bool,
    pub redactor: &'a Redactor,
    /// The body as JSON, parsed once on first use (classifying asks up
    /// to four times).
    pub parsed: std::cell::OnceCell<Option<serde_json::Value>>,
}

impl Answer<'_> {
    pub(super) fn json(&self) -> Option<&serde_json::Value> {
        self.parsed
            .get_or_init(|| serde_json::from_slice(self.body).ok())
            .as_ref()
    }

    /// JSON `message`/`error`/`reason`, if the answer has one.
    pub(super) fn own_words(&self) -> Option<String> {
        let json = self.json()?;
        ["message", "error", "reason"]
            .iter()
            .find_map(|k| json.get(k).and_then(|v| v.as_str()))
            .map(|m| redact::one_line_excerpt(m, self.redactor, MESSAGE_CHARS, true))
    }

    /// The server's own words: JSON `message`/`error`, or a text excerpt.
    fn message(&self) -> Option<String> {
        let text = match self.json() {
            Some(json) => ["message", "error", "reason"]
                .iter()
                .find_map(|k| json.get(k).and_then(|v| v.as_str()).map(str::to_string))
                .unwrap_or_else(|| json.to_string()),
            None if self.is_html || looks_like_html(self.body) => html_title(self.body)?,
            None if safe_text::looks_binary(self.body) => {
                format!("binary body, {} bytes", self.body.len())
            }
            None => String::from_utf8_lossy(self.body).to_string(),
        };
        let shown = redact::one_line_excerpt(&text, self.redactor, MESSAGE_CHARS, self.whole);
        Some(shown).filter(|m| !m.is_empty())
    }
}

pub fn classify(answer: &Answer, success: SuccessRule) -> Outcome {
    let status = answer.status;
    // Not for a success, whose JSON is not a message (only its own words
    // are): its excerpt cost a few per cent of a bulk run.
    let message = match status {
        200..=299 => None,
        _ => answer.message(),
    };
    let outcome = match status {
        200..=299 => classify_success(answer, success),
        300..=399 => redirected(answer),
        401 | 403 if message.as_deref().is_some_and(|m| m.to_lowercase().contains("signature")) => {
            Outcome::new(
                OutcomeKind::Unauthorized,
                format!("the endpoint refused the request's signature ({status})"),
            )
            .with_fix(
                "the endpoint verifies a signed body (next-sanity's parseBody, a GitHub-style webhook): set secret_in = \"hmac\" and signature = \"sanity\" or \"github\" in [endpoint]; if it is set already, the secret differs from the webhook secret the app checks",
            )
        }
        401 | 403 => Outcome::new(
            OutcomeKind::Unauthorized,
            format!("the endpoint refused the secret ({status})"),
        )
        .with_fix(
            "token mismatch: compare the secret's fingerprint with the app's env var (same value, no trailing newline), and check the deployment has the variable",
        ),
        404 => Outcome::new(OutcomeKind::Rejected, "the endpoint does not exist (404)")
            .with_fix("check the endpoint url in the config: is the route deployed at that path?"),
        405 => Outcome::new(
            OutcomeKind::Rejected,
            "the endpoint does not accept this method (405)",
        )
        .with_fix("set method in the site's [endpoint] to what the route handler exports: GET, POST, PUT, PATCH or DELETE"),
        429 => rate_limited(answer),
        400..=499 => Outcome::new(
            OutcomeKind::Rejected,
            format!("the endpoint rejected the request ({status})"),
        )
        .with_fix("read the server's message: the path or tag parameter may be missing or named differently (path_query / tag_query / path_body)"),
        500..=599 => server_error::server_error(status, message.as_deref()),
        _ => Outcome::new(
            OutcomeKind::NotRevalidation,
            format!("unexpected HTTP status {status}"),
        ),
    };
    // A success's JSON is not a message: only its own words are.
    let message = match (outcome.kind.is_success(), status) {
        (true, _) => answer.own_words(),
        (false, 200..=299) => answer.message(),
        (false, _) => message,
    };
    let mut outcome = outcome.with_status(status).with_message(message);
    outcome.server_now = answer
        .json()
        .and_then(|j| j.get("now").and_then(serde_json::Value::as_i64));
    outcome
}

fn classify_success(answer: &Answer, success: SuccessRule) -> Outcome {
    // Read for what it says, whatever the success rule: a handler that
    // answers every call 200 says its refusal in the body (a commerce
    // webhook: `200 {"status":401}`), and `success = "json-2xx"` must not
    // turn that into a revalidation.
    if let Some(said) = refusal_in_body(answer) {
        return Outcome::new(
            OutcomeKind::Unauthorized,
            format!("the endpoint answered {} and refused in its body ({said})", answer.status),
        )
        .with_fix("token mismatch: compare the secret's fingerprint with the app's env var (same value, no trailing newline), and check the deployment has the variable");
    }
    let json = answer.json();
    if success != SuccessRule::Any2xx && json.is_none() {
        let what = if answer.is_html || looks_like_html(answer.body) {
            "HTML"
        } else {
            "a body that is not JSON"
        };
        return Outcome::new(
            OutcomeKind::NotRevalidation,
            format!("the endpoint answered {} with {what}: this is not a revalidation answer", answer.status),
        )
        .with_fix("the URL probably serves a page, a login or a CDN error page: check the endpoint url and that the CDN passes /api/ to the origin");
    }
    if success == SuccessRule::RevalidatedTrue {
        match json.and_then(|j| j.get("revalidated")) {
            Some(serde_json::Value::Bool(true)) => {}
            Some(serde_json::Value::Bool(false)) => {
                return Outcome::new(
                    OutcomeKind::NotRevalidation,
                    "the endpoint answered revalidated: false",
                )
                .with_fix("the handler decided not to revalidate: read its message and its conditions (e.g. an unknown slug or content type)");
            }
            _ => {
                return Outcome::new(
                    OutcomeKind::NotRevalidation,
                    "the endpoint answered JSON without revalidated: true",
                )
                .with_fix("if this endpoint answers differently on success, set success = \"json-2xx\" or \"any-2xx\" in the site's [endpoint]");
            }
        }
    }
    Outcome::new(
        OutcomeKind::Revalidated,
        "the endpoint confirmed the revalidation",
    )
}

fn redirected(answer: &Answer) -> Outcome {
    let to = answer
        .location
        .clone()
        .unwrap_or_else(|| "nowhere".to_string());
    let mut outcome = Outcome::new(
        OutcomeKind::Redirected,
        format!(
            "the endpoint redirected ({}) to {to}; not followed, so the secret stayed here",
            answer.status
        ),
    )
    .with_fix(
        "point the endpoint url at the final address (often http→https, a trailing slash, or www)",
    );
    outcome.location = answer.location.clone();
    outcome
}

fn rate_limited(answer: &Answer) -> Outcome {
    let mut outcome = Outcome::new(
        OutcomeKind::RateLimited,
        match answer.retry_after {
            Some(wait) => format!(
                "rate limited (429): the server asks to wait {}s",
                wait.as_secs()
            ),
            None => "rate limited (429)".to_string(),
        },
    )
    .with_fix("lower rate_per_second or concurrency for this site, or retry later");
    outcome.retry_after_s = answer.retry_after.map(|d| d.as_secs());
    outcome
}

/// Classify a request that got no complete answer (timeout, DNS, refused, TLS, reset).
pub(crate) fn transport_failure(error: &reqwest::Error, redactor: &Redactor) -> Outcome {
    // reqwest's Display embeds the URL with its query string (the secret):
    // describe the error chain without it, then redact what is left anyway.
    let detail = redact::one_line_excerpt(&error_chain(error), redactor, MESSAGE_CHARS, true);
    if error.is_timeout() {
        return Outcome::new(OutcomeKind::Timeout, "no complete answer within the timeout")
            .with_message(Some(detail))
            .with_fix("the origin may be overloaded or the endpoint slow: raise timeout for this site, or check the server");
    }
    let (explanation, fix) = if error.is_connect() {
        connect_failure_words(&detail)
    } else {
        (
            "the connection broke before a complete answer".to_string(),
            "the server or a proxy reset the connection: retry, and check the server's logs"
                .to_string(),
        )
    };
    Outcome::new(OutcomeKind::ConnectionFailed, explanation)
        .with_message(Some(detail))
        .with_fix(fix)
}

fn connect_failure_words(detail: &str) -> (String, String) {
    let lower = detail.to_lowercase();
    if lower.contains("dns") || lower.contains("resolve") || lower.contains("lookup") {
        (
            "the host name does not resolve".into(),
            "check the URL's host name and DNS".into(),
        )
    } else if lower.contains("refused") {
        (
            "the connection was refused: nothing listens there".into(),
            "check the host and port, and that the server is running".into(),
        )
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        (
            "the TLS handshake failed".into(),
            "check the certificate; tls_verify = false is a last resort, per site".into(),
        )
    } else {
        (
            "could not connect".into(),
            "check the host, port and network path".into(),
        )
    }
}

/// The error and its causes, without any URL.
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        let kind = if error.is_timeout() {
            "timed out"
        } else if error.is_body() {
            "body error"
        } else {
            "request error"
        };
        parts.push(kind.to_string());
    }
    parts.join(": ")
}

pub(super) fn looks_like_html(body: &[u8]) -> bool {
    let start: String = String::from_utf8_lossy(&body[..body.len().min(512)])
        .trim_start()
        .chars()
        .take(15)
        .collect::<String>()
        .to_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html") || start.starts_with('<')
}

fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = lower[start..].find("</title>")? + start;
    Some(format!("HTML page titled \"{}\"", text[start..end].trim()))
}
