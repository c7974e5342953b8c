//! Running one engine operation from the command line: its events go to
//! the command's renderer as they arrive, and the command line's one
//! Ctrl-C handler cancels it (no new requests; those in flight finish).

use crate::engine::{Engine, EngineEvent};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

/// Wait for `operation` to end, handing every event to `on_event`.
/// The first Ctrl-C prints `on_cancel` and cancels; a second one is the
/// default (the process ends). Whether Ctrl-C came.
pub async fn drive(
    engine: &Engine,
    events: &mut UnboundedReceiver<EngineEvent>,
    mut operation: JoinHandle<()>,
    on_cancel: &str,
    mut on_event: impl FnMut(EngineEvent),
) -> bool {
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let mut cancelled = false;
    loop {
        tokio::select! {
            Some(event) = events.recv() => on_event(event),
            _ = &mut operation => break,
            _ = &mut ctrl_c, if !cancelled => {
                errln!("{on_cancel}");
                engine.cancel_all();
                cancelled = true;
            }
        }
    }
    // Events sent before the operation ended may still be queued.
    while let Ok(event) = events.try_recv() {
        on_event(event);
    }
    // Work done but not in history is said, and the command fails: an
    // audit trail with holes must not look complete.
    let lost = engine.not_recorded();
    if lost > 0 {
        errln!("error: {lost} result(s) were not recorded in history (is the disk full?)");
        crate::model::out::mark_incomplete();
    }
    cancelled
}
