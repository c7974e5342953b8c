//! When no revalidation went through (the handler wants a header isrctl
//! cannot send, the secret is refused), the origins may serve the new page
//! already — someone else revalidated, time-based ISR ran — and only the
//! CDN is old. The judgement over a fresh read of each page says so; the
//! purge that fixes it happens, and both facts are said.

use super::{FreshStep, Purging, purge_step_now};
use crate::engine::session::Session;
use crate::model::judgement::{Public, judge};
use crate::model::purge::PurgeItem;
use crate::wire::probe;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Read each page at every layer; purge those whose CDN copy differs from
/// what every origin serves now.
pub(super) async fn purge_stale_copies(
    session: &Session,
    purging: Purging<'_>,
    pages: &[String],
    (deadline, cancel): (Duration, &CancellationToken),
    report: &(dyn Fn(FreshStep) + Sync),
) {
    if matches!(purging, Purging::Off) {
        return;
    }
    let mut stale = Vec::new();
    for page in pages {
        let settings = session.probe_settings(page);
        let reads = probe::probe_page(&settings, &session.site, page).await;
        if matches!(judge(&reads, session.site.cache).cdn, Public::Stale { .. }) {
            stale.push(PurgeItem::Path(page.clone()));
        }
    }
    if stale.is_empty() {
        report(FreshStep::PurgeSkipped(
            "the revalidation did not go through, and the CDN serves what the origins serve now: nothing to purge".into(),
        ));
        return;
    }
    report(FreshStep::Origins(
        "the revalidation did not go through, but the origins already serve a page the CDN does not: purging the CDN's copy".into(),
    ));
    purge_step_now(session, purging, &stale, (deadline, cancel), report).await;
}
