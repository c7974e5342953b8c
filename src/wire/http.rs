//! The HTTP client settings every request shares: timeouts, no redirects,
//! TLS verification, capped reads.

use crate::model::config::Limits;
use std::time::Duration;

/// Endpoint answers are small JSON; anything beyond this is not read.
pub const ENDPOINT_BODY_CAP: usize = 64 * 1024;
/// Pages are read up to this much (for fingerprints and markers).
pub const PAGE_BODY_CAP: usize = 4 * 1024 * 1024;

pub const USER_AGENT: &str = concat!("isrctl/", env!("CARGO_PKG_VERSION"));

/// A client that never follows redirects: the secret must reach only the
/// endpoint's own origin, and a redirect is an outcome worth reporting.
/// Below Node's default `keepAliveTimeout` (5 s).
const POOL_IDLE: std::time::Duration = std::time::Duration::from_secs(4);

pub fn client(limits: &Limits, tls_verify: bool) -> reqwest::Result<reqwest::Client> {
    // Building one costs ~1 ms optimised and ~20 ms in a debug build (the
    // TLS roots are parsed each time), and a console probes pages by the
    // hundred: one client per setting, kept per thread. Per thread, not per
    // process: a pooled connection lives on the runtime that opened it, and
    // a client used on another runtime after that one is gone fails
    // ("dispatch task is gone"); a runtime's threads end with it.
    type Key = (Duration, Duration, usize, bool);
    thread_local! {
        static CLIENTS: std::cell::RefCell<Vec<(Key, reqwest::Client)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let key = (
        limits.timeout,
        limits.connect_timeout,
        limits.concurrency,
        tls_verify,
    );
    if let Some(client) =
        CLIENTS.with_borrow(|c| c.iter().find(|(k, _)| *k == key).map(|(_, c)| c.clone()))
    {
        return Ok(client);
    }
    let client = build(limits, tls_verify)?;
    CLIENTS.with_borrow_mut(|c| c.push((key, client.clone())));
    Ok(client)
}

fn build(limits: &Limits, tls_verify: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(limits.connect_timeout)
        .timeout(limits.timeout)
        .pool_max_idle_per_host(limits.concurrency.max(1))
        // Node's http server (next start) closes an idle keep-alive
        // connection after 5 s; a request sent on it just then fails with
        // "error sending request" (seen after a 5 s --retry-after wait).
        // Never reuse a connection idle that long.
        .pool_idle_timeout(POOL_IDLE)
        .tls_danger_accept_invalid_certs(!tls_verify)
        .build()
}

/// Read at most `cap` bytes of the body. Returns the bytes and whether the
/// body was longer. A body error after some bytes keeps what arrived.
pub async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// Parse `Retry-After`: delay-seconds or an HTTP date.
/// How long a rate-limited API asks to wait when it says so in its own
/// header instead of `Retry-After`: the Unix time its budget resets.
/// Vercel (`X-RateLimit-Reset`, REST API docs) and Fastly
/// (`Fastly-RateLimit-Reset`, API rate-limiting docs).
pub fn rate_limit_reset(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let reset = ["x-ratelimit-reset", "fastly-ratelimit-reset"]
        .iter()
        .find_map(|name| {
            headers
                .get(*name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<i64>()
                .ok()
        })?;
    let now = jiff::Timestamp::now().as_second();
    Some(Duration::from_secs(reset.saturating_sub(now).max(0) as u64))
}

pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Duration::try_from(wait).ok().or(Some(Duration::ZERO))
}
