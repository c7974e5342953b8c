//! Running the troubleshooting checks as an engine operation: the suite
//! streams its findings as `Check` events, each checked path is recorded
//! in history, then `ChecksDone`.

use super::{Engine, EngineEvent, SiteId};
use crate::engine::checks::{self, CheckEvent};
use crate::engine::session::Session;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

impl Engine {
    /// The check suite for some paths; findings stream as `Check` events,
    /// then `ChecksDone`.
    pub fn run_checks(&self, site: SiteId, plan: checks::Plan) -> JoinHandle<()> {
        let engine = self.clone();
        let cancel = self.cancel_token();
        tokio::spawn(async move {
            let session = match engine.revalidating_session(site).await {
                Ok(session) => session,
                Err(reason) => return engine.not_started(site, Vec::new(), reason),
            };
            engine.checks(site, session, plan, cancel).await;
            engine.inner.recorder.finish();
            engine.emit(EngineEvent::ChecksDone { site });
        })
    }

    async fn checks(
        &self,
        site: SiteId,
        session: Arc<Session>,
        plan: checks::Plan,
        cancel: CancellationToken,
    ) {
        let paths = plan.paths.clone();
        let mut plan = plan;
        plan.last_revalidation = self.inner.recorder.last_revalidation(&session.site.name);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let handle = checks::run(session.clone(), plan, tx, cancel.clone());
        let (mut findings, mut verifications) = (Vec::new(), Vec::new());
        while let Some(event) = rx.recv().await {
            match &event {
                CheckEvent::Finding(finding) => findings.push(finding.clone()),
                CheckEvent::Verified(v) => verifications.push((**v).clone()),
                _ => {}
            }
            self.emit(EngineEvent::Check { site, event });
        }
        let _ = handle.await;
        self.inner.recorder.checks(&session.site, &paths, &findings);
        crate::engine::verify::Verification::mark_stopped(
            &mut verifications,
            cancel.is_cancelled(),
        );
        self.inner.recorder.verifications(&verifications);
    }
}
