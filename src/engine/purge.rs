//! The purge operation: remove a site's pages from its CDN.

use super::{Engine, EngineEvent, SiteId, StartError, not_started};
use crate::engine::session::Session;
use crate::model::purge::PurgeItem;
use crate::wire::purge::{PurgeWatch, Purger};
use std::sync::Arc;
use std::time::Duration;

/// How long a purge waits for a CDN to finish (a CloudFront invalidation).
pub const PURGE_WAIT: Duration = crate::wire::purge::INVALIDATION_WAIT;
use tokio::task::JoinHandle;

impl Engine {
    /// Purge `items` at the site's CDN: one `Purged` event per call sent,
    /// then `PurgeDone` (or `NotStarted` for all of them). A
    /// CloudFront invalidation is watched until it completes, for at most
    /// `wait` ([`PURGE_WAIT`] by default; zero: `--no-wait`).
    pub fn purge(&self, site: SiteId, items: Vec<PurgeItem>, wait: Duration) -> JoinHandle<()> {
        let engine = self.clone();
        let cancel = self.cancel_token();
        tokio::spawn(async move {
            let mut out = engine.outbox();
            let progress = engine.progress_listener(site);
            let targets = items.iter().map(crate::model::purge::item_target).collect();
            match engine.purger(site).await {
                Err(reason) => out.send(not_started(site, targets, reason)),
                Ok(purger) => match purger
                    .purge(
                        &items,
                        PurgeWatch {
                            cancel: &cancel,
                            patience: wait,
                            progress: &progress,
                            hard: false,
                        },
                    )
                    .await
                {
                    Err(why) => out.send(not_started(site, targets, StartError::Purge(why))),
                    Ok(outcomes) => {
                        for outcome in outcomes {
                            engine.inner.recorder.purge(&purger.site.name, &outcome);
                            out.send(EngineEvent::Purged {
                                site,
                                target: None,
                                outcome: Box::new(outcome),
                            });
                        }
                        let items = items.len();
                        out.send(EngineEvent::PurgeDone { site, items });
                    }
                },
            }
            out.close(&engine.inner.recorder);
        })
    }

    /// Progress of a long purge, as events.
    pub(super) fn progress_listener(&self, site: SiteId) -> impl Fn(String) + Send + Sync + use<> {
        let events = self.inner.events.clone();
        move |message| {
            let _ = events.send(EngineEvent::Progress { site, message });
        }
    }

    /// The site's purger, from its session: the token read there once,
    /// off the async threads; the revalidation secret is not read.
    pub(super) async fn purger(&self, site: SiteId) -> Result<Arc<Purger>, StartError> {
        let session: Arc<Session> = self.session(site).await?;
        session.purge_ready().await.map_err(StartError::Purge)
    }
}
