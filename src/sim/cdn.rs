//! A caching layer in front of an origin, like Varnish configured to keep
//! HTML: it caches GETs for the origin's `s-maxage` and knows nothing of
//! revalidation at the origin, so after an ISR revalidation it keeps
//! serving the old copy. That is the "page still stale" case isrctl must
//! diagnose.
//!
//! Cached responses carry `Age`, `X-Cache: HIT|MISS` and `Via: 1.1 sim-cdn`;
//! `/api/` requests and non-GET methods go to the origin uncached. Like the
//! testbed's Varnish, it takes `PURGE /path` (drops that copy) and `BAN /`
//! with `X-Ban-Url: REGEX` (drops every matching copy), answering 200.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Used when the origin sends no `s-maxage`/`max-age`.
const DEFAULT_TTL: Duration = Duration::from_secs(3600);
/// Largest request body passed through to the origin.
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// A stored copy of an origin response.
#[derive(Clone)]
struct Entry {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    stored_at: Instant,
    ttl: Duration,
}

struct Shared {
    origin: String,
    client: reqwest::Client,
    cache: Mutex<HashMap<String, Entry>>,
    origin_requests: AtomicUsize,
}

impl Shared {
    /// A poisoned lock only means a test panicked elsewhere; entries are
    /// replaced whole, so the map is always consistent.
    fn cache(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running caching layer. Dropping it stops accepting connections.
pub struct SimCdn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SimCdn {
    /// Bind `127.0.0.1:0` and proxy to `origin_url` (e.g. `SimOrigin::url()`).
    pub async fn start(origin_url: &str) -> std::io::Result<SimCdn> {
        SimCdn::start_on(0, origin_url).await
    }

    /// The same on a given loopback port (0 picks a free one).
    pub async fn start_on(port: u16, origin_url: &str) -> std::io::Result<SimCdn> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            origin: origin_url.trim_end_matches('/').to_string(),
            client,
            cache: Mutex::new(HashMap::new()),
            origin_requests: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("sim cdn stopped: {e}");
            }
        });
        Ok(SimCdn { addr, shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Fetch `paths` through this layer, as visitors would have, so it holds
    /// a copy of each.
    pub async fn warm(&self, paths: &[&str]) {
        let client = reqwest::Client::new();
        for path in paths {
            let _ = client.get(format!("{}{path}", self.url())).send().await;
        }
    }

    /// Whether this layer holds a copy of `path` now.
    pub fn holds(&self, path: &str) -> bool {
        self.shared.cache().contains_key(path)
    }

    /// Whether the copy of `path` it holds (if any) was stored at or after
    /// `since`: the old copy is gone (a purge's read-back refills the cache).
    pub fn no_copy_older_than(&self, path: &str, since: Instant) -> bool {
        self.shared
            .cache()
            .get(path)
            .is_none_or(|entry| entry.stored_at >= since)
    }

    /// Requests forwarded to the origin (cache misses and pass-throughs).
    pub fn origin_requests(&self) -> usize {
        self.shared.origin_requests.load(Ordering::SeqCst)
    }
}

impl Drop for SimCdn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Drop the copies whose key matches; 200 with how many.
fn purged(shared: &Shared, matches: impl Fn(&str) -> bool) -> Response {
    let mut cache = shared.cache();
    let before = cache.len();
    cache.retain(|k, _| !matches(k));
    let dropped = before - cache.len();
    (StatusCode::OK, format!("Purged {dropped}\n")).into_response()
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let key = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    match request.method().as_str() {
        "PURGE" => return purged(&shared, |k| k == key),
        "BAN" => {
            let pattern = request
                .headers()
                .get("x-ban-url")
                .and_then(|v| v.to_str().ok())
                .and_then(|p| regex::Regex::new(p).ok());
            return match pattern {
                Some(re) => purged(&shared, |k| re.is_match(k)),
                None => (StatusCode::BAD_REQUEST, "BAN needs X-Ban-Url: REGEX").into_response(),
            };
        }
        _ => {}
    }
    let cacheable = request.method() == Method::GET && !request.uri().path().starts_with("/api/");
    if !cacheable {
        return match forward(&shared, request, &key).await {
            Ok(entry) => respond(entry, None),
            Err(response) => response,
        };
    }
    if let Some(entry) = fresh_entry(&shared, &key) {
        return respond(entry, Some("HIT"));
    }
    match forward(&shared, request, &key).await {
        Ok(entry) => {
            if entry.ttl > Duration::ZERO && is_cacheable_status(entry.status) {
                shared.cache().insert(key, entry.clone());
            }
            respond(entry, Some("MISS"))
        }
        Err(response) => response,
    }
}

/// The stored copy for `key` if it is still within its TTL.
fn fresh_entry(shared: &Shared, key: &str) -> Option<Entry> {
    let cache = shared.cache();
    let entry = cache.get(key)?;
    (entry.stored_at.elapsed() < entry.ttl).then(|| entry.clone())
}

fn is_cacheable_status(status: StatusCode) -> bool {
    // Varnish's default set of cacheable statuses, minus the rare ones.
    matches!(status.as_u16(), 200 | 203 | 300 | 301 | 308 | 404 | 410)
}

/// Send the request on to the origin and read its whole response.
/// On failure, the 502/504 a CDN would answer.
async fn forward(shared: &Shared, request: Request, target: &str) -> Result<Entry, Response> {
    shared.origin_requests.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_REQUEST_BODY)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
    let mut headers = parts.headers;
    strip_hop_by_hop(&mut headers);
    headers.remove(header::HOST);
    let upstream = shared
        .client
        .request(parts.method, format!("{}{}", shared.origin, target))
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|e| gateway_error(&e))?;
    let status = upstream.status();
    let mut headers = upstream.headers().clone();
    strip_hop_by_hop(&mut headers);
    let body = upstream.bytes().await.map_err(|e| gateway_error(&e))?;
    let ttl = ttl_of(&headers);
    Ok(Entry {
        status,
        headers,
        body,
        stored_at: Instant::now(),
        ttl,
    })
}

fn gateway_error(error: &reqwest::Error) -> Response {
    let status = if error.is_timeout() {
        StatusCode::GATEWAY_TIMEOUT
    } else {
        StatusCode::BAD_GATEWAY
    };
    // Not the error text: it holds the origin URL with its query string.
    (
        status,
        [(header::VIA, "1.1 sim-cdn")],
        "origin unreachable\n",
    )
        .into_response()
}

/// Headers that describe one connection, not the message; never forwarded.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::CONTENT_LENGTH,
        header::TE,
        header::TRAILER,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
        HeaderName::from_static("keep-alive"),
    ] {
        headers.remove(name);
    }
}

/// How long a shared cache may keep the response: `s-maxage`, else
/// `max-age`, else the default; nothing for `no-store`/`private`.
fn ttl_of(headers: &HeaderMap) -> Duration {
    let directives: Vec<String> = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    if directives
        .iter()
        .any(|d| d == "no-store" || d == "private" || d == "no-cache")
    {
        return Duration::ZERO;
    }
    let seconds = |name: &str| {
        directives.iter().find_map(|d| {
            let (key, value) = d.split_once('=')?;
            (key.trim() == name)
                .then(|| value.trim().trim_matches('"').parse::<u64>().ok())
                .flatten()
        })
    };
    seconds("s-maxage")
        .or_else(|| seconds("max-age"))
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TTL)
}

/// Build the response to the client; `x_cache` is `None` for pass-through.
fn respond(entry: Entry, x_cache: Option<&'static str>) -> Response {
    let age = entry.stored_at.elapsed().as_secs();
    let mut response = Response::new(Body::from(entry.body));
    *response.status_mut() = entry.status;
    *response.headers_mut() = entry.headers;
    let headers = response.headers_mut();
    if let Some(x_cache) = x_cache {
        headers.insert(header::AGE, HeaderValue::from(age));
        headers.insert("x-cache", HeaderValue::from_static(x_cache));
    }
    headers.append(header::VIA, HeaderValue::from_static("1.1 sim-cdn"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn ttl_prefers_s_maxage() {
        let ttl = ttl_of(&cc("s-maxage=3600, stale-while-revalidate=31532400"));
        assert_eq!(ttl, Duration::from_secs(3600));
        assert_eq!(ttl_of(&cc("max-age=60")), Duration::from_secs(60));
        assert_eq!(
            ttl_of(&cc("public, max-age=5, S-MaxAge=7")),
            Duration::from_secs(7)
        );
        assert_eq!(ttl_of(&cc("private, no-cache")), Duration::ZERO);
        assert_eq!(ttl_of(&HeaderMap::new()), DEFAULT_TTL);
    }
}
