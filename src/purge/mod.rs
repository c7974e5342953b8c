//! Purging the CDN: Next.js revalidation never reaches a CDN, so a page
//! revalidated at the origin stays stale there for the CDN's TTL. A purge
//! removes the CDN's copy.
//!
//! Each provider turns what to purge ([`PurgeItem`]s) into the exact HTTP
//! calls its documentation describes ([`PurgeCall`]), batched at its
//! limit, and reads its answers; sending, retrying after a 429 and
//! masking are shared. The purge token is a secret under every rule the
//! revalidation secret is: masked in everything shown or stored.

mod answer;
pub mod cloudflare;
pub mod cloudfront;
pub mod fastly;
mod http_purge;
mod send;
mod varnish;
pub mod vercel;

pub use send::{PurgeKind, PurgeOutcome, Purger, cost, item_target};

use crate::config::Site;
use crate::endpoint::SuccessRule;
use crate::secret::SecretSource;
use serde::Serialize;
use url::Url;

/// `[sites.X.purge]`: which CDN, where, and the token for its API.
#[derive(Clone, Debug)]
pub struct PurgeConfig {
    pub provider: Provider,
    /// The API token (none for Varnish nodes that trust their network).
    pub token: Option<SecretSource>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Provider {
    /// Every cache node gets `PURGE <path>` (with the public URL's Host:
    /// Varnish's cache key includes it), or `BAN` with the path in a header.
    Varnish {
        nodes: Vec<Url>,
        ban_header: Option<String>,
    },
    /// `POST {api_url}/zones/{zone_id}/purge_cache` (Cloudflare API v4).
    Cloudflare {
        api_url: Url,
        zone_id: String,
        mode: CloudflareMode,
    },
    /// Fastly's purge API: URLs, surrogate keys, everything; soft by default.
    Fastly {
        api_url: Url,
        service_id: String,
        soft: bool,
    },
    /// Vercel's edge cache, by tag: invalidate, or dangerously-delete
    /// with `hard = true`.
    Vercel {
        api_url: Url,
        project_id: String,
        team_id: Option<String>,
        hard: bool,
    },
    /// CloudFront invalidations, signed with the standard AWS credentials;
    /// each is polled until it completes.
    CloudFront {
        api_url: Url,
        distribution_id: String,
    },
    /// A data-defined purge request (nginx cache purge, Bunny, KeyCDN,
    /// in-house): one call per item, templates with {url} {path} {tag} {host}.
    Http {
        url: String,
        method: String,
        headers: Vec<(String, String)>,
        body: Option<String>,
        success: SuccessRule,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CloudflareMode {
    /// Purge by URL (`files`), tags and prefixes as asked.
    Files,
    /// Paths become prefixes (covers the RSC variant and query strings).
    Prefixes,
    Tags,
    /// Purge the whole host.
    Hosts,
    Everything,
}

impl Provider {
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Varnish { .. } => "varnish",
            Provider::Cloudflare { .. } => "cloudflare",
            Provider::Fastly { .. } => "fastly",
            Provider::Vercel { .. } => "vercel",
            Provider::CloudFront { .. } => "cloudfront",
            Provider::Http { .. } => "http",
        }
    }

    /// Whether the CDN can purge by cache tag; if not, a tag is purged as
    /// the URLs of the configured routes that carry it.
    pub fn purges_tags(&self) -> bool {
        matches!(
            self,
            Provider::Cloudflare { .. } | Provider::Fastly { .. } | Provider::Vercel { .. }
        )
    }
}

/// What to purge.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PurgeItem {
    /// A page, by its path (the public URL is built from it).
    Path(String),
    /// A cache tag (CDN tags, not Next.js tags, though sites often share them).
    Tag(String),
    /// Every URL under a path.
    Prefix(String),
    /// The whole site at the CDN.
    Everything,
}

impl std::fmt::Display for PurgeItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PurgeItem::Path(p) => write!(f, "{p}"),
            PurgeItem::Tag(t) => write!(f, "tag {t}"),
            PurgeItem::Prefix(p) => write!(f, "prefix {p}*"),
            PurgeItem::Everything => write!(f, "everything"),
        }
    }
}

/// One HTTP call of a purge, as it will be sent (or shown, token masked).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PurgeCall {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The items this call purges.
    pub covers: Vec<PurgeItem>,
}

impl PurgeCall {
    /// `PURGE http://10.0.0.7:6081/about (Host: blog.example.com)`.
    pub fn summary(&self) -> String {
        let mut text = format!("{} {}", self.method, self.url);
        let shown: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("content-type"))
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        if !shown.is_empty() {
            text.push_str(&format!(" ({})", shown.join(", ")));
        }
        if let Some(body) = &self.body {
            text.push_str(&format!(" {body}"));
        }
        text
    }
}

/// The calls that purge `items` on `site`'s CDN, with `token` in place
/// (the real one to send, `***` to show). Tags become route URLs where the
/// provider has no tag purge; what cannot be purged at all is an error.
pub fn calls(
    site: &Site,
    config: &PurgeConfig,
    items: &[PurgeItem],
    token: &str,
) -> Result<Vec<PurgeCall>, String> {
    let items = expand_tags(site, &config.provider, items);
    match &config.provider {
        Provider::Varnish { nodes, ban_header } => {
            varnish::calls(site, nodes, ban_header.as_deref(), &items)
        }
        Provider::Cloudflare {
            api_url,
            zone_id,
            mode,
        } => cloudflare::calls(site, api_url, zone_id, *mode, &items, token),
        Provider::Fastly {
            api_url,
            service_id,
            soft,
        } => fastly::calls(site, (api_url, service_id, *soft), &items, token),
        Provider::Vercel {
            api_url,
            project_id,
            team_id,
            hard,
        } => vercel::calls(
            (api_url, project_id, team_id.as_deref(), *hard),
            &items,
            token,
        ),
        Provider::CloudFront {
            api_url,
            distribution_id,
        } => Ok(cloudfront::calls(api_url, distribution_id, &items)),
        Provider::Http {
            url,
            method,
            headers,
            body,
            ..
        } => http_purge::calls(site, (url, method, headers, body.as_deref()), &items, token),
    }
}

/// A tag, for a CDN without tag purge: the configured routes carrying it.
fn expand_tags(site: &Site, provider: &Provider, items: &[PurgeItem]) -> Vec<PurgeItem> {
    let mut out: Vec<PurgeItem> = Vec::new();
    for item in items {
        match item {
            PurgeItem::Tag(tag) if !provider.purges_tags() => out.extend(
                site.routes
                    .iter()
                    .filter(|r| r.page_type.is_none() && r.tags.contains(tag))
                    .map(|r| PurgeItem::Path(r.path.clone())),
            ),
            other => out.push(other.clone()),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| seen.insert(i.clone()));
    out
}

/// The public URL of a path on the site (keeps a basePath).
fn public_page(site: &Site, path: &str) -> Url {
    crate::probe::page_url(&site.public_url, path)
}

/// `host[:port]` of the public URL: what a cache keys the page under.
fn public_host(site: &Site) -> String {
    let host = site.public_url.host_str().unwrap_or_default();
    match site.public_url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests;
