//! What a purge is, before any byte is sent: the CDN a site is configured
//! with (`[sites.X.purge]`), what to purge, and how a purge call ended.
//! The wire floor turns these into each provider's documented calls.
//!
//! A provider is a module here (its config keys and what it can do, behind
//! [`Provider`]) and one in `wire/purge/` (its calls and how its answers
//! read), each registered by one line: [`PROVIDERS`] here, `CALLS` there.
//! DEVELOPING.md has the recipe.

pub mod akamai;
pub mod cloudflare;
pub mod cloudfront;
pub mod fastly;
pub mod http;
mod keys;
pub mod netlify;
pub mod varnish;
pub mod vercel;

pub use keys::{Complaints, Keys, PurgeKeys, Refused};

use crate::model::secret::SecretSource;
use serde::Serialize;
use std::sync::Arc;

/// Every provider isrctl knows, by the name `provider = "…"` takes.
pub const PROVIDERS: [Registered; 8] = [
    varnish::REGISTERED,
    cloudflare::REGISTERED,
    fastly::REGISTERED,
    vercel::REGISTERED,
    cloudfront::REGISTERED,
    netlify::REGISTERED,
    akamai::REGISTERED,
    http::REGISTERED,
];

/// A provider's line in the registry: its name and how it reads its keys.
#[derive(Clone, Copy)]
pub struct Registered {
    pub name: &'static str,
    pub read: fn(&mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused>,
}

/// The registered provider called `name`.
pub fn registered(name: &str) -> Option<Registered> {
    PROVIDERS.iter().copied().find(|p| p.name == name)
}

/// "varnish, cloudflare, …, or http": for the error that names them.
pub fn provider_names() -> String {
    let names: Vec<&str> = PROVIDERS.iter().map(|p| p.name).collect();
    match names.split_last() {
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// What a purge provider is and can do, read from its config keys. Its
/// calls are the wire floor's (`wire::purge`), found by its type.
pub trait Provider: std::fmt::Debug + Send + Sync + std::any::Any {
    /// The name `provider = "…"` takes.
    fn name(&self) -> &'static str;

    /// Whether its calls carry `[purge.token]` (an API token).
    fn needs_token(&self) -> bool {
        false
    }

    /// What a path purge covers of the page's RSC variants (client-side
    /// navigations fetch `?_rsc=…` with `RSC: 1`, which a cache keys apart),
    /// when it does not cover them all: said before purging.
    fn rsc_coverage(&self) -> Option<&'static str> {
        None
    }

    /// A CDN reached through an API: its purge reaches the edges shortly
    /// after the API's answer, not with it.
    fn is_api(&self) -> bool {
        false
    }

    /// The cache names the object it serves (Varnish's `X-Varnish`) and
    /// its purge answer does not count what it dropped: a read of each page
    /// before the purge then tells a copy the purge left from one fetched
    /// after it, and changes no answer (a read before an xkey purge or an
    /// nginx purge would turn their "nothing cached" into a count of one).
    fn names_its_objects(&self) -> bool {
        false
    }

    /// A purge that marks copies stale rather than dropping them: the
    /// old copy may be served once more while the CDN refetches.
    fn purges_softly(&self) -> bool {
        false
    }

    /// The same CDN purging hard (dropping copies), for a provider set to
    /// purge softly: `fresh` purges hard when an origin's page carries no
    /// validator a CDN could revalidate a stale-marked copy against.
    fn hardened(&self) -> Option<Arc<dyn Provider>> {
        None
    }

    /// Where the cache tags a tag purge names must come from, when the
    /// app does not send them by itself (said before a tag purge).
    fn tag_note(&self) -> Option<&'static str> {
        None
    }

    /// Whether the CDN can purge by cache tag; if not, a tag is purged as
    /// the URLs of the configured routes that carry it.
    fn purges_tags(&self) -> bool;

    /// What to check when the provider refuses the credentials (401/403).
    fn auth_fix(&self) -> &'static str {
        "check the token in [purge.token] and where the request carries it"
    }

    /// The provider as `Any`, for the wire floor to find its calls.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// `[sites.X.purge]`: which CDN, where, and the token for its API.
#[derive(Clone, Debug)]
pub struct PurgeConfig {
    pub provider: Arc<dyn Provider>,
    /// The API token (none for Varnish nodes that trust their network).
    pub token: Option<SecretSource>,
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

impl PurgeItem {
    /// Whether purging this empties the whole site at the CDN, however it
    /// is written: everything, a prefix of `/` (or of nothing), or a path
    /// a CDN reads as a wildcard over the root (`/*` on CloudFront). Such a
    /// purge needs the site's name typed, as `--everything` does.
    pub fn covers_everything(&self) -> bool {
        let root = |p: &str| p.trim_end_matches('*').trim_end_matches('/').is_empty();
        match self {
            PurgeItem::Everything => true,
            PurgeItem::Prefix(p) => root(p),
            PurgeItem::Path(p) => p.contains('*') && root(p),
            PurgeItem::Tag(_) => false,
        }
    }

    /// Whether a CDN that reads `*` as a wildcard (CloudFront) counts it
    /// among the wildcard invalidations in progress.
    pub fn is_wildcard(&self) -> bool {
        match self {
            PurgeItem::Everything | PurgeItem::Prefix(_) => true,
            PurgeItem::Path(p) => p.contains('*'),
            PurgeItem::Tag(_) => false,
        }
    }
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

/// How a purge call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PurgeKind {
    Purged,
    /// 401/403: the token (or the node's ACL) refused the purge.
    Unauthorized,
    /// The provider refused the request (4xx, or `success: false`).
    Rejected,
    /// Still 429 after waiting as asked.
    RateLimited,
    /// More items than the provider takes in one request.
    BatchTooLarge,
    /// Accepted (a 2xx), but reading the page back found the old copy
    /// still served.
    NotPurged,
    /// Accepted, not yet complete (a CloudFront invalidation in progress
    /// when the wait ended): the edges may still serve the old page.
    Pending,
    /// 404 from a cache's purge location: it held no copy (nothing needed
    /// purging). Not a failure.
    NotCached,
    /// 3xx: the API answered elsewhere; not followed (the token stays put).
    Redirected,
    /// 5xx from the provider or node.
    ServerError,
    Timeout,
    ConnectionFailed,
    /// Not sent: nothing could express it, or Ctrl-C came first.
    NotSent,
}

impl PurgeKind {
    /// The cache no longer holds the old copy: purged, or it had none.
    pub fn is_fine(self) -> bool {
        matches!(self, PurgeKind::Purged | PurgeKind::NotCached)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PurgeKind::Purged => "purged",
            PurgeKind::Unauthorized => "unauthorized",
            PurgeKind::Rejected => "rejected",
            PurgeKind::RateLimited => "rate_limited",
            PurgeKind::BatchTooLarge => "batch_too_large",
            PurgeKind::NotCached => "not_cached",
            PurgeKind::NotPurged => "not_purged",
            PurgeKind::Pending => "pending",
            PurgeKind::Redirected => "redirected",
            PurgeKind::ServerError => "server_error",
            PurgeKind::Timeout => "timeout",
            PurgeKind::ConnectionFailed => "connection_failed",
            PurgeKind::NotSent => "not_sent",
        }
    }
}

/// One purge call's result, safe to show and store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PurgeOutcome {
    pub provider: &'static str,
    /// The call, token masked: `POST https://api…/purge_cache {"files":[…]}`.
    pub call: String,
    pub covers: Vec<PurgeItem>,
    pub kind: PurgeKind,
    pub explanation: String,
    pub fix: Option<String>,
    pub status: Option<u16>,
    /// The provider's own words, masked and escaped.
    pub message: Option<String>,
    pub latency_ms: Option<u64>,
    /// CloudFront: the invalidation's id, to look it up later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalidation: Option<String>,
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

/// History keys targets by path or tag: a prefix is kept as its path with
/// `*`, everything as `*`.
pub fn item_target(item: &PurgeItem) -> crate::model::target::Target {
    match item {
        PurgeItem::Path(p) => crate::model::target::Target::path(p.clone()),
        PurgeItem::Tag(t) => crate::model::target::Target::tag(t.clone()),
        PurgeItem::Prefix(p) => crate::model::target::Target::path(format!("{p}*")),
        PurgeItem::Everything => crate::model::target::Target::path("*"),
    }
}
