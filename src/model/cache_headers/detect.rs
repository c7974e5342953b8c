//! Which CDN answered, and what each of its headers says about a hit.

use super::*;

/// The CDN whose fingerprints are present, with the headers that show it.
/// Several may be present (Cloudflare in front of Vercel): the first
/// found in this order is the one closest to the client in practice.
pub(super) fn detect_cdn(h: &HeaderList) -> (Option<Cdn>, Vec<String>) {
    for (cdn, tests) in fingerprints(h) {
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

/// Each CDN's fingerprints in `h`: whether each is present, and its words.
fn fingerprints(h: &HeaderList) -> [(Cdn, Vec<(bool, &'static str)>); 8] {
    let server = h.first("server").unwrap_or("").to_ascii_lowercase();
    let via = h.all("via").join(", ").to_ascii_lowercase();
    let x_cache = h.all("x-cache").join(", ").to_ascii_lowercase();
    let served_by = h.first("x-served-by").unwrap_or("").to_ascii_lowercase();
    let cache_status = h.all("cache-status").join(", ").to_ascii_lowercase();
    [
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
            Cdn::Netlify,
            vec![
                (
                    cache_status.contains("\"netlify"),
                    "cache-status: \"Netlify …\"",
                ),
                (h.has("x-nf-request-id"), "x-nf-request-id"),
                (server == "netlify", "server: Netlify"),
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
    ]
}

/// Every header that states a cache result.
pub(super) fn signals(h: &HeaderList, cdn: Option<Cdn>) -> Vec<Signal> {
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
    } else if let Some((name, v)) = adapter_cache(h) {
        // An adapter's own word for the app's cache (OpenNext's
        // incremental cache, in S3 or R2), where Next's is not sent.
        push(Reporter::Nextjs, None, name, v, token_state(v));
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
pub(super) fn token_state(token: &str) -> Option<CacheState> {
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
pub(super) fn x_cache_state(value: &str) -> Option<CacheState> {
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

pub(super) fn cloudfront_state(lower: &str) -> Option<CacheState> {
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

pub(super) fn akamai_state(tcp: &str) -> Option<CacheState> {
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
pub(super) fn varnish_ids_state(value: &str) -> CacheState {
    if value.split_whitespace().count() >= 2 {
        CacheState::Hit
    } else {
        CacheState::Miss
    }
}

/// RFC 9211 `Cache-Status`: one member per cache, origin side first, so
/// the last member is the cache closest to the client.
pub(super) fn cache_status_state(value: &str) -> Option<CacheState> {
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

/// The state a shared tier behind the edges gives itself in RFC 9211
/// `Cache-Status`: Netlify names it `"Netlify Durable"` (origin side
/// first: `"Netlify Durable"; hit, "Netlify Edge"; fwd=miss`). Said in a
/// note, since the edge alone does not tell where a copy came from.
pub(super) fn durable_state(h: &HeaderList, notes: &mut Vec<String>) -> Option<CacheState> {
    let all = h.all("cache-status").join(", ");
    let member = all
        .split(',')
        .map(str::trim)
        .find(|m| m.to_ascii_lowercase().contains("durable"))?;
    let state = cache_status_state(member)?;
    let name = member
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    let said = match state {
        CacheState::Hit => "holds a copy (every edge refetches from it)",
        CacheState::Stale => "serves a stale copy",
        _ => "had no copy",
    };
    notes.push(format!("{name} {said}: {member}"));
    Some(state)
}

/// Adapters that run Next.js in minimal mode (no `x-nextjs-cache`) and
/// say their own cache's state: OpenNext (AWS, Cloudflare) sends
/// `x-opennext-cache: HIT|MISS|STALE`.
const ADAPTER_CACHE_HEADERS: [&str; 1] = ["x-opennext-cache"];

/// The adapter header stating the app cache's state, and its value.
pub(super) fn adapter_cache(h: &HeaderList) -> Option<(&'static str, &str)> {
    ADAPTER_CACHE_HEADERS
        .into_iter()
        .find_map(|name| h.first(name).map(|v| (name, v)))
}

/// Whether an adapter runs the app (its own headers show), so a missing
/// `x-nextjs-cache` says nothing about how the page is rendered.
pub fn behind_an_adapter(h: &HeaderList) -> bool {
    adapter_cache(h).is_some() || h.has("x-opennext")
}
