//! Purges that follow from the judgement alone, where `fresh` has no new
//! render to wait for:
//!
//! - no revalidation went through (the handler wants a header isrctl
//!   cannot send, the secret is refused), yet the origins may serve the new
//!   page already — someone else revalidated, time-based ISR ran — and
//!   only the CDN is old;
//! - the page is no page a cache keeps at the origins (deleted: 404; moved:
//!   a redirect), and the CDN still gives the old copy.
//!
//! The judgement over a fresh read of each page decides; the purge that
//! fixes it happens, and both facts are said. A page the origins fail to
//! render (5xx) is never purged: the CDN's copy may be the last working one.

use super::{FreshStep, Purging, purge_step_now};
use crate::engine::session::Session;
use crate::model::judgement::{Judgement, Origins, Public, judge};
use crate::model::purge::PurgeItem;
use crate::wire::probe;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Why `fresh` looks at the CDN without a new render to wait for.
#[derive(Clone, Copy)]
pub(super) enum Because {
    /// No revalidation went through.
    NotRevalidated,
    /// The origins give no cached page (a 404, a redirect).
    NotACachedPage,
}

/// The CDN gives something else than every origin, and purging it is safe.
fn worth_purging(judgement: &Judgement) -> bool {
    let stale = matches!(judgement.cdn, Public::Stale { .. });
    stale && !matches!(judgement.origins, Origins::Error { .. })
}

/// Read each page at every layer; purge those whose CDN copy differs from
/// what every origin gives now. Says nothing when nothing is stale and the
/// page is no cached page (the caller said why already).
pub(super) async fn purge_stale_copies(
    session: &Session,
    purging: Purging<'_>,
    (pages, because): (&[String], Because),
    (deadline, cancel): (Duration, &CancellationToken),
    report: &(dyn Fn(FreshStep) + Sync),
) -> bool {
    if !matches!(purging, Purging::Using(_)) {
        return false;
    }
    let mut stale = Vec::new();
    for page in pages {
        let settings = session.probe_settings(page);
        let reads = probe::probe_page(&settings, &session.site, page).await;
        if worth_purging(&judge(&reads, session.site.cache)) {
            stale.push(PurgeItem::Path(page.clone()));
        }
    }
    let said = match (stale.is_empty(), because) {
        (true, Because::NotRevalidated) => FreshStep::PurgeSkipped(
            "the revalidation did not go through, and the CDN serves what the origins serve now: nothing to purge".into(),
        ),
        (true, Because::NotACachedPage) => return false,
        (false, Because::NotRevalidated) => FreshStep::Origins(
            "the revalidation did not go through, but the origins already serve a page the CDN does not: purging the CDN's copy".into(),
        ),
        (false, Because::NotACachedPage) => FreshStep::Origins(
            "the CDN still gives a copy the origins no longer give (a deleted page, a cached 404 or redirect): purging it".into(),
        ),
    };
    let purge = !stale.is_empty();
    report(said);
    if purge {
        // Nothing was revalidated to wait for: the copy is dropped, not
        // marked stale (a deleted page has no validator to revalidate).
        purge_step_now(session, purging, &stale, (deadline, cancel, true), report).await;
    }
    purge
}
