//! The stale finder (`isrctl stale`): every page the site's sitemap lists,
//! its `<lastmod>` set against its last revalidation (history) and against
//! what each layer serves (a probe, judged), the pages probably stale now
//! kept worst first. `model::staleness` decides; this reads.
//!
//! Reads are a visitor's: each page's layers one after another, pages a
//! few at a time within the site's `concurrency`, started no faster than
//! its `rate_per_second` allows for the reads each takes. The sitemap is
//! read again first (conditionally), so an edit that moved `<lastmod>`
//! counts.

use super::{Engine, EngineEvent, SiteId};
use crate::engine::checks::cache_layers::ProbedPage;
use crate::history::{LastStates, Record};
use crate::model::config::Site;
use crate::model::observation::LayerKind;
use crate::model::staleness::{self, Known, Reason};
use crate::model::target::Target;
use crate::model::trouble::Trouble;
use futures::StreamExt;
use jiff::Timestamp;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// What `stale` looks for.
#[derive(Clone, Debug, Default)]
pub struct StaleOptions {
    /// Only pages stale for longer than this (since their `<lastmod>`).
    pub older_than: Duration,
    /// At most this many pages listed (the worst).
    pub limit: Option<usize>,
}

/// One page probably stale now.
#[derive(Clone, Debug, Serialize)]
pub struct StalePage {
    pub path: String,
    pub lastmod: Option<Timestamp>,
    pub last_revalidated: Option<Timestamp>,
    /// Worst first.
    pub reasons: Vec<Reason>,
    /// The reasons in words, in the same order.
    pub why: Vec<String>,
}

/// What a scan found.
#[derive(Clone, Debug, Serialize)]
pub struct StaleScan {
    pub site: String,
    /// When the scan began.
    pub began: Timestamp,
    /// Pages the sitemap lists (all of them were read).
    pub pages: usize,
    /// Pages whose copies nothing dates against their `<lastmod>` (no
    /// revalidation through isrctl, no marker time, no `Age`).
    pub undated: usize,
    /// Pages a layer did not answer (each still judged on the rest).
    pub unanswered: usize,
    /// The sitemap reader's notes (skipped URLs, caps).
    pub sitemap_notes: Vec<String>,
    /// Worst first; cut to `limit`.
    pub stale: Vec<StalePage>,
    /// Probably stale pages left out by `limit` or `older_than`.
    pub not_listed: usize,
    /// Every page found probably stale, listed or not (what history keeps).
    #[serde(skip)]
    pub found: Vec<StalePage>,
    /// Pages history last called stale that are not any more.
    #[serde(skip)]
    pub cleared: Vec<String>,
}

impl Engine {
    /// Find the site's pages that are probably stale now: `StaleProgress`
    /// events while pages are read, then one `StaleScanned`.
    pub fn find_stale(&self, site: SiteId, options: StaleOptions) -> JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            let scan = engine.scan(site, options).await;
            if let Ok(scan) = &scan {
                engine.inner.recorder.stale(scan);
            }
            engine.inner.recorder.finish();
            engine.emit(EngineEvent::StaleScanned {
                site,
                scan: Box::new(scan),
            });
        })
    }

    async fn scan(&self, site: SiteId, options: StaleOptions) -> Result<StaleScan, Trouble> {
        let began = Timestamp::now();
        let config = self
            .site(site)
            .cloned()
            .ok_or_else(|| Trouble::refused(format!("no site number {site}")))?;
        let sitemap = config.sitemap.clone().ok_or_else(|| {
            Trouble::refused(format!("site {} has no sitemap", config.name)).with_fix(format!(
                "add sitemap = \"/sitemap.xml\" to [sites.{}]: stale compares each page's <lastmod> with its copies",
                config.name
            ))
        })?;
        let state_dir = crate::model::files::state_dir().ok_or_else(|| {
            Trouble::refused("cannot find the state directory")
                .with_fix("set XDG_STATE_HOME or HOME, or give --state-dir")
        })?;
        let read = super::sitemap_routes(&config, &sitemap, &state_dir, true).await?;
        // The console lists what was just read (the pages it will mark).
        let routes: Arc<[crate::model::config::Route]> = read.routes.clone().into();
        self.emit(EngineEvent::SitemapRoutes {
            site,
            routes: routes.clone(),
        });
        self.emit(super::route_index::index_of(site, routes));
        let history = self.last_states();
        let session = self
            .session(site)
            .await
            .map_err(|e| Trouble::unavailable(e.to_string()))?;
        let pages = self
            .read_pages(site, &session, &read.listed, &history)
            .await;
        let mut scan = summarise(&config, began, read.notes, &pages, &options);
        scan.cleared = cleared(&config, &pages, &history);
        Ok(scan)
    }

    fn last_states(&self) -> LastStates {
        let history = self.inner.recorder.history();
        history
            .and_then(|h| h.last_states().ok())
            .unwrap_or_default()
    }

    /// Each sitemap page read and judged, in the sitemap's order.
    async fn read_pages(
        &self,
        site: SiteId,
        session: &super::session::Session,
        entries: &[super::sitemaps::Listed],
        history: &LastStates,
    ) -> Vec<(Known, ProbedPage)> {
        let config = &session.site;
        let total = entries.len();
        let pacer = Pacer::for_site(config);
        let cancel = self.cancel_token();
        // Unordered: a slow page does not hold back the pages after it
        // (each slot starts the next page as soon as it is free); the
        // sitemap's order is restored at the end.
        let reads = futures::stream::iter(entries.iter().cloned().enumerate())
            .map(|(i, entry)| {
                let pacer = pacer.clone();
                async move {
                    pacer.wait().await;
                    let page = super::probe::read_page(session, entry.path.clone()).await;
                    let known = known(config, &entry, &page, history);
                    (i, (known, page))
                }
            })
            .buffer_unordered(config.limits.concurrency.max(1))
            .take_until(cancel.cancelled_owned());
        let mut reads = std::pin::pin!(reads);
        let mut pages = Vec::with_capacity(total);
        while let Some(read) = reads.next().await {
            pages.push(read);
            self.emit(EngineEvent::StaleProgress {
                site,
                done: pages.len(),
                total,
            });
        }
        pages.sort_by_key(|(i, _)| *i);
        pages.into_iter().map(|(_, read)| read).collect()
    }
}

/// What is known of one page from its sitemap entry, its probe and history.
fn known(
    site: &Site,
    entry: &super::sitemaps::Listed,
    page: &ProbedPage,
    history: &LastStates,
) -> Known {
    let read_at = Timestamp::now();
    let public_stored = page.public_age().and_then(|age| {
        read_at
            .checked_sub(jiff::SignedDuration::from_secs(
                age.min(i64::MAX as u64) as i64
            ))
            .ok()
    });
    let origin_rendered = page
        .layers
        .iter()
        .filter(|l| matches!(l.layer, LayerKind::Origin { .. }))
        .filter_map(|l| l.page()?.marker.as_deref().and_then(staleness::marker_time))
        .min();
    Known {
        lastmod: entry.lastmod,
        revalidated: last_revalidated(site, &entry.path, history),
        judgement: Some(page.judgement.clone()),
        public_stored,
        origin_rendered,
    }
}

/// The page's last successful revalidation: of its path, or of a tag a
/// route covering it carries.
fn last_revalidated(site: &Site, path: &str, history: &LastStates) -> Option<Timestamp> {
    let succeeded = |r: &Record| (r.outcome == "revalidated").then_some(r.time);
    let tags = site
        .routes
        .iter()
        .filter(|r| r.path == path || crate::model::paths::covers(&r.path, path))
        .flat_map(|r| r.tags.iter());
    let by_tag = tags.filter_map(|t| history.get(&site.name, &Target::tag(t)).and_then(succeeded));
    let by_path = history
        .get(&site.name, &Target::path(path))
        .and_then(succeeded);
    by_path.into_iter().chain(by_tag).max()
}

/// Pages scanned and not stale whose latest judgement in history was
/// `stale`'s: history is told they are not any more.
fn cleared(site: &Site, pages: &[(Known, ProbedPage)], history: &LastStates) -> Vec<String> {
    pages
        .iter()
        .filter(|(known, _)| staleness::reasons(known).is_empty())
        .filter(|(_, page)| {
            history
                .seen(&site.name, &Target::path(&page.path))
                .is_some_and(|r| r.action == crate::history::STALE && r.outcome != "not_stale")
        })
        .map(|(_, page)| page.path.clone())
        .collect()
}

fn summarise(
    site: &Site,
    began: Timestamp,
    sitemap_notes: Vec<String>,
    pages: &[(Known, ProbedPage)],
    options: &StaleOptions,
) -> StaleScan {
    let older_than = jiff::SignedDuration::try_from(options.older_than).unwrap_or_default();
    let old_enough = |page: &StalePage| {
        page.lastmod
            .is_none_or(|changed| began.duration_since(changed) >= older_than)
    };
    let mut found: Vec<StalePage> = pages
        .iter()
        .filter_map(|(known, page)| stale_page(known, page))
        .collect();
    // Worst reason first, then the longest stale.
    found.sort_by(|a, b| (&a.reasons[0], a.lastmod).cmp(&(&b.reasons[0], b.lastmod)));
    let mut stale: Vec<StalePage> = found.iter().filter(|p| old_enough(p)).cloned().collect();
    stale.truncate(options.limit.unwrap_or(usize::MAX));
    let not_listed = found.len() - stale.len();
    StaleScan {
        site: site.name.clone(),
        began,
        pages: pages.len(),
        undated: pages.iter().filter(|(k, _)| staleness::undated(k)).count(),
        unanswered: pages
            .iter()
            .filter(|(_, p)| p.layers.iter().any(|l| !l.answered()))
            .count(),
        sitemap_notes,
        stale,
        not_listed,
        found,
        cleared: Vec::new(),
    }
}

fn stale_page(known: &Known, page: &ProbedPage) -> Option<StalePage> {
    let reasons = staleness::reasons(known);
    (!reasons.is_empty()).then(|| StalePage {
        path: page.path.clone(),
        lastmod: known.lastmod,
        last_revalidated: known.revalidated,
        why: reasons.iter().map(|r| r.words(known.lastmod)).collect(),
        reasons,
    })
}

/// Starts page reads no faster than the site's rate allows for the reads
/// each page takes (the public URL, each origin, a cache-busted read).
#[derive(Clone)]
struct Pacer {
    limiter: Option<Arc<governor::DefaultDirectRateLimiter>>,
}

impl Pacer {
    fn for_site(site: &Site) -> Pacer {
        let reads_per_page = 2.0 + site.origins.len() as f64;
        let limiter = site
            .limits
            .rate_per_second
            .filter(|rate| *rate > 0.0)
            .and_then(|rate| Duration::try_from_secs_f64(reads_per_page / rate).ok())
            .and_then(governor::Quota::with_period)
            .map(|quota| Arc::new(governor::RateLimiter::direct(quota)));
        Pacer { limiter }
    }

    async fn wait(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
    }
}
