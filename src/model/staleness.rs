//! Whether a page is probably stale now, from what its sitemap says it
//! changed (`<lastmod>`), when it was last revalidated, and what each layer
//! serves (the judgement of a probe). What `isrctl stale` lists.
//!
//! | what is known                                                    | reason                      |
//! |------------------------------------------------------------------|-----------------------------|
//! | the judgement: the public URL serves what no origin serves now   | `cdn_serves_old_copy`       |
//! | the judgement: the origins serve different pages                 | `replicas_disagree`         |
//! | an origin's marker is a render time before `<lastmod>`           | `origin_older_than_lastmod` |
//! | the public copy's `Age` puts its birth before `<lastmod>`        | `cdn_older_than_lastmod`    |
//! | `<lastmod>` after the last successful revalidation, and no marker shows a render since | `not_revalidated_since_lastmod` |
//!
//! A page never revalidated through isrctl whose copies cannot be dated
//! (no marker, no `Age`) is *undated*, not stale: nothing says which is
//! newer. Every reason is fixed by `isrctl fresh` (revalidate every origin,
//! wait for the new page, purge, verify).

use crate::model::judgement::{Judgement, Origins, Public, StaleCopy};
use jiff::Timestamp;
use serde::Serialize;

/// Why a page is probably stale, worst first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// The public URL serves what no origin serves now.
    CdnServesOldCopy { copy: StaleCopy },
    /// The origins serve different pages.
    ReplicasDisagree,
    /// An origin's copy was rendered before the page last changed.
    OriginOlderThanLastmod { rendered: Timestamp },
    /// The copy the public URL serves was stored before the page changed.
    CdnOlderThanLastmod { stored: Timestamp },
    /// The page changed after its last successful revalidation (or was
    /// never revalidated through isrctl, and its copy is older).
    NotRevalidatedSinceLastmod { last: Option<Timestamp> },
}

impl Reason {
    /// The reason's name, as in JSON and history (`cdn_serves_old_copy`).
    pub fn name(&self) -> &'static str {
        match self {
            Reason::CdnServesOldCopy { .. } => "cdn_serves_old_copy",
            Reason::ReplicasDisagree => "replicas_disagree",
            Reason::OriginOlderThanLastmod { .. } => "origin_older_than_lastmod",
            Reason::CdnOlderThanLastmod { .. } => "cdn_older_than_lastmod",
            Reason::NotRevalidatedSinceLastmod { .. } => "not_revalidated_since_lastmod",
        }
    }

    /// What was found, in words.
    pub fn words(&self, lastmod: Option<Timestamp>) -> String {
        let changed = lastmod.map(|t| format!(" (lastmod {})", crate::model::text::when(t)));
        let changed = changed.unwrap_or_default();
        match self {
            Reason::CdnServesOldCopy { copy } => format!(
                "the CDN serves {} the origins no longer serve",
                match copy {
                    StaleCopy::OldContent => "an older copy",
                    StaleCopy::OldDeploy => "a page of the previous deploy (its scripts may 404)",
                    StaleCopy::DeletedPageServed => "a deleted page",
                    StaleCopy::CachedNotFound => "a 404",
                    StaleCopy::CachedRedirect => "a redirect",
                    StaleCopy::CachedError => "an error",
                }
            ),
            Reason::ReplicasDisagree => "the origins serve different pages".into(),
            Reason::OriginOlderThanLastmod { rendered } => format!(
                "an origin serves a render from {}, before the page changed{changed}",
                crate::model::text::when(*rendered)
            ),
            Reason::CdnOlderThanLastmod { stored } => format!(
                "the CDN's copy was stored {}, before the page changed{changed}",
                crate::model::text::when(*stored)
            ),
            Reason::NotRevalidatedSinceLastmod { last: Some(last) } => format!(
                "the page changed after its last revalidation ({}){changed}",
                crate::model::text::when(*last)
            ),
            Reason::NotRevalidatedSinceLastmod { last: None } => {
                format!("the page changed and was never revalidated{changed}")
            }
        }
    }
}

/// What is known of one page.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// The sitemap's `<lastmod>`.
    pub lastmod: Option<Timestamp>,
    /// The last successful revalidation of the page (or of a tag it
    /// carries).
    pub revalidated: Option<Timestamp>,
    /// The judgement of a probe of the page, when it was read.
    pub judgement: Option<Judgement>,
    /// When the public copy was stored (the read's time minus its `Age`).
    pub public_stored: Option<Timestamp>,
    /// The oldest render time an origin's marker shows.
    pub origin_rendered: Option<Timestamp>,
}

/// Slack for clocks and whole-second `<lastmod>`s: a copy stored within
/// this of the change is not called older than it.
const CLOCK_SLACK: jiff::SignedDuration = jiff::SignedDuration::from_secs(2);

/// Why the page is probably stale, worst first; empty when nothing says so.
pub fn reasons(known: &Known) -> Vec<Reason> {
    let mut out = Vec::new();
    if let Some(judgement) = &known.judgement {
        if let Public::Stale { copy } = judgement.cdn {
            out.push(Reason::CdnServesOldCopy { copy });
        }
        if matches!(judgement.origins, Origins::ReplicasDiffer { .. }) {
            out.push(Reason::ReplicasDisagree);
        }
    }
    let Some(lastmod) = known.lastmod else {
        return out;
    };
    let before_change = |t: Timestamp| t + CLOCK_SLACK < lastmod;
    let rendered_since = known.origin_rendered.is_some_and(|t| !before_change(t));
    if let Some(rendered) = known.origin_rendered.filter(|t| before_change(*t)) {
        out.push(Reason::OriginOlderThanLastmod { rendered });
    }
    if let Some(stored) = known.public_stored.filter(|t| before_change(*t)) {
        out.push(Reason::CdnOlderThanLastmod { stored });
    }
    let revalidated_since = known.revalidated.is_some_and(|t| !before_change(t));
    // Never revalidated: only a dated copy older than the change says so.
    let dated_older = out.iter().any(|r| {
        matches!(
            r,
            Reason::OriginOlderThanLastmod { .. } | Reason::CdnOlderThanLastmod { .. }
        )
    });
    let not_since = match known.revalidated {
        Some(_) => !revalidated_since,
        None => dated_older,
    };
    if not_since && !rendered_since {
        out.push(Reason::NotRevalidatedSinceLastmod {
            last: known.revalidated,
        });
    }
    out.sort();
    out
}

/// Whether nothing dates the page's copies against its `<lastmod>`.
pub fn undated(known: &Known) -> bool {
    known.lastmod.is_some()
        && known.revalidated.is_none()
        && known.public_stored.is_none()
        && known.origin_rendered.is_none()
}

/// A sitemap `<lastmod>` (W3C datetime: a date, or a date and time with
/// an offset) as an instant; a bare date is its start in UTC.
pub fn parse_lastmod(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let date: jiff::civil::Date = text.get(..10)?.parse().ok()?;
    date.to_datetime(jiff::civil::Time::midnight())
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// A marker that is a render time (`2026-12-07T10:00:00.000Z …`): its
/// first word as an instant.
pub fn marker_time(marker: &str) -> Option<Timestamp> {
    marker.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests;
