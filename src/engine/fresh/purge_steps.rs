//! `fresh`'s purge: once every origin serves the new page, the watched
//! pages (and the tag, where the CDN purges by tag); when there is no page
//! to wait for, only what the judgement finds stale (`cdn_only`); and why
//! not, when it does not purge.

use super::cdn_only;
use super::{FreshStep, Purging};
use crate::engine::session::Session;
use crate::engine::verify::Watching;
use crate::model::purge::PurgeItem;
use crate::model::target::{Target, TargetKind};
use crate::wire::purge::{PurgeWatch, Purger};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Purge once the origins are ready (every one serves the new page, and
/// it is a page a cache keeps); otherwise say why not. `readiness` is the
/// reason it is not a cached page, if that is why.
pub(super) async fn purge_step(
    session: &Session,
    purging: Purging<'_>,
    readiness: Result<(), Option<String>>,
    (target, watching): (&Target, &[Watching]),
    (deadline, cancel): (Duration, &CancellationToken),
    report: &(dyn Fn(FreshStep) + Sync),
) {
    match (purging, readiness) {
        (Purging::Using(purger), Ok(())) => {
            let items = purge_items(purger, target, watching);
            purge_step_now(session, purging, &items, (deadline, cancel), report).await;
        }
        (Purging::Using(_), Err(Some(not_a_page))) => {
            // No page to wait for: the CDN may still give what the origins
            // no longer give (a deleted page), which the purge fixes.
            let pages: Vec<String> = watching.iter().map(|w| w.page().to_string()).collect();
            let because = (&pages[..], cdn_only::Because::NotACachedPage);
            let purged =
                cdn_only::purge_stale_copies(session, purging, because, (deadline, cancel), report)
                    .await;
            if !purged {
                report(FreshStep::PurgeSkipped(not_a_page));
            }
        }
        (Purging::Using(_), Err(None)) => report(FreshStep::PurgeSkipped(
            "not every origin serves the new page: purging now would make the CDN fetch and keep the old one again".into(),
        )),
        (Purging::NotConfigured, _) => report(FreshStep::PurgeSkipped(format!(
            "{}: the CDN keeps its copy until its TTL ends",
            crate::engine::plan::no_purge_configured(&session.site)
        ))),
        (Purging::Off, _) => {}
    }
}

/// Purge these items now, reporting each outcome (or why not).
pub(super) async fn purge_step_now(
    session: &Session,
    purging: Purging<'_>,
    items: &[PurgeItem],
    (deadline, cancel): (Duration, &CancellationToken),
    report: &(dyn Fn(FreshStep) + Sync),
) {
    let purger = match purging {
        Purging::Using(purger) => purger,
        Purging::NotConfigured => {
            return report(FreshStep::PurgeSkipped(format!(
                "{}: the CDN keeps its copy until its TTL ends",
                crate::engine::plan::no_purge_configured(&session.site)
            )));
        }
        Purging::Off => return,
    };
    let progress = |text: String| report(FreshStep::Waiting(text));
    let watch = PurgeWatch {
        cancel,
        patience: deadline,
        progress: &progress,
    };
    match purger.purge(items, watch).await {
        Ok(outcomes) => outcomes
            .into_iter()
            .for_each(|o| report(FreshStep::Purged(o))),
        Err(why) => report(FreshStep::PurgeSkipped(why.to_string())),
    }
}

/// The watched pages, and the tag itself where the CDN purges by tag.
fn purge_items(purger: &Purger, target: &Target, watching: &[Watching]) -> Vec<PurgeItem> {
    let mut items: Vec<PurgeItem> = watching
        .iter()
        .map(|w| PurgeItem::Path(w.page().to_string()))
        .collect();
    if target.kind == TargetKind::Tag && purger.config.provider.purges_tags() {
        items.push(PurgeItem::Tag(target.value.clone()));
    }
    items
}
