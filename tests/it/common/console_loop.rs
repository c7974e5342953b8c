//! The console's whole message loop with a test backend and an injected
//! key stream, for tests that drive it like a person and read the screen.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use isrctl::engine::Engine;
use isrctl::tui::runtime::Loop;
use isrctl::tui::state::State;
use isrctl::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A TestBackend the test can read while the loop owns the terminal; it
/// also keeps the first frame drawn.
#[derive(Clone)]
pub struct SharedBackend(Arc<Mutex<TestBackend>>, Arc<Mutex<Option<String>>>);

impl SharedBackend {
    pub fn screen(&self) -> String {
        self.0.lock().unwrap().to_string()
    }

    pub fn first_frame(&self) -> Option<String> {
        self.1.lock().unwrap().clone()
    }
}

impl Backend for SharedBackend {
    type Error = std::convert::Infallible;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(
        &mut self,
        content: I,
    ) -> Result<(), Self::Error> {
        self.0.lock().unwrap().draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.lock().unwrap().get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.0.lock().unwrap().set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.0.lock().unwrap().clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.0.lock().unwrap().size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.0.lock().unwrap().window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let mut backend = self.0.lock().unwrap();
        self.1
            .lock()
            .unwrap()
            .get_or_insert_with(|| backend.to_string());
        backend.flush()
    }
}

pub fn press(
    keys: &UnboundedSender<std::io::Result<Event>>,
    code: KeyCode,
    modifiers: KeyModifiers,
) {
    keys.unbounded_send(Ok(Event::Key(KeyEvent::new(code, modifiers))))
        .unwrap();
}

pub async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A console on a config, run by the real loop with a test backend; the
/// test drives it through `Handles` (keys in, screen and frames out).
pub struct Console {
    pub state: State,
    engine: Option<(
        Engine,
        tokio::sync::mpsc::UnboundedReceiver<isrctl::tui::message::EngineEvent>,
    )>,
    terminal: Terminal<SharedBackend>,
    input: Option<futures::channel::mpsc::UnboundedReceiver<std::io::Result<Event>>>,
    pub handles: Handles,
    pub clipboard: Vec<u8>,
    /// Where a copy is kept besides OSC 52 (the state directory's stand-in).
    pub keep_dir: tempfile::TempDir,
}

#[derive(Clone)]
pub struct Handles {
    keys: UnboundedSender<std::io::Result<Event>>,
    backend: SharedBackend,
    frames: Arc<AtomicU64>,
}

impl Handles {
    pub fn press(&self, code: KeyCode, modifiers: KeyModifiers) {
        press(&self.keys, code, modifiers);
    }

    pub fn type_keys(&self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    pub fn screen(&self) -> String {
        self.backend.screen()
    }

    /// Wait until the screen satisfies `done`; on timeout, fail showing it.
    pub async fn wait_for(&self, what: &str, timeout: Duration, done: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting until {what}:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The screen as the first frame drew it.
    pub fn first_frame(&self) -> String {
        self.backend.first_frame().unwrap_or_default()
    }

    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }
}

impl Console {
    pub fn new(
        config: &isrctl::model::config::Config,
        color: bool,
        width: u16,
        height: u16,
    ) -> Console {
        Console::with_history(config, color, (width, height), None)
    }

    pub fn with_history(
        config: &isrctl::model::config::Config,
        color: bool,
        (width, height): (u16, u16),
        history: Option<Arc<isrctl::history::History>>,
    ) -> Console {
        Console::started(config, color, (width, height), history, None)
    }

    /// Started as `isrctl` starts it (`tui::start`), with sitemap copies
    /// read from `state_dir`. Call inside a tokio runtime.
    pub fn started(
        config: &isrctl::model::config::Config,
        color: bool,
        (width, height): (u16, u16),
        history: Option<Arc<isrctl::history::History>>,
        state_dir: Option<std::path::PathBuf>,
    ) -> Console {
        let isrctl::tui::Started {
            mut state,
            engine,
            engine_events,
        } = isrctl::tui::start(config, history, state_dir, false, Theme { color });
        // As after the first send's "why?" was answered (tui_update and the
        // PTY test ask it).
        state.reason_asked = true;
        let engine = (engine, engine_events);
        let backend = SharedBackend(
            Arc::new(Mutex::new(TestBackend::new(width, height))),
            Arc::default(),
        );
        let terminal = Terminal::new(backend.clone()).unwrap();
        let (keys, input) = unbounded();
        let handles = Handles {
            keys,
            backend,
            frames: Arc::default(),
        };
        Console {
            state,
            engine: Some(engine),
            terminal,
            input: Some(input),
            handles,
            clipboard: Vec::new(),
            keep_dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Run the loop until it quits, alongside the test's driver.
    pub async fn run<T>(&mut self, driver: impl std::future::Future<Output = T>) -> T {
        let (engine, engine_events) = self.engine.take().unwrap();
        let input = self.input.take().unwrap();
        let frames = self.handles.frames.clone();
        let mut event_loop = Loop {
            terminal: &mut self.terminal,
            engine,
            engine_events,
            clipboard: Vec::new(),
            fallback: isrctl::tui::clipboard::Fallback {
                tmux: false,
                dir: Some(self.keep_dir.path().to_path_buf()),
            },
            watches: Default::default(),
            frames: &frames,
        };
        let (result, out) = tokio::join!(
            event_loop.run(&mut self.state, input, std::future::pending()),
            driver
        );
        result.unwrap();
        self.clipboard = std::mem::take(&mut event_loop.clipboard);
        out
    }
}
