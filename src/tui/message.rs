//! What flows into `update` (messages) and out of it (commands).

use crate::outcome::Outcome;
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
    /// Put text on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// Stop sending: no new requests.
    CancelAll,
    Quit,
}
