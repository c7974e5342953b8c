//! A simulation of Vercel's edge-cache API, from its REST documentation
//! (vercel.com/docs/rest-api, "Invalidate by tag" and "Dangerously delete
//! by tag", 2026): `POST /v1/edge-cache/invalidate-by-tags` and
//! `/v1/edge-cache/dangerously-delete-by-tags`, query `projectIdOrName`
//! (required) and `teamId`, `Authorization: Bearer TOKEN`, body
//! `{"tags": […]}` with 1 to 16 tags. Errors are
//! `{"error": {"code", "message"}}`: 403 `forbidden` for a bad token, 400
//! `bad_request` for a body it refuses, 404 `not_found` for an unknown
//! project; the first `rate_limit_first` requests get 429 with
//! `Retry-After: 1`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};

/// Tags per request.
pub const MAX_TAGS: usize = 16;

/// A purge the simulation accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct VercelPurge {
    /// "invalidate-by-tags" or "dangerously-delete-by-tags".
    pub action: String,
    pub project: String,
    pub tags: Vec<String>,
}

struct Shared {
    project: String,
    token: String,
    arrivals: super::Arrivals,
    purges: Mutex<Vec<VercelPurge>>,
}

impl Shared {
    fn purges(&self) -> MutexGuard<'_, Vec<VercelPurge>> {
        self.purges.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct SimVercel {
    served: super::Served,
    shared: Arc<Shared>,
}

impl SimVercel {
    pub async fn start(
        project: &str,
        token: &str,
        rate_limit_first: usize,
    ) -> std::io::Result<SimVercel> {
        let shared = Arc::new(Shared {
            project: project.to_string(),
            token: token.to_string(),
            arrivals: super::Arrivals::limiting_first(rate_limit_first),
            purges: Mutex::default(),
        });
        let app = Router::new()
            .route("/v1/edge-cache/{action}", axum::routing::post(by_tags))
            .with_state(shared.clone());
        let served = super::Served::start(app).await?;
        Ok(SimVercel { served, shared })
    }

    pub fn api_url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    pub fn purges(&self) -> Vec<VercelPurge> {
        self.shared.purges().clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.arrivals.count()
    }
}

async fn by_tags(
    State(shared): State<Arc<Shared>>,
    Path(action): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if shared.arrivals.arrive() {
        let mut response = failure(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Rate limit exceeded",
        );
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
        return failure(StatusCode::FORBIDDEN, "forbidden", "Not authorized");
    }
    if action != "invalidate-by-tags" && action != "dangerously-delete-by-tags" {
        return failure(
            StatusCode::NOT_FOUND,
            "not_found",
            "The requested endpoint was not found",
        );
    }
    let project = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "projectIdOrName")
        .map(|(_, v)| v.into_owned());
    let Some(project) = project else {
        return failure(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Invalid request: missing required property `projectIdOrName`.",
        );
    };
    if project != shared.project {
        return failure(StatusCode::NOT_FOUND, "not_found", "Project not found");
    }
    let tags: Option<Vec<String>> = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| serde_json::from_value(v.get("tags")?.clone()).ok());
    let Some(tags) = tags.filter(|t| (1..=MAX_TAGS).contains(&t.len())) else {
        let message =
            format!("Invalid request: `tags` should have between 1 and {MAX_TAGS} items.");
        return failure(StatusCode::BAD_REQUEST, "bad_request", &message);
    };
    shared.purges().push(VercelPurge {
        action,
        project,
        tags,
    });
    (StatusCode::OK, axum::Json(json!({}))).into_response()
}

fn failure(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}
