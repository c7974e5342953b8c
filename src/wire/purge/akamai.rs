//! Akamai, as the Fast Purge API v3 reference documents it
//! (techdocs.akamai.com/purge-cache/reference, 2026):
//! - `POST /ccu/v3/{invalidate|delete}/{url|tag|cpcode}/{production|staging}`
//!   with `{"objects": […]}`: URLs, cache tags, or CP codes (numbers); one
//!   kind of object per request, a body of at most 50,000 bytes (413
//!   past it);
//! - signed with EdgeGrid (`edgegrid.rs`) on the credentials' host;
//! - 201 `{"httpStatus": 201, "estimatedSeconds": 5, "purgeId": …}` when
//!   accepted: the edges hold it after about `estimatedSeconds`, so the
//!   read-back waits that long;
//! - errors are problem JSON (`{"title", "detail", …}`); rate limits are
//!   token buckets answered 429 with `X-RateLimit-*` headers, and the
//!   reference says to wait five seconds before trying again.
//!
//! `invalidate` marks the copies stale (the edge revalidates with the
//! origin: a conditional request, and the copy is kept when it is still
//! the same); `delete` drops them.

use super::{Calls, ProviderCalls, PurgeCall, PurgeItem, public_page};
use crate::model::config::Site;
use crate::model::purge::akamai::{Akamai, EdgeGridSource};
use crate::wire::purge::edgegrid::{self, EdgeGridCredentials, Signable};
use std::time::Duration;

/// Where the calls go when no `api_url` is set: the credentials' host,
/// put in at send time (a dry run reads no credentials, so it shows where
/// the host comes from instead).
pub const CREDENTIALS_HOST: &str = "https://<host of the .edgerc section>";
/// The body limit of one purge request, with room to spare.
const BODY_BYTES: usize = 49_000;
/// What the reference says to wait after a 429.
const RATE_LIMIT_WAIT: Duration = Duration::from_secs(5);
/// The longest estimate honoured before reading back.
const LONGEST_ESTIMATE: Duration = Duration::from_secs(60);

fn calls(akamai: &Akamai, site: &Site, items: &[PurgeItem]) -> Calls {
    let base = match &akamai.api_url {
        Some(url) => url.as_str().trim_end_matches('/').to_string(),
        None => CREDENTIALS_HOST.to_string(),
    };
    let action = if akamai.hard { "delete" } else { "invalidate" };
    let url = |kind: &str| format!("{base}/ccu/v3/{action}/{kind}/{}", akamai.network);
    if items.contains(&PurgeItem::Everything) {
        if akamai.cpcodes.is_empty() {
            return Err("--everything at Akamai purges the site's CP codes: add cpcodes = [\"123456\"] to [purge]".into());
        }
        let objects: Vec<serde_json::Value> = akamai.cpcodes.iter().map(|c| (*c).into()).collect();
        return Ok(vec![call(
            url("cpcode"),
            &objects,
            vec![PurgeItem::Everything],
        )]);
    }
    let (mut urls, mut tags) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            PurgeItem::Path(path) => urls.push((public_page(site, path).to_string(), item.clone())),
            PurgeItem::Tag(tag) => tags.push((tag.clone(), item.clone())),
            PurgeItem::Prefix(prefix) => {
                return Err(format!(
                    "Fast Purge has no prefix purge ({prefix}*): tag the pages (Edge-Cache-Tag) and purge the tag with --tag"
                ));
            }
            PurgeItem::Everything => {}
        }
    }
    let mut out = Vec::new();
    for (kind, entries) in [("url", urls), ("tag", tags)] {
        for batch in batches(&entries) {
            let objects: Vec<serde_json::Value> =
                batch.iter().map(|(o, _)| o.clone().into()).collect();
            let covers = batch.iter().map(|(_, i)| i.clone()).collect();
            out.push(call(url(kind), &objects, covers));
        }
    }
    Ok(out)
}

fn call(url: String, objects: &[serde_json::Value], covers: Vec<PurgeItem>) -> PurgeCall {
    PurgeCall {
        method: "POST".into(),
        url,
        headers: vec![
            // Shown masked; replaced by the signature made at send time
            // (`client_token=…;access_token=…;timestamp=…;nonce=…;signature=…`).
            (
                "Authorization".into(),
                "EG1-HMAC-SHA256 client_token=***, access_token=***, signed at send time".into(),
            ),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: Some(serde_json::json!({ "objects": objects }).to_string()),
        covers,
    }
}

/// Objects in requests whose bodies stay under the limit.
fn batches(entries: &[(String, PurgeItem)]) -> Vec<&[(String, PurgeItem)]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, (object, _)) in entries.iter().enumerate() {
        let size = object.len() + 3;
        if i > start && bytes + size > BODY_BYTES {
            out.push(&entries[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < entries.len() {
        out.push(&entries[start..]);
    }
    out
}

/// The URL to send `call` to and its `Authorization`, signed now.
pub(super) fn signed(
    call: &PurgeCall,
    credentials: &EdgeGridCredentials,
) -> Result<(String, String), String> {
    let url =
        match (call.url.strip_prefix(CREDENTIALS_HOST), &credentials.host) {
            (Some(rest), Some(host)) => format!("https://{}{rest}", host.trim_end_matches('/')),
            (Some(_), None) => return Err(
                "the EdgeGrid credentials name no host: add host = \"akab-….luna.akamaiapis.net\""
                    .into(),
            ),
            (None, _) => call.url.clone(),
        };
    let parsed =
        url::Url::parse(&url).map_err(|e| format!("the Fast Purge URL is not a URL: {e}"))?;
    let request = Signable {
        method: &call.method,
        url: &parsed,
        headers: &call.headers,
        body: call.body.as_deref().unwrap_or_default().as_bytes(),
    };
    let now = (
        edgegrid::timestamp(jiff::Timestamp::now()),
        edgegrid::nonce(),
    );
    let authorization = edgegrid::authorization(&request, credentials, (&now.0, &now.1), &[]);
    Ok((url, authorization))
}

/// Problem JSON: `{"title": "Not authorized", "detail": "…"}`.
fn error(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let title = json.get("title")?.as_str()?;
    match json.get("detail").and_then(serde_json::Value::as_str) {
        Some(detail) => Some(format!("{title}: {detail}")),
        None => Some(title.to_string()),
    }
}

impl ProviderCalls for Akamai {
    fn calls(&self, site: &Site, items: &[PurgeItem], _token: &str) -> Calls {
        calls(self, site, items)
    }

    fn error(&self, body: &[u8]) -> Option<(String, bool)> {
        let message = error(body)?;
        let too_large = message.to_ascii_lowercase().contains("too large");
        Some((message, too_large))
    }

    fn succeeded(&self, body: &[u8]) -> bool {
        error(body).is_none()
    }

    fn default_wait(&self, _message: Option<&str>) -> Option<Duration> {
        Some(RATE_LIMIT_WAIT)
    }

    fn edgegrid(&self) -> Option<&EdgeGridSource> {
        Some(&self.credentials)
    }

    fn settles_after(&self, body: &[u8]) -> Option<Duration> {
        let json: serde_json::Value = serde_json::from_slice(body).ok()?;
        let seconds = json.get("estimatedSeconds")?.as_u64()?;
        Some(Duration::from_secs(seconds).min(LONGEST_ESTIMATE))
    }
}
