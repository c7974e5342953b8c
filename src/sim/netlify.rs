//! A simulation of Netlify's purge API, from its documentation
//! (open-api.netlify.com, operation `purgeCache`; docs.netlify.com,
//! "Caching › On-demand invalidation", 2026):
//!
//! - `POST /api/v1/purge` with `Authorization: Bearer TOKEN` and a JSON
//!   body: `site_id` or `site_slug` (one is required), `cache_tags` (none:
//!   the whole site), `deploy_alias`, `domain`;
//! - 202 Accepted when it takes the purge;
//! - 401 `{"code": 401, "message": "Access Denied: …"}` for a wrong
//!   token, 404 `{"code": 404, "message": "Not Found"}` for another site,
//!   422 for a body without a site;
//! - the first `rate_limit_first` requests get 429 with `Retry-After: 1`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};

/// A purge the simulation accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct NetlifyPurge {
    /// The tags purged; `None` for the whole site.
    pub tags: Option<Vec<String>>,
    pub deploy_alias: Option<String>,
    pub domain: Option<String>,
}

struct Shared {
    site_id: String,
    token: String,
    arrivals: super::Arrivals,
    purges: Mutex<Vec<NetlifyPurge>>,
}

impl Shared {
    fn purges(&self) -> MutexGuard<'_, Vec<NetlifyPurge>> {
        self.purges.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The simulated API; dropping it stops the server.
pub struct SimNetlify {
    served: super::Served,
    shared: Arc<Shared>,
}

impl SimNetlify {
    pub async fn start(
        site_id: &str,
        token: &str,
        rate_limit_first: usize,
    ) -> std::io::Result<SimNetlify> {
        let shared = Arc::new(Shared {
            site_id: site_id.to_string(),
            token: token.to_string(),
            arrivals: super::Arrivals::limiting_first(rate_limit_first),
            purges: Mutex::default(),
        });
        let app = Router::new()
            .route("/api/v1/purge", axum::routing::post(purge))
            .with_state(shared.clone());
        let served = super::Served::start(app).await?;
        Ok(SimNetlify { served, shared })
    }

    /// What `api_url` should be.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    pub fn purges(&self) -> Vec<NetlifyPurge> {
        self.shared.purges().clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.arrivals.count()
    }
}

async fn purge(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if shared.arrivals.arrive() {
        let mut response = failure(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return response;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(shared.token.as_str()) {
        return failure(StatusCode::UNAUTHORIZED, "Access Denied: Invalid token");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return failure(StatusCode::BAD_REQUEST, "Invalid JSON body");
    };
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
    let site = text("site_id").or_else(|| text("site_slug"));
    match site {
        None => {
            return failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                "site_id or site_slug is required",
            );
        }
        Some(site) if site != shared.site_id => return failure(StatusCode::NOT_FOUND, "Not Found"),
        Some(_) => {}
    }
    let tags = body
        .get("cache_tags")
        .and_then(|t| serde_json::from_value::<Vec<String>>(t.clone()).ok());
    shared.purges().push(NetlifyPurge {
        tags,
        deploy_alias: text("deploy_alias"),
        domain: text("domain"),
    });
    StatusCode::ACCEPTED.into_response()
}

fn failure(status: StatusCode, message: &str) -> Response {
    let body = json!({"code": status.as_u16(), "message": message});
    (status, axum::Json(body)).into_response()
}
