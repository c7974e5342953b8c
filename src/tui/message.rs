//! What flows into `update` (messages) and out of it (commands).

use crate::engine::Planned;
use crossterm::event::KeyEvent;

pub use crate::engine::EngineEvent;

#[derive(Clone, Debug)]
pub enum Message {
    Key(KeyEvent),
    /// Text pasted at once (bracketed paste): inserted into the open input
    /// as text, so a long paste never turns into keys (an Esc inside it
    /// would close the input and the rest would run as commands).
    Paste(String),
    Resize,
    /// A click or a wheel turn (the console asks the terminal for them).
    Mouse(crossterm::event::MouseEvent),
    /// Time passed: spinner frames, relative times. Carries the clock so
    /// tests can set it.
    Tick(jiff::Timestamp),
    Engine(EngineEvent),
    /// Where `y`'s copy went, in words.
    Copied(String),
}

/// Side effects `update` asks for; the runtime carries them out.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Send these planned targets (none of them refused).
    Revalidate {
        site: usize,
        targets: Vec<Planned>,
    },
    /// Revalidate, then watch the pages until they change or a deadline.
    Verify {
        site: usize,
        targets: Vec<Planned>,
    },
    /// Revalidate on every origin, wait for them, purge the CDN, verify.
    Fresh {
        site: usize,
        targets: Vec<Planned>,
    },
    /// Purge these items at the site's CDN.
    Purge {
        site: usize,
        items: Vec<crate::model::purge::PurgeItem>,
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
    /// Read the site's sitemap again (`:refresh`).
    ReadSitemap {
        site: usize,
    },
    /// Find the site's pages that are probably stale now (`:stale`).
    FindStale {
        site: usize,
    },
    /// Re-read a page every [`WATCH_INTERVAL`](crate::tui::update::WATCH_INTERVAL) until unwatched.
    Watch {
        site: usize,
        path: String,
    },
    Unwatch {
        site: usize,
        path: String,
    },
    /// Ring the terminal's bell (a watched page turned fresh).
    Bell,
    /// Stop sending: no new requests.
    CancelAll,
    /// Why the operator does what follows (`:reason TEXT`): recorded with
    /// every history record of this session from now on; `None` stops it.
    SetReason(Option<String>),
}
