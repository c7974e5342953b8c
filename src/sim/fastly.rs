//! A simulation of Fastly's purge API, from its documentation
//! (docs.fastly.com/api/purge and the generated clients' PurgeApi, 2026):
//!
//! - `POST /purge/{host}{path}`: one URL;
//! - `POST /service/{service_id}/purge` with `{"surrogate_keys": […]}`:
//!   at most 256 keys, answered with a map of key → purge id;
//! - `POST /service/{service_id}/purge_all`: everything (never soft);
//! - `Fastly-Key: TOKEN` required (401 `{"msg": "Provided credentials are
//!   missing or invalid"}` otherwise); `Fastly-Soft-Purge: 1` marks a soft
//!   purge; an unknown service is 404 `{"msg": "Record not found", …}`.
//! - The first `rate_limit_first` requests get 429 with `Retry-After: 1`
//!   (Fastly answers 429 when an account's API limit is spent).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};

/// Surrogate keys per batch request.
pub const MAX_KEYS: usize = 256;

/// A purge the simulation accepted.
#[derive(Clone, Debug, PartialEq)]
pub enum FastlyPurge {
    Url { url: String, soft: bool },
    Keys { keys: Vec<String>, soft: bool },
    All,
}

struct Shared {
    service: String,
    token: String,
    arrivals: super::Arrivals,
    purges: Mutex<Vec<FastlyPurge>>,
}

impl Shared {
    fn purges(&self) -> MutexGuard<'_, Vec<FastlyPurge>> {
        self.purges.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Count the request; `Err` with the answer when it is refused.
    fn admit(&self, headers: &HeaderMap) -> Result<bool, Box<Response>> {
        if self.arrivals.arrive() {
            let mut response = failure(StatusCode::TOO_MANY_REQUESTS, "Too many requests", None);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return Err(Box::new(response));
        }
        let key = headers.get("fastly-key").and_then(|v| v.to_str().ok());
        if key != Some(self.token.as_str()) {
            let msg = "Provided credentials are missing or invalid";
            return Err(Box::new(failure(StatusCode::UNAUTHORIZED, msg, None)));
        }
        Ok(headers.get("fastly-soft-purge").is_some_and(|v| v == "1"))
    }
}

/// The simulated API; dropping it stops the server.
pub struct SimFastly {
    served: super::Served,
    shared: Arc<Shared>,
}

impl SimFastly {
    pub async fn start(
        service: &str,
        token: &str,
        rate_limit_first: usize,
    ) -> std::io::Result<SimFastly> {
        let shared = Arc::new(Shared {
            service: service.to_string(),
            token: token.to_string(),
            arrivals: super::Arrivals::limiting_first(rate_limit_first),
            purges: Mutex::default(),
        });
        let app = Router::new()
            .route("/purge/{*url}", axum::routing::post(purge_url))
            .route("/service/{service}/purge", axum::routing::post(purge_keys))
            .route(
                "/service/{service}/purge_all",
                axum::routing::post(purge_all),
            )
            .with_state(shared.clone());
        let served = super::Served::start(app).await?;
        Ok(SimFastly { served, shared })
    }

    /// What `api_url` should be.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    pub fn purges(&self) -> Vec<FastlyPurge> {
        self.shared.purges().clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.arrivals.count()
    }
}

async fn purge_url(
    State(shared): State<Arc<Shared>>,
    Path(url): Path<String>,
    headers: HeaderMap,
) -> Response {
    let soft = match shared.admit(&headers) {
        Ok(soft) => soft,
        Err(refused) => return *refused,
    };
    shared.purges().push(FastlyPurge::Url { url, soft });
    ok(json!({"status": "ok", "id": format!("{}", shared.purges().len())}))
}

async fn purge_keys(
    State(shared): State<Arc<Shared>>,
    Path(service): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let soft = match shared.admit(&headers) {
        Ok(soft) => soft,
        Err(refused) => return *refused,
    };
    if service != shared.service {
        return not_found(&service);
    }
    let keys: Option<Vec<String>> = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| serde_json::from_value(v.get("surrogate_keys")?.clone()).ok());
    let Some(keys) = keys.filter(|k| !k.is_empty()) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "Bad request",
            Some("surrogate_keys is required"),
        );
    };
    if keys.len() > MAX_KEYS {
        let detail = format!("at most {MAX_KEYS} surrogate keys per request");
        return failure(StatusCode::BAD_REQUEST, "Bad request", Some(&detail));
    }
    let ids: serde_json::Map<String, Value> =
        keys.iter().map(|k| (k.clone(), json!("108-1"))).collect();
    shared.purges().push(FastlyPurge::Keys { keys, soft });
    ok(Value::Object(ids))
}

async fn purge_all(
    State(shared): State<Arc<Shared>>,
    Path(service): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = shared.admit(&headers) {
        return *refused;
    }
    if service != shared.service {
        return not_found(&service);
    }
    shared.purges().push(FastlyPurge::All);
    ok(json!({"status": "ok"}))
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn not_found(service: &str) -> Response {
    let detail = format!("Cannot find service '{service}'");
    failure(StatusCode::NOT_FOUND, "Record not found", Some(&detail))
}

fn failure(status: StatusCode, msg: &str, detail: Option<&str>) -> Response {
    let body = match detail {
        Some(detail) => json!({"msg": msg, "detail": detail}),
        None => json!({"msg": msg}),
    };
    (status, axum::Json(body)).into_response()
}
