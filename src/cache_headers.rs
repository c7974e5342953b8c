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

use serde::Serialize;

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

    pub fn from_map(map: &reqwest::header::HeaderMap) -> HeaderList {
        HeaderList(
            map.iter()
                .map(|(n, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).trim().to_string();
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
            Cdn::Varnish => "Varnish",
            Cdn::Nginx => "nginx",
            Cdn::Generic => "a cache",
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
    CacheReport {
        cdn,
        cdn_evidence,
        nextjs,
        edge,
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

/// The CDN whose fingerprints are present, with the headers that show it.
/// Several may be present (Cloudflare in front of Vercel): the first
/// found in this order is the one closest to the client in practice.
fn detect_cdn(h: &HeaderList) -> (Option<Cdn>, Vec<String>) {
    let server = h.first("server").unwrap_or("").to_ascii_lowercase();
    let via = h.all("via").join(", ").to_ascii_lowercase();
    let x_cache = h.all("x-cache").join(", ").to_ascii_lowercase();
    let served_by = h.first("x-served-by").unwrap_or("").to_ascii_lowercase();
    let candidates: [(Cdn, Vec<(bool, &str)>); 7] = [
        (
            Cdn::Cloudflare,
            vec![
                (h.has("cf-cache-status"), "cf-cache-status"),
                (h.has("cf-ray"), "cf-ray"),
                (server == "cloudflare", "server: cloudflare"),
            ],
        ),
        (
            Cdn::Cloudfront,
            vec![
                (x_cache.contains("cloudfront"), "x-cache: … from cloudfront"),
                (h.has("x-amz-cf-id"), "x-amz-cf-id"),
                (h.has("x-amz-cf-pop"), "x-amz-cf-pop"),
                (via.contains("cloudfront"), "via: … (CloudFront)"),
            ],
        ),
        (
            Cdn::Akamai,
            vec![
                (x_cache.contains("tcp_"), "x-cache: TCP_…"),
                (h.has("x-akamai-request-id"), "x-akamai-request-id"),
                (h.has("akamai-cache-status"), "akamai-cache-status"),
                (server.contains("akamai"), "server: AkamaiGHost"),
            ],
        ),
        (
            Cdn::Fastly,
            vec![
                (served_by.contains("cache-"), "x-served-by: cache-…"),
                (h.has("x-fastly-request-id"), "x-fastly-request-id"),
                (h.has("fastly-debug-digest"), "fastly-debug-digest"),
                (h.has("x-cache-hits"), "x-cache-hits"),
            ],
        ),
        (
            Cdn::Vercel,
            vec![
                (h.has("x-vercel-cache"), "x-vercel-cache"),
                (h.has("x-vercel-id"), "x-vercel-id"),
                (server == "vercel", "server: Vercel"),
            ],
        ),
        (
            Cdn::Varnish,
            vec![
                (h.has("x-varnish"), "x-varnish"),
                (via.contains("varnish"), "via: … varnish"),
            ],
        ),
        (
            Cdn::Nginx,
            vec![
                (h.has("x-cache-status"), "x-cache-status"),
                (h.has("x-proxy-cache"), "x-proxy-cache"),
            ],
        ),
    ];
    for (cdn, tests) in candidates {
        let evidence: Vec<String> = tests
            .into_iter()
            .filter(|(present, _)| *present)
            .map(|(_, what)| what.to_string())
            .collect();
        // Fastly runs Varnish and says so in Via, so "varnish" in Via
        // alone would misname it; x-cache-hits alone is not enough either.
        let enough = match cdn {
            Cdn::Fastly => evidence.iter().any(|e| !e.starts_with("x-cache-hits")),
            _ => !evidence.is_empty(),
        };
        if enough {
            return (Some(cdn), evidence);
        }
    }
    let generic: Vec<String> = ["x-cache", "cache-status", "age"]
        .into_iter()
        .filter(|n| h.has(n))
        .map(str::to_string)
        .collect();
    if generic.is_empty() {
        (None, generic)
    } else {
        (Some(Cdn::Generic), generic)
    }
}

/// Every header that states a cache result.
fn signals(h: &HeaderList, cdn: Option<Cdn>) -> Vec<Signal> {
    let mut out = Vec::new();
    let mut push = |reporter, cdn, name: &str, value: &str, state: Option<CacheState>| {
        if let Some(state) = state {
            out.push(Signal {
                reporter,
                cdn,
                header: format!("{name}: {value}"),
                state,
            });
        }
    };
    if let Some(v) = h.first("x-nextjs-cache") {
        push(Reporter::Nextjs, None, "x-nextjs-cache", v, token_state(v));
    }
    if let Some(v) = h.first("x-vercel-cache") {
        push(
            Reporter::Edge,
            Some(Cdn::Vercel),
            "x-vercel-cache",
            v,
            token_state(v),
        );
    }
    if let Some(v) = h.first("cf-cache-status") {
        push(
            Reporter::Edge,
            Some(Cdn::Cloudflare),
            "cf-cache-status",
            v,
            token_state(v),
        );
    }
    let x_cache = h.all("x-cache").join(", ");
    if !x_cache.is_empty() {
        push(
            Reporter::Edge,
            cdn,
            "x-cache",
            &x_cache,
            x_cache_state(&x_cache),
        );
    }
    for name in ["x-cache-status", "x-proxy-cache"] {
        if let Some(v) = h.first(name) {
            push(Reporter::Edge, Some(Cdn::Nginx), name, v, token_state(v));
        }
    }
    if let Some(v) = h.first("x-varnish") {
        push(
            Reporter::Edge,
            Some(Cdn::Varnish),
            "x-varnish",
            v,
            Some(varnish_ids_state(v)),
        );
    }
    let cache_status = h.all("cache-status").join(", ");
    if let Some(state) = cache_status_state(&cache_status) {
        push(
            Reporter::Edge,
            cdn,
            "cache-status",
            &cache_status,
            Some(state),
        );
    }
    out
}

/// One status word as Next.js, Vercel, Cloudflare, nginx or a Varnish VCL
/// write it.
fn token_state(token: &str) -> Option<CacheState> {
    let t = token.trim().to_ascii_uppercase();
    let t = t.split_whitespace().next().unwrap_or("");
    let state = match t {
        "HIT" | "PRERENDER" | "CACHED" | "HIT-FRESH" => CacheState::Hit,
        "STALE" | "UPDATING" | "HIT-STALE" => CacheState::Stale,
        "REVALIDATED" => CacheState::Revalidated,
        "MISS" | "UNCACHED" => CacheState::Miss,
        "EXPIRED" => CacheState::Expired,
        "BYPASS" | "PASS" | "HIT-FOR-PASS" | "HITPASS" => CacheState::Bypass,
        "DYNAMIC" | "NONE" | "UNKNOWN" => CacheState::Dynamic,
        "ERROR" => CacheState::Error,
        _ => return None,
    };
    Some(state)
}

/// `X-Cache` as Fastly ("MISS, HIT": one per node, the last is the edge the
/// client talked to), CloudFront ("RefreshHit from cloudfront"), Akamai
/// ("TCP_REFRESH_HIT from a23-…") or a VCL ("HIT (3)") writes it.
fn x_cache_state(value: &str) -> Option<CacheState> {
    let last = value.rsplit(',').map(str::trim).find(|s| !s.is_empty())?;
    let lower = last.to_ascii_lowercase();
    if lower.ends_with("from cloudfront") {
        return cloudfront_state(&lower);
    }
    if let Some(tcp) = lower.split_whitespace().find(|w| w.starts_with("tcp_")) {
        return akamai_state(tcp);
    }
    token_state(last)
}

fn cloudfront_state(lower: &str) -> Option<CacheState> {
    let word = lower.split_whitespace().next()?;
    let state = match word {
        "hit" => CacheState::Hit,
        "refreshhit" => CacheState::Revalidated,
        "miss" => CacheState::Miss,
        "error" | "limitexceeded" | "capacityexceeded" => CacheState::Error,
        "redirect" => CacheState::Bypass,
        _ => return None,
    };
    Some(state)
}

fn akamai_state(tcp: &str) -> Option<CacheState> {
    // Order matters: TCP_REFRESH_HIT contains HIT, TCP_REFRESH_MISS contains MISS.
    let state = if tcp.contains("refresh_fail_hit") {
        CacheState::Stale
    } else if tcp.contains("refresh_hit") {
        CacheState::Revalidated
    } else if tcp.contains("refresh_miss") {
        CacheState::Expired
    } else if tcp.contains("hit") {
        CacheState::Hit
    } else if tcp.contains("miss") {
        CacheState::Miss
    } else if tcp.contains("denied") {
        CacheState::Error
    } else {
        return None;
    };
    Some(state)
}

/// `X-Varnish: 32770 3` (this request's id and the id of the request that
/// stored the object) is a hit; a single id is a miss or a pass.
fn varnish_ids_state(value: &str) -> CacheState {
    if value.split_whitespace().count() >= 2 {
        CacheState::Hit
    } else {
        CacheState::Miss
    }
}

/// RFC 9211 `Cache-Status`: one member per cache, origin side first, so
/// the last member is the cache closest to the client.
fn cache_status_state(value: &str) -> Option<CacheState> {
    let last = value.rsplit(',').map(str::trim).find(|s| !s.is_empty())?;
    let params: Vec<(String, String)> = last
        .split(';')
        .skip(1)
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_ascii_lowercase(),
            )
        })
        .collect();
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if get("hit").is_some() {
        let stale = get("ttl")
            .and_then(|t| t.parse::<i64>().ok())
            .is_some_and(|t| t < 0);
        return Some(if stale {
            CacheState::Stale
        } else {
            CacheState::Hit
        });
    }
    let state = match get("fwd")? {
        "stale" if get("fwd-status") == Some("304") => CacheState::Revalidated,
        "stale" => CacheState::Expired,
        "bypass" | "method" | "request" => CacheState::Bypass,
        _ => CacheState::Miss,
    };
    Some(state)
}

/// `Age`; with duplicates (two proxies each adding one) the largest, as
/// the copy is at least that old.
fn age(h: &HeaderList, notes: &mut Vec<String>) -> Option<u64> {
    let values: Vec<u64> = h
        .items("age")
        .into_iter()
        .filter_map(|v| v.parse::<u64>().ok())
        .collect();
    if values.len() > 1 {
        notes.push(format!(
            "{} Age values ({}): taking the largest",
            values.len(),
            values
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    values.into_iter().max()
}

/// Directives of a cache-control-like header: lower-case names, values
/// unquoted, first occurrence first.
fn directives(h: &HeaderList, name: &str) -> Vec<(String, Option<String>)> {
    h.items(name)
        .into_iter()
        .map(|d| match d.split_once('=') {
            Some((k, v)) => (
                k.trim().to_ascii_lowercase(),
                Some(v.trim().trim_matches('"').to_string()),
            ),
            None => (d.trim().to_ascii_lowercase(), None),
        })
        .collect()
}

/// The seconds of `directive`, first occurrence (RFC 9111 §4.2.1); a
/// conflicting repeat is noted.
fn seconds(
    list: &[(String, Option<String>)],
    directive: &str,
    header: &str,
    notes: &mut Vec<String>,
) -> Option<u64> {
    let values: Vec<u64> = list
        .iter()
        .filter(|(k, _)| k == directive)
        .filter_map(|(_, v)| v.as_deref()?.parse().ok())
        .collect();
    let first = *values.first()?;
    if values.iter().any(|&v| v != first) {
        notes.push(format!(
            "{header} has {directive} more than once with different values; the first ({first}) counts"
        ));
    }
    Some(first)
}

fn forbids_storing(list: &[(String, Option<String>)]) -> Option<&str> {
    list.iter()
        .map(|(k, _)| k.as_str())
        .find(|k| matches!(*k, "private" | "no-store" | "no-cache"))
}

/// The TTL a shared cache applies, from the most specific header present.
fn ttl(h: &HeaderList, cdn: Option<Cdn>, notes: &mut Vec<String>) -> Option<Ttl> {
    let targeted = match cdn {
        Some(Cdn::Cloudflare) => Some("cloudflare-cdn-cache-control"),
        Some(Cdn::Vercel) => Some("vercel-cdn-cache-control"),
        Some(Cdn::Akamai) => Some("akamai-cdn-cache-control"),
        _ => None,
    };
    let fields = [
        (targeted, TtlSource::Targeted),
        (Some("cdn-cache-control"), TtlSource::CdnCacheControl),
        (Some("surrogate-control"), TtlSource::SurrogateControl),
    ];
    for (name, source) in fields {
        let Some(name) = name else { continue };
        if let Some(ttl) = field_ttl(h, name, source, notes) {
            return Some(ttl);
        }
    }
    cache_control_ttl(h, notes)
}

fn field_ttl(
    h: &HeaderList,
    name: &str,
    source: TtlSource,
    notes: &mut Vec<String>,
) -> Option<Ttl> {
    let list = directives(h, name);
    if list.is_empty() {
        return None;
    }
    if let Some(word) = forbids_storing(&list) {
        return Some(not_cacheable(format!("{name}: {word}")));
    }
    // RFC 9213 fields use max-age; s-maxage is accepted as some CDNs do.
    let secs = seconds(&list, "max-age", name, notes)
        .or_else(|| seconds(&list, "s-maxage", name, notes))?;
    Some(Ttl {
        seconds: secs,
        source,
        directive: format!("{name}: max-age={secs}"),
    })
}

fn cache_control_ttl(h: &HeaderList, notes: &mut Vec<String>) -> Option<Ttl> {
    let list = directives(h, "cache-control");
    if let Some(word) = forbids_storing(&list) {
        return Some(not_cacheable(format!("cache-control: {word}")));
    }
    if let Some(secs) = seconds(&list, "s-maxage", "cache-control", notes) {
        return Some(Ttl {
            seconds: secs,
            source: TtlSource::SMaxage,
            directive: format!("s-maxage={secs}"),
        });
    }
    let secs = seconds(&list, "max-age", "cache-control", notes)?;
    Some(Ttl {
        seconds: secs,
        source: TtlSource::MaxAge,
        directive: format!("max-age={secs}"),
    })
}

fn not_cacheable(directive: String) -> Ttl {
    Ttl {
        seconds: 0,
        source: TtlSource::NotCacheable,
        directive,
    }
}

fn swr(h: &HeaderList) -> Option<u64> {
    ["cdn-cache-control", "surrogate-control", "cache-control"]
        .into_iter()
        .find_map(|name| {
            let list = directives(h, name);
            seconds(&list, "stale-while-revalidate", name, &mut Vec::new())
        })
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
