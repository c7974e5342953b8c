//! What flows into `update` (messages) and out of it (commands).

use crate::checks::{CheckEvent, Verification};
use crate::outcome::Outcome;
use crate::probe::LayerProbe;
use crate::target::Target;
use crossterm::event::KeyEvent;

#[derive(Clone, Debug)]
pub enum Message {
    Key(KeyEvent),
    Resize,
    /// Time passed: spinner frames, relative times. Carries the clock so
    /// tests can set it.
    Tick(jiff::Timestamp),
    Engine(EngineEvent),
}

/// What the engine reports back while work runs in its tasks.
#[derive(Clone, Debug)]
pub enum EngineEvent {
    Finished {
        site: String,
        target: Target,
        /// The request as sent, secret masked.
        request: String,
        outcome: Box<Outcome>,
    },
    /// A revalidation with verification finished: the outcome and, when it
    /// was revalidated, a verdict per watched page.
    Verified {
        site: String,
        target: Target,
        request: String,
        outcome: Box<Outcome>,
        verifications: Vec<Verification>,
    },
    /// Something a running check suite reported.
    Check { site: String, event: CheckEvent },
    /// The check suite ended.
    ChecksDone { site: String },
    /// A page fetched through every layer.
    Probed {
        site: String,
        path: String,
        probes: Vec<LayerProbe>,
    },
    /// The run could not start (e.g. the secret could not be read).
    NotStarted {
        site: String,
        targets: Vec<Target>,
        reason: String,
    },
}

/// Side effects `update` asks for; the runtime carries them out.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Revalidate {
        site: usize,
        targets: Vec<Target>,
    },
    /// Revalidate, then watch the pages until they change or a deadline.
    Verify {
        site: usize,
        targets: Vec<Target>,
    },
    /// The passive troubleshooting checks for these paths.
    RunChecks {
        site: usize,
        paths: Vec<String>,
    },
    /// Fetch a page through every layer, without revalidating.
    Probe {
        site: usize,
        path: String,
    },
    /// Put text on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// Stop sending: no new requests.
    CancelAll,
    Quit,
}
