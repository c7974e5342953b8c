//! One judgement over a page's observations: what the origins serve, and
//! whether the public URL serves it. `probe`, `check` and the console's
//! `p` draw their conclusions from [`judge`] and nothing else; the words
//! and fixes are the engine's (`engine::checks::cache_layers`).
//!
//! An observation's *answer* is what a visitor would get from it: its
//! status, with its content for a page (marker, else ETag, else body hash)
//! and its target for a redirect. Two answers are the same when all of
//! that is. "Now" is each origin's latest read.
//!
//! The origins (each origin's reads, in order; without origins the
//! cache-busted public read when no cache served it):
//!
//! | observations                                          | origins                  |
//! |-------------------------------------------------------|--------------------------|
//! | no origin configured, the cache-busted read was a hit | `unseen`                 |
//! | an origin sent no whole answer                        | `no_answer`              |
//! | an origin's latest read is `x-nextjs-cache: STALE`    | `not_settled`            |
//! | `next dev`, or no ISR and `no-store`/`private`        | `renders_per_request`    |
//! | two reads of one origin show different content, or two MISSes in a row | `renders_per_request` (with ISR headers: the cache keeps nothing) |
//! | origins' latest answers differ                        | `replicas_differ` (those behind named when markers order them) |
//! | all the same page                                     | `serve`                  |
//! | all 404/410                                           | `missing`                |
//! | all a redirect to the page's own URL                  | `redirect_loop`          |
//! | all a redirect elsewhere                              | `redirect`               |
//! | all another status                                    | `error`                  |
//!
//! The public URL, judged against **every** origin's answer now:
//!
//! | observations                                                     | cdn                 |
//! |------------------------------------------------------------------|---------------------|
//! | origins `unseen`                                                 | `undecided`         |
//! | origins `not_settled`, `no_answer`                               | `not_judged`        |
//! | origins `renders_per_request`, their renders differ, the public URL gives a page | `not_judged` |
//! | the public URL sent no whole answer                              | `no_answer`         |
//! | its answer equals one origin's answer now                        | `same`              |
//! | (`renders_per_request`: compared as below when every render was the same page, or the public URL gives no page) | |
//! | differs, compared with a cache-busted read, no cache header shows a CDN | `instances_in_turn` |
//! | differs: a page where the origins answer 404/410                 | `stale` `deleted_page_served` |
//! | differs: 404/410 where the origins serve a page                  | `stale` `cached_not_found` |
//! | differs: a redirect the origins do not send                      | `stale` `cached_redirect` |
//! | differs: another error status                                    | `stale` `cached_error` |
//! | differs: a page naming another build than the origins' (`"b":"…"`) | `stale` `old_deploy` |
//! | differs: another page                                            | `stale` `old_content` |
//!
//! A stale CDN is fixed by purging the URL; replicas by revalidating each
//! instance (or one shared cache); `not_settled` by reading again.

use crate::model::cache_headers::CacheState;
use crate::model::config::CacheTopology;
use crate::model::fingerprint::{Fingerprint, natural_cmp};
use crate::model::observation::{LayerKind, Observation};
use crate::model::page_kind::PageKind;
use answer::{Answer, own_url};
use serde::Serialize;
use std::cmp::Ordering;

/// What the observations of one page say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub origins: Origins,
    pub cdn: Public,
}

/// What the origins serve now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Origins {
    /// No origin configured, and the cache-busted read came from a cache.
    Unseen,
    /// Origin `origin` (counted from 1; 0 is the cache-busted read) sent
    /// no whole answer.
    NoAnswer { origin: usize },
    /// Its latest read was `STALE`: it serves an old copy while it renders.
    NotSettled { origin: usize },
    /// Every request renders anew: comparing renders says nothing.
    RendersPerRequest { origin: usize, why: PerRequest },
    /// The instances serve different answers; `behind` are those serving
    /// the older one (empty when nothing tells which is older).
    ReplicasDiffer {
        behind: Vec<usize>,
        topology: CacheTopology,
    },
    /// Every origin serves the same page.
    Serve,
    /// Every origin answers 404 or 410.
    Missing,
    /// Every origin redirects to the page's own URL (`location` as sent).
    RedirectLoop { location: String },
    /// Every origin redirects elsewhere (`location` as sent).
    Redirect { location: String },
    /// Every origin answers this other status.
    Error { status: u16 },
}

/// A fix the judgement advises, as something done (the words and the
/// commands that do it are the faces'; a property test does each to a
/// generated world and judges again).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Purge the page's URL at the CDN.
    PurgeUrl,
    /// Revalidate the page at every origin.
    RevalidateEachOrigin,
    /// Bring back the store the ISR cache lives in.
    RepairCacheStore,
    /// Read again in a moment: an origin is rendering.
    ReadAgain,
}

impl Judgement {
    /// What fixes what was found, CDN last (a purge before the origins
    /// serve the new page would refill the CDN with the old one).
    pub fn remedies(&self) -> Vec<Remedy> {
        let mut out = Vec::new();
        match &self.origins {
            Origins::NotSettled { .. } => out.push(Remedy::ReadAgain),
            Origins::ReplicasDiffer { .. } => out.push(Remedy::RevalidateEachOrigin),
            Origins::RendersPerRequest {
                why: PerRequest::NotCaching,
                ..
            } => out.push(Remedy::RepairCacheStore),
            _ => {}
        }
        if matches!(self.cdn, Public::Stale { .. }) {
            out.push(Remedy::PurgeUrl);
        }
        out
    }
}

/// Why every request renders anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PerRequest {
    /// The page is dynamic (no ISR headers, `no-store`/`private`).
    Dynamic,
    /// `next dev`.
    Dev,
    /// ISR headers, yet a new render on every read: the ISR cache keeps
    /// nothing (with a shared cache handler: its store is down).
    NotCaching,
}

/// Whether the public URL serves what the origins serve now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Public {
    /// Nothing shows what the origin serves: adding origins would decide it.
    Undecided,
    /// The origins' state leaves nothing to compare with.
    NotJudged,
    NoAnswer,
    /// The public answer is one an origin gives now.
    Same,
    /// Two reads of the URL differ and no cache header shows a CDN:
    /// instances answering in turn.
    InstancesInTurn,
    /// The public URL serves what no origin serves now.
    Stale {
        copy: StaleCopy,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaleCopy {
    /// Another version of the page.
    OldContent,
    /// A page of another build than the origins run now: the previous
    /// deploy's, whose scripts may no longer exist (deploy skew).
    OldDeploy,
    /// A page the origins no longer have (they answer 404/410).
    DeletedPageServed,
    /// A 404 or 410 where the origins serve the page.
    CachedNotFound,
    /// A redirect the origins do not send (a stored 307 included).
    CachedRedirect,
    /// Another error status.
    CachedError,
}

/// The page's reads at one place (an origin, or the cache-busted URL
/// standing for the origin), in the order they were taken.
struct Place<'a> {
    index: usize,
    reads: Vec<&'a Observation>,
}

impl<'a> Place<'a> {
    fn now(&self) -> &'a Observation {
        self.reads[self.reads.len() - 1]
    }
}

/// The judgement (see the module's tables).
pub fn judge(observations: &[Observation], topology: CacheTopology) -> Judgement {
    let places = origin_places(observations);
    let origins = judge_origins(&places, topology);
    let public = observations
        .iter()
        .rev()
        .find(|o| o.layer == LayerKind::Public);
    let cdn = judge_public(public, &places, &origins);
    Judgement { origins, cdn }
}

/// Each origin's reads; without origins, the cache-busted read when no
/// cache served it (it went to the origin).
fn origin_places(observations: &[Observation]) -> Vec<Place<'_>> {
    let mut places: Vec<Place> = Vec::new();
    for o in observations {
        let LayerKind::Origin { index } = o.layer else {
            continue;
        };
        match places.iter_mut().find(|p| p.index == index) {
            Some(place) => place.reads.push(o),
            None => places.push(Place {
                index,
                reads: vec![o],
            }),
        }
    }
    if places.is_empty() {
        let busted: Vec<&Observation> = observations
            .iter()
            .filter(|o| o.layer == LayerKind::CacheBusted)
            .collect();
        // Only when no cache served it does it show the origin.
        if busted.last().is_some_and(|b| !b.served_from_cache()) {
            places.push(Place {
                index: 0,
                reads: busted,
            });
        }
    }
    places
}

fn judge_origins(places: &[Place], topology: CacheTopology) -> Origins {
    if places.is_empty() {
        return Origins::Unseen;
    }
    if let Some(p) = places.iter().find(|p| Answer::of(p.now()).is_none()) {
        return Origins::NoAnswer { origin: p.index };
    }
    if let Some(p) = places.iter().find(|p| is_stale(p.now())) {
        return Origins::NotSettled { origin: p.index };
    }
    if let Some(found) = places.iter().find_map(per_request) {
        return found;
    }
    let answers: Vec<Answer> = places.iter().filter_map(|p| Answer::of(p.now())).collect();
    let groups = group(&answers);
    if groups.len() > 1 {
        return Origins::ReplicasDiffer {
            behind: behind(places, &answers, &groups),
            topology,
        };
    }
    match &answers[0] {
        Answer::Page(_) => Origins::Serve,
        Answer::Missing => Origins::Missing,
        Answer::Status(status) => Origins::Error { status: *status },
        Answer::Redirect(to, shown) if *to == own_url(places[0].now()) => Origins::RedirectLoop {
            location: shown.to_string(),
        },
        Answer::Redirect(_, shown) => Origins::Redirect {
            location: shown.to_string(),
        },
    }
}

fn is_stale(o: &Observation) -> bool {
    o.nextjs() == Some(CacheState::Stale)
}

/// A place that renders per request: its kind says so, or two settled
/// reads of a page show different content.
fn per_request(place: &Place) -> Option<Origins> {
    let now = place.now();
    let why = match now.kind {
        Some(PageKind::Dev) => Some(PerRequest::Dev),
        Some(PageKind::Dynamic) => Some(PerRequest::Dynamic),
        _ => None,
    };
    let why = why.or_else(|| {
        let settled: Vec<&Observation> = place
            .reads
            .iter()
            .copied()
            .filter(|o| !is_stale(o))
            .collect();
        let pages: Vec<&Fingerprint> = settled.iter().filter_map(|o| o.page()).collect();
        let differ = pages.windows(2).any(|w| !w[0].same_render(w[1]));
        // A MISS renders and stores: the read after it is a HIT unless
        // the cache keeps nothing.
        let missed_twice = settled.len() >= 2
            && settled[settled.len() - 2..]
                .iter()
                .all(|o| o.nextjs() == Some(CacheState::Miss));
        let isr = now.cache.as_ref().is_some_and(|c| c.nextjs.is_some());
        match (isr, differ || missed_twice) {
            (_, false) => None,
            (true, true) => Some(PerRequest::NotCaching),
            (false, true) => Some(PerRequest::Dynamic),
        }
    })?;
    Some(Origins::RendersPerRequest {
        origin: place.index,
        why,
    })
}

/// Answers grouped by sameness: each group lists indexes into `answers`.
fn group(answers: &[Answer]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        match groups.iter_mut().find(|g| answers[g[0]].same(a)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// The origins outside the group serving the newest page, when the
/// markers can be ordered (render times, versions); none otherwise: two
/// instances of three agreeing says nothing of age (both may have missed
/// the revalidation the third received).
fn behind(places: &[Place], answers: &[Answer], groups: &[Vec<usize>]) -> Vec<usize> {
    let Some(newest) = newest_group(answers, groups) else {
        return Vec::new();
    };
    groups
        .iter()
        .enumerate()
        .filter(|(g, _)| *g != newest)
        .flat_map(|(_, members)| members.iter().map(|&i| places[i].index))
        .collect()
}

fn newest_group(answers: &[Answer], groups: &[Vec<usize>]) -> Option<usize> {
    let markers: Option<Vec<&str>> = groups
        .iter()
        .map(|g| match &answers[g[0]] {
            Answer::Page(fp) => fp.marker.as_deref(),
            _ => None,
        })
        .collect();
    let markers = markers?;
    let mut best = 0;
    for i in 1..markers.len() {
        if natural_cmp(markers[i], markers[best])? == Ordering::Greater {
            best = i;
        }
    }
    Some(best)
}

fn judge_public(public: Option<&Observation>, places: &[Place], origins: &Origins) -> Public {
    match origins {
        Origins::Unseen => return Public::Undecided,
        Origins::NotSettled { .. } | Origins::NoAnswer { .. } => {
            return Public::NotJudged;
        }
        _ => {}
    }
    let answer = public.and_then(Answer::of);
    // Renders that differ cannot be compared with a page; a status can
    // (a kept 404 or redirect of a page the origins render), and renders
    // that are all the same page (a cache that keeps nothing, the same
    // data) compare like any page.
    let per_request = matches!(origins, Origins::RendersPerRequest { .. });
    let a_page = answer.as_ref().is_none_or(|a| matches!(a, Answer::Page(_)));
    if per_request && a_page && !renders_agree(places) {
        return Public::NotJudged;
    }
    let Some(answer) = answer else {
        return Public::NoAnswer;
    };
    let now: Vec<Answer> = places.iter().filter_map(|p| Answer::of(p.now())).collect();
    if now.iter().any(|a| a.same(&answer)) {
        return Public::Same;
    }
    let busted_only = places.iter().all(|p| p.index == 0);
    if busted_only && public.is_some_and(|p| !p.shows_a_cache()) {
        return Public::InstancesInTurn;
    }
    Public::Stale {
        copy: stale_copy(&answer, &now[0]),
    }
}

/// Every read of every origin gave the same page.
fn renders_agree(places: &[Place]) -> bool {
    let mut reads = places.iter().flat_map(|p| p.reads.iter());
    let Some(first) = reads.next().and_then(|o| Answer::of(o)) else {
        return false;
    };
    matches!(first, Answer::Page(_)) && reads.all(|o| Answer::of(o).is_some_and(|a| a.same(&first)))
}

fn stale_copy(public: &Answer, origin: &Answer) -> StaleCopy {
    match (public, origin) {
        (Answer::Page(_), Answer::Missing) => StaleCopy::DeletedPageServed,
        (Answer::Missing, _) => StaleCopy::CachedNotFound,
        (Answer::Redirect(..), _) => StaleCopy::CachedRedirect,
        (Answer::Status(_), _) => StaleCopy::CachedError,
        (Answer::Page(p), Answer::Page(o)) if p.other_build(o) => StaleCopy::OldDeploy,
        (Answer::Page(_), _) => StaleCopy::OldContent,
    }
}

mod answer;

#[cfg(test)]
mod tests;
