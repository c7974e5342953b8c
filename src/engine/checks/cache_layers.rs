//! Check 5, cache layers (no side effects): fetch the page through the
//! public URL, from each origin instance and through a cache-busted public
//! URL; report each layer's cache state, age, TTL and fingerprint; then
//! conclude which layer is stale and for how long it may stay so.

use super::{CheckId, Emitter, Finding, Session, Severity};
use crate::model::cache_headers::Ttl;
use crate::model::fingerprint::Fingerprint;
use crate::model::page_kind::PageKind;
use crate::model::text::{duration_words, thousands};
use crate::wire::probe::{self, LayerKind, LayerProbe};
use std::cmp::Ordering;

const CHECK: CheckId = CheckId::CacheLayers;

const REPLICA_FIX: &str = "revalidate on every instance (send the revalidation to each origin's endpoint), or configure a shared cacheHandler in next.config so the instances share one ISR cache";

pub async fn run(ctx: &Session, path: &str, out: &Emitter) {
    let settings = ctx.probe_settings(path);
    let probes = probe::probe_page(&settings, &ctx.site, path).await;
    for finding in findings(&probes) {
        out.emit(finding);
    }
}

/// A page fetched through every layer, and what its cache headers mean:
/// what `probe` prints and the console's `p` shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProbedPage {
    pub path: String,
    pub layers: Vec<LayerProbe>,
    /// The cache-layer conclusions drawn from the layers.
    pub conclusions: Vec<Finding>,
}

impl ProbedPage {
    pub fn new(path: String, layers: Vec<LayerProbe>) -> ProbedPage {
        let conclusions = conclusions(&layers);
        ProbedPage {
            path,
            layers,
            conclusions,
        }
    }

    /// The worst of each layer's finding and the conclusions.
    pub fn worst(&self) -> Severity {
        let layers = self.layers.iter().map(|l| layer_finding(l).severity);
        let concluded = self.conclusions.iter().map(|f| f.severity);
        layers.chain(concluded).max().unwrap_or(Severity::Ok)
    }

    /// The age of the copy visitors get (the public layer's `Age`).
    pub fn public_age(&self) -> Option<u64> {
        self.layers
            .iter()
            .find(|l| l.layer == LayerKind::Public)
            .and_then(|l| l.cache.as_ref())
            .and_then(|c| c.age)
    }
}

/// One finding per layer, then the conclusions.
pub fn findings(probes: &[LayerProbe]) -> Vec<Finding> {
    let mut out: Vec<Finding> = probes.iter().map(layer_finding).collect();
    out.extend(conclusions(probes));
    out
}

/// What one layer's fetch shows, as a finding.
pub fn layer_finding(p: &LayerProbe) -> Finding {
    let (severity, fix) = match p.status {
        None => (Severity::Problem, Some("see the reachability check")),
        Some(_) if p.error.is_some() => (
            Severity::Problem,
            Some(
                "the layer sent headers, then failed the body: check its logs, timeouts and any proxy in between",
            ),
        ),
        Some(300..=399) => (
            Severity::Warning,
            Some("point the URL at the final address; redirects are not followed"),
        ),
        Some(404) => (
            Severity::Problem,
            Some(
                "the page does not exist at this layer: check the path (basePath, locale, trailing slash)",
            ),
        ),
        Some(s) if s >= 400 => (
            Severity::Problem,
            Some("this layer answers an error: read its logs"),
        ),
        _ => (Severity::Ok, None),
    };
    let mut f = Finding::new(CHECK, severity, format!("{}: {}", p.label, p.summary()))
        .evidence(p.url.clone());
    if let Some(fp) = &p.fingerprint {
        f = f.evidence(fp.summary());
    }
    f = f.evidence_all(p.headers.iter().map(|(n, v)| format!("{n}: {v}")));
    if let Some(c) = &p.cache {
        f = f.evidence_all(c.notes.iter().cloned());
    }
    match fix {
        Some(fix) => f.fix(fix),
        None => f,
    }
}

/// A layer that answered with a page, and that page's fingerprint.
#[derive(Clone, Copy)]
struct Page<'a> {
    probe: &'a LayerProbe,
    fp: &'a Fingerprint,
}

impl<'a> Page<'a> {
    fn of(probe: &'a LayerProbe) -> Option<Page<'a>> {
        Some(Page {
            probe,
            fp: probe.page()?,
        })
    }
}

/// Which layer is stale, and for how long it may stay so.
pub fn conclusions(probes: &[LayerProbe]) -> Vec<Finding> {
    let mut out = Vec::new();
    if !probes.is_empty() && probes.iter().all(|p| p.status == Some(404)) {
        out.push(
            Finding::new(CHECK, Severity::Problem, "this page does not exist: every layer answers 404")
                .fix("check the path (basePath, locale, trailing slash); a new page needs its route deployed and, with dynamicParams = false, listed by generateStaticParams"),
        );
        return out;
    }
    if let Some((finding, per_request)) = page_kind(probes) {
        out.push(finding);
        if per_request {
            // Every request renders anew: comparing renders says nothing.
            return out;
        }
    }
    let origins: Vec<Page> = probes
        .iter()
        .filter(|p| p.layer.is_origin())
        .filter_map(Page::of)
        .collect();
    let busted = probes.iter().find(|p| p.layer == LayerKind::CacheBusted);
    let public = probes
        .iter()
        .find(|p| p.layer == LayerKind::Public)
        .and_then(Page::of);
    if let Some(b) = busted {
        out.extend(ignored_query(b));
    }
    let reference = if origins.len() > 1 {
        let (finding, freshest) = replicas(&origins);
        out.push(finding);
        freshest
    } else if let Some(o) = origins.first() {
        Some(*o)
    } else {
        busted.filter(|b| !from_cache(b)).and_then(Page::of)
    };
    match (public, reference) {
        (Some(p), Some(r)) => out.push(cdn_versus_origin(p, r)),
        (Some(_), None) => out.push(
            Finding::new(CHECK, Severity::CouldNotCheck, "no view of the origin: cannot tell whether the public copy is stale")
                .fix("add origins = [\"http://10.0.0.5:3000\"] to the site so isrctl can fetch the page bypassing the CDN"),
        ),
        _ => {}
    }
    out.extend(rsc_copy::conclusions(probes));
    out
}

/// What the page is at the origin (or the cache-busted URL standing for
/// it), when that is not a cached page: a finding, and whether the page
/// is rendered per request (then no comparison of renders means anything).
fn page_kind(probes: &[LayerProbe]) -> Option<(Finding, bool)> {
    let origin_view = |p: &&LayerProbe| p.layer.is_origin() || p.layer == LayerKind::CacheBusted;
    let seen = probes
        .iter()
        .filter(origin_view)
        .find(|p| p.kind.is_some())?;
    let kind = seen.kind?;
    let (meaning, fix) = kind.words()?;
    if kind == PageKind::NotFound || kind == PageKind::Redirect {
        return None; // each layer's own finding says it
    }
    let severity = match kind {
        PageKind::Dynamic | PageKind::NeedsCredentials => Severity::Warning,
        _ => Severity::Problem,
    };
    let finding = Finding::new(CHECK, severity, format!("{}: {meaning}", seen.label))
        .evidence(seen.summary())
        .fix(fix);
    Some((finding, matches!(kind, PageKind::Dynamic | PageKind::Dev)))
}

fn from_cache(p: &LayerProbe) -> bool {
    p.cache
        .as_ref()
        .and_then(|c| c.edge)
        .is_some_and(|e| e.served_from_cache())
}

fn ignored_query(busted: &LayerProbe) -> Option<Finding> {
    from_cache(busted).then(|| {
        Finding::new(CHECK, Severity::Warning, "the CDN ignores the query string: a cache-busted URL was served from its cache")
            .evidence(busted.summary())
            .fix("include the query string in the CDN's cache key, or configure origins so isrctl can bypass the CDN")
    })
}

/// Compare origin instances; returns the finding and the freshest instance.
fn replicas<'a>(origins: &[Page<'a>]) -> (Finding, Option<Page<'a>>) {
    let groups = group(origins);
    if groups.len() == 1 {
        let f = Finding::new(
            CHECK,
            Severity::Ok,
            format!("the {} origin instances serve the same page", origins.len()),
        );
        return (f, origins.first().copied());
    }
    let evidence: Vec<String> = origins
        .iter()
        .map(|o| format!("{}: {}", o.probe.label, o.fp.summary()))
        .collect();
    let Some(fresh) = freshest_group(&groups) else {
        let f = Finding::new(
            CHECK,
            Severity::Problem,
            "origin instances disagree: the ISR cache is per instance",
        )
        .evidence_all(evidence)
        .fix(REPLICA_FIX);
        return (f, None);
    };
    let stale: Vec<String> = groups
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != fresh)
        .flat_map(|(_, g)| g.iter().map(|o| o.probe.label.clone()))
        .collect();
    let title = format!(
        "{} still serve{} the old page: the ISR cache is per instance",
        stale.join(", "),
        if stale.len() == 1 { "s" } else { "" }
    );
    let f = Finding::new(CHECK, Severity::Problem, title)
        .evidence_all(evidence)
        .fix(REPLICA_FIX);
    (f, groups[fresh].first().copied())
}

/// Instances grouped by the render they serve, in first-seen order.
fn group<'a>(origins: &[Page<'a>]) -> Vec<Vec<Page<'a>>> {
    let mut groups: Vec<Vec<Page>> = Vec::new();
    for o in origins {
        match groups.iter_mut().find(|g| g[0].fp.same_render(o.fp)) {
            Some(g) => g.push(*o),
            None => groups.push(vec![*o]),
        }
    }
    groups
}

/// The group serving the newest render: by marker when the markers can be
/// ordered (render times, versions), else the strict majority.
fn freshest_group(groups: &[Vec<Page>]) -> Option<usize> {
    let markers: Option<Vec<&str>> = groups.iter().map(|g| g[0].fp.marker.as_deref()).collect();
    if let Some(markers) = markers {
        let mut best = 0;
        for i in 1..markers.len() {
            if natural_cmp(markers[i], markers[best])? == Ordering::Greater {
                best = i;
            }
        }
        return Some(best);
    }
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let max = *sizes.iter().max()?;
    let leaders: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i] == max).collect();
    (leaders.len() == 1).then(|| leaders[0])
}

/// Compare two markers number by number up to their first difference
/// ("1-1767…" vs "0-1767…", ISO times, versions). What follows that
/// difference may differ in shape: a render time followed by a random
/// nonce (`2026-01-02T10:00:00.123Z k3j4h5g6`, as the testbed and many
/// apps write it) is ordered by its time. `None` when the first difference
/// is between words or between a word and a number, or the shapes differ
/// before any difference.
pub fn natural_cmp(a: &str, b: &str) -> Option<Ordering> {
    let (ta, tb) = (tokens(a), tokens(b));
    for (x, y) in ta.iter().zip(&tb) {
        let (xd, yd) = (
            x.bytes().all(|c| c.is_ascii_digit()),
            y.bytes().all(|c| c.is_ascii_digit()),
        );
        if xd != yd || (!xd && x != y) {
            return None;
        }
        if xd {
            let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            let order = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
            if order != Ordering::Equal {
                return Some(order);
            }
        }
    }
    (ta.len() == tb.len()).then_some(Ordering::Equal)
}

fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    for i in 1..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit() {
            out.push(&s[start..i]);
            start = i;
        }
    }
    out
}

/// The CDN's TTL: the most specific source seen at either end (CDNs strip
/// Surrogate-Control and CDN-Cache-Control before the client).
fn cdn_ttl<'a>(public: &'a LayerProbe, origin: &'a LayerProbe) -> Option<&'a Ttl> {
    let seen = [public, origin]
        .into_iter()
        .filter_map(|p| p.cache.as_ref()?.ttl.as_ref());
    seen.min_by_key(|t| t.source)
}

fn cdn_versus_origin(public: Page, origin: Page) -> Finding {
    let (pf, of) = (public.fp, origin.fp);
    let (public, origin) = (public.probe, origin.probe);
    let reference = match origin.layer {
        LayerKind::CacheBusted => "the origin (seen through a cache-busted URL)".to_string(),
        _ => origin.label.clone(),
    };
    let age = public.cache.as_ref().and_then(|c| c.age);
    let ttl = cdn_ttl(public, origin);
    let evidence = vec![
        format!("{}: {}", public.label, pf.summary()),
        format!("{}: {}", origin.label, of.summary()),
        format!("compared by {}", pf.basis(of)),
    ];
    if pf.same_render(of) {
        let title = match (age, ttl) {
            (Some(a), Some(t)) => format!(
                "the CDN serves the same page as {reference} (copy {} old; it may keep a copy up to {}: {})",
                duration_words(a),
                duration_words(t.seconds),
                t.directive
            ),
            _ => format!("the public URL serves the same page as {reference}"),
        };
        return Finding::new(CHECK, Severity::Ok, title).evidence_all(evidence);
    }
    if no_cdn_shows(public, origin) {
        return Finding::new(CHECK, Severity::Problem, "two requests to this URL got two different pages and no CDN shows in the headers: several Next.js instances, each with its own ISR cache, probably answer it in turn (or the page is rendered per request)")
            .evidence_all(evidence)
            .fix("list the instances as the site's origins (origins = [\"http://10.0.0.1:3000\", …]) so isrctl reads and revalidates each, or configure a shared cacheHandler in next.config; there is no CDN copy to purge");
    }
    let title = stale_title(public, age, ttl);
    let remaining = match (ttl, age) {
        (Some(t), Some(a)) => Some(t.seconds.saturating_sub(a)),
        _ => None,
    };
    Finding::new(CHECK, Severity::Problem, title)
        .remaining_s(remaining)
        .evidence_all(evidence)
        .fix(format!("purge {} at the CDN (it does not hear about Next.js revalidations), or lower the CDN's TTL for HTML (s-maxage / CDN-Cache-Control) so revalidations reach visitors sooner", public.url))
}

/// Compared with a cache-busted request to the same URL, and nothing says a
/// CDN is there: no cache status, no Age, no CDN named in the config or
/// seen in the headers. Blaming a CDN would send the operator to purge one
/// that does not exist.
fn no_cdn_shows(public: &LayerProbe, origin: &LayerProbe) -> bool {
    let cache = public.cache.as_ref();
    matches!(
        origin.layer,
        LayerKind::CacheBusted | LayerKind::CacheBustedRsc
    ) && cache.is_none_or(|c| c.cdn.is_none() && c.edge.is_none() && c.age.is_none())
}

fn stale_title(public: &LayerProbe, age: Option<u64>, ttl: Option<&Ttl>) -> String {
    if public.cache.as_ref().and_then(|c| c.edge).is_none() && age.is_none() {
        return "the public URL serves a different page than the origin, and no cache header says why".into();
    }
    let old = age
        .map(|a| format!("a copy {} old", duration_words(a)))
        .unwrap_or_else(|| "an older copy".into());
    match (ttl, age) {
        // Words first; the exact age after them for whoever checks the sum.
        (Some(t), Some(a)) if t.seconds > a => format!(
            "the CDN serves {old} and may keep it {} (age {} s of {})",
            crate::model::text::more_until(t.seconds - a, jiff::Timestamp::now()),
            thousands(a),
            t.directive
        ),
        (Some(t), Some(_)) => format!(
            "the CDN serves {old}, past its TTL ({}): it should fetch anew soon",
            t.directive
        ),
        // nginx's proxy_cache sends no Age: how old the copy is cannot be
        // read, and the cache keeps it as long as its own settings say.
        (Some(t), None) => format!(
            "the CDN serves an older copy; it sends no Age, so its age is unknown: it may keep it up to {} s ({}), or as long as its own settings say (nginx: proxy_cache_valid)",
            thousands(t.seconds),
            t.directive
        ),
        (None, _) => format!("the CDN serves {old} than the origin (no TTL header seen)"),
    }
}

mod rsc_copy;

#[cfg(test)]
mod tests;
