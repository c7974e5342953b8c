//! How old the copy is (`Age`) and how long a shared cache may keep it:
//! the TTL from the most specific header, and stale-while-revalidate.

use super::*;

/// `Age`; with duplicates (two proxies each adding one) the largest, as
/// the copy is at least that old.
pub(super) fn age(h: &HeaderList, notes: &mut Vec<String>) -> Option<u64> {
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
pub(super) fn directives(h: &HeaderList, name: &str) -> Vec<(String, Option<String>)> {
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
pub(super) fn seconds(
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

pub(super) fn forbids_storing(list: &[(String, Option<String>)]) -> Option<&str> {
    list.iter()
        .map(|(k, _)| k.as_str())
        .find(|k| matches!(*k, "private" | "no-store" | "no-cache"))
}

/// The TTL a shared cache applies, from the most specific header present.
pub(super) fn ttl(h: &HeaderList, cdn: Option<Cdn>, notes: &mut Vec<String>) -> Option<Ttl> {
    let targeted = match cdn {
        Some(Cdn::Cloudflare) => Some("cloudflare-cdn-cache-control"),
        Some(Cdn::Vercel) => Some("vercel-cdn-cache-control"),
        Some(Cdn::Akamai) => Some("akamai-cdn-cache-control"),
        Some(Cdn::Netlify) => Some("netlify-cdn-cache-control"),
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

pub(super) fn field_ttl(
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

pub(super) fn cache_control_ttl(h: &HeaderList, notes: &mut Vec<String>) -> Option<Ttl> {
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

pub(super) fn not_cacheable(directive: String) -> Ttl {
    Ttl {
        seconds: 0,
        source: TtlSource::NotCacheable,
        directive,
    }
}

pub(super) fn swr(h: &HeaderList) -> Option<u64> {
    ["cdn-cache-control", "surrogate-control", "cache-control"]
        .into_iter()
        .find_map(|name| {
            let list = directives(h, name);
            seconds(&list, "stale-while-revalidate", name, &mut Vec::new())
        })
}
