//! The first frame of a large config: its sites at once, while its routes
//! are read on other threads (a million take seconds). The screen says
//! so; a quit key leaves at once; every other key typed meanwhile is kept
//! and handled, in order, once the routes are in.

use super::state::{Level, State};
use super::view::view;
use crate::model::config::{Config, LoadError, SitesFirst};
use crate::model::exit::Exit;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;

/// Why the console ends before the routes are in: the exit, and what to
/// print once the terminal is restored.
pub struct Stop {
    pub exit: Exit,
    pub message: Option<String>,
}

/// Draws `state` (the sites, no routes yet) until `first`'s routes are
/// read: the whole config, and the input that came meanwhile.
pub async fn routes<B: Backend, I>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    first: SitesFirst,
    input: &mut I,
    mut shutdown: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<(Config, Vec<Event>), Stop>
where
    I: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let count = first.routes_to_read();
    state.routes_loading = Some(count);
    state.push_activity(
        Level::Info,
        format!("reading {count} routes from {}…", state.config_file),
    );
    let mut reading = std::pin::pin!(read_apart(first));
    let mut held = Vec::new();
    let quit = || Stop {
        exit: Exit::Ok,
        message: None,
    };
    loop {
        if let Err(e) = terminal.draw(|frame| view(state, frame)) {
            return Err(Stop {
                exit: Exit::Failed,
                message: Some(format!("error: terminal: {e}")),
            });
        }
        tokio::select! {
            read = &mut reading => return match read {
                Ok(config) => Ok((config, held)),
                Err(e) => Err(Stop { exit: Exit::Usage, message: Some(e.to_string()) }),
            },
            event = input.next() => match event {
                Some(Ok(Event::Key(key))) if quits(state, &key) => return Err(quit()),
                Some(Ok(Event::Resize(..))) => {}
                Some(Ok(event)) => held.push(event),
                Some(Err(e)) => return Err(Stop {
                    exit: Exit::Failed,
                    message: Some(format!("error: terminal: {e}")),
                }),
                None => return Err(quit()),
            },
            _ = &mut shutdown => return Err(quit()),
        }
    }
}

/// On a thread of its own, not the runtime's blocking pool: quitting
/// meanwhile must not wait for it (the runtime's end waits for its pool).
async fn read_apart(first: SitesFirst) -> Result<Config, LoadError> {
    let file = first.sites.file.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(first.routes());
    });
    rx.await.unwrap_or_else(|_| {
        Err(LoadError::Io {
            file,
            reason: "reading the routes stopped (a thread died)".to_string(),
        })
    })
}

/// The quit key as configured, and ctrl-c always.
fn quits(state: &State, key: &KeyEvent) -> bool {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    ctrl_c || state.keys.action_for(key) == Some(super::keys::Action::Quit)
}
