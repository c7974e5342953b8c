//! A simulation of CloudFront's invalidation API, from its API reference
//! (CreateInvalidation, GetInvalidation; version 2020-05-31) and the
//! Developer Guide's limits (2026):
//!
//! - `POST /2020-05-31/distribution/{Id}/invalidation` with an XML
//!   `InvalidationBatch`; 201 with `Location` and `<Invalidation><Id>…
//!   <Status>InProgress</Status>`;
//! - `GET /2020-05-31/distribution/{Id}/invalidation/{InvalidationId}`:
//!   `InProgress` for the first `polls_to_complete` reads, then `Completed`;
//! - requests must carry a valid AWS SigV4 signature (service
//!   `cloudfront`, region `us-east-1`): the simulation signs the request it
//!   received again with the secret it knows and compares; otherwise 403
//!   `SignatureDoesNotMatch` (or `InvalidClientTokenId` for an unknown key);
//! - at most 3,000 paths in progress: 400 `TooManyInvalidationsInProgress`;
//!   an unknown distribution is 404 `NoSuchDistribution`; a caller over
//!   the API's request rate gets 400 `Throttling` ("Rate exceeded", the
//!   AWS common errors), with no Retry-After. Errors are
//!   `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…`.

use super::sigv4::{Authorization, Received, expected_signature};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex, MutexGuard};

/// Paths a distribution may have in progress.
pub const MAX_IN_PROGRESS: usize = 3000;

/// An invalidation the simulation accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalidation {
    pub id: String,
    pub paths: Vec<String>,
    /// Status reads so far.
    pub polls: usize,
    /// The batch's CallerReference, as received.
    pub caller_reference: String,
}

struct Shared {
    distribution: String,
    access_key: String,
    secret: String,
    polls_to_complete: usize,
    invalidations: Mutex<Vec<Invalidation>>,
    /// Paths in progress from invalidations made elsewhere (the console, CI).
    busy_elsewhere: Mutex<usize>,
    /// A key allowed CreateInvalidation but not GetInvalidation.
    deny_status_reads: std::sync::atomic::AtomicBool,
    /// CreateInvalidation calls still to refuse with `Throttling`.
    throttle: std::sync::atomic::AtomicUsize,
    /// The word for a finished invalidation: AWS documents `Completed`;
    /// moto's server answers `COMPLETED`.
    completed_word: Mutex<String>,
}

impl Shared {
    /// Whether this CreateInvalidation is one of those to refuse.
    fn throttled(&self) -> bool {
        self.throttle
            .fetch_update(
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
                |left| left.checked_sub(1),
            )
            .is_ok()
    }

    fn invalidations(&self) -> MutexGuard<'_, Vec<Invalidation>> {
        self.invalidations.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn in_progress(&self) -> usize {
        *self
            .busy_elsewhere
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            + self
                .invalidations()
                .iter()
                .filter(|i| i.polls < self.polls_to_complete)
                .map(|i| i.paths.len())
                .sum::<usize>()
    }
}

pub struct SimCloudFront {
    served: super::Served,
    shared: Arc<Shared>,
}

impl SimCloudFront {
    pub async fn start(
        distribution: &str,
        (access_key, secret): (&str, &str),
        polls_to_complete: usize,
    ) -> std::io::Result<SimCloudFront> {
        let shared = Arc::new(Shared {
            distribution: distribution.to_string(),
            access_key: access_key.to_string(),
            secret: secret.to_string(),
            polls_to_complete,
            invalidations: Mutex::default(),
            busy_elsewhere: Mutex::new(0),
            deny_status_reads: Default::default(),
            throttle: Default::default(),
            completed_word: Mutex::new("Completed".into()),
        });
        let app = Router::new()
            .route(
                "/2020-05-31/distribution/{id}/invalidation",
                axum::routing::post(create),
            )
            .route(
                "/2020-05-31/distribution/{id}/invalidation/{inv}",
                axum::routing::get(status),
            )
            .with_state(shared.clone());
        let served = super::Served::start(app).await?;
        Ok(SimCloudFront { served, shared })
    }

    pub fn api_url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    /// Pretend `paths` paths are being invalidated by someone else.
    pub fn busy_elsewhere(&self, paths: usize) {
        *self
            .shared
            .busy_elsewhere
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = paths;
    }

    pub fn invalidations(&self) -> Vec<Invalidation> {
        self.shared.invalidations().clone()
    }

    /// Refuse GetInvalidation with 403 AccessDenied, as AWS does for a key
    /// without `cloudfront:GetInvalidation`.
    pub fn deny_status_reads(&self) {
        self.shared
            .deny_status_reads
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Refuse the next `calls` CreateInvalidation calls with `Throttling`.
    pub fn throttle_next(&self, calls: usize) {
        self.shared
            .throttle
            .store(calls, std::sync::atomic::Ordering::Relaxed);
    }

    /// Report a finished invalidation with this word (moto: `COMPLETED`).
    pub fn complete_as(&self, word: &str) {
        *self
            .shared
            .completed_word
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = word.to_string();
    }
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = verify_signature(&shared, &method, &uri, &headers, &body) {
        return *refused;
    }
    if shared.throttled() {
        return failure(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded");
    }
    if id != shared.distribution {
        return failure(
            StatusCode::NOT_FOUND,
            "NoSuchDistribution",
            "The specified distribution does not exist.",
        );
    }
    let xml = String::from_utf8_lossy(&body);
    let paths: Vec<String> = xml
        .split("<Path>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</Path>").map(|(p, _)| p.to_string()))
        .collect();
    let quantity = xml
        .split_once("<Quantity>")
        .and_then(|(_, rest)| rest.split_once("</Quantity>"))
        .and_then(|(q, _)| q.trim().parse::<usize>().ok());
    if paths.is_empty() || quantity != Some(paths.len()) {
        return failure(
            StatusCode::BAD_REQUEST,
            "InconsistentQuantities",
            "The value of Quantity and the size of Items don't match.",
        );
    }
    if shared.in_progress() + paths.len() > MAX_IN_PROGRESS {
        return failure(
            StatusCode::BAD_REQUEST,
            "TooManyInvalidationsInProgress",
            "Your request contains too many invalidations.",
        );
    }
    let inv_id = format!("I{:013}", shared.invalidations().len() + 1);
    let caller_reference = xml
        .split_once("<CallerReference>")
        .and_then(|(_, rest)| rest.split_once("</CallerReference>"))
        .map(|(r, _)| r.to_string())
        .unwrap_or_default();
    shared.invalidations().push(Invalidation {
        id: inv_id.clone(),
        paths,
        polls: 0,
        caller_reference,
    });
    let location = format!("{uri}/{inv_id}");
    let mut response =
        (StatusCode::CREATED, invalidation_xml(&inv_id, "InProgress")).into_response();
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

async fn status(
    State(shared): State<Arc<Shared>>,
    Path((id, inv)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = verify_signature(&shared, &method, &uri, &headers, b"") {
        return *refused;
    }
    if shared
        .deny_status_reads
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return failure(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/isrctl is not authorized to perform: cloudfront:GetInvalidation",
        );
    }
    if id != shared.distribution {
        return failure(
            StatusCode::NOT_FOUND,
            "NoSuchDistribution",
            "The specified distribution does not exist.",
        );
    }
    let mut all = shared.invalidations();
    let Some(found) = all.iter_mut().find(|i| i.id == inv) else {
        return failure(
            StatusCode::NOT_FOUND,
            "NoSuchInvalidation",
            "The specified invalidation does not exist.",
        );
    };
    found.polls += 1;
    let state = if found.polls >= shared.polls_to_complete {
        shared
            .completed_word
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    } else {
        "InProgress".to_string()
    };
    (StatusCode::OK, invalidation_xml(&inv, &state)).into_response()
}

/// Check the request's SigV4 signature as AWS would, with the secret this
/// simulation knows and an implementation of its own ([`super::sigv4`]).
fn verify_signature(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Box<Response>> {
    let denied =
        |code: &str, message: &str| Box::new(failure(StatusCode::FORBIDDEN, code, message));
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(Authorization::parse);
    let Some(auth) = authorization.filter(|a| a.access_key == shared.access_key) else {
        return Err(denied(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ));
    };
    let amz_date = headers.get("x-amz-date").and_then(|v| v.to_str().ok());
    let Some(amz_date) = amz_date.filter(|d| auth.scope.starts_with(&d[..d.len().min(8)])) else {
        return Err(denied(
            "IncompleteSignature",
            "X-Amz-Date is missing or malformed.",
        ));
    };
    let received = Received {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        headers: headers
            .iter()
            .filter_map(|(n, v)| Some((n.to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body,
    };
    let scope_is_cloudfront = auth.scope.ends_with("/us-east-1/cloudfront/aws4_request");
    let expected = expected_signature(
        &received,
        &auth.signed_headers,
        amz_date,
        &auth.scope,
        &shared.secret,
    );
    if !scope_is_cloudfront || expected.as_deref() != Some(auth.signature.as_str()) {
        return Err(denied(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    Ok(())
}

fn invalidation_xml(id: &str, status: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><Invalidation xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\"><Id>{id}</Id><Status>{status}</Status><CreateTime>2026-11-29T12:00:00Z</CreateTime></Invalidation>"
    )
}

fn failure(status: StatusCode, code: &str, message: &str) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>sim</RequestId></ErrorResponse>"
    );
    (status, [(header::CONTENT_TYPE, "text/xml")], xml).into_response()
}
