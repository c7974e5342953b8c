//! A simulation of Cloudflare's purge API, from its documentation
//! (developers.cloudflare.com/api, "Purge Cached Content", and
//! developers.cloudflare.com/cache/how-to/purge-cache, as of 2026):
//!
//! - `POST /client/v4/zones/{zone_id}/purge_cache` (and
//!   `…/invalidate_cache`, the same selectors marking copies stale) with
//!   `Authorization: Bearer TOKEN` and one of `{"files": […]}`,
//!   `{"prefixes": […]}`, `{"tags": […]}`, `{"hosts": […]}`,
//!   `{"purge_everything": true}`;
//! - answers `{"success": true, "errors": [], "messages": [], "result":
//!   {"id": …}}`, or `"success": false` with `errors: [{code, message}]`:
//!   403 code 10000 "Authentication error" for a bad token, 400 for a body
//!   it cannot read or more than 100 operations, 404 for an unknown zone;
//! - rate limited with a token bucket (`bucket` requests, refilled
//!   `refill_per_s` per second): 429 with `Retry-After` once it is empty.
//!   The exact error code of that 429 is not documented; 971 ("Please wait
//!   and consider throttling your request speed") is what clients report.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Operations per request on Free, Pro and Business plans.
pub const MAX_OPERATIONS: usize = 100;

/// A purge the simulation accepted: zone and body, and whether it came
/// to `invalidate_cache` (copies marked stale, revalidated with the
/// origin) rather than `purge_cache`.
#[derive(Clone, Debug, PartialEq)]
pub struct Purge {
    pub zone: String,
    pub body: Value,
    pub soft: bool,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

struct Shared {
    zone: String,
    token: String,
    bucket_size: f64,
    refill_per_s: f64,
    bucket: Mutex<Bucket>,
    purges: Mutex<Vec<Purge>>,
    arrivals: super::Arrivals,
}

impl Shared {
    fn purges(&self) -> MutexGuard<'_, Vec<Purge>> {
        self.purges.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take a token; `Err(seconds)` until the next one comes.
    fn take(&self) -> Result<(), u64> {
        let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(b.at).as_secs_f64() * self.refill_per_s;
        b.tokens = (b.tokens + refill).min(self.bucket_size);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / self.refill_per_s).ceil().max(1.0) as u64)
        }
    }
}

/// The simulated API; dropping it stops the server.
pub struct SimCloudflare {
    served: super::Served,
    shared: Arc<Shared>,
}

impl SimCloudflare {
    /// One zone with one valid token; `bucket` requests before 429s, then
    /// `refill_per_s` more each second.
    pub async fn start(
        zone: &str,
        token: &str,
        bucket: u32,
        refill_per_s: f64,
    ) -> std::io::Result<SimCloudflare> {
        let shared = Arc::new(Shared {
            zone: zone.to_string(),
            token: token.to_string(),
            bucket_size: f64::from(bucket),
            refill_per_s,
            bucket: Mutex::new(Bucket {
                tokens: f64::from(bucket),
                at: Instant::now(),
            }),
            purges: Mutex::default(),
            arrivals: super::Arrivals::default(),
        });
        let app = Router::new()
            .route(
                "/client/v4/zones/{zone}/purge_cache",
                axum::routing::post(purge_cache),
            )
            .route(
                "/client/v4/zones/{zone}/invalidate_cache",
                axum::routing::post(invalidate_cache),
            )
            .with_state(shared.clone());
        let served = super::Served::start(app).await?;
        Ok(SimCloudflare { served, shared })
    }

    /// What `api_url` should be: `http://127.0.0.1:PORT/client/v4`.
    pub fn api_url(&self) -> String {
        format!("http://{}/client/v4", self.served.addr)
    }

    /// Every purge accepted, in order.
    pub fn purges(&self) -> Vec<Purge> {
        self.shared.purges().clone()
    }

    /// Every request received, accepted or not.
    pub fn requests(&self) -> usize {
        self.shared.arrivals.count()
    }
}

async fn purge_cache(
    state: State<Arc<Shared>>,
    zone: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    accept(state, zone, headers, (body, false))
}

/// `invalidate_cache`: the same selectors as `purge_cache`, the copies
/// marked stale instead of removed.
async fn invalidate_cache(
    state: State<Arc<Shared>>,
    zone: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    accept(state, zone, headers, (body, true))
}

fn accept(
    State(shared): State<Arc<Shared>>,
    Path(zone): Path<String>,
    headers: HeaderMap,
    (body, soft): (Bytes, bool),
) -> Response {
    shared.arrivals.arrive();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(shared.token.as_str()) {
        return failure(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    if let Err(wait) = shared.take() {
        let mut response = failure(
            StatusCode::TOO_MANY_REQUESTS,
            971,
            "Please wait and consider throttling your request speed",
        );
        if let Ok(value) = wait.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    if zone != shared.zone {
        return failure(
            StatusCode::NOT_FOUND,
            7003,
            "Could not route to /zones: unknown zone",
        );
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            1012,
            "Request must contain one of \"purge_everything\", \"files\", \"tags\", \"hosts\" or \"prefixes\"",
        );
    };
    let operations = ["files", "prefixes", "tags", "hosts"]
        .iter()
        .filter_map(|k| json.get(k).and_then(Value::as_array).map(Vec::len))
        .sum::<usize>();
    let everything = json.get("purge_everything") == Some(&Value::Bool(true));
    if operations == 0 && !everything {
        return failure(
            StatusCode::BAD_REQUEST,
            1012,
            "Request must contain one of \"purge_everything\", \"files\", \"tags\", \"hosts\" or \"prefixes\"",
        );
    }
    if operations > MAX_OPERATIONS {
        return failure(
            StatusCode::BAD_REQUEST,
            1015,
            &format!("Too many operations in one request: at most {MAX_OPERATIONS}"),
        );
    }
    shared.purges().push(Purge {
        zone,
        body: json,
        soft,
    });
    let id = format!("{:032x}", shared.purges().len());
    (
        StatusCode::OK,
        axum::Json(json!({"success": true, "errors": [], "messages": [], "result": {"id": id}})),
    )
        .into_response()
}

fn failure(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({
        "success": false,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": null,
    });
    (status, axum::Json(body)).into_response()
}
