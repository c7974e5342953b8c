//! Watching pages (`isrctl watch`): each watched page read at every layer
//! (a probe: nothing revalidated), one page after another, then nothing at
//! all until the interval has passed — a sleeping task, no polling. One
//! `Watched` event per page per round: how it stands, and per layer the
//! age of the copy it serves and how long until that copy expires.

use super::{Engine, EngineEvent, SiteId};
use crate::engine::checks::cache_layers::ProbedPage;
use crate::model::config::Site;
use crate::model::observation::{LayerKind, Observation};
use crate::model::staleness::{self, Known};
use crate::model::standing::Standing;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinHandle;

/// What to watch, and how often.
#[derive(Clone, Debug)]
pub struct WatchPlan {
    pub paths: Vec<String>,
    pub interval: Duration,
    /// Stop after this many rounds; `None`: until cancelled.
    pub rounds: Option<u64>,
}

/// One read of one watched page.
#[derive(Clone, Debug, Serialize)]
pub struct Watched {
    pub site: String,
    pub path: String,
    pub time: Timestamp,
    pub round: u64,
    pub standing: Standing,
    /// The conclusion that set the standing.
    pub said: String,
    pub layers: Vec<LayerCopy>,
    /// The sitemap's `<lastmod>` for the page, from the kept copy.
    pub lastmod: Option<Timestamp>,
    /// Seconds since `<lastmod>` while a copy is older than it; 0 when
    /// none is (or nothing dates them).
    pub seconds_past_lastmod: u64,
    /// Layers that sent no whole answer.
    pub errors: usize,
}

/// The copy one layer serves.
#[derive(Clone, Debug, Serialize)]
pub struct LayerCopy {
    pub layer: String,
    pub status: Option<u16>,
    /// Seconds the copy has spent in caches (`Age`), or since the render
    /// its marker time shows.
    pub age_s: Option<u64>,
    /// Seconds until it expires (its TTL minus its age); negative: past it.
    pub expires_in_s: Option<i64>,
}

impl Engine {
    /// Watch `plan.paths` of `site`: a `Watched` event per page per round,
    /// until `plan.rounds` or a cancel.
    pub fn watch(&self, site: SiteId, plan: WatchPlan) -> JoinHandle<()> {
        let engine = self.clone();
        let cancel = self.cancel_token();
        tokio::spawn(async move {
            // One session, one client: each round reuses its connections.
            let session = match engine.session(site).await {
                Ok(session) => session,
                Err(reason) => return engine.not_started(site, Vec::new(), reason),
            };
            let lastmods = lastmods(&session.site);
            let mut round = 0;
            while plan.rounds.is_none_or(|last| round < last) {
                round += 1;
                for path in &plan.paths {
                    if cancel.is_cancelled() {
                        return;
                    }
                    let lastmod = lastmods.get(path).copied();
                    let page = super::probe::read_page(&session, path.clone()).await;
                    let watched = watched(&session.site, &page, round, lastmod);
                    engine.emit(EngineEvent::Watched {
                        site,
                        watched: Box::new(watched),
                    });
                }
                if plan.rounds.is_some_and(|last| round >= last) {
                    break;
                }
                tokio::select! {
                    _ = tokio::time::sleep(plan.interval) => {}
                    _ = cancel.cancelled() => return,
                }
            }
        })
    }
}

/// Each sitemap page's `<lastmod>`, from the copy kept in the state
/// directory (a watch does not read the sitemap again).
fn lastmods(site: &Site) -> HashMap<String, Timestamp> {
    let Some(dir) = crate::model::files::state_dir() else {
        return HashMap::new();
    };
    let cache = crate::wire::sitemap::Cache::open(&dir, &site.name);
    cache
        .map
        .entries
        .into_iter()
        .filter_map(|e| Some((e.path, staleness::parse_lastmod(e.lastmod.as_deref()?)?)))
        .collect()
}

fn watched(site: &Site, page: &ProbedPage, round: u64, lastmod: Option<Timestamp>) -> Watched {
    let time = Timestamp::now();
    let worst = page.worst();
    let said = page
        .worst_said()
        .unwrap_or("every layer answered")
        .to_string();
    // The cache-busted read is isrctl's own: no visitor gets that copy.
    let layers = latest_per_layer(&page.layers)
        .into_iter()
        .filter(|o| !matches!(o.layer, LayerKind::CacheBusted | LayerKind::CacheBustedRsc))
        .map(|o| layer_copy(o, time))
        .collect();
    Watched {
        site: site.name.clone(),
        path: page.path.clone(),
        time,
        round,
        standing: Standing::of_severity(worst.as_str()),
        said,
        layers,
        lastmod,
        seconds_past_lastmod: past_lastmod(page, lastmod, time),
        errors: page.layers.iter().filter(|l| !l.answered()).count(),
    }
}

/// Each layer's latest read, in the order first read (a layer read again
/// appears once).
fn latest_per_layer(reads: &[Observation]) -> Vec<&Observation> {
    let mut kinds: Vec<LayerKind> = Vec::new();
    for read in reads {
        if !kinds.contains(&read.layer) {
            kinds.push(read.layer);
        }
    }
    kinds
        .into_iter()
        .filter_map(|kind| reads.iter().rev().find(|o| o.layer == kind))
        .collect()
}

fn layer_copy(read: &Observation, now: Timestamp) -> LayerCopy {
    let cache = read.cache.as_ref();
    let rendered = read
        .page()
        .and_then(|f| f.marker.as_deref())
        .and_then(staleness::marker_time);
    let since_render = rendered.map(|t| now.duration_since(t).as_secs().max(0) as u64);
    let age_s = cache.and_then(|c| c.age).or(since_render);
    // Without `Age` (an origin), the copy expires its TTL after its render.
    let ttl = cache.and_then(|c| c.ttl.as_ref()).map(|t| t.seconds);
    let from_render = ttl
        .zip(since_render)
        .map(|(ttl, age)| ttl.min(i64::MAX as u64) as i64 - age.min(i64::MAX as u64) as i64);
    LayerCopy {
        layer: read.label.clone(),
        status: read.status,
        age_s,
        expires_in_s: match cache.and_then(|c| c.age) {
            Some(_) => cache.and_then(|c| c.remaining),
            None => from_render.or(cache.and_then(|c| c.remaining)),
        },
    }
}

/// How long a copy has been older than the page's `<lastmod>`.
fn past_lastmod(page: &ProbedPage, lastmod: Option<Timestamp>, now: Timestamp) -> u64 {
    let Some(changed) = lastmod else { return 0 };
    let stored = page.public_age().and_then(|age| {
        let age = jiff::SignedDuration::from_secs(age.min(i64::MAX as u64) as i64);
        now.checked_sub(age).ok()
    });
    let known = Known {
        lastmod,
        public_stored: stored,
        ..Known::default()
    };
    let older = staleness::reasons(&known)
        .iter()
        .any(|r| matches!(r, staleness::Reason::CdnOlderThanLastmod { .. }));
    match older {
        true => now.duration_since(changed).as_secs().max(0) as u64,
        false => 0,
    }
}
