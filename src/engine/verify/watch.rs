//! Watching a page's layers change: the "before" fingerprint (taken at the
//! origins, never through the CDN), then polling with backoff until each
//! origin shows it re-rendered the page and the public layer serves what
//! the origins serve, until a layer settles, or the deadline passes.

use super::{LayerFreshness, SAMPLES};
use crate::engine::session::Session;
use crate::model::cache_headers::CacheState;
use crate::model::config::Site;
use crate::model::fingerprint::Fingerprint;
use crate::model::observation::{LayerKind, Observation};
use crate::model::page_kind::PageKind;
use crate::model::target::TargetKind;
use crate::wire::probe::{self, Layer, ProbeSettings};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A page and its layers as they were before the revalidation.
pub(crate) struct Watch {
    pub(crate) settings: ProbeSettings,
    pub(crate) page: String,
    pub(crate) layers: Vec<Layer>,
    pub(crate) before: Vec<LayerFreshness>,
}

/// Layers to watch: public and each origin, or public and a cache-busted
/// public URL (the origin's view) when no origins are configured.
fn watch_layers(site: &Site, page: &str) -> Vec<Layer> {
    let has_origins = !site.origins.is_empty();
    probe::site_layers(site, page)
        .into_iter()
        .filter(|l| !(has_origins && l.kind == LayerKind::CacheBusted))
        .collect()
}

/// Fingerprint every page before the revalidation, all at once: at the
/// origins (or a cache-busted URL), never through the CDN. A GET through a
/// CDN that holds no copy makes it cache the page it gets; fetched before
/// the revalidation, that is the old page, kept for the CDN's whole TTL:
/// the verification would create the staleness it looks for. The public
/// layer is first read once an origin serves the new page.
pub async fn fingerprint(session: &Session, pages: &[String]) -> Vec<Watch> {
    let watches = pages.iter().map(|page| async move {
        let settings = session.probe_settings(page);
        let layers = watch_layers(&session.site, page);
        let behind_cdn: Vec<Layer> = layers
            .iter()
            .filter(|l| l.kind != LayerKind::Public)
            .cloned()
            .collect();
        let probes = probe::read_in_turn(&settings, &behind_cdn).await;
        let old_page = probes.iter().find_map(Observation::page).cloned();
        let mut probes = probes.iter();
        let before = layers
            .iter()
            .map(|l| match l.kind {
                LayerKind::Public => unread_public(l, old_page.clone()),
                _ => probes
                    .next()
                    .map_or_else(|| unread_public(l, None), initial),
            })
            .collect();
        Watch {
            settings,
            page: page.clone(),
            layers,
            before,
        }
    });
    futures::future::join_all(watches).await
}

/// Which layers a round of polling may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Verify: the origins, and the public URL once an origin serves the
    /// new page.
    PublicAfterAnOrigin,
    /// `fresh`, before the purge: the origins only.
    OriginsOnly,
    /// `fresh`, after the purge: every layer still pending.
    Everything,
}

/// A watch in progress: the page's layers as last seen, and the clock.
pub(crate) struct Watching {
    pub(crate) watch: Watch,
    pub(crate) layers: Vec<LayerFreshness>,
    /// The public RSC variant, once read (see `rsc`).
    pub(crate) rsc: Option<LayerFreshness>,
    /// `fresh` found the CDN serving something else than the origins.
    pub(crate) cdn_was_stale: bool,
    pub(crate) started: Instant,
    /// An origin's RSC payload, read once the origins serve the new page:
    /// `fresh` compares the CDN with it before its purge and after.
    pub(crate) origin_rsc: tokio::sync::OnceCell<Option<Fingerprint>>,
    /// Where the revalidation went: what the origins' answers say of
    /// their caches depends on it (see `topology`).
    pub(crate) sent_to: super::SentTo,
}

impl Watching {
    pub(crate) fn start(watch: Watch) -> Watching {
        let layers = watch.before.clone();
        Watching {
            watch,
            layers,
            rsc: None,
            cdn_was_stale: false,
            started: Instant::now(),
            origin_rsc: tokio::sync::OnceCell::new(),
            sent_to: super::SentTo::Endpoint,
        }
    }

    /// The endpoint answered after rendering the page on every origin.
    pub(crate) fn rendered_by_endpoint(&mut self) {
        for l in self.layers.iter_mut().filter(|l| l.layer.is_origin()) {
            l.rendered_by_endpoint = true;
        }
    }

    /// Whether every origin (or the cache-busted view) re-rendered the page.
    pub(crate) fn origins_fresh(&self) -> bool {
        let mut origins = self
            .layers
            .iter()
            .filter(|l| l.layer != LayerKind::Public)
            .peekable();
        origins.peek().is_some() && origins.all(|l| l.fresh_after_ms.is_some())
    }

    /// The page every origin serves now, when they agree on one (and none
    /// saw the old page come back): what the CDN should serve.
    pub(crate) fn origins_agree(&self) -> Option<Fingerprint> {
        agreed_origin_page(&self.layers)
    }

    /// Why this page is nothing to purge, when an origin says it is not a
    /// cached page (broken, gated, redirected, per request, next dev).
    pub(crate) fn not_a_cached_page(&self) -> Option<String> {
        let origins = self.layers.iter().filter(|l| l.layer != LayerKind::Public);
        origins.into_iter().find_map(|l| {
            let kind = l.kind?;
            let (meaning, _) = kind.words()?;
            Some(format!("{}: {meaning}; nothing to purge", l.label))
        })
    }

    pub(crate) fn page(&self) -> &str {
        &self.watch.page
    }

    /// Poll the layers `gate` allows, with backoff, until none is pending
    /// or `deadline` (counted from the start) passes.
    pub(crate) async fn poll(
        &mut self,
        gate: Gate,
        kind: TargetKind,
        deadline: Duration,
        cancel: &CancellationToken,
    ) {
        let mut pauses = super::pauses();
        loop {
            let reference = reference_pages(&self.layers, gate);
            let pending: Vec<usize> = (0..self.layers.len())
                .filter(|&i| is_pending(&self.layers[i], gate, !reference.is_empty()))
                .collect();
            let left = deadline.saturating_sub(self.started.elapsed());
            if pending.is_empty() || left.is_zero() {
                return;
            }
            let wait = pauses.next().unwrap_or(super::MAX_POLL);
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(wait.min(left)) => {}
            }
            // One after another: two reads of a cold page at once make two
            // renders (two instances on one shared cache each render).
            let mut probes = Vec::with_capacity(pending.len());
            for &i in &pending {
                probes.push(fetch_again(&self.watch.settings, &self.watch.layers[i]).await);
            }
            let at = self.started.elapsed();
            let left = deadline.saturating_sub(at);
            for (&i, p) in pending.iter().zip(&probes) {
                // In the order read: an origin read after another one
                // re-rendered the page is compared with that render.
                let reference = match self.layers[i].layer {
                    LayerKind::Public => reference_pages(&self.layers, gate),
                    _ => renders_since_the_revalidation(&self.layers),
                };
                observe(&mut self.layers[i], p, &reference, kind, at, left);
            }
        }
    }
}

fn initial(p: &Observation) -> LayerFreshness {
    LayerFreshness {
        status: p.status,
        before: p.page().cloned(),
        kind_before: p.kind,
        kind: p.kind,
        redirect: p.redirect.clone(),
        last: Some(p.summary()),
        // An origin's read, or the cache-busted one standing for it.
        cold_before: p.layer != LayerKind::Public && p.nextjs() == Some(CacheState::Miss),
        ..LayerFreshness::unread(p.layer, p.label.clone(), p.url.clone())
    }
}

impl LayerFreshness {
    /// A layer not read yet.
    pub(crate) fn unread(layer: LayerKind, label: String, url: String) -> LayerFreshness {
        LayerFreshness {
            layer,
            label,
            url,
            status: None,
            before: None,
            after: None,
            fresh_after_ms: None,
            regenerated: None,
            alternated: None,
            kind_before: None,
            kind: None,
            polls: 0,
            last: None,
            settled: None,
            fresh_from: None,
            cold_before: false,
            saw_stale: false,
            rendered_by_endpoint: false,
            old_answers: 0,
            cdn_seen: false,
            redirect: None,
        }
    }
}

/// The public layer before the revalidation: not fetched; the page it
/// should stop serving is the origin's old one.
pub(super) fn unread_public(layer: &Layer, old_page: Option<Fingerprint>) -> LayerFreshness {
    LayerFreshness {
        before: old_page,
        ..LayerFreshness::unread(layer.kind, layer.kind.label(), layer.url.to_string())
    }
}

/// What the public layer is judged against: the pages of the origins that
/// re-rendered the page; for `fresh` after its purge, when none did, the
/// pages the origins serve (they may all have served it before this run).
/// Several, because a page that prints its render time differs per
/// instance: the CDN serves one of them.
fn reference_pages(layers: &[LayerFreshness], gate: Gate) -> Vec<Fingerprint> {
    let origins = || {
        layers
            .iter()
            .filter(|l| l.layer != LayerKind::Public && serves_a_page(l))
    };
    let regenerated: Vec<Fingerprint> = origins()
        .filter(|l| l.fresh_after_ms.is_some())
        .filter_map(|l| l.after.clone())
        .collect();
    match gate {
        Gate::Everything if regenerated.is_empty() => origins()
            .filter_map(|l| l.after.clone().or_else(|| l.before.clone()))
            .collect(),
        _ => regenerated,
    }
}

/// What origins rendered since the revalidation (their new pages).
fn renders_since_the_revalidation(layers: &[LayerFreshness]) -> Vec<Fingerprint> {
    layers
        .iter()
        .filter(|l| {
            l.layer.is_origin()
                && l.fresh_after_ms.is_some()
                && l.regenerated.as_deref() != Some(super::SERVES_ANOTHERS_RENDER)
        })
        .filter_map(|l| l.after.clone())
        .collect()
}

/// Not broken, gated or redirected at its last answer.
fn serves_a_page(l: &LayerFreshness) -> bool {
    l.kind
        .is_none_or(|k| k.is_cacheable_page() || k == PageKind::Soft404)
}

/// The page every origin serves now, when they all serve the same one.
fn agreed_origin_page(layers: &[LayerFreshness]) -> Option<Fingerprint> {
    let origins = layers.iter().filter(|l| l.layer != LayerKind::Public);
    if !origins.clone().all(serves_a_page) {
        return None;
    }
    let mut pages = layers
        .iter()
        .filter(|l| l.layer != LayerKind::Public)
        .map(|l| {
            l.alternated
                .is_none()
                .then(|| l.after.as_ref().or(l.before.as_ref()))
                .flatten()
        });
    let first = pages.next()??.clone();
    pages
        .all(|p| p.is_some_and(|p| p.same_render(&first)))
        .then_some(first)
}

/// Still worth fetching: a page to compare (or a 404 that may yet become
/// one), not fresh, not settled; the public layer only once an origin
/// serves the new page. The cache-busted view is sampled a few times even
/// once it serves the new page, to see another instance answer the old one.
pub(super) fn is_pending(l: &LayerFreshness, gate: Gate, reference: bool) -> bool {
    let comparable = l.before.is_some() || l.status == Some(404);
    let readable = match (l.layer == LayerKind::Public, gate) {
        (false, _) => true,
        (true, Gate::OriginsOnly) => false,
        (true, _) => reference,
    };
    // Rendered per request: no revalidation will show in it.
    let per_request = matches!(l.kind_before, Some(PageKind::Dynamic | PageKind::Dev));
    if per_request && l.layer != LayerKind::Public {
        return false;
    }
    let sampling = l.layer == LayerKind::CacheBusted && l.polls < SAMPLES && l.alternated.is_none();
    let open = l.settled.is_none() && (l.fresh_after_ms.is_none() || sampling);
    comparable && readable && open
}

/// A cache-busted layer gets a new unique URL each time.
async fn fetch_again(settings: &ProbeSettings, layer: &Layer) -> Observation {
    let layer = match layer.kind {
        LayerKind::CacheBusted => {
            let mut base = layer.url.clone();
            base.set_query(None);
            Layer {
                kind: layer.kind,
                url: probe::cache_busted(&base),
            }
        }
        _ => layer.clone(),
    };
    probe::probe(settings, &layer).await
}

/// One more fetch of a layer. An origin is fresh once it shows it
/// re-rendered the page, or serves from its cache a page another origin
/// rendered since the revalidation (`reference`: one shared ISR cache, or
/// the same data); the public layer once it serves the reference (what the
/// origins serve now).
pub(super) fn observe(
    l: &mut LayerFreshness,
    p: &Observation,
    reference: &[Fingerprint],
    kind: TargetKind,
    at: Duration,
    left: Duration,
) {
    l.polls += 1;
    l.last = Some(p.summary());
    l.status = p.status;
    l.kind = p.kind.or(l.kind);
    if p.status.is_some() {
        l.redirect = p.redirect.clone();
    }
    let gone = matches!(p.kind, Some(PageKind::Broken | PageKind::NotFound));
    if gone && l.before.is_some() && l.layer != LayerKind::Public {
        l.settled = Some(format!(
            "answers {} after the revalidation; it served the page before",
            p.status.unwrap_or(0)
        ));
        return;
    }
    let Some(now) = p.page() else {
        return; // no page this time: keep trying until the deadline
    };
    if l.layer == LayerKind::Public {
        l.cdn_seen |= p.shows_a_cache();
        if reference.iter().any(|r| now.same_render(r)) {
            l.fresh_after_ms = Some(at.as_millis() as u64);
        } else {
            l.settled = settled(p, kind, (at, left)).filter(|_| kept_twice(l.polls, p));
        }
    } else if l.fresh_after_ms.is_some() {
        return note_alternation(l, now);
    } else {
        let anothers = reference.iter().any(|r| now.same_render(r));
        observe_origin(l, p, (now, anothers), kind, at, left);
    }
    l.after = Some(now.clone());
}

use super::regeneration::{note_alternation, observe_origin};
pub(crate) use super::settled::settled;

/// Whether a CDN's old copy has been read often enough to count as kept:
/// right after a soft purge (or within a stale-while-revalidate window) a
/// cache serves the old copy once more while it fetches the new one
/// behind it, so a single read of the old copy is not yet a copy kept
/// for its TTL. An answer not from a cache needs no second read.
pub(super) fn kept_twice(polls: u32, p: &Observation) -> bool {
    polls >= 2 || !p.served_from_cache()
}
