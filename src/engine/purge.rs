//! The purge operation: remove a site's pages from its CDN.

use super::{Engine, EngineEvent, SiteId, StartError, not_started};
use crate::purge::{PurgeItem, Purger};
use crate::session::Session;
use std::sync::Arc;
use tokio::task::JoinHandle;

impl Engine {
    /// Purge `items` at the site's CDN: one `Purged` event per call sent.
    pub fn purge(&self, site: SiteId, items: Vec<PurgeItem>) -> JoinHandle<()> {
        let engine = self.clone();
        let cancel = self.cancel_token();
        tokio::spawn(async move {
            let mut out = engine.outbox();
            let targets = items.iter().map(crate::purge::item_target).collect();
            match engine.purger(site).await {
                Err(reason) => out.send(not_started(site, targets, reason)),
                Ok(purger) => match purger.purge(&items, &cancel).await {
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
                    }
                },
            }
            out.close(&engine.inner.recorder);
        })
    }

    /// The site's purger: its session's client and redactor, the purge
    /// token read off the async threads.
    pub(super) async fn purger(&self, site: SiteId) -> Result<Arc<Purger>, StartError> {
        let session: Arc<Session> = self.session(site).await?;
        let Some(config) = session.site.purge.clone() else {
            return Err(StartError::Purge(format!(
                "site {} has no [sites.{}.purge]: configure the CDN purge (README, \"Purge\")",
                session.site.name, session.site.name
            )));
        };
        let (site_config, client, redactor) = (
            session.site.clone(),
            session.client.clone(),
            session.redactor.clone(),
        );
        tokio::task::spawn_blocking(move || Purger::new(site_config, config, client, redactor))
            .await
            .map_err(|e| StartError::Purge(format!("reading the purge token stopped: {e}")))?
            .map(Arc::new)
            .map_err(StartError::Purge)
    }
}
