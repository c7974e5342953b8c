//! What a purge is, before any byte is sent: the CDN a site is configured
//! with (`[sites.X.purge]`), what to purge, and how a purge call ended.
//! The wire floor turns these into each provider's documented calls.

use crate::model::endpoint::SuccessRule;
use crate::model::secret::SecretSource;
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
    /// Varnish's cache key includes it), a `BAN` shaped as the VCL reads
    /// it, or an xkey purge of a tag.
    Varnish {
        nodes: Vec<Url>,
        method: VarnishMethod,
    },
    /// `POST {api_url}/zones/{zone_id}/purge_cache` (Cloudflare API v4).
    Cloudflare {
        api_url: Url,
        zone_id: String,
        mode: CloudflareMode,
        /// URLs per purge-by-URL request (`files_per_request`).
        files_per_request: usize,
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

/// How a Varnish node is asked to purge.
#[derive(Clone, Debug, PartialEq)]
pub enum VarnishMethod {
    /// `PURGE <path>`: one URL (every Vary variant of it).
    Purge,
    /// A BAN: a regex, so prefixes, everything and a page's queries too.
    Ban(BanShape),
    /// varnish-modules' xkey, as its documentation's VCL reads it: `PURGE`
    /// with the tag in `xkey-purge` (`xkey-softpurge` when soft: the
    /// copies turn stale, served while refetched). Paths are PURGEd.
    Xkey { soft: bool },
}

/// How a VCL wants its BAN: where the request goes and which headers carry
/// what to ban. Templates: `{regex}` (the page and its query variants,
/// `^/a(\?.*)?$`; a prefix `^/blog/`; everything `.`), `{path}`, `{host}`
/// (the public URL's `host[:port]`) and `{host_regex}` (`^host$`).
#[derive(Clone, Debug, PartialEq)]
pub struct BanShape {
    /// `/`, or `{path}` for a VCL that bans the BAN request's own URL.
    pub url: String,
    pub headers: Vec<(String, String)>,
}

impl BanShape {
    /// The presets for the VCLs people copy.
    pub const PRESETS: [&'static str; 3] = ["varnish-docs", "foshttpcache", "lurker"];

    /// `X-Ban-Url: {regex}` to `/` (the testbed's VCL, and isrctl's default),
    /// or the same with another header name.
    pub fn header(name: &str) -> BanShape {
        BanShape {
            url: "/".into(),
            headers: vec![(name.to_string(), "{regex}".into())],
        }
    }

    pub fn preset(name: &str) -> Option<BanShape> {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        let shape = match name {
            // The Varnish documentation's example bans `req.url` of the BAN
            // request itself (with its Host): the BAN goes to the page.
            "varnish-docs" => BanShape {
                url: "{path}".into(),
                headers: Vec::new(),
            },
            // FOSHttpCache's VCL: X-Host, X-Url and X-Content-Type, each a
            // regex matched against the object's own headers.
            "foshttpcache" => BanShape {
                url: "/".into(),
                headers: pairs(&[
                    ("X-Host", "{host_regex}"),
                    ("X-Url", "{regex}"),
                    ("X-Content-Type", ".*"),
                ]),
            },
            // The lurker-friendly ban of the Varnish documentation:
            // obj.http.x-url ~ X-Ban-Url && obj.http.x-host ~ X-Ban-Host.
            "lurker" => BanShape {
                url: "/".into(),
                headers: pairs(&[("X-Ban-Url", "{regex}"), ("X-Ban-Host", "{host_regex}")]),
            },
            _ => return None,
        };
        Some(shape)
    }
}

/// Cloudflare URLs per purge-by-URL request unless configured: accounts
/// below Enterprise are reported to be refused past 30 (the documentation
/// says 100), so 30 works everywhere.
pub const CLOUDFLARE_FILES_PER_REQUEST: usize = 30;
/// The most any Cloudflare plan takes (Enterprise).
pub const CLOUDFLARE_MOST_PER_REQUEST: usize = 500;

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

    /// What a path purge covers of the page's RSC variants (client-side
    /// navigations fetch `?_rsc=…` with `RSC: 1`, which a cache keys apart),
    /// when it does not cover them all: said before purging.
    pub fn rsc_coverage(&self) -> Option<&'static str> {
        match self {
            Provider::Varnish {
                method: VarnishMethod::Purge | VarnishMethod::Xkey { .. },
                ..
            } => Some(
                "Varnish PURGE drops this URL's copies (every Vary variant of it) but not ?_rsc= URLs, which are objects of their own: the page's RSC payload may stay stale; BAN (method = \"BAN\") covers the page with its queries",
            ),
            Provider::Varnish {
                method: VarnishMethod::Ban(shape),
                ..
            } if shape.url.contains("{path}") => Some(
                "this BAN bans the request's own URL (ban_preset = \"varnish-docs\"): ?_rsc= URLs stay cached; a header-based BAN (\"lurker\", \"foshttpcache\") covers them",
            ),
            Provider::Http { .. } => Some(
                "an http purge removes the URL it names: ?_rsc= variants stay cached unless the purge endpoint covers them (nginx: a key without the query, or one purge per variant)",
            ),
            Provider::Cloudflare {
                mode: CloudflareMode::Files,
                ..
            }
            | Provider::Fastly { .. } => Some(
                "a URL purge leaves the ?_rsc= variants of the page: purge by prefix or cache tag to cover them",
            ),
            _ => None,
        }
    }

    /// A CDN reached through an API: its purge reaches the edges shortly
    /// after the API's answer, not with it.
    pub fn is_api(&self) -> bool {
        matches!(
            self,
            Provider::Cloudflare { .. }
                | Provider::Fastly { .. }
                | Provider::Vercel { .. }
                | Provider::CloudFront { .. }
        )
    }

    /// A purge that marks copies stale rather than dropping them: the
    /// old copy may be served once more while the CDN refetches.
    pub fn purges_softly(&self) -> bool {
        match self {
            Provider::Fastly { soft, .. } => *soft,
            Provider::Vercel { hard, .. } => !*hard,
            Provider::Varnish {
                method: VarnishMethod::Xkey { soft },
                ..
            } => *soft,
            _ => false,
        }
    }

    /// Whether the CDN can purge by cache tag; if not, a tag is purged as
    /// the URLs of the configured routes that carry it.
    pub fn purges_tags(&self) -> bool {
        match self {
            Provider::Cloudflare { .. } | Provider::Fastly { .. } | Provider::Vercel { .. } => true,
            Provider::Varnish {
                method: VarnishMethod::Xkey { .. },
                ..
            } => true,
            // xkey, Bunny, Netlify: the request names the tag.
            Provider::Http { .. } => self.template_mentions("{tag}"),
            Provider::Varnish { .. } | Provider::CloudFront { .. } => false,
        }
    }

    /// Whether an `http` provider's URL, headers or body use `placeholder`.
    pub fn template_mentions(&self, placeholder: &str) -> bool {
        let Provider::Http {
            url, headers, body, ..
        } = self
        else {
            return false;
        };
        url.contains(placeholder)
            || headers
                .iter()
                .any(|(n, v)| n.contains(placeholder) || v.contains(placeholder))
            || body.as_deref().is_some_and(|b| b.contains(placeholder))
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
