//! Cloudflare, as its API v4 documents "Purge Cached Content":
//! `POST /zones/{zone_id}/purge_cache`, `Authorization: Bearer TOKEN`, a
//! JSON body of one kind — `{"files": [url…]}`, `{"prefixes": [host/path…]}`,
//! `{"tags": […]}`, `{"hosts": […]}` or `{"purge_everything": true}` — at
//! most 100 operations per request (every plan but Enterprise, which takes
//! 500; developers.cloudflare.com/cache/how-to/purge-cache, 2026). Purge by
//! URL is sent 30 URLs a request unless `files_per_request` says more:
//! accounts below Enterprise are reported (2025–2026) to be refused past
//! 30 URLs, so the smaller batch works everywhere at the cost of a few
//! more requests. With `soft = true` the same selectors go to
//! `POST /zones/{zone_id}/invalidate_cache`, which marks the copies stale
//! so Cloudflare revalidates them with the origin (a conditional request)
//! instead of dropping them. Purges
//! are rate limited per account with a token bucket (Free: 5 requests a
//! minute, bucket 25); a 429 is waited out as it asks.
//! Answers are `{"success": bool, "errors": [{"code", "message"}], …}`.

use super::{Calls, ProviderCalls, PurgeCall, PurgeItem, public_host, public_page};
use crate::model::config::Site;
use crate::model::purge::cloudflare::{Cloudflare, CloudflareMode};
use url::Url;

/// Operations per request (Free, Pro and Business plans).
pub const BATCH: usize = 100;

fn calls(
    site: &Site,
    (api_url, zone_id, mode, files_per_request): (&Url, &str, CloudflareMode, usize),
    (items, soft): (&[PurgeItem], bool),
    token: &str,
) -> Result<Vec<PurgeCall>, String> {
    // `invalidate_cache` takes the same selectors and marks the copies
    // stale; purging everything is always `purge_cache`.
    let operation =
        match soft && !items.contains(&PurgeItem::Everything) && mode != CloudflareMode::Everything
        {
            true => "invalidate_cache",
            false => "purge_cache",
        };
    let url = format!(
        "{}/zones/{zone_id}/{operation}",
        api_url.as_str().trim_end_matches('/')
    );
    let call = |body: serde_json::Value, covers: Vec<PurgeItem>| PurgeCall {
        method: "POST".into(),
        url: url.clone(),
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: Some(body.to_string()),
        covers,
    };
    if mode == CloudflareMode::Everything || items.contains(&PurgeItem::Everything) {
        let body = serde_json::json!({ "purge_everything": true });
        return Ok(vec![call(body, vec![PurgeItem::Everything])]);
    }
    if mode == CloudflareMode::Hosts {
        let body = serde_json::json!({ "hosts": [site.public_url.host_str().unwrap_or_default()] });
        return Ok(vec![call(body, items.to_vec())]);
    }
    let mut groups: Vec<(&str, Vec<(String, PurgeItem)>)> = vec![
        ("files", Vec::new()),
        ("prefixes", Vec::new()),
        ("tags", Vec::new()),
    ];
    for item in items {
        let (group, value) = match (item, mode) {
            (PurgeItem::Path(path), CloudflareMode::Prefixes) => (1, prefix(site, path)),
            (PurgeItem::Path(path), _) => (0, public_page(site, path).to_string()),
            (PurgeItem::Prefix(path), _) => (1, prefix(site, path)),
            (PurgeItem::Tag(tag), _) => (2, tag.clone()),
            (PurgeItem::Everything, _) => continue,
        };
        groups[group].1.push((value, item.clone()));
    }
    let mut calls = Vec::new();
    for (key, entries) in groups {
        let size = if key == "files" {
            files_per_request
        } else {
            BATCH
        };
        for batch in entries.chunks(size.max(1)) {
            let values: Vec<&str> = batch.iter().map(|(v, _)| v.as_str()).collect();
            let covers = batch.iter().map(|(_, i)| i.clone()).collect();
            calls.push(call(serde_json::json!({ key: values }), covers));
        }
    }
    Ok(calls)
}

/// A Cloudflare prefix: host and path, no scheme.
fn prefix(site: &Site, path: &str) -> String {
    let page = public_page(site, path);
    format!("{}{}", public_host(site), page.path())
}

/// The first error message of a Cloudflare answer, and whether it says the
/// request carried too many items.
fn error(body: &[u8]) -> Option<(String, bool)> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let first = json.get("errors")?.as_array()?.first()?;
    let message = first.get("message")?.as_str()?.to_string();
    let code = first.get("code").and_then(serde_json::Value::as_i64);
    // 1015 is Cloudflare's rate limit ("You are being rate limited"), not
    // a batch too large.
    let too_many = message.to_lowercase().contains("too many") && code != Some(1015);
    Some((message, too_many))
}

/// Cloudflare's error 1015: rate limited, whatever the HTTP status.
fn rate_limited(body: &[u8]) -> bool {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    let errors = json.get("errors").and_then(serde_json::Value::as_array);
    errors
        .into_iter()
        .flatten()
        .any(|e| e.get("code").and_then(serde_json::Value::as_i64) == Some(1015))
}

/// Whether a 2xx answer says `"success": true`.
fn succeeded(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|j| j.get("success").and_then(serde_json::Value::as_bool))
        == Some(true)
}

impl ProviderCalls for Cloudflare {
    fn calls(&self, site: &Site, items: &[PurgeItem], token: &str) -> Calls {
        let zone = (
            &self.api_url,
            self.zone_id.as_str(),
            self.mode,
            self.files_per_request,
        );
        calls(site, zone, (items, self.soft), token)
    }

    fn error(&self, body: &[u8]) -> Option<(String, bool)> {
        error(body)
    }

    fn succeeded(&self, body: &[u8]) -> bool {
        succeeded(body)
    }

    fn rate_limited(&self, body: &[u8]) -> bool {
        rate_limited(body)
    }
}
