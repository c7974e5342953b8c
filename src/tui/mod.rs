//! The terminal console: state, `update(state, message) -> commands`, and
//! `view(state)`, driven by a message loop over the same engine the
//! command line uses.
//!
//! May use: `engine`, `history`, `model`; never `wire` or `cli`.

pub mod clipboard;
pub mod help;
pub mod keys;
pub mod loading;
pub mod message;
pub mod runtime;
pub mod screens;
pub mod state;
pub mod theme;
pub mod update;
pub mod view;

use crate::history::History;
use crate::model::config::{Config, Staged};
use crate::model::exit::Exit;
use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Hide and refuse every action that sends a revalidation.
    pub read_only: bool,
    /// Where history lives, when not the user's own (the demo keeps its
    /// results apart: a real site may share a demo site's name).
    pub history_dir: Option<std::path::PathBuf>,
}

/// How the console ended: its exit, and the work quitting cut off (sent
/// and not answered, or not sent), by site name.
#[derive(Debug)]
pub struct Ended {
    pub exit: Exit,
    pub cut_off: Vec<(String, crate::model::target::Target)>,
}

impl From<Exit> for Ended {
    fn from(exit: Exit) -> Ended {
        Ended {
            exit,
            cut_off: Vec::new(),
        }
    }
}

/// Open the console on `config` until the user quits. A large config's
/// routes are read while its sites are already on screen.
pub async fn run(config: Staged, options: Options) -> Ended {
    if let Err(errors) = keys::KeyMap::from_config(config.sites()) {
        for error in errors {
            errln!("error: {error}");
        }
        return Exit::Usage.into();
    }
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        errln!(
            "error: the console needs a terminal; from scripts use the subcommands (isrctl --help)"
        );
        return Exit::Usage.into();
    }
    let history = open_history(options.history_dir.as_deref());
    let state_dir = options.history_dir.clone().or_else(History::default_dir);
    let theme = theme::Theme::from_env();
    let mut shutdown = std::pin::pin!(terminated());
    let Some(mut terminal) = open_terminal() else {
        return Exit::Failed.into();
    };
    let mut input = crossterm::event::EventStream::new();
    // Read once, for the sites' first frame and for the whole console.
    let last = last_states_of(history.as_deref());
    let (config, held) = match config {
        Staged::Whole(config) => (config, Vec::new()),
        Staged::SitesFirst(first) => {
            let mut sites_only = state::State::new(&first.sites, &last, options.read_only, theme);
            let loaded = loading::routes(
                &mut terminal,
                &mut sites_only,
                first,
                &mut input,
                shutdown.as_mut(),
            );
            match loaded.await {
                Ok(loaded) => loaded,
                Err(stop) => {
                    restore_quietly(terminal);
                    stop.message.iter().for_each(|m| errln!("{m}"));
                    return stop.exit.into();
                }
            }
        }
    };
    let Started {
        mut state,
        engine,
        engine_events,
    } = start_with(&config, &last, history, state_dir, options.read_only, theme);
    let frames = AtomicU64::new(0);
    let mut event_loop = runtime::Loop {
        terminal: &mut terminal,
        engine,
        engine_events,
        clipboard: std::io::stdout(),
        fallback: clipboard::Fallback::from_env(),
        watches: Default::default(),
        frames: &frames,
    };
    // What was typed while the routes were read comes first, in order.
    let input = futures::stream::iter(held.into_iter().map(Ok)).chain(input);
    let result = event_loop.run(&mut state, input, shutdown).await;
    drop(event_loop);
    restore_quietly(terminal);
    let exit = match result {
        Ok(()) => Exit::Ok,
        Err(e) => {
            errln!("error: terminal: {e}");
            Exit::Failed
        }
    };
    Ended {
        exit,
        cut_off: cut_off(&state),
    }
}

/// Raw mode, the alternate screen, paste and mouse reporting, and a panic
/// hook that restores them all; `None` (said) when there is no terminal.
fn open_terminal() -> Option<ratatui::DefaultTerminal> {
    let terminal = match ratatui::try_init() {
        Ok(terminal) => terminal,
        Err(e) => {
            errln!("error: cannot open the terminal: {e}");
            return None;
        }
    };
    // Bracketed paste: a paste arrives as one event, not as keys. Mouse
    // reporting: clicks and the wheel (hold Shift to select text, as in
    // any terminal program that takes the mouse).
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::event::EnableBracketedPaste,
        crossterm::event::EnableMouseCapture
    );
    release_mouse_on_panic();
    Some(terminal)
}

/// The work still pending when the console quit with work in flight.
fn cut_off(state: &state::State) -> Vec<(String, crate::model::target::Target)> {
    if !state.quit || state.in_flight == 0 {
        return Vec::new();
    }
    let mut pending: Vec<_> = state
        .pending
        .iter()
        .map(|(site, target)| (state.site_name(*site), target.clone()))
        .collect();
    pending.sort();
    pending
}

/// Give the terminal back: mouse and paste reporting off, the main screen,
/// cooked mode, the cursor shown. Failures are ignored: the terminal may be
/// gone (its window closed, the ssh connection dropped). ratatui's own
/// restore reports them with `eprintln!` on that dead terminal, where a
/// failed write panics — and the terminal's drop tries again while
/// unwinding: a panic in a panic, SIGABRT.
fn restore_quietly(mut terminal: ratatui::DefaultTerminal) {
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::event::DisableMouseCapture,
        crossterm::event::DisableBracketedPaste,
        crossterm::terminal::LeaveAlternateScreen
    );
    let _ = crossterm::terminal::disable_raw_mode();
    if terminal.show_cursor().is_err() {
        // Its drop would try again, and report the failure on stderr.
        std::mem::forget(terminal);
    }
}

/// ratatui's panic hook restores raw mode and the screen, not mouse
/// reporting: a shell after a crash would fill with escape codes at each
/// click. This hook turns it off first.
fn release_mouse_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(
            std::io::stdout(),
            crossterm::event::DisableMouseCapture,
            crossterm::event::DisableBracketedPaste
        );
        previous(info);
    }));
}

/// A console ready for its loop: the state to draw the first frame from,
/// and the engine behind it.
pub struct Started {
    pub state: state::State,
    pub engine: crate::engine::Engine,
    pub engine_events: tokio::sync::mpsc::UnboundedReceiver<message::EngineEvent>,
}

/// Builds the console's state from the config and the history's last
/// states, then asks the engine for the sitemaps' routes: they arrive as
/// an event, so a site with 100,000 sitemap pages never delays the first
/// frame. Call inside a tokio runtime.
pub fn start(
    config: &Config,
    history: Option<Arc<History>>,
    state_dir: Option<std::path::PathBuf>,
    read_only: bool,
    theme: theme::Theme,
) -> Started {
    let last = last_states_of(history.as_deref());
    start_with(config, &last, history, state_dir, read_only, theme)
}

/// As [`start`], with the history's last states already read.
fn start_with(
    config: &Config,
    last: &crate::history::LastStates,
    history: Option<Arc<History>>,
    state_dir: Option<std::path::PathBuf>,
    read_only: bool,
    theme: theme::Theme,
) -> Started {
    let mut state = state::State::new(config, last, read_only, theme);
    let (engine, engine_events) = crate::engine::Engine::new(config.sites.clone(), history);
    probe_on_start(&mut state, &engine);
    engine.index_routes(state.sites.iter().map(|s| s.routes.clone()).collect());
    engine.load_history(state::HISTORY_KEPT);
    if let Some(dir) = state_dir {
        engine.load_sitemaps(dir);
    }
    Started {
        state,
        engine,
        engine_events,
    }
}

/// Sites with `probe_on_start` (the default): their key pages are probed
/// now (passive, a GET per layer), so each badge says how the site is
/// from the first results, not `○` until a key is pressed.
fn probe_on_start(state: &mut state::State, engine: &crate::engine::Engine) {
    for (index, site) in state.sites.iter().enumerate() {
        if !site.probe_on_start {
            continue;
        }
        for path in site.key_pages() {
            engine.probe(index, path);
            state.in_flight += 1;
        }
    }
}

/// The last state of each target, or none when there is no history (a
/// history that cannot be read shows no past results, as a new one).
fn last_states_of(history: Option<&History>) -> crate::history::LastStates {
    history
        .and_then(|h| h.last_states().ok())
        .unwrap_or_default()
}

fn open_history(dir: Option<&std::path::Path>) -> Option<Arc<History>> {
    let dir = dir
        .map(std::path::Path::to_path_buf)
        .or_else(History::default_dir)?;
    History::open(&dir).ok().map(Arc::new)
}

/// Resolves on SIGTERM, SIGHUP, SIGINT or SIGQUIT, so the terminal is
/// restored (and the demo's directory removed) then too. In raw mode the
/// keyboard sends no SIGINT: these come from `kill`, `timeout -s INT` or a
/// supervisor. The handlers are installed now, before the terminal changes
/// mode: a signal that came before the loop first waits would otherwise
/// kill the process with the terminal still raw.
fn terminated() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        SignalKind::terminate(),
        SignalKind::hangup(),
        SignalKind::interrupt(),
        SignalKind::quit(),
    ];
    let streams: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
    async move {
        if streams.is_empty() {
            return std::future::pending().await;
        }
        let waits = streams
            .into_iter()
            .map(|mut s| Box::pin(async move { s.recv().await }));
        futures::future::select_all(waits).await;
    }
}
