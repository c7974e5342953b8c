//! History for a face that shows it: the newest records at start, then
//! each record as it is written.

use super::{Engine, EngineEvent};

impl Engine {
    /// Read the newest `limit` records of the configured sites off the
    /// async threads (`HistoryLoaded`), and send every record written from
    /// now on (`Recorded`). Nothing happens without a history.
    pub fn load_history(&self, limit: usize) {
        let recorder = &self.inner.recorder;
        recorder.feed_events();
        let Some(history) = recorder.history().cloned() else {
            return;
        };
        let names: std::collections::HashSet<String> =
            self.inner.sites.iter().map(|s| s.name.clone()).collect();
        let engine = self.clone();
        tokio::task::spawn_blocking(move || {
            match history.newest(limit, |r| names.contains(&r.site)) {
                Ok((mut records, _)) => {
                    // Off the console's thread: a record may hold a secret
                    // planted by hand or by an older isrctl.
                    for r in &mut records {
                        r.mask(crate::model::out::mask_known_secrets);
                    }
                    engine.emit(EngineEvent::HistoryLoaded { records })
                }
                Err(e) => engine.emit(EngineEvent::Warning {
                    message: format!(
                        "cannot read history at {}: {e}",
                        history.file_path().display()
                    ),
                }),
            }
        });
    }
}
