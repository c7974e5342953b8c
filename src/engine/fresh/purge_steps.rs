//! `fresh`'s purge: once every origin serves the new page, the watched
//! pages (and the tag, where the CDN purges by tag); when there is no page
//! to wait for, only what the judgement finds stale (`cdn_only`); and why
//! not, when it does not purge.

use super::cdn_only;
use super::{FreshStep, Purging};
use crate::engine::session::Session;
use crate::engine::verify::Watching;
use crate::model::observation::LayerKind;
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
            let softness = softness(purger, watching);
            let items = purge_items(purger, target, watching, &softness);
            let hard = match softness {
                Softness::Hard => false,
                Softness::Soft(why) => {
                    report(FreshStep::PurgeChosen(why));
                    false
                }
                Softness::HardBecause(why) => {
                    report(FreshStep::PurgeChosen(why));
                    true
                }
            };
            let how = (deadline, cancel, hard);
            purge_step_now(session, purging, &items, how, report).await;
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
    (deadline, cancel, hard): (Duration, &CancellationToken, bool),
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
        hard,
    };
    match purger.purge(items, watch).await {
        Ok(outcomes) => outcomes
            .into_iter()
            .for_each(|o| report(FreshStep::Purged(o))),
        Err(why) => report(FreshStep::PurgeSkipped(why.to_string())),
    }
}

/// How the purge goes: as the provider is set (hard), softly (each
/// origin's new page carries a validator), or hard for a soft provider.
enum Softness {
    Hard,
    Soft(String),
    HardBecause(String),
}

/// A soft purge marks the CDN's copy stale and lets the CDN revalidate
/// it with a conditional request; that works only when the origins'
/// page has a validator (ETag or Last-Modified) to revalidate against.
/// Every origin serves the new page by now (the purge waits for that),
/// so its validator is the new page's.
fn softness(purger: &Purger, watching: &[Watching]) -> Softness {
    let provider = purger.config.provider.as_ref();
    if !provider.purges_softly() {
        return Softness::Hard;
    }
    let origin_reads = watching.iter().flat_map(|w| {
        w.layers
            .iter()
            .filter(|l| !matches!(l.layer, LayerKind::Public | LayerKind::PublicRsc))
            .map(move |l| (w.page(), l))
    });
    let mut origins = 0;
    for (page, layer) in origin_reads {
        origins += 1;
        let validated = layer
            .after
            .as_ref()
            .is_some_and(|f| f.etag.is_some() || f.last_modified.is_some());
        if !validated {
            return Softness::HardBecause(format!(
                "{} purges softly, but {} sends {page} without a validator (ETag or Last-Modified): a copy marked stale could not be revalidated, so the purge drops it (hard)",
                provider.name(),
                layer.label
            ));
        }
    }
    match origins {
        0 => Softness::HardBecause(format!(
            "{} purges softly, but no origin was read: the purge drops the copy (hard)",
            provider.name()
        )),
        _ => Softness::Soft(
            "soft purge: every origin serves the new page with a validator the CDN revalidates against; the first read after it may still be the old copy, the next the new one".into(),
        ),
    }
}

/// The watched pages, and the tag itself where the CDN purges by tag.
/// A tag purged softly covers its pages alone: purging their URLs hard
/// beside it would drop the copies the soft purge keeps to serve while
/// the CDN revalidates them (the read-back and the verification after it
/// still read each page).
fn purge_items(
    purger: &Purger,
    target: &Target,
    watching: &[Watching],
    softness: &Softness,
) -> Vec<PurgeItem> {
    let tag_purge = target.kind == TargetKind::Tag && purger.config.provider.purges_tags();
    if tag_purge && matches!(softness, Softness::Soft(_)) {
        return vec![PurgeItem::Tag(target.value.clone())];
    }
    let mut items: Vec<PurgeItem> = watching
        .iter()
        .map(|w| PurgeItem::Path(w.page().to_string()))
        .collect();
    if tag_purge {
        items.push(PurgeItem::Tag(target.value.clone()));
    }
    items
}
