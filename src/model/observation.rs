//! An observation: one read of a page at one layer and variant — where
//! (an origin instance, the public URL, a cache-busted public URL), which
//! variant (the document, or the RSC payload as a client-side navigation
//! asks for it), its status and `Location`, its cache state, its content
//! identity ([`Fingerprint`]) and what the answer says the page is. Every
//! verdict about a page is judged from a list of these
//! ([`crate::model::judgement`]); `wire::probe` takes them.

use crate::model::cache_headers::{CacheReport, Cdn};
use crate::model::fingerprint::Fingerprint;
use crate::model::page_kind::PageKind;
use serde::Serialize;

/// The query parameter that makes a URL unique to defeat the CDN's cache.
///
/// Next.js embeds the query of the request that triggers a regeneration in
/// the cached page's flight data (`"c":["","blog","hello?x=1"]`), served to
/// every visitor until the next one. A parameter whose name starts with
/// `nxtP` (Next's internal prefix for route params) is stripped before
/// rendering, so the cached copy carries no trace of it (measured on Next
/// 16.4.6; the e2e test `no_trace_of_isrctl_in_cached_pages` holds it),
/// while a CDN still keys on the full URL and misses.
pub const CACHE_BUST_PARAM: &str = "nxtPisrctl";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayerKind {
    /// What visitors get, through the CDN.
    Public,
    /// One origin instance, bypassing the CDN (`index` counts from 1).
    Origin { index: usize },
    /// The public URL with a unique query parameter.
    CacheBusted,
    /// The page's RSC payload through the public URL (`RSC: 1`).
    PublicRsc,
    /// The page's RSC payload at one origin instance.
    OriginRsc { index: usize },
    /// The page's RSC payload through a cache-busted public URL.
    CacheBustedRsc,
}

impl LayerKind {
    pub fn label(self) -> String {
        match self {
            LayerKind::Public => "public".to_string(),
            LayerKind::Origin { index } => format!("origin {index}"),
            LayerKind::CacheBusted => "public, cache-busted".to_string(),
            LayerKind::PublicRsc => "public, RSC".to_string(),
            LayerKind::OriginRsc { index } => format!("origin {index}, RSC"),
            LayerKind::CacheBustedRsc => "public, cache-busted, RSC".to_string(),
        }
    }

    /// The layer of the same place that serves the page's RSC payload.
    pub fn rsc(self) -> LayerKind {
        match self {
            LayerKind::Public => LayerKind::PublicRsc,
            LayerKind::Origin { index } => LayerKind::OriginRsc { index },
            LayerKind::CacheBusted => LayerKind::CacheBustedRsc,
            rsc => rsc,
        }
    }

    /// A layer fetched as a client-side navigation fetches it.
    pub fn is_rsc(self) -> bool {
        matches!(
            self,
            LayerKind::PublicRsc | LayerKind::OriginRsc { .. } | LayerKind::CacheBustedRsc
        )
    }

    pub fn is_origin(self) -> bool {
        matches!(self, LayerKind::Origin { .. })
    }
}

/// One fetch of a page through one layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    pub layer: LayerKind,
    pub label: String,
    pub url: String,
    pub status: Option<u16>,
    /// Where a 3xx pointed; never followed.
    pub redirect: Option<String>,
    pub cache: Option<CacheReport>,
    pub fingerprint: Option<Fingerprint>,
    /// What the answer says the page is (`None` without a whole answer).
    pub kind: Option<PageKind>,
    /// Time to the response headers.
    pub ttfb_ms: Option<u64>,
    pub total_ms: Option<u64>,
    /// Why there is no answer (timeout, DNS, refused, TLS, reset), or why
    /// the body did not arrive whole (timed out, cut short, broken
    /// chunking): a failed layer either way.
    pub error: Option<String>,
    /// The caching and identity headers as received.
    pub headers: Vec<(String, String)>,
}

impl Observation {
    pub fn answered(&self) -> bool {
        self.status.is_some() && self.error.is_none()
    }

    /// A page worth fingerprinting: 2xx with a body read.
    pub fn page(&self) -> Option<&Fingerprint> {
        self.fingerprint
            .as_ref()
            .filter(|_| self.status.is_some_and(|s| (200..300).contains(&s)))
    }

    /// What `x-nextjs-cache` said (Next's own ISR cache), if it spoke.
    pub fn nextjs(&self) -> Option<crate::model::cache_headers::CacheState> {
        self.cache.as_ref()?.nextjs
    }

    /// A cache served a stored copy (HIT, stale or revalidated).
    pub fn served_from_cache(&self) -> bool {
        self.cache
            .as_ref()
            .and_then(|c| c.edge)
            .is_some_and(crate::model::cache_headers::CacheState::served_from_cache)
    }

    /// Any header shows a cache: a cache state, an `Age`, a CDN named or
    /// recognised.
    pub fn shows_a_cache(&self) -> bool {
        self.cache
            .as_ref()
            .is_some_and(|c| c.cdn.is_some() || c.edge.is_some() || c.age.is_some())
    }

    /// An RSC payload (`text/x-component`), not an HTML page.
    pub fn is_rsc_payload(&self) -> bool {
        self.header("content-type")
            .is_some_and(|t| t.trim_start().starts_with("text/x-component"))
    }

    /// The first evidence header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `200 · HIT · age 12 s · ttl 3600 s (s-maxage=3600) · 14 ms`.
    pub fn summary(&self) -> String {
        let Some(status) = self.status else {
            return format!("no answer: {}", self.error.as_deref().unwrap_or("unknown"));
        };
        if let Some(error) = &self.error {
            return format!("{status}, but the body did not arrive whole: {error}");
        }
        let mut parts = vec![status.to_string()];
        if let Some(to) = &self.redirect {
            parts.push(format!("redirect to {to} (not followed)"));
        }
        if let Some(c) = &self.cache {
            parts.extend(cache_words(c));
        }
        parts.push(format!("ttfb {} ms", self.ttfb_ms.unwrap_or(0)));
        parts.join(" · ")
    }
}

fn cache_words(c: &CacheReport) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(edge) = c.edge {
        let who = c.cdn.map(Cdn::name).unwrap_or("cache");
        words.push(format!("{who} {}", edge.as_str()));
    }
    if let Some(next) = c.nextjs {
        words.push(format!("next.js {}", next.as_str()));
    }
    if let Some(age) = c.age {
        words.push(format!("age {}", crate::model::text::duration_words(age)));
    }
    if let Some(ttl) = &c.ttl {
        words.push(format!(
            "ttl {} ({})",
            crate::model::text::duration_words(ttl.seconds),
            ttl.directive
        ));
    }
    words
}

/// The URL without isrctl's cache-busting parameter.
pub fn without_cache_bust(url: &url::Url) -> url::Url {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != CACHE_BUST_PARAM)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut url = url.clone();
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(kept);
    }
    url
}
