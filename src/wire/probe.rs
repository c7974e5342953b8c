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

use crate::model::cache_headers::{self, CacheState, Cdn, HeaderList};
use crate::model::config::Site;
use crate::model::fingerprint::Fingerprint;
use crate::model::judgement::{Judgement, Origins, Public, judge};
use crate::model::observation::{LayerKind, Observation};
use crate::model::page_kind::{PageKind, is_next_error_page};
use crate::model::paths::page_url;
use crate::model::redact::Redactor;
use crate::model::trouble::{CLIENT_FIX, Trouble};
use crate::wire::http::{self, PAGE_BODY_CAP};
use regex::Regex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use url::Url;

pub use crate::model::observation::CACHE_BUST_PARAM;
use crate::model::observation::without_cache_bust;

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
    "netlify-cdn-cache-control",
    "netlify-vary",
    "x-nf-request-id",
    "x-opennext-cache",
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

#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub kind: LayerKind,
    pub url: Url,
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

/// Read the layers one after another, origins first, then the
/// cache-busted URL, then the public URL; results in the layers' order.
///
/// One after another because two reads of a cold page at once make two
/// renders (two instances on one shared cache handler each render and
/// store); origins first so a page an origin is still rendering (a
/// `STALE` answer) is settled before the CDN fetches it, and the public
/// read of an uncached page stores what the origins serve now — what a
/// visitor's read would store.
pub async fn read_in_turn(settings: &ProbeSettings, layers: &[Layer]) -> Vec<Observation> {
    let mut order: Vec<usize> = (0..layers.len()).collect();
    order.sort_by_key(|&i| match layers[i].kind {
        LayerKind::Origin { .. } => 0,
        LayerKind::CacheBusted => 1,
        _ => 2,
    });
    let mut read: Vec<Option<Observation>> = vec![None; layers.len()];
    for i in order {
        read[i] = Some(probe(settings, &layers[i]).await);
    }
    read.into_iter().flatten().collect()
}

/// GET one layer. Never panics; failures are in `error`.
pub async fn probe(settings: &ProbeSettings, layer: &Layer) -> Observation {
    probe_variant(settings, layer, false).await
}

/// The page's RSC payload at this layer, as a client-side navigation asks
/// for it. `None` when the page has no RSC variant (a Pages Router page
/// answers HTML).
pub async fn probe_rsc(settings: &ProbeSettings, layer: &Layer) -> Option<Observation> {
    let answer = rsc_answer(settings, layer).await;
    (answer.is_rsc_payload() || answer.status != Some(200)).then_some(answer)
}

/// The URL an RSC read asks for: the page's URL with `_rsc` and no value.
///
/// Next.js 16 answers `RSC: 1` on a URL without the `_rsc` value it
/// expects for the router headers sent with a 307 to that value — a
/// redirect with no `Vary` and no `Cache-Control`, which a cache in front
/// keeps as the object for the page's URL (measured on 16.4.6 behind
/// Varnish: the next visitor was sent back to the origin). With `RSC: 1`
/// and no router-state headers the value it expects is empty: `?_rsc`
/// answers 200 `text/x-component` at once, so no 307 is ever made.
pub fn rsc_url(page: &Url) -> Url {
    let mut url = page.clone();
    url.query_pairs_mut().append_key_only("_rsc");
    url
}

/// The answer to `RSC: 1` at this layer, whatever it is (an HTML answer
/// through a CDN is a finding: the CDN keys the page without the header).
pub async fn rsc_answer(settings: &ProbeSettings, layer: &Layer) -> Observation {
    let layer = Layer {
        kind: layer.kind.rsc(),
        url: rsc_url(&layer.url),
    };
    let first = probe_variant(settings, &layer, true).await;
    // Another Next.js version may expect another value: its 307 is to the
    // page itself, keyed apart from anything a visitor asks for (`_rsc`
    // with no value), and is followed once.
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
fn rsc_redirect(page: &Url, answer: &Observation) -> Option<Url> {
    let location = answer.redirect.as_deref()?;
    let to = page.join(location).ok()?;
    let same_page = to.origin() == page.origin() && to.path() == page.path();
    let asks_rsc = to.query_pairs().any(|(k, _)| k == "_rsc");
    let busted = |u: &Url| u.query_pairs().any(|(k, _)| k == CACHE_BUST_PARAM);
    let to = match busted(page) && !busted(&to) {
        true => cache_busted(&to),
        false => to,
    };
    (same_page && asks_rsc && to != *page).then_some(to)
}

/// How often an origin answering `STALE` is read again, and the first
/// pause, doubled each time (50, 100, 200 ms): Next.js renders behind a
/// STALE answer and stores the render.
const SETTLE_READS: usize = 4;
const SETTLE_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// Every layer of a page (see [`site_layers`]), read in turn (see
/// [`read_in_turn`]); an origin answering `STALE` read again until it
/// serves its new render; an origin read once more when the reads
/// disagree or it answered MISS (a render per request, or a cache that
/// keeps nothing, shows then); then the page's RSC
/// payload at the first origin (or the cache-busted URL) and through the
/// public URL.
pub async fn probe_page(settings: &ProbeSettings, site: &Site, path: &str) -> Vec<Observation> {
    let layers = site_layers(site, path);
    let mut probes = read_in_turn(settings, &layers).await;
    // The origin views: each origin, or without any the cache-busted URL.
    let mut origins: Vec<&Layer> = layers.iter().filter(|l| l.kind.is_origin()).collect();
    if origins.is_empty() {
        origins.extend(layers.iter().find(|l| l.kind == LayerKind::CacheBusted));
    }
    settle(settings, &origins, &mut probes).await;
    let disagree = !matches!(
        judge(&probes, site.cache),
        Judgement {
            origins: Origins::Serve | Origins::Missing | Origins::Unseen,
            cdn: Public::Same | Public::Undecided | Public::NoAnswer,
        }
    );
    for layer in &origins {
        // After a MISS the next read is a HIT, unless the cache keeps
        // nothing: only a second read tells.
        let missed = latest_state(&probes, layer.kind) == Some(CacheState::Miss);
        if disagree || missed {
            probes.push(read_again(settings, layer).await);
        }
    }
    let reference = origins.first().copied();
    let public = layers.iter().find(|l| l.kind == LayerKind::Public);
    let mut rsc = Vec::new();
    for layer in reference.into_iter().chain(public) {
        rsc.push(rsc_answer(settings, layer).await);
    }
    // A page without an RSC variant (Pages Router) answers HTML to `RSC: 1`
    // at the origin too: nothing to show.
    let has_variant = rsc
        .first()
        .is_some_and(|r| r.is_rsc_payload() || r.status != Some(200));
    if has_variant {
        probes.extend(rsc);
    }
    probes
}

/// The `x-nextjs-cache` state of a layer's latest read.
fn latest_state(probes: &[Observation], layer: LayerKind) -> Option<CacheState> {
    let latest = probes.iter().rev().find(|p| p.layer == layer)?;
    latest.nextjs()
}

/// A layer read once more, labelled so (a cache-busted URL with a new
/// unique value, so it is not a hit of the first).
async fn read_again(settings: &ProbeSettings, layer: &Layer) -> Observation {
    let layer = match layer.kind {
        LayerKind::CacheBusted => Layer {
            kind: layer.kind,
            url: cache_busted(&without_cache_bust(&layer.url)),
        },
        _ => layer.clone(),
    };
    let mut again = probe(settings, &layer).await;
    again.label = format!("{}, read again", again.label);
    again
}

/// Read again each origin whose latest answer is `STALE`, a few times.
async fn settle(settings: &ProbeSettings, origins: &[&Layer], probes: &mut Vec<Observation>) {
    for layer in origins {
        let mut pause = SETTLE_PAUSE;
        for _ in 1..SETTLE_READS {
            if latest_state(probes, layer.kind) != Some(CacheState::Stale) {
                break;
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
            probes.push(read_again(settings, layer).await);
        }
    }
}

async fn probe_variant(settings: &ProbeSettings, layer: &Layer, rsc: bool) -> Observation {
    let mut result = Observation {
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
