//! A simulation of Akamai's Fast Purge API v3, from its reference
//! (techdocs.akamai.com/purge-cache/reference: "Invalidate by URL",
//! "… by cache tag", "… by CP code", the delete operations, "Rate
//! limiting" and its response examples, 2026):
//!
//! - `POST /ccu/v3/{invalidate|delete}/{url|tag|cpcode}/{production|staging}`
//!   with `{"objects": […]}`; a body over 50,000 bytes is 413;
//! - every request signed with EdgeGrid: checked here the way Akamai
//!   describes it, written independently of isrctl's signer (a bug in how
//!   isrctl signs cannot pass its own test); a bad or missing signature is
//!   401 problem JSON (`{"title": "Not authorized", …}`);
//! - accepted: 201 `{"httpStatus": 201, "detail": "Request accepted",
//!   "estimatedSeconds": N, "purgeId": …, "supportId": …}`;
//! - the first `rate_limit_first` requests: 429 problem JSON with
//!   `X-RateLimit-Limit`/`-Remaining` and no `Retry-After` (the reference
//!   says to wait five seconds).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex, MutexGuard};

/// The API client the simulation accepts.
#[derive(Clone, Debug)]
pub struct AkamaiClient {
    pub client_token: String,
    pub client_secret: String,
    pub access_token: String,
}

/// A purge the simulation accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct AkamaiPurge {
    /// `invalidate` or `delete`.
    pub action: String,
    /// `url`, `tag` or `cpcode`.
    pub kind: String,
    pub network: String,
    pub objects: Vec<Value>,
}

struct Shared {
    client: AkamaiClient,
    estimated_seconds: u64,
    arrivals: super::Arrivals,
    purges: Mutex<Vec<AkamaiPurge>>,
}

impl Shared {
    fn purges(&self) -> MutexGuard<'_, Vec<AkamaiPurge>> {
        self.purges.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The simulated API; dropping it stops the server.
pub struct SimAkamai {
    served: super::Served,
    shared: Arc<Shared>,
}

impl SimAkamai {
    pub async fn start(
        client: AkamaiClient,
        estimated_seconds: u64,
        rate_limit_first: usize,
    ) -> std::io::Result<SimAkamai> {
        let shared = Arc::new(Shared {
            client,
            estimated_seconds,
            arrivals: super::Arrivals::limiting_first(rate_limit_first),
            purges: Mutex::default(),
        });
        let app = Router::new()
            .route(
                "/ccu/v3/{action}/{kind}/{network}",
                axum::routing::post(purge),
            )
            .with_state(shared.clone());
        let served = super::Served::start(app).await?;
        Ok(SimAkamai { served, shared })
    }

    /// What `api_url` (or an `.edgerc`'s `host`, over http) should be.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    pub fn purges(&self) -> Vec<AkamaiPurge> {
        self.shared.purges().clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.arrivals.count()
    }
}

async fn purge(
    State(shared): State<Arc<Shared>>,
    Path((action, kind, network)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if shared.arrivals.arrive() {
        return rate_limited();
    }
    let path = format!("/ccu/v3/{action}/{kind}/{network}");
    if !signed_by(&shared.client, &headers, &path, &body) {
        let detail = "The signature does not match";
        return problem(StatusCode::UNAUTHORIZED, "Not authorized", detail);
    }
    if body.len() > 50_000 {
        let detail = "The request body exceeds the 50,000 byte limit";
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request entity too large",
            detail,
        );
    }
    let known = ["invalidate", "delete"].contains(&action.as_str())
        && ["url", "tag", "cpcode"].contains(&kind.as_str())
        && ["production", "staging"].contains(&network.as_str());
    let objects = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("objects")?.as_array().cloned())
        .filter(|o| !o.is_empty());
    let Some(objects) = objects.filter(|_| known) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "objects is required",
        );
    };
    shared.purges().push(AkamaiPurge {
        action,
        kind,
        network,
        objects,
    });
    let id = shared.purges().len();
    let accepted = json!({
        "httpStatus": 201,
        "detail": "Request accepted",
        "estimatedSeconds": shared.estimated_seconds,
        "purgeId": format!("e535071c-{id:04}"),
        "supportId": format!("17PY{id:04}"),
    });
    (StatusCode::CREATED, axum::Json(accepted)).into_response()
}

/// Whether `Authorization` is an EdgeGrid signature by `client` of this
/// request: `EG1-HMAC-SHA256 client_token=…;access_token=…;timestamp=…;
/// nonce=…;signature=…`, the signature HMAC-SHA256 (under HMAC-SHA256 of
/// the timestamp under the client secret, base64) of method, scheme,
/// host, path, signed headers (none), the POST body's SHA-256 and the
/// header up to the signature, joined by tabs.
fn signed_by(client: &AkamaiClient, headers: &HeaderMap, path: &str, body: &[u8]) -> bool {
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((unsigned, signature)) = auth.rsplit_once("signature=") else {
        return false;
    };
    let field = |name: &str| {
        unsigned
            .split(';')
            .find_map(|part| part.trim().strip_prefix(&format!("{name}=")))
            .map(str::to_string)
    };
    let prefix = format!(
        "EG1-HMAC-SHA256 client_token={};access_token={};",
        client.client_token, client.access_token
    );
    let (Some(timestamp), Some(_nonce)) = (field("timestamp"), field("nonce")) else {
        return false;
    };
    if !unsigned.starts_with(&prefix) {
        return false;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let hash = match body.is_empty() {
        true => String::new(),
        false => STANDARD.encode(Sha256::digest(&body[..body.len().min(131_072)])),
    };
    let data = ["POST", "http", host, path, "", &hash, unsigned].join("\t");
    let key = mac(client.client_secret.as_bytes(), timestamp.as_bytes());
    mac(key.as_bytes(), data.as_bytes()) == signature
}

fn mac(key: &[u8], data: &[u8]) -> String {
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(data);
    STANDARD.encode(mac.finalize().into_bytes())
}

fn rate_limited() -> Response {
    let mut response = problem(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate Limit exceeded",
        "The rate of requests exceeds the limit",
    );
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", header::HeaderValue::from_static("100"));
    headers.insert(
        "x-ratelimit-remaining",
        header::HeaderValue::from_static("0"),
    );
    response
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({
        "type": "https://problems.luna.akamaiapis.net/-/pep-authn/deny",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    response
}
