//! Reading the cache headers of one response: which cache answered, whether
//! it was a hit, how old the copy is, and how long a shared cache may keep it.
//!
//! Every CDN says "hit" differently (`x-vercel-cache`, `cf-cache-status`,
//! Fastly's per-node `X-Cache`, CloudFront's `Hit from cloudfront`, Akamai's
//! `TCP_HIT`, Varnish's two `X-Varnish` ids, nginx's
//! `$upstream_cache_status`, RFC 9211 `Cache-Status`). This module turns
//! them into one [`CacheReport`]. No single header is trusted alone: the
//! verdict is cross-checked with `Age` and the TTL, and disagreements become
//! notes. Header names are matched case-insensitively and duplicates are
//! kept, because proxies append rather than replace.

mod detect;
pub use detect::behind_an_adapter;
mod ttl;

use detect::*;
use serde::Serialize;
use ttl::*;

/// Response headers as received: lower-case names, duplicates kept in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderList(Vec<(String, String)>);

impl HeaderList {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> HeaderList {
        HeaderList(
            pairs
                .into_iter()
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect(),
        )
    }

    /// Headers from a server, values with control characters escaped (they
    /// are shown and stored; a header value may carry C1 controls).
    pub fn from_map(map: &reqwest::header::HeaderMap) -> HeaderList {
        HeaderList(
            map.iter()
                .map(|(n, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes());
                    let value = crate::model::safe_text::one_line(value.trim()).into_owned();
                    (n.as_str().to_string(), value)
                })
                .collect(),
        )
    }

    /// Every value of `name`, in order, one entry per header line.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every comma-separated item of every line of `name`.
    pub fn items(&self, name: &str) -> Vec<&str> {
        self.all(name)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// What a cache did with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheState {
    /// Served a stored copy that was fresh.
    Hit,
    /// Served a stored copy past its freshness (stale-while-revalidate,
    /// `UPDATING`, a Fastly `HIT` older than its TTL).
    Stale,
    /// Had a stale copy, checked with the origin, which said it still holds.
    Revalidated,
    /// Nothing stored: fetched from the origin.
    Miss,
    /// A stored copy had expired: fetched anew.
    Expired,
    /// The cache was configured not to store or serve this request.
    Bypass,
    /// Not eligible for caching (Cloudflare `DYNAMIC`/`NONE`).
    Dynamic,
    /// The cache answered with its own error.
    Error,
}

impl CacheState {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheState::Hit => "HIT",
            CacheState::Stale => "STALE",
            CacheState::Revalidated => "REVALIDATED",
            CacheState::Miss => "MISS",
            CacheState::Expired => "EXPIRED",
            CacheState::Bypass => "BYPASS",
            CacheState::Dynamic => "DYNAMIC",
            CacheState::Error => "ERROR",
        }
    }

    /// Whether the answer came from a stored copy rather than the origin.
    pub fn served_from_cache(self) -> bool {
        matches!(
            self,
            CacheState::Hit | CacheState::Stale | CacheState::Revalidated
        )
    }
}

/// The caching products isrctl knows the headers of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cdn {
    Vercel,
    Cloudflare,
    Fastly,
    Cloudfront,
    Akamai,
    Netlify,
    Varnish,
    Nginx,
    /// Some cache said so (`X-Cache`, `Age`, `Cache-Status`) without naming itself.
    Generic,
}

impl Cdn {
    pub fn name(self) -> &'static str {
        match self {
            Cdn::Vercel => "Vercel",
            Cdn::Cloudflare => "Cloudflare",
            Cdn::Fastly => "Fastly",
            Cdn::Cloudfront => "CloudFront",
            Cdn::Akamai => "Akamai",
            Cdn::Netlify => "Netlify",
            Cdn::Varnish => "Varnish",
            Cdn::Nginx => "nginx",
            Cdn::Generic => "a cache",
        }
    }

    /// What the config's `cdn = "…"` says for this CDN (`from_config` reads it).
    pub fn config_name(self) -> &'static str {
        match self {
            Cdn::Vercel => "vercel",
            Cdn::Cloudflare => "cloudflare",
            Cdn::Fastly => "fastly",
            Cdn::Cloudfront => "cloudfront",
            Cdn::Akamai => "akamai",
            Cdn::Netlify => "netlify",
            Cdn::Varnish => "varnish",
            Cdn::Nginx => "nginx",
            Cdn::Generic => "generic",
        }
    }

    /// The config's `cdn = "…"` value.
    pub fn from_config(name: &str) -> Option<Cdn> {
        let cdn = match name.trim().to_ascii_lowercase().as_str() {
            "vercel" => Cdn::Vercel,
            "cloudflare" => Cdn::Cloudflare,
            "fastly" => Cdn::Fastly,
            "cloudfront" | "aws" => Cdn::Cloudfront,
            "akamai" => Cdn::Akamai,
            "netlify" => Cdn::Netlify,
            "varnish" => Cdn::Varnish,
            "nginx" => Cdn::Nginx,
            "generic" | "other" => Cdn::Generic,
            _ => return None,
        };
        Some(cdn)
    }
}

/// Who reported a cache state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    /// `x-nextjs-cache`: the Next.js ISR cache, as it was when the response
    /// left the origin (a CDN stores and replays it).
    Nextjs,
    /// A CDN or proxy in front.
    Edge,
}

/// One header that said something about caching, and what it means.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    pub reporter: Reporter,
    pub cdn: Option<Cdn>,
    /// As received, e.g. `x-cache: HIT, MISS`.
    pub header: String,
    pub state: CacheState,
}

/// Which header set the TTL, most specific first (the order of precedence).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TtlSource {
    /// RFC 9213 targeted field for this CDN (`Cloudflare-CDN-Cache-Control`, `Vercel-CDN-Cache-Control`).
    Targeted,
    /// `CDN-Cache-Control` (RFC 9213).
    CdnCacheControl,
    /// `Surrogate-Control` (Fastly, Akamai, Varnish with ESI).
    SurrogateControl,
    /// `Cache-Control: s-maxage`: shared caches only.
    SMaxage,
    /// `Cache-Control: max-age`.
    MaxAge,
    /// `private`, `no-store` or `no-cache`: a shared cache must not keep it.
    NotCacheable,
}

/// How long a shared cache may keep the response, and what said so.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ttl {
    pub seconds: u64,
    pub source: TtlSource,
    /// The directive as written, e.g. `s-maxage=3600` or `surrogate-control: max-age=600`.
    pub directive: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CacheReport {
    /// The CDN, configured or detected, and the headers that identified it.
    pub cdn: Option<Cdn>,
    pub cdn_evidence: Vec<String>,
    /// The Next.js ISR cache's state (`x-nextjs-cache`).
    pub nextjs: Option<CacheState>,
    /// The state of the cache closest to the client.
    pub edge: Option<CacheState>,
    pub signals: Vec<Signal>,
    /// A shared tier behind the edges, where it says its own state
    /// (Netlify's durable cache, a member of `Cache-Status`): a copy kept
    /// there is what every edge fetches again after it drops its own.
    pub durable: Option<CacheState>,
    /// Seconds the copy has spent in caches (`Age`).
    pub age: Option<u64>,
    pub ttl: Option<Ttl>,
    pub stale_while_revalidate: Option<u64>,
    /// TTL minus age: negative when the copy is past its TTL.
    pub remaining: Option<i64>,
    /// Disagreements and inferences, in words.
    pub notes: Vec<String>,
}

/// Interpret one response's headers. `configured` is the site's `cdn`, if set.
pub fn interpret(headers: &HeaderList, configured: Option<Cdn>) -> CacheReport {
    let mut notes = Vec::new();
    let (detected, cdn_evidence) = detect_cdn(headers);
    let cdn = reconcile_cdn(configured, detected, &mut notes);
    let signals = signals(headers, cdn);
    let nextjs = signals
        .iter()
        .find(|s| s.reporter == Reporter::Nextjs)
        .map(|s| s.state);
    let age = age(headers, &mut notes);
    let ttl = ttl(headers, cdn, &mut notes);
    let remaining = match (&ttl, age) {
        (Some(ttl), Some(age)) => Some(ttl.seconds as i64 - age as i64),
        (Some(ttl), None) => Some(ttl.seconds as i64),
        _ => None,
    };
    let edge = edge_state(&signals, cdn, age, remaining, &mut notes);
    let durable = durable_state(headers, &mut notes);
    if !headers.has("x-nextjs-cache") && detect::behind_an_adapter(headers) {
        notes.push(match detect::adapter_cache(headers) {
            Some((name, value)) => format!("behind an adapter: {name}: {value} is its cache's word for the app's ISR cache (no x-nextjs-cache in minimal mode)"),
            None => "behind an adapter (OpenNext): the origin's cache state is not visible (no x-nextjs-cache in minimal mode)".into(),
        });
    }
    CacheReport {
        cdn,
        cdn_evidence,
        nextjs,
        edge,
        durable,
        signals,
        age,
        ttl,
        stale_while_revalidate: swr(headers),
        remaining,
        notes,
    }
}

fn reconcile_cdn(
    configured: Option<Cdn>,
    detected: Option<Cdn>,
    notes: &mut Vec<String>,
) -> Option<Cdn> {
    match (configured, detected) {
        (Some(c), Some(d)) if c != d && d != Cdn::Generic => {
            notes.push(format!(
                "the config says the CDN is {}, but the headers look like {}",
                c.name(),
                d.name()
            ));
            Some(c)
        }
        (Some(c), _) => Some(c),
        (None, d) => d,
    }
}

/// The edge's state: the detected CDN's own header first, then any other
/// edge signal; cross-checked with Age and the TTL.
fn edge_state(
    signals: &[Signal],
    cdn: Option<Cdn>,
    age: Option<u64>,
    remaining: Option<i64>,
    notes: &mut Vec<String>,
) -> Option<CacheState> {
    let edge: Vec<&Signal> = signals
        .iter()
        .filter(|s| s.reporter == Reporter::Edge)
        .collect();
    let chosen = edge
        .iter()
        .find(|s| s.cdn.is_some() && s.cdn == cdn)
        .or_else(|| edge.first());
    let mut state = match chosen {
        Some(s) => s.state,
        None => return inferred_from_age(age, notes),
    };
    for other in &edge {
        if other.state.served_from_cache() != state.served_from_cache() {
            notes.push(format!(
                "headers disagree: {} but {}",
                chosen.map(|s| s.header.as_str()).unwrap_or(""),
                other.header
            ));
        }
    }
    if state == CacheState::Miss && age.is_some_and(|a| a > 0) {
        notes.push(format!(
            "the edge says MISS but Age is {} s: a cache behind it (a shield or a second CDN) served a stored copy",
            age.unwrap_or(0)
        ));
    }
    if state == CacheState::Hit && remaining.is_some_and(|r| r < 0) {
        notes.push(format!(
            "a HIT past its TTL (Age {} s): the edge served a stale copy (stale-while-revalidate or stale-if-error)",
            age.unwrap_or(0)
        ));
        state = CacheState::Stale;
    }
    Some(state)
}

fn inferred_from_age(age: Option<u64>, notes: &mut Vec<String>) -> Option<CacheState> {
    let age = age.filter(|&a| a > 0)?;
    notes.push(format!(
        "no cache-status header, but Age is {age} s: a cache served a stored copy"
    ));
    Some(CacheState::Hit)
}

#[cfg(test)]
mod tests;
