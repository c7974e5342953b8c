//! Running one engine operation from the command line: the engine set up
//! for one site (history, the operator's reason), its events handed to the
//! command's renderer as they arrive, and the command line's one Ctrl-C
//! handler, which cancels it (no new requests; those in flight finish).
//!
//! The events every command shows alike are shown here, once: a site that
//! could not start, a rate-limit wait, a warning, a long wait's progress
//! (all on stderr, so a JSON document on stdout stays whole). The command
//! sees the rest.

use crate::engine::{Engine, EngineEvent};
use crate::model::config::Site;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

/// How a driven operation ended.
#[derive(Clone, Copy, Debug, Default)]
pub struct Driven {
    /// Ctrl-C came: work was left unsent.
    pub interrupted: bool,
    /// The site could not start (its secret or token unreadable, …): said
    /// on stderr already; the command exits 2.
    pub not_started: bool,
}

/// The engine for one site's command, and its events.
pub struct Driver {
    pub engine: Engine,
    events: UnboundedReceiver<EngineEvent>,
    site: Site,
}

impl Driver {
    /// An engine for `site` that records to history, each record with
    /// `reason` (`--reason`).
    pub fn new(site: &Site, reason: Option<&str>) -> Driver {
        let history = open_history_to_record().map(Into::into);
        let (engine, events) = Engine::new(vec![site.clone()], history);
        engine.set_reason(reason);
        Driver {
            engine,
            events,
            site: site.clone(),
        }
    }

    /// Wait for `operation` to end, handing every event the commands do
    /// not share to `on_event`. The first Ctrl-C prints `on_cancel` and
    /// cancels; a second one is the default (the process ends).
    pub async fn run(
        mut self,
        operation: JoinHandle<()>,
        on_cancel: &str,
        on_event: impl FnMut(EngineEvent),
    ) -> Driven {
        let operation = (&mut self.events, operation);
        drive(&self.engine, &self.site, operation, on_cancel, on_event).await
    }
}

async fn drive(
    engine: &Engine,
    site: &Site,
    (events, mut operation): (&mut UnboundedReceiver<EngineEvent>, JoinHandle<()>),
    on_cancel: &str,
    mut on_event: impl FnMut(EngineEvent),
) -> Driven {
    let started = std::time::Instant::now();
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let mut interrupted = false;
    let mut not_started = false;
    let mut handle = |event| {
        if let Some(event) = shown_alike(site, event, &mut not_started) {
            on_event(event);
        }
    };
    loop {
        tokio::select! {
            Some(event) = events.recv() => handle(event),
            _ = &mut operation => break,
            _ = &mut ctrl_c, if !interrupted => {
                errln!("{on_cancel}");
                engine.cancel_all();
                interrupted = true;
            }
        }
    }
    // Events sent before the operation ended may still be queued.
    while let Ok(event) = events.try_recv() {
        handle(event);
    }
    // Work done but not in history is said, and the command fails: an
    // audit trail with holes must not look complete.
    let lost = engine.not_recorded();
    if lost > 0 {
        errln!("error: {lost} result(s) were not recorded in history (is the disk full?)");
        crate::model::out::mark_incomplete();
    }
    // A long run has ended: the operator may be in another window.
    if !interrupted && !not_started {
        let took = started.elapsed();
        crate::cli::bell::after(took, &format!("{}: done", site.name));
    }
    Driven {
        interrupted,
        not_started,
    }
}

/// Shows an event every command shows alike; gives back any other.
fn shown_alike(site: &Site, event: EngineEvent, not_started: &mut bool) -> Option<EngineEvent> {
    match event {
        EngineEvent::NotStarted { reason, .. } => {
            errln!("error: site {}: {reason}", site.name);
            if let Some(fix) = reason.fix() {
                errln!("  fix: {fix}");
            }
            *not_started = true;
        }
        EngineEvent::Waiting { wait, .. } => errln!(
            "rate limited: waiting {}s as the server asks (Retry-After)",
            wait.as_secs()
        ),
        EngineEvent::Warning { message } => errln!("warning: {message}"),
        EngineEvent::Progress { message, .. } => errln!("{message}"),
        other => return Some(other),
    }
    None
}

/// History for a command that records what it does: without it the work
/// still runs, but the command says so as an error and exits 1 (an audit
/// trail with holes must not look complete).
fn open_history_to_record() -> Option<crate::history::History> {
    super::history_or_why()
        .inspect_err(|why| {
            errln!("error: {why}: results will not be recorded; fix or move it (--state-dir DIR)");
            crate::model::out::mark_incomplete();
        })
        .ok()
}
