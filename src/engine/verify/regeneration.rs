//! What shows that an origin re-rendered the page after the revalidation
//! (a MISS, STALE then a new render, new content, the render another origin
//! stored in a shared cache), and what shows several instances behind one
//! URL (the old page again after the new one).

use super::LayerFreshness;
use super::SAMPLES;
use super::settled::settled;
use crate::model::cache_headers::{CacheReport, CacheState};
use crate::model::fingerprint::Fingerprint;
use crate::model::observation::Observation;
use crate::model::target::TargetKind;
use std::time::Duration;

/// An origin's answer before it showed a new render.
pub(super) fn observe_origin(
    l: &mut LayerFreshness,
    p: &Observation,
    (now, anothers): (&Fingerprint, bool),
    kind: TargetKind,
    at: Duration,
    left: Duration,
) {
    let changed = l.before.as_ref().is_none_or(|b| !now.same_render(b));
    match regeneration(p.cache.as_ref(), l, changed, anothers) {
        Some(evidence) => {
            l.fresh_after_ms = Some(at.as_millis() as u64);
            l.fresh_from = p.nextjs();
            l.regenerated = Some(evidence.to_string());
        }
        None => {
            let state = p.nextjs();
            l.saw_stale |= state == Some(CacheState::Stale);
            l.old_answers += 1;
            let enough = l.layer.is_origin() || l.old_answers >= SAMPLES;
            l.settled = settled(p, kind, (at, left)).filter(|_| enough);
        }
    }
}

/// What shows that an origin re-rendered the page for this revalidation.
fn regeneration(
    cache: Option<&CacheReport>,
    l: &LayerFreshness,
    changed: bool,
    anothers: bool,
) -> Option<&'static str> {
    match cache.and_then(|c| c.nextjs) {
        // Not a settled page, even with new content (a data cache refreshed
        // for another page): Next renders again behind it, and that render
        // is the origin's page (seen: the purge's read-back got a newer one).
        Some(CacheState::Stale) => None,
        Some(CacheState::Miss) => Some("x-nextjs-cache MISS: rendered for this request"),
        Some(CacheState::Revalidated) => Some("x-nextjs-cache REVALIDATED"),
        Some(CacheState::Hit) if l.saw_stale => Some("served STALE, then HIT with the new render"),
        Some(CacheState::Hit) if anothers => Some(super::SERVES_ANOTHERS_RENDER),
        _ if changed => Some(super::NEW_CONTENT),
        Some(CacheState::Hit) if l.rendered_by_endpoint => {
            Some("res.revalidate rendered it before answering (Pages Router)")
        }
        _ => None,
    }
}

/// The cache-busted view served the new page, and now the old one again:
/// another instance answered.
pub(super) fn note_alternation(l: &mut LayerFreshness, now: &Fingerprint) {
    let old_again = l.before.as_ref().is_some_and(|b| now.same_render(b));
    let differs = l.after.as_ref().is_some_and(|a| !now.same_render(a));
    if old_again && differs && l.alternated.is_none() {
        l.alternated = Some(format!(
            "after the new page, answer {} served the old one again",
            l.polls
        ));
    }
}
