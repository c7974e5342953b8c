//! Fastly, as its API documents purging (docs.fastly.com/api/purge, and
//! the generated clients' PurgeApi, 2026):
//! - a URL: `POST /purge/{host}{path}` (the URL without its scheme);
//! - surrogate keys: `POST /service/{service_id}/purge` with
//!   `{"surrogate_keys": […]}`, at most 256 keys per request;
//! - everything: `POST /service/{service_id}/purge_all` (never soft);
//! - `Fastly-Key: TOKEN` on each, and `Fastly-Soft-Purge: 1` for a soft
//!   purge (marks the copy stale instead of removing it; the default here).
//!
//! Fastly has no prefix purge.

use super::{Calls, ProviderCalls, PurgeCall, PurgeItem, public_host, public_page};
use crate::model::config::Site;
use crate::model::purge::fastly::Fastly;
use url::Url;

/// Surrogate keys per batch request.
pub const KEYS_PER_REQUEST: usize = 256;

fn calls(
    site: &Site,
    (api_url, service_id, soft): (&Url, &str, bool),
    items: &[PurgeItem],
    token: &str,
) -> Result<Vec<PurgeCall>, String> {
    let api = api_url.as_str().trim_end_matches('/');
    let headers = |soft: bool| {
        let mut h = vec![
            ("Fastly-Key".to_string(), token.to_string()),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        if soft {
            h.push(("Fastly-Soft-Purge".into(), "1".into()));
        }
        h
    };
    let call = |url: String, body: Option<String>, soft: bool, covers: Vec<PurgeItem>| PurgeCall {
        method: "POST".into(),
        url,
        headers: headers(soft),
        body,
        covers,
    };
    if items.contains(&PurgeItem::Everything) {
        let url = format!("{api}/service/{service_id}/purge_all");
        return Ok(vec![call(url, None, false, vec![PurgeItem::Everything])]);
    }
    let mut calls = Vec::new();
    let mut keys = Vec::new();
    for item in items {
        match item {
            PurgeItem::Path(path) => {
                let page = public_page(site, path);
                let url = format!("{api}/purge/{}{}", public_host(site), page.path());
                calls.push(call(url, None, soft, vec![item.clone()]));
            }
            PurgeItem::Tag(tag) => keys.push(tag.clone()),
            PurgeItem::Prefix(prefix) => {
                return Err(format!(
                    "Fastly has no prefix purge ({prefix}*): tag the pages with a surrogate key and purge the key with --tag"
                ));
            }
            PurgeItem::Everything => {}
        }
    }
    for batch in keys.chunks(KEYS_PER_REQUEST) {
        let body = serde_json::json!({ "surrogate_keys": batch }).to_string();
        let url = format!("{api}/service/{service_id}/purge");
        let covers = batch.iter().cloned().map(PurgeItem::Tag).collect();
        calls.push(call(url, Some(body), soft, covers));
    }
    Ok(calls)
}

/// Fastly's error words: `{"msg": …, "detail": …}`.
fn error(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let msg = json.get("msg")?.as_str()?;
    match json.get("detail").and_then(serde_json::Value::as_str) {
        Some(detail) => Some(format!("{msg}: {detail}")),
        None => Some(msg.to_string()),
    }
}

impl ProviderCalls for Fastly {
    fn calls(&self, site: &Site, items: &[PurgeItem], token: &str) -> Calls {
        calls(
            site,
            (&self.api_url, &self.service_id, self.soft),
            items,
            token,
        )
    }

    fn error(&self, body: &[u8]) -> Option<(String, bool)> {
        error(body).map(|m| (m, false))
    }

    /// A purge answers JSON (`{"status": "ok", "id": …}`).
    fn succeeded(&self, body: &[u8]) -> bool {
        serde_json::from_slice::<serde_json::Value>(body).is_ok()
    }
}
