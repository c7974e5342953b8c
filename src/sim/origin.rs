//! A simulated `next start` instance serving ISR pages.
//!
//! It reproduces what was measured on Next.js 16.4.6 (DEVELOPING.md, "Testbed"),, including the surprising parts isrctl exists to catch: a
//! path without a leading slash and a dynamic pattern without a type are
//! accepted with `200 {"revalidated":true}` and revalidate nothing.
//!
//! Page lifecycle, per page:
//! - before any revalidation every GET is a `HIT` of the build output
//!   (generation 0);
//! - after a *path* revalidation the next GET renders anew and says `MISS`,
//!   later GETs say `HIT`;
//! - after a *tag* revalidation the next GET says `STALE` and serves the
//!   old body and ETag while regenerating "in the background" (here: right
//!   after answering); the GET after that serves the new generation and
//!   says `HIT` (measured against the testbed: not `MISS`);
//! - the Pages Router endpoint regenerates before it answers, so the next
//!   GET is already fresh and says `HIT`;
//! - a path that is no page is served the app's prerendered not-found page:
//!   404 with `x-nextjs-cache: HIT` and `Cache-Control: private, no-store…`;
//!   a trailing slash is answered with a 308 to the path without it.
//!
//! Pages below the root (`/blog/hello`) stand for a dynamic route whose
//! params are all prerendered (`generateStaticParams`, `dynamicParams =
//! false`), like the testbed's `/blog/[slug]`: `res.revalidate('/blog/nope')`
//! throws, while `res.revalidate('/nope')` regenerates the not-found page and
//! succeeds.
//!
//! Besides the App Router route handler (`/api/revalidate`) and the Pages
//! Router API route (`/api/pages-revalidate`), the app has a CMS webhook
//! (`POST /api/webhook`, secret in `x-webhook-secret`, body
//! `{"entry":{"slug":"hello"}}`) that revalidates `/blog/<slug>`, like the
//! testbed's `app/api/webhook/route.js`. `tests/e2e/conformance.rs` checks all
//! of this against real Next.js.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::{hex, http_date, now_millis};

mod endpoints;
mod pages;

use endpoints::*;
use pages::*;

/// One prerendered page of the simulated app.
#[derive(Clone, Debug)]
pub struct SimPage {
    /// The URL path, with a leading slash and no trailing slash: `/blog/hello`.
    pub path: String,
    /// Cache tags the page was fetched with (`revalidateTag` targets).
    pub tags: Vec<String>,
}

impl SimPage {
    /// A page at `path` (leading slash) whose data carries `tags`.
    pub fn new(path: &str, tags: &[&str]) -> SimPage {
        SimPage {
            path: path.to_string(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }
}

/// How to build a [`SimOrigin`].
#[derive(Clone, Debug)]
pub struct OriginOptions {
    /// The secret the revalidation endpoints expect in `?secret=`.
    pub secret: String,
    pub pages: Vec<SimPage>,
    /// Extra delay before the revalidation endpoints answer (to let
    /// concurrency build up in tests). Spent while the request is counted
    /// as in flight.
    pub endpoint_delay: Duration,
    /// Loopback port to listen on; 0 picks a free one.
    pub port: u16,
    /// A broken handler that never compares the secret: any value passes.
    pub accept_any_secret: bool,
    /// Delay before every answer, pages included (a slow origin or a far
    /// region), on top of `endpoint_delay`.
    pub answer_delay: Duration,
    /// The first this many endpoint requests are answered 429 with
    /// `Retry-After: 1` (like a WAF in front of the app), whatever they ask.
    pub rate_limit_first: usize,
    /// Pages carry an ETag, as `next start` sends one unless the app sets
    /// `generateEtags: false` (then a page has no validator at all).
    pub etags: bool,
}

impl Default for OriginOptions {
    fn default() -> Self {
        OriginOptions {
            secret: "sim-secret".to_string(),
            pages: vec![
                SimPage::new("/", &[]),
                SimPage::new("/about", &[]),
                SimPage::new("/blog/hello", &["posts"]),
                SimPage::new("/blog/world", &["posts"]),
                SimPage::new("/products/1", &["products"]),
            ],
            endpoint_delay: Duration::ZERO,
            port: 0,
            accept_any_secret: false,
            answer_delay: Duration::ZERO,
            rate_limit_first: 0,
            etags: true,
        }
    }
}

/// What the next GET of a page will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NextServe {
    /// Serve the cached render: `HIT`.
    Hit,
    /// A path revalidation is pending: render now and say `MISS`.
    Render,
    /// A tag revalidation is pending: serve the old render as `STALE`,
    /// then regenerate.
    Stale,
}

/// The ISR cache entry of one page.
struct PageState {
    tags: Vec<String>,
    generation: u64,
    body: String,
    etag: String,
    next: NextServe,
}

impl PageState {
    fn new(page: &SimPage) -> PageState {
        let mut state = PageState {
            tags: page.tags.clone(),
            generation: 0,
            body: String::new(),
            etag: String::new(),
            next: NextServe::Hit,
        };
        state.render(&page.path);
        state
    }

    /// Render the page as it is now: body with a render-time marker, ETag.
    fn render(&mut self, path: &str) {
        self.body = render_html(path, self.generation);
        self.etag = etag_of(&self.body);
    }

    fn regenerate(&mut self, path: &str) {
        self.generation += 1;
        self.render(path);
    }
}

/// Counters shared with the test that owns the origin.
#[derive(Default)]
struct Counters {
    requests: AtomicUsize,
    /// Endpoint requests that named a path or a tag, whatever the secret.
    targeted: AtomicUsize,
    /// The secret each endpoint request carried, if any.
    secrets: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Endpoint requests that asked to pass the rate limit, counted apart
    /// from `requests` so two arriving at once cannot both miss the 429s.
    limit_checks: AtomicUsize,
    /// When each endpoint request arrived, and when each 429 was answered.
    arrivals: Mutex<Vec<std::time::Instant>>,
    limited: Mutex<Vec<std::time::Instant>>,
}

/// Holds one endpoint request as "in flight" until dropped, so the
/// high-water mark covers the whole handler including `endpoint_delay`.
struct InFlight<'a>(&'a Counters);

impl<'a> InFlight<'a> {
    fn enter(counters: &'a Counters) -> InFlight<'a> {
        counters.requests.fetch_add(1, Ordering::SeqCst);
        lock(&counters.arrivals).push(std::time::Instant::now());
        let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counters.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(counters)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A poisoned lock only means a test panicked elsewhere; keep serving.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

struct Shared {
    rate_limit_first: usize,
    secret: String,
    accept_any_secret: bool,
    endpoint_delay: Duration,
    answer_delay: Duration,
    etags: bool,
    pages: Mutex<HashMap<String, PageState>>,
    counters: Counters,
}

impl Shared {
    /// A 429 for the first `rate_limit_first` endpoint requests.
    fn rate_limited(&self) -> Option<Response> {
        let nth = self.counters.limit_checks.fetch_add(1, Ordering::SeqCst) + 1;
        if nth > self.rate_limit_first {
            return None;
        }
        lock(&self.counters.limited).push(std::time::Instant::now());
        let body = serde_json::json!({"message": "Too many requests"});
        let mut response = json(StatusCode::TOO_MANY_REQUESTS, body);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        Some(response)
    }

    fn authorized(&self, query: &HashMap<String, String>) -> bool {
        self.accept_any_secret || query.get("secret") == Some(&self.secret)
    }

    /// Count a request that names a target, before the secret is checked.
    fn note_target(&self, query: &HashMap<String, String>) {
        if let Some(secret) = query.get("secret") {
            self.note_secret(secret);
        }
        if query.contains_key("path") || query.contains_key("tag") {
            self.counters.targeted.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn note_secret(&self, secret: &str) {
        lock(&self.counters.secrets).push(secret.to_string());
    }

    /// The ISR cache. A poisoned lock only means a test panicked elsewhere;
    /// the map itself is always consistent, so keep serving.
    fn pages(&self) -> MutexGuard<'_, HashMap<String, PageState>> {
        self.pages.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running simulated origin. Dropping it stops accepting connections.
pub struct SimOrigin {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SimOrigin {
    /// Bind `127.0.0.1:{opts.port}` and serve in a background task.
    pub async fn start(opts: OriginOptions) -> std::io::Result<SimOrigin> {
        let pages = opts
            .pages
            .iter()
            .map(|p| (normalize(&p.path).to_string(), PageState::new(p)))
            .collect();
        let shared = Arc::new(Shared {
            rate_limit_first: opts.rate_limit_first,
            secret: opts.secret,
            accept_any_secret: opts.accept_any_secret,
            endpoint_delay: opts.endpoint_delay,
            answer_delay: opts.answer_delay,
            etags: opts.etags,
            pages: Mutex::new(pages),
            counters: Counters::default(),
        });
        let app = Router::new()
            .route("/api/revalidate", any(app_router_revalidate))
            .route("/api/pages-revalidate", any(pages_router_revalidate))
            .route("/api/webhook", any(cms_webhook))
            .fallback(serve_page)
            .with_state(shared.clone());
        let listener = TcpListener::bind(("127.0.0.1", opts.port)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("sim origin stopped: {e}");
            }
        });
        Ok(SimOrigin { addr, shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received on `/api/revalidate` and `/api/pages-revalidate`.
    pub fn endpoint_requests(&self) -> usize {
        self.shared.counters.requests.load(Ordering::SeqCst)
    }

    /// Endpoint requests that carried a path or a tag (with any secret):
    /// zero proves nothing was asked to revalidate.
    pub fn targeted_endpoint_requests(&self) -> usize {
        self.shared.counters.targeted.load(Ordering::SeqCst)
    }

    /// Endpoint requests that carried exactly this secret: zero proves a
    /// check never sent it.
    pub fn endpoint_requests_with_secret(&self, secret: &str) -> usize {
        let seen = lock(&self.shared.counters.secrets);
        seen.iter().filter(|s| *s == secret).count()
    }

    /// The most endpoint requests that were in flight at the same time.
    pub fn max_concurrent_endpoint_requests(&self) -> usize {
        self.shared.counters.max_in_flight.load(Ordering::SeqCst)
    }

    /// When each endpoint request arrived, in order.
    pub fn endpoint_arrivals(&self) -> Vec<std::time::Instant> {
        lock(&self.shared.counters.arrivals).clone()
    }

    /// When each 429 of `rate_limit_first` was answered, in order.
    pub fn rate_limited_at(&self) -> Vec<std::time::Instant> {
        lock(&self.shared.counters.limited).clone()
    }

    /// How many times the page was regenerated (0 = the build output), or
    /// `None` for a page the app does not have.
    pub fn generation(&self, path: &str) -> Option<u64> {
        self.shared
            .pages()
            .get(normalize(path))
            .map(|p| p.generation)
    }

    /// Stop serving. Same as dropping.
    pub fn shutdown(self) {}
}

impl Drop for SimOrigin {
    fn drop(&mut self) {
        // Stops the accept loop; connections already open finish their
        // current exchange and die with the runtime.
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<&str> {
        segments(p).collect()
    }

    #[test]
    fn patterns_match_like_next_routes() {
        assert!(matches(&segs("/blog/[slug]"), &segs("/blog/hello"), false));
        assert!(!matches(&segs("/blog/[slug]"), &segs("/blog"), false));
        assert!(matches(&segs("/[...all]"), &segs("/blog/hello"), false));
        assert!(!matches(&segs("/blog/[...all]"), &segs("/blog"), false));
        assert!(matches(&segs("/blog/[[...all]]"), &segs("/blog"), false));
        assert!(matches(&segs("/(site)/about"), &segs("/about"), false));
        assert!(!matches(&segs("/blog"), &segs("/blog/hello"), false));
        assert!(matches(&segs("/blog"), &segs("/blog/hello"), true));
        assert!(matches(&segs("/"), &segs("/"), false));
        assert!(!matches(&segs("/"), &segs("/about"), false));
    }

    #[test]
    fn unknown_slugs_of_a_dynamic_route_are_told_from_unknown_pages() {
        assert!(same_dynamic_route("/blog/hello", "/blog/nope"));
        assert!(!same_dynamic_route("/blog/hello", "/blog/hello/extra"));
        assert!(!same_dynamic_route("/about", "/nope"));
        assert!(!same_dynamic_route("/blog/hello", "/nope"));
    }

    #[test]
    fn normalize_drops_trailing_slashes_only() {
        assert_eq!(normalize("/blog/hello/"), "/blog/hello");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("/about"), "/about");
    }
}
