//! Vercel, as its REST API documents the edge cache (vercel.com/docs,
//! "Invalidate by tag" and "Dangerously delete by tag", 2026):
//! `POST /v1/edge-cache/invalidate-by-tags?projectIdOrName=P[&teamId=T]`
//! (or `dangerously-delete-by-tags`), `Authorization: Bearer TOKEN`, body
//! `{"tags": […]}` with 1 to 16 tags. Invalidate marks the tag stale (the
//! next request is served stale while it revalidates); dangerously-delete
//! makes the next request a MISS that waits for the origin.
//!
//! Vercel's cache keys are not configurable: it purges by tag only. (A
//! Next.js revalidatePath on Vercel already purges Vercel's own CDN.)
//! Errors are `{"error": {"code", "message"}}`.

use super::{Calls, ProviderCalls, PurgeCall, PurgeItem};
use crate::model::config::Site;
use crate::model::purge::vercel::Vercel;
use url::Url;

/// Tags per request.
pub const TAGS_PER_REQUEST: usize = 16;

fn calls(
    (api_url, project, team, hard): (&Url, &str, Option<&str>, bool),
    items: &[PurgeItem],
    token: &str,
) -> Result<Vec<PurgeCall>, String> {
    let mut tags = Vec::new();
    for item in items {
        match item {
            PurgeItem::Tag(tag) => tags.push(tag.clone()),
            other => {
                return Err(format!(
                    "Vercel purges by cache tag only, not {other}: purge a tag with --tag (on Vercel, revalidatePath already purges its CDN)"
                ));
            }
        }
    }
    let action = if hard {
        "dangerously-delete-by-tags"
    } else {
        "invalidate-by-tags"
    };
    let mut url = api_url.clone();
    url.set_path(&format!(
        "{}/v1/edge-cache/{action}",
        api_url.path().trim_end_matches('/')
    ));
    url.query_pairs_mut()
        .append_pair("projectIdOrName", project);
    if let Some(team) = team {
        url.query_pairs_mut().append_pair("teamId", team);
    }
    Ok(tags
        .chunks(TAGS_PER_REQUEST)
        .map(|batch| PurgeCall {
            method: "POST".into(),
            url: url.to_string(),
            headers: vec![
                ("Authorization".into(), format!("Bearer {token}")),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: Some(serde_json::json!({ "tags": batch }).to_string()),
            covers: batch.iter().cloned().map(PurgeItem::Tag).collect(),
        })
        .collect())
}

/// Vercel's error message: `{"error": {"message": …}}`.
fn error(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    Some(json.get("error")?.get("message")?.as_str()?.to_string())
}

impl ProviderCalls for Vercel {
    fn calls(&self, _site: &Site, items: &[PurgeItem], token: &str) -> Calls {
        let project = (
            &self.api_url,
            self.project_id.as_str(),
            self.team_id.as_deref(),
            self.hard,
        );
        calls(project, items, token)
    }

    fn error(&self, body: &[u8]) -> Option<(String, bool)> {
        error(body).map(|m| (m, false))
    }

    /// @vercel/sdk: invalidateByTags answers 200 with no body.
    fn succeeded(&self, body: &[u8]) -> bool {
        body.iter().all(u8::is_ascii_whitespace)
            || serde_json::from_slice::<serde_json::Value>(body).is_ok()
    }
}
