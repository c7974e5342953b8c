//! Watching a page's layers change: the "before" fingerprint (taken at the
//! origins, never through the CDN), then polling with backoff until each
//! layer serves the new page, settles, or the deadline passes.

use super::{FIRST_POLL, LayerFreshness, MAX_POLL};
use crate::engine::session::Session;
use crate::model::cache_headers::CacheState;
use crate::model::config::Site;
use crate::model::fingerprint::Fingerprint;
use crate::model::target::TargetKind;
use crate::wire::probe::{self, Layer, LayerKind, LayerProbe, ProbeSettings};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A page and its layers as they were before the revalidation.
pub struct Watch {
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
        let probes = probe::probe_all(&settings, &behind_cdn).await;
        let old_page = probes.iter().find_map(LayerProbe::page).cloned();
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
    pub(crate) started: Instant,
}

impl Watching {
    pub(crate) fn start(watch: Watch) -> Watching {
        let layers = watch.before.clone();
        Watching {
            watch,
            layers,
            started: Instant::now(),
        }
    }

    /// Whether every origin (or the cache-busted view) serves the new page.
    pub(crate) fn origins_fresh(&self) -> bool {
        let mut origins = self
            .layers
            .iter()
            .filter(|l| l.layer != LayerKind::Public)
            .peekable();
        origins.peek().is_some() && origins.all(|l| l.fresh_after_ms.is_some())
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
        let mut wait = FIRST_POLL;
        loop {
            let new_page = new_origin_page(&self.layers);
            let pending: Vec<usize> = (0..self.layers.len())
                .filter(|&i| is_pending(&self.layers[i], gate, new_page.is_some()))
                .collect();
            let left = deadline.saturating_sub(self.started.elapsed());
            if pending.is_empty() || left.is_zero() {
                return;
            }
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(wait.min(left)) => {}
            }
            let fetches = pending
                .iter()
                .map(|&i| fetch_again(&self.watch.settings, &self.watch.layers[i]));
            let probes = futures::future::join_all(fetches).await;
            let at = self.started.elapsed();
            let left = deadline.saturating_sub(at);
            for (&i, p) in pending.iter().zip(&probes) {
                observe(&mut self.layers[i], p, new_page.as_ref(), kind, at, left);
            }
            wait = (wait * 8 / 5).min(MAX_POLL);
        }
    }
}

fn initial(p: &LayerProbe) -> LayerFreshness {
    LayerFreshness {
        layer: p.layer,
        label: p.label.clone(),
        url: p.url.clone(),
        status: p.status,
        before: p.page().cloned(),
        after: None,
        fresh_after_ms: None,
        polls: 0,
        last: Some(p.summary()),
        settled: None,
    }
}

/// The public layer before the revalidation: not fetched; the page it
/// should stop serving is the origin's old one.
pub(super) fn unread_public(layer: &Layer, old_page: Option<Fingerprint>) -> LayerFreshness {
    LayerFreshness {
        layer: layer.kind,
        label: layer.kind.label(),
        url: layer.url.to_string(),
        status: None,
        before: old_page,
        after: None,
        fresh_after_ms: None,
        polls: 0,
        last: None,
        settled: None,
    }
}

/// The new page, once some origin (or the cache-busted view) serves it.
fn new_origin_page(layers: &[LayerFreshness]) -> Option<Fingerprint> {
    layers
        .iter()
        .filter(|l| l.layer != LayerKind::Public && l.fresh_after_ms.is_some())
        .find_map(|l| l.after.clone())
}

/// Still worth fetching: a page to compare (or a 404 that may yet become
/// one), not fresh, not settled; the public layer only once an origin
/// serves the new page.
pub(super) fn is_pending(l: &LayerFreshness, gate: Gate, origin_fresh: bool) -> bool {
    let comparable = l.before.is_some() || l.status == Some(404);
    let readable = match (l.layer == LayerKind::Public, gate) {
        (false, _) => true,
        (true, Gate::PublicAfterAnOrigin) => origin_fresh,
        (true, Gate::OriginsOnly) => false,
        (true, Gate::Everything) => true,
    };
    comparable && readable && l.fresh_after_ms.is_none() && l.settled.is_none()
}

/// A cache-busted layer gets a new unique URL each time.
async fn fetch_again(settings: &ProbeSettings, layer: &Layer) -> LayerProbe {
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

/// One more fetch of a layer. An origin is fresh when its page differs
/// from before (or a page appears where there was a 404); the public layer
/// when it serves the origin's new page.
pub(super) fn observe(
    l: &mut LayerFreshness,
    p: &LayerProbe,
    new_page: Option<&Fingerprint>,
    kind: TargetKind,
    at: Duration,
    left: Duration,
) {
    l.polls += 1;
    l.last = Some(p.summary());
    l.status = p.status;
    let Some(now) = p.page() else {
        return; // no page this time: keep trying until the deadline
    };
    let fresh = match (&l.before, l.layer, new_page) {
        (_, LayerKind::Public, Some(new)) => now.same_render(new),
        (Some(before), _, _) => !now.same_render(before),
        (None, _, _) => true,
    };
    if fresh {
        l.fresh_after_ms = Some(at.as_millis() as u64);
    } else {
        l.settled = settled(p, kind, left);
    }
    l.after = Some(now.clone());
}

/// Why an unchanged layer will not change before the deadline, if it will not.
pub(super) fn settled(p: &LayerProbe, kind: TargetKind, left: Duration) -> Option<String> {
    let cache = p.cache.as_ref()?;
    if cache.edge.is_some_and(CacheState::served_from_cache) {
        let remaining = cache.remaining?;
        let directive = cache
            .ttl
            .as_ref()
            .map(|t| t.directive.as_str())
            .unwrap_or("");
        return (remaining > left.as_secs() as i64).then(|| {
            format!(
                "the CDN keeps its copy {} s more ({directive}), beyond the deadline",
                crate::model::text::thousands(remaining as u64)
            )
        });
    }
    (kind == TargetKind::Path && cache.nextjs == Some(CacheState::Hit)).then(|| {
        "Next.js answered HIT with the old page; after revalidatePath the next request is a MISS, so this path was not revalidated here".to_string()
    })
}
