//! What `fresh` ought to end with in a world, from the world itself: the
//! verdict, and what every layer a visitor reads serves afterwards.
//!
//! `fresh` revalidates every listed origin (the endpoint alone when none is
//! listed: it reaches origin 1), waits for them, purges the CDN, and
//! verifies. So on an ISR page whose endpoint takes the call, every layer
//! ends at the current data; the verdict is `fresh_everywhere` when
//! something was old before (an origin's entry, the CDN's copy, or a cold
//! page with no old copy at all) and `regenerated_same_content` when
//! nothing was. A handler isrctl cannot call revalidates nothing: `fresh`
//! still purges a CDN copy that differs from what every origin serves.

use super::servers::WorldServers;
use super::{Cdn, CdnCopy, EndpointStyle, PageKind, Topology, World};

/// What `fresh` ought to end with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreshTruth {
    /// Revalidated and purged: every layer serves the current data.
    Fresh { verdict: &'static str },
    /// Not a page a cache keeps (deleted, redirected): the verdict says
    /// what it is, and the CDN ends giving what the origins give.
    NotACachedPage { verdict: &'static str },
    /// The revalidation cannot go through: no verdict, and the CDN ends
    /// serving what some origin serves now.
    NotRevalidated,
    /// Rendered per request: the verdict says so, and nothing else holds.
    PerRequest { verdict: &'static str },
}

impl World {
    /// The origins isrctl sees (a visitor's CDN reads origin 1 only).
    pub(super) fn seen_origins(&self) -> usize {
        match self.origins_configured {
            true => self.origin_count(),
            false => 1,
        }
    }

    /// `fresh`'s truth, for the worlds it makes fresh (ISR pages, cold or
    /// cached, on a cache that keeps them); `None` for the others.
    pub fn fresh_truth(&self) -> Option<FreshTruth> {
        let revalidates = self.endpoint != EndpointStyle::NeedsHeader;
        if self.page == PageKind::Dynamic {
            // Renders that differ: nothing to compare a CDN copy with.
            return revalidates.then_some(FreshTruth::PerRequest { verdict: "dynamic" });
        }
        if !revalidates {
            return Some(FreshTruth::NotRevalidated);
        }
        let verdict = match self.page {
            PageKind::Deleted => Some("not_found"),
            PageKind::Redirect | PageKind::SelfRedirect => Some("redirects"),
            PageKind::Soft404 => Some("soft_404"),
            _ => None,
        };
        if let Some(verdict) = verdict {
            return Some(FreshTruth::NotACachedPage { verdict });
        }
        let cached_page = matches!(self.page, PageKind::Isr | PageKind::Cold);
        if !cached_page || self.topology == Topology::SharedDown {
            return None;
        }
        // What a render shows: a lagging CMS is invisible to every read.
        let data = self.rendered();
        let entry = |i: usize| match self.topology {
            Topology::PerInstance => i,
            _ => 0,
        };
        let old_entry = (0..self.seen_origins()).any(|i| self.versions[entry(i)] != data);
        let old_copy = matches!(self.cdn, Cdn::Caching { copy, .. }
            if copy != CdnCopy::None && copy != CdnCopy::Page(data));
        let verdict = match self.page == PageKind::Cold || old_entry || old_copy {
            true => "fresh_everywhere",
            false => "regenerated_same_content",
        };
        Some(FreshTruth::Fresh { verdict })
    }
}

impl WorldServers {
    /// The CMS catches up: renders read its data from now on (what
    /// `--retry-after` waits for).
    pub fn end_lag(&self) {
        let mut inner = self.lock();
        let data = inner.world.data();
        let origins = inner.world.versions.len();
        inner.world.versions = vec![data; origins];
        inner.world.pending_stale = None;
        inner.world.lagging = false;
    }

    /// Why a visitor could still get something old: an origin isrctl sees
    /// serving an older render once settled, or the CDN's copy of the page
    /// not the current render.
    pub fn not_fresh_to_visitors(&self) -> Option<String> {
        let (world, versions) = self.settled_versions();
        let data = world.data();
        if let Some(i) = (0..world.seen_origins()).find(|&i| versions[i] != data) {
            return Some(format!(
                "origin {} serves v{}, data is v{data}",
                i + 1,
                versions[i]
            ));
        }
        // The page's URL as visitors ask for it (isrctl's cache-busted
        // and `?_rsc` reads are URLs no visitor asks for).
        let copy = self.visitor_copy()?;
        let current = (copy.status == 200) && copy.body == super::builds::page_body(data);
        (!current).then(|| format!("the CDN keeps {} {}", copy.status, copy.body))
    }

    /// The CDN's copy of the page, when it differs from what every origin
    /// isrctl sees serves once settled.
    pub fn cdn_differs_from_every_origin(&self) -> Option<String> {
        let (world, versions) = self.settled_versions();
        let copy = self.visitor_copy()?;
        let served: Vec<String> = versions[..world.seen_origins()]
            .iter()
            .map(|&v| super::builds::page_body(v))
            .collect();
        let same = match world.page {
            PageKind::Isr | PageKind::Cold => copy.status == 200 && served.contains(&copy.body),
            // A 404 or a redirect: what origin 1 gives a visitor.
            _ => {
                let now = self.settled_answer();
                let location = |a: &super::Answer| {
                    a.headers
                        .iter()
                        .find(|(n, _)| *n == "location")
                        .map(|(_, v)| v.clone())
                };
                (copy.status, &copy.body, location(&copy))
                    == (now.status, &now.body, location(&now))
            }
        };
        (!same).then(|| {
            format!(
                "the CDN keeps {} {}; origin 1 gives {:?}",
                copy.status,
                copy.body,
                self.settled_answer()
            )
        })
    }
}
