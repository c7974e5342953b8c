//! Before `fresh` purges: was the CDN serving something else than the
//! origins? When the origins' content did not change in this run (someone
//! else revalidated, time-based ISR ran), that is what tells "the purge
//! fixed a stale CDN" (`fresh_everywhere`) from "nothing was stale and the
//! data did not change" (`regenerated_same_content`).

use super::rsc::public_payload_differs;
use super::watch::Watching;
use crate::model::observation::LayerKind;
use crate::wire::probe;

/// Read the public URL (HTML, then the RSC variant) once, only when the
/// origins agree on a page they already served before this run. Read only
/// now that the origins serve the page: a CDN without a copy caches that
/// one, which is what it should serve.
pub(crate) async fn note_stale_cdn(w: &mut Watching) {
    let Some(agreed) = w.origins_agree() else {
        return;
    };
    let unchanged = w
        .layers
        .iter()
        .filter(|l| l.layer != LayerKind::Public)
        .all(|l| l.before.as_ref().is_some_and(|b| b.same_render(&agreed)));
    let public = w.watch.layers.iter().find(|l| l.kind == LayerKind::Public);
    let (true, Some(public)) = (unchanged, public) else {
        return;
    };
    let answer = probe::probe(&w.watch.settings, public).await;
    let differs = match answer.page() {
        Some(page) => !page.same_render(&agreed),
        // It answered, and not with the page: a kept 404, redirect or error.
        None => answer.status.is_some(),
    };
    w.cdn_was_stale = differs || public_payload_differs(w).await;
}
