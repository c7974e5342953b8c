//! Check 5, cache layers (no side effects): fetch the page through the
//! public URL, from each origin instance and through a cache-busted public
//! URL; report each layer's cache state, age, TTL and fingerprint; then
//! conclude which layer is stale and for how long it may stay so.

use super::{CheckId, Emitter, Finding, Session, Severity};
use crate::model::config::CacheTopology;
use crate::model::judgement::{Judgement, judge};
use crate::model::observation::{LayerKind, Observation};
use crate::model::page_kind::PageKind;
use crate::wire::probe;

const CHECK: CheckId = CheckId::CacheLayers;

pub async fn run(ctx: &Session, path: &str, out: &Emitter) {
    let settings = ctx.probe_settings(path);
    let probes = probe::probe_page(&settings, &ctx.site, path).await;
    for finding in findings(&probes, ctx.site.cache) {
        out.emit(finding);
    }
}

/// A page fetched through every layer, and what its cache headers mean:
/// what `probe` prints and the console's `p` shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProbedPage {
    pub path: String,
    /// Every read, in the order taken (a layer read again appears again).
    pub layers: Vec<Observation>,
    /// What the reads say (`model::judgement`).
    pub judgement: Judgement,
    /// The judgement in words, and the notes beside it.
    pub conclusions: Vec<Finding>,
}

impl ProbedPage {
    pub fn new(path: String, layers: Vec<Observation>, topology: CacheTopology) -> ProbedPage {
        let (judgement, conclusions) = conclusions(&layers, topology);
        ProbedPage {
            path,
            layers,
            judgement,
            conclusions,
        }
    }

    /// The worst of each layer's finding and the conclusions.
    pub fn worst(&self) -> Severity {
        let layers = self.layers.iter().map(|l| layer_finding(l).severity);
        let concluded = self.conclusions.iter().map(|f| f.severity);
        layers.chain(concluded).max().unwrap_or(Severity::Ok)
    }

    /// The title of the conclusion that set the worst severity, if one did.
    pub fn worst_said(&self) -> Option<&str> {
        let worst = self.worst();
        self.conclusions
            .iter()
            .find(|f| f.severity == worst)
            .map(|f| f.title.as_str())
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
pub fn findings(probes: &[Observation], topology: CacheTopology) -> Vec<Finding> {
    let mut out: Vec<Finding> = probes.iter().map(layer_finding).collect();
    out.extend(conclusions(probes, topology).1);
    out
}

/// What one layer's fetch shows, as a finding. A redirect or a 404 is
/// not a problem of the layer by itself: the judgement says what it means
/// (a deleted page, a cached 404, a redirect loop).
pub fn layer_finding(p: &Observation) -> Finding {
    let (severity, fix) = match p.status {
        None => (Severity::Problem, Some("see the reachability check")),
        Some(_) if p.error.is_some() => (
            Severity::Problem,
            Some(
                "the layer sent headers, then failed the body: check its logs, timeouts and any proxy in between",
            ),
        ),
        Some(300..=399 | 404 | 410) => (Severity::Ok, None),
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

/// The judgement of the layers (`model::judgement`) in words: what the
/// origins serve, whether the public URL serves it, and the notes beside
/// them (what the page is, a CDN that ignores the query, the RSC copy).
pub fn conclusions(probes: &[Observation], topology: CacheTopology) -> (Judgement, Vec<Finding>) {
    let judgement = judge(probes, topology);
    let mut out = Vec::new();
    let kind = page_kind(probes);
    let kind_said = kind.is_some();
    out.extend(kind);
    out.extend(judged::origins(
        &judgement.origins,
        probes,
        (kind_said, topology),
    ));
    out.extend(judged::public(&judgement, probes));
    if let Some(b) = probes.iter().find(|p| p.layer == LayerKind::CacheBusted) {
        out.extend(ignored_query(b));
    }
    out.extend(rsc_copy::conclusions(probes));
    (judgement, out)
}

/// What the page is at the origin (or the cache-busted URL standing for
/// it), when that is not a cached page (dynamic, `next dev`, an error
/// page, a page behind credentials). Redirects and 404s are the
/// judgement's to say.
fn page_kind(probes: &[Observation]) -> Option<Finding> {
    let origin_view = |p: &&Observation| p.layer.is_origin() || p.layer == LayerKind::CacheBusted;
    let seen = probes
        .iter()
        .filter(origin_view)
        .find(|p| p.kind.is_some())?;
    let kind = seen.kind?;
    let (meaning, fix) = kind.words()?;
    if kind == PageKind::NotFound || kind == PageKind::Redirect {
        return None;
    }
    let severity = match kind {
        PageKind::Dynamic | PageKind::NeedsCredentials => Severity::Warning,
        _ => Severity::Problem,
    };
    Some(
        Finding::new(CHECK, severity, format!("{}: {meaning}", seen.label))
            .evidence(seen.summary())
            .fix(fix),
    )
}

fn ignored_query(busted: &Observation) -> Option<Finding> {
    busted.served_from_cache().then(|| {
        Finding::new(CHECK, Severity::Warning, "the CDN ignores the query string: a cache-busted URL was served from its cache")
            .evidence(busted.summary())
            .fix("include the query string in the CDN's cache key, or configure origins so isrctl can bypass the CDN")
    })
}

/// Compared with a cache-busted request to the same URL, and nothing says a
/// CDN is there: no cache status, no Age, no CDN named in the config or
/// seen in the headers. Blaming a CDN would send the operator to purge one
/// that does not exist.
fn no_cdn_shows(public: &Observation, origin: &Observation) -> bool {
    matches!(
        origin.layer,
        LayerKind::CacheBusted | LayerKind::CacheBustedRsc
    ) && !public.shows_a_cache()
}

mod judged;
mod rsc_copy;

#[cfg(test)]
mod tests;
