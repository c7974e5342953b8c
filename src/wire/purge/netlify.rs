//! Netlify, as its API documents "purgeCache" (open-api.netlify.com,
//! `POST /api/v1/purge`, and `@netlify/functions`' `purgeCache`, 2026):
//! `Authorization: Bearer TOKEN`, a JSON body naming the site (`site_id`
//! or `site_slug`), the tags to purge (`cache_tags`; none purges the whole
//! site), and optionally `deploy_alias` and `domain` to narrow it. A purge
//! is accepted with 202; errors are `{"code", "message"}`; a spent rate
//! budget is 429 with `Retry-After` or `X-RateLimit-Reset`.
//!
//! A page is purged as the tag the Next.js runtime on Netlify gives it
//! (`_N_T_<path>`: the runtime's own `revalidatePath` purges that tag, and
//! it tags the page's RSC payload alike). Netlify has no prefix purge.

use super::{Calls, ProviderCalls, PurgeCall, PurgeItem};
use crate::model::config::Site;
use crate::model::purge::netlify::{Netlify, NetlifySite, PAGE_TAG_PREFIX};

/// Tags per request: the API names no limit; a batch keeps bodies small.
pub const TAGS_PER_REQUEST: usize = 100;

fn calls(netlify: &Netlify, site: &Site, items: &[PurgeItem], token: &str) -> Calls {
    let url = format!(
        "{}/api/v1/purge",
        netlify.api_url.as_str().trim_end_matches('/')
    );
    let call = |tags: Option<Vec<String>>, covers: Vec<PurgeItem>| PurgeCall {
        method: "POST".into(),
        url: url.clone(),
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: Some(body(netlify, tags).to_string()),
        covers,
    };
    if items.contains(&PurgeItem::Everything) {
        return Ok(vec![call(None, vec![PurgeItem::Everything])]);
    }
    let mut tagged: Vec<(String, PurgeItem)> = Vec::new();
    for item in items {
        let tag = match item {
            PurgeItem::Path(path) => page_tag(site, path),
            PurgeItem::Tag(tag) => tag.clone(),
            PurgeItem::Prefix(prefix) => {
                return Err(format!(
                    "Netlify has no prefix purge ({prefix}*): tag the pages (Netlify-Cache-Tag) and purge the tag with --tag, or purge the whole site with --everything"
                ));
            }
            PurgeItem::Everything => continue,
        };
        tagged.push((tag, item.clone()));
    }
    Ok(tagged
        .chunks(TAGS_PER_REQUEST)
        .map(|batch| {
            let tags = batch.iter().map(|(t, _)| t.clone()).collect();
            call(Some(tags), batch.iter().map(|(_, i)| i.clone()).collect())
        })
        .collect())
}

/// `{"site_id": …, "cache_tags": […], "deploy_alias": …, "domain": …}`.
fn body(netlify: &Netlify, tags: Option<Vec<String>>) -> serde_json::Value {
    let mut body = serde_json::Map::new();
    let (key, value) = match &netlify.site {
        NetlifySite::Id(id) => ("site_id", id),
        NetlifySite::Slug(slug) => ("site_slug", slug),
    };
    body.insert(key.into(), value.clone().into());
    if let Some(tags) = tags {
        body.insert("cache_tags".into(), tags.into());
    }
    if let Some(alias) = &netlify.deploy_alias {
        body.insert("deploy_alias".into(), alias.clone().into());
    }
    if let Some(domain) = &netlify.domain {
        body.insert("domain".into(), domain.clone().into());
    }
    serde_json::Value::Object(body)
}

/// The tag the Next.js runtime on Netlify gives a page: `_N_T_` and the
/// page's path as the app sees it (with the site's basePath).
pub fn page_tag(site: &Site, path: &str) -> String {
    let page = crate::model::paths::page_url(&site.public_url, path);
    format!("{PAGE_TAG_PREFIX}{}", page.path())
}

/// Netlify's error words: `{"code": 401, "message": "…"}`.
fn error(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    json.get("message")?.as_str().map(str::to_string)
}

impl ProviderCalls for Netlify {
    fn calls(&self, site: &Site, items: &[PurgeItem], token: &str) -> Calls {
        calls(self, site, items, token)
    }

    fn error(&self, body: &[u8]) -> Option<(String, bool)> {
        error(body).map(|m| (m, false))
    }

    /// A purge is accepted with an empty body or JSON; a 2xx carrying
    /// Netlify's error words is not a purge.
    fn succeeded(&self, body: &[u8]) -> bool {
        error(body).is_none()
    }
}
