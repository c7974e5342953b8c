//! The cache topology a verification saw, said in words: what revalidating
//! showed about whether the origins share one ISR cache.
//!
//! Origins are read one after another after the revalidation. After a path
//! revalidation each instance's next request renders the page (MISS) when
//! each keeps its own ISR cache; on a shared cache the first instance read
//! renders and stores it, and the next one answers HIT with that render.
//! So one origin's MISS followed by another's HIT with the new page says
//! "shared"; every origin rendering it itself after the revalidation
//! reached each says "per instance". Either is said, with the config
//! change it implies (`cache = …`, each_origin redundant).

use super::LayerFreshness;
use crate::model::cache_headers::CacheState;
use crate::model::config::CacheTopology;

/// What the origins' answers after the revalidation say of their caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    Shared,
    PerInstance,
}

/// How the revalidation went out: to the endpoint once, or to each origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SentTo {
    Endpoint,
    EachOrigin,
}

fn rendered(l: &LayerFreshness) -> bool {
    matches!(
        l.fresh_from,
        Some(CacheState::Miss | CacheState::Revalidated)
    )
}

/// Served a new page from its cache at its first answer after the
/// revalidation, without having rendered it (no MISS, no STALE first): with
/// the content changed, only a shared cache explains it (with the same
/// content, an instance that was not revalidated looks the same).
fn served_anothers_render(l: &LayerFreshness) -> bool {
    let new_page = match (&l.before, &l.after) {
        (Some(before), Some(after)) => !after.same_render(before),
        _ => false,
    };
    let evidence = l.regenerated.as_deref();
    let from_cache =
        evidence == Some(super::NEW_CONTENT) || evidence == Some(super::SERVES_ANOTHERS_RENDER);
    l.fresh_from == Some(CacheState::Hit) && from_cache && new_page
}

fn seen(origins: &[&LayerFreshness], sent: SentTo) -> Option<Seen> {
    if origins.len() < 2 || origins.iter().any(|l| l.fresh_after_ms.is_none()) {
        return None;
    }
    let renders = origins.iter().filter(|l| rendered(l)).count();
    if renders == 1 && origins.iter().any(|l| served_anothers_render(l)) {
        return Some(Seen::Shared);
    }
    (sent == SentTo::EachOrigin && renders == origins.len()).then_some(Seen::PerInstance)
}

/// The sentence to show, or none when the answers do not tell (or tell
/// what the config already says, with nothing to change).
pub(crate) fn said(
    layers: &[LayerFreshness],
    sent: SentTo,
    config: CacheTopology,
) -> Option<String> {
    let origins: Vec<&LayerFreshness> = layers.iter().filter(|l| l.layer.is_origin()).collect();
    match (seen(&origins, sent)?, config) {
        (Seen::Shared, _) => Some(shared_words(&origins, sent, config)),
        (Seen::PerInstance, CacheTopology::Shared) => Some(
            "each origin rendered the page itself after the revalidation reached it: they keep their own ISR caches, although the config says cache = \"shared\" (is the cacheHandler configured on every instance?)"
                .into(),
        ),
        (Seen::PerInstance, _) => None,
    }
}

fn shared_words(origins: &[&LayerFreshness], sent: SentTo, config: CacheTopology) -> String {
    let renderer = origins
        .iter()
        .find(|l| rendered(l))
        .map_or("one origin", |l| l.label.as_str());
    let served: Vec<&str> = origins
        .iter()
        .filter(|l| served_anothers_render(l))
        .map(|l| l.label.as_str())
        .collect();
    let mut words = format!(
        "the origins share one ISR cache: {} answered HIT with the page {renderer} rendered after the revalidation",
        served.join(" and ")
    );
    words.push_str(match (config, sent) {
        (CacheTopology::PerInstance, _) => {
            "; the config says cache = \"per-instance\": write cache = \"shared\""
        }
        (_, SentTo::EachOrigin) => {
            "; one revalidation reaches every instance, so sending it to each origin (each_origin, --every-origin, fresh) is redundant"
        }
        (CacheTopology::Unknown, SentTo::Endpoint) => {
            " (write cache = \"shared\" in the site's config to say so)"
        }
        (CacheTopology::Shared, SentTo::Endpoint) => "",
    });
    words
}
