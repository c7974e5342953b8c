//! Fetching a page through each layer without revalidating anything: the
//! public URL (through the CDN), each origin instance (bypassing it), and
//! the public URL with a unique query parameter (a cache miss at most CDNs,
//! so it shows what the origin gives the CDN right now).
//!
//! Each fetch is a plain GET: redirects are reported, not followed; the
//! body is read up to a cap; timeouts come from the site's limits.
//!
//! The page's RSC variant (what a client-side navigation fetches) is a
//! layer of its own: [`probe_rsc`] asks for it as the Next.js router does.

use crate::model::cache_headers::{self, CacheReport, Cdn, HeaderList};
use crate::model::config::Site;
use crate::model::fingerprint::Fingerprint;
use crate::model::page_kind::{PageKind, is_next_error_page};
use crate::model::paths::page_url;
use crate::model::redact::Redactor;
use crate::model::trouble::{CLIENT_FIX, Trouble};
use crate::wire::http::{self, PAGE_BODY_CAP};
use regex::Regex;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use url::Url;

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

/// The request header that asks Next.js for a page's RSC payload.
const RSC_HEADER: &str = "rsc";

/// Headers kept in a probe's evidence: those about caching and identity.
const EVIDENCE_HEADERS: &[&str] = &[
    "age",
    "cache-control",
    "cdn-cache-control",
    "surrogate-control",
    "cache-status",
    "x-nextjs-cache",
    "x-nextjs-prerender",
    "x-nextjs-stale-time",
    "x-vercel-cache",
    "cf-cache-status",
    "x-cache",
    "x-cache-hits",
    "x-served-by",
    "x-varnish",
    "x-cache-status",
    "via",
    "etag",
    "last-modified",
    "date",
    "location",
    "content-type",
    "vary",
    "server",
];

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

#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub kind: LayerKind,
    pub url: Url,
}

/// One fetch of a page through one layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerProbe {
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

impl LayerProbe {
    pub fn answered(&self) -> bool {
        self.status.is_some() && self.error.is_none()
    }

    /// A page worth fingerprinting: 2xx with a body read.
    pub fn page(&self) -> Option<&Fingerprint> {
        self.fingerprint
            .as_ref()
            .filter(|_| self.status.is_some_and(|s| (200..300).contains(&s)))
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
        words.push(format!("age {age} s"));
    }
    if let Some(ttl) = &c.ttl {
        words.push(format!("ttl {} s ({})", ttl.seconds, ttl.directive));
    }
    words
}

/// The same URL, unique, so no cache has it yet.
pub fn cache_busted(url: &Url) -> Url {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = jiff::Timestamp::now().as_nanosecond();
    let mut url = url.clone();
    url.query_pairs_mut()
        .append_pair(CACHE_BUST_PARAM, &format!("{nanos:x}{n}"));
    url
}

/// Public, each origin, and cache-busted public, for one path of a site.
pub fn site_layers(site: &Site, path: &str) -> Vec<Layer> {
    let public = page_url(&site.public_url, path);
    let mut layers = vec![Layer {
        kind: LayerKind::Public,
        url: public.clone(),
    }];
    for (i, origin) in site.origins.iter().enumerate() {
        layers.push(Layer {
            kind: LayerKind::Origin { index: i + 1 },
            url: page_url(origin, path),
        });
    }
    layers.push(Layer {
        kind: LayerKind::CacheBusted,
        url: cache_busted(&public),
    });
    layers
}

/// What probing needs besides the layer: shared by all layers of a route.
#[derive(Clone, Debug)]
pub struct ProbeSettings {
    pub client: reqwest::Client,
    pub marker: Option<std::sync::Arc<Regex>>,
    pub cdn: Option<Cdn>,
}

impl ProbeSettings {
    pub fn for_site(site: &Site, path: &str) -> Result<ProbeSettings, Trouble> {
        let client = http::client(&site.limits, site.tls_verify).map_err(|e| {
            Trouble::unavailable(format!("cannot build the HTTP client: {e}")).with_fix(CLIENT_FIX)
        })?;
        Ok(ProbeSettings {
            client,
            marker: site.route(path).and_then(|r| r.marker.clone()),
            cdn: site.cdn.as_deref().and_then(Cdn::from_config),
        })
    }
}

/// Fetch every layer at once; results in the layers' order.
pub async fn probe_all(settings: &ProbeSettings, layers: &[Layer]) -> Vec<LayerProbe> {
    futures::future::join_all(layers.iter().map(|l| probe(settings, l))).await
}

/// GET one layer. Never panics; failures are in `error`.
pub async fn probe(settings: &ProbeSettings, layer: &Layer) -> LayerProbe {
    probe_variant(settings, layer, false).await
}

/// The page's RSC payload at this layer, as a client-side navigation asks
/// for it: `RSC: 1`. Next.js 16 answers a request without the right
/// `_rsc` query with a 307 to it (`?_rsc` when no router state is sent);
/// that one redirect, on the same origin and path, is followed. `None`
/// when the page has no RSC variant (a Pages Router page answers HTML).
pub async fn probe_rsc(settings: &ProbeSettings, layer: &Layer) -> Option<LayerProbe> {
    let answer = rsc_answer(settings, layer).await;
    (answer.is_rsc_payload() || answer.status != Some(200)).then_some(answer)
}

/// The answer to `RSC: 1` at this layer, whatever it is (an HTML answer
/// through a CDN is a finding: the CDN keys the page without the header).
pub async fn rsc_answer(settings: &ProbeSettings, layer: &Layer) -> LayerProbe {
    let layer = Layer {
        kind: layer.kind.rsc(),
        url: layer.url.clone(),
    };
    let first = probe_variant(settings, &layer, true).await;
    match rsc_redirect(&layer.url, &first) {
        Some(url) => {
            let layer = Layer {
                kind: layer.kind,
                url,
            };
            probe_variant(settings, &layer, true).await
        }
        None => first,
    }
}

/// The `_rsc` URL a 307 points to, when it stays on the page; a
/// cache-busted request stays cache-busted.
fn rsc_redirect(page: &Url, answer: &LayerProbe) -> Option<Url> {
    let location = answer.redirect.as_deref()?;
    let to = page.join(location).ok()?;
    let same_page = to.origin() == page.origin() && to.path() == page.path();
    let asks_rsc = to.query_pairs().any(|(k, _)| k == "_rsc");
    let busted = |u: &Url| u.query_pairs().any(|(k, _)| k == CACHE_BUST_PARAM);
    let to = match busted(page) && !busted(&to) {
        true => cache_busted(&to),
        false => to,
    };
    (same_page && asks_rsc).then_some(to)
}

/// Every layer of a page (see [`site_layers`]), then the page's RSC
/// payload through the public URL and at the first origin (or the
/// cache-busted URL): read after the HTML, as probe and check show them.
pub async fn probe_page(settings: &ProbeSettings, site: &Site, path: &str) -> Vec<LayerProbe> {
    let layers = site_layers(site, path);
    let mut probes = probe_all(settings, &layers).await;
    let reference = layers
        .iter()
        .find(|l| l.kind.is_origin())
        .or_else(|| layers.iter().find(|l| l.kind == LayerKind::CacheBusted));
    let public = layers.iter().find(|l| l.kind == LayerKind::Public);
    let rsc = public
        .into_iter()
        .chain(reference)
        .map(|l| rsc_answer(settings, l));
    let rsc = futures::future::join_all(rsc).await;
    // A page without an RSC variant (Pages Router) answers HTML to `RSC: 1`
    // at the origin too: nothing to show.
    let has_variant = rsc
        .last()
        .is_some_and(|r| r.is_rsc_payload() || r.status != Some(200));
    if has_variant {
        probes.extend(rsc);
    }
    probes
}

async fn probe_variant(settings: &ProbeSettings, layer: &Layer, rsc: bool) -> LayerProbe {
    let mut result = LayerProbe {
        layer: layer.kind,
        label: layer.kind.label(),
        url: layer.url.to_string(),
        status: None,
        redirect: None,
        cache: None,
        fingerprint: None,
        kind: None,
        ttfb_ms: None,
        total_ms: None,
        error: None,
        headers: Vec::new(),
    };
    let started = Instant::now();
    let mut request = settings.client.get(layer.url.clone());
    if rsc {
        request = request.header(RSC_HEADER, "1");
    }
    let mut response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            result.error = Some(failure_words(&e));
            result.total_ms = Some(elapsed_ms(started));
            return result;
        }
    };
    result.ttfb_ms = Some(elapsed_ms(started));
    result.status = Some(response.status().as_u16());
    let headers = HeaderList::from_map(response.headers());
    result.redirect = response
        .status()
        .is_redirection()
        .then(|| headers.first("location").unwrap_or("nowhere").to_string());
    result.cache = Some(cache_headers::interpret(&headers, settings.cdn));
    result.headers = evidence_headers(&headers);
    match http::read_capped(&mut response, PAGE_BODY_CAP).await {
        Ok((body, truncated)) => {
            let marker = settings.marker.as_deref();
            result.fingerprint = Some(Fingerprint::of(&headers, &body, truncated, marker));
            let status = result.status.unwrap_or(0);
            result.kind = Some(PageKind::of(status, &headers, is_next_error_page(&body)));
        }
        // Headers came, the body did not: no page to compare, a failed layer.
        Err(e) => result.error = Some(failure_words(&e)),
    }
    result.total_ms = Some(elapsed_ms(started));
    result
}

fn evidence_headers(headers: &HeaderList) -> Vec<(String, String)> {
    headers
        .pairs()
        .iter()
        .filter(|(n, _)| EVIDENCE_HEADERS.contains(&n.as_str()))
        .cloned()
        .collect()
}

fn failure_words(error: &reqwest::Error) -> String {
    let outcome = crate::wire::revalidation::transport_failure(error, &Redactor::default());
    match outcome.message {
        Some(detail) => format!("{} ({detail})", outcome.explanation),
        None => outcome.explanation,
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_url_keeps_a_base_path_and_adds_a_missing_slash() {
        let base = Url::parse("https://x.com/docs/").unwrap();
        assert_eq!(page_url(&base, "/a/b").as_str(), "https://x.com/docs/a/b");
        let root = Url::parse("https://x.com").unwrap();
        assert_eq!(page_url(&root, "blog/x").as_str(), "https://x.com/blog/x");
        assert_eq!(page_url(&root, "/").as_str(), "https://x.com/");
    }

    #[test]
    fn cache_busted_urls_are_unique() {
        let url = Url::parse("https://x.com/a?q=1").unwrap();
        let (a, b) = (cache_busted(&url), cache_busted(&url));
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("https://x.com/a?q=1&nxtPisrctl="));
    }
}
