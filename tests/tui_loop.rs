//! The whole message loop with a test backend and an injected key stream:
//! keys are handled while 200 requests hang at the server, and an idle
//! console draws nothing.

mod common;

use common::CANARY;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use isrctl::engine::Engine;
use isrctl::sim::{Behaviour, Hostile};
use isrctl::tui::runtime::Loop;
use isrctl::tui::state::State;
use isrctl::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A TestBackend the test can read while the loop owns the terminal.
#[derive(Clone)]
struct SharedBackend(Arc<Mutex<TestBackend>>);

impl SharedBackend {
    fn screen(&self) -> String {
        self.0.lock().unwrap().to_string()
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
        self.0.lock().unwrap().flush()
    }
}

fn config_with_routes(url: &str, routes: usize) -> isrctl::config::Config {
    let mut text = format!(
        "[sites.slow]\npublic_url = \"{url}\"\nconcurrency = {routes}\nrate_per_second = 0\ntimeout = \"60s\"\n[sites.slow.secret]\nvalue = \"{CANARY}\"\n"
    );
    for i in 0..routes {
        text.push_str(&format!("[[sites.slow.routes]]\npath = \"/p/{i}\"\n"));
    }
    isrctl::config::parse(&text, Path::new("slow.toml")).unwrap()
}

fn press(keys: &UnboundedSender<std::io::Result<Event>>, code: KeyCode, modifiers: KeyModifiers) {
    keys.unbounded_send(Ok(Event::Key(KeyEvent::new(code, modifiers))))
        .unwrap();
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A console on a config, run by the real loop with a test backend; the
/// test drives it through `Handles` (keys in, screen and frames out).
struct Console {
    state: State,
    engine: Option<(
        Engine,
        tokio::sync::mpsc::UnboundedReceiver<isrctl::tui::message::EngineEvent>,
    )>,
    terminal: Terminal<SharedBackend>,
    input: Option<futures::channel::mpsc::UnboundedReceiver<std::io::Result<Event>>>,
    handles: Handles,
    clipboard: Vec<u8>,
}

#[derive(Clone)]
struct Handles {
    keys: UnboundedSender<std::io::Result<Event>>,
    backend: SharedBackend,
    frames: Arc<AtomicU64>,
}

impl Handles {
    fn press(&self, code: KeyCode, modifiers: KeyModifiers) {
        press(&self.keys, code, modifiers);
    }

    fn type_keys(&self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    fn screen(&self) -> String {
        self.backend.screen()
    }

    fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }
}

impl Console {
    fn new(config: &isrctl::config::Config, color: bool, width: u16, height: u16) -> Console {
        Console::with_history(config, color, (width, height), None)
    }

    fn with_history(
        config: &isrctl::config::Config,
        color: bool,
        (width, height): (u16, u16),
        history: Option<Arc<isrctl::history::History>>,
    ) -> Console {
        let state = State::new(config, &isrctl::tui::no_history(), false, Theme { color });
        let engine = Engine::new(config.sites.clone(), history);
        let backend = SharedBackend(Arc::new(Mutex::new(TestBackend::new(width, height))));
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
        }
    }

    /// Run the loop until it quits, alongside the test's driver.
    async fn run<T>(&mut self, driver: impl std::future::Future<Output = T>) -> T {
        let (engine, engine_events) = self.engine.take().unwrap();
        let input = self.input.take().unwrap();
        let frames = self.handles.frames.clone();
        let mut event_loop = Loop {
            terminal: &mut self.terminal,
            engine,
            engine_events,
            clipboard: Vec::new(),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_handled_while_200_requests_hang() {
    let server = Hostile::start(Behaviour::Hang).await.unwrap();
    let mut console = Console::new(&config_with_routes(&server.url(), 200), false, 100, 30);
    let ui = console.handles.clone();
    let answered = console
        .run(async {
            // Mark all 200, revalidate, confirm.
            ui.press(KeyCode::Char('a'), KeyModifiers::CONTROL);
            ui.type_keys("r");
            ui.press(KeyCode::Tab, KeyModifiers::NONE);
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            let hang = Duration::from_secs(20);
            wait_until("200 requests hang at the server", hang, || {
                server.requests() == 200
            })
            .await;
            assert!(ui.screen().contains("200 in flight"));
            // A key is handled and drawn while they hang.
            let asked = Instant::now();
            ui.type_keys("?");
            wait_until("the help overlay is drawn", Duration::from_secs(2), || {
                ui.screen().contains("any key closes this help")
            })
            .await;
            let answered = asked.elapsed();
            assert!(ui.screen().contains("200 in flight"), "still hanging");
            ui.press(KeyCode::Esc, KeyModifiers::NONE);
            ui.type_keys("q");
            answered
        })
        .await;
    assert!(console.state.quit);
    assert!(answered < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_console_draws_nothing() {
    let mut console = Console::new(&config_with_routes("http://127.0.0.1:9", 5), true, 80, 24);
    let ui = console.handles.clone();
    let (idle_frames, after_unbound) = console
        .run(async {
            wait_until("the first frame", Duration::from_secs(2), || {
                ui.frames() == 1
            })
            .await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            let idle_frames = ui.frames();
            // An unbound key changes nothing: no frame either.
            ui.type_keys("x");
            tokio::time::sleep(Duration::from_millis(200)).await;
            let after_unbound = ui.frames();
            ui.type_keys("j");
            wait_until("a frame for j", Duration::from_secs(2), || ui.frames() == 2).await;
            ui.type_keys("q");
            (idle_frames, after_unbound)
        })
        .await;
    assert_eq!(idle_frames, 1, "no redraw while idle for a second");
    assert_eq!(after_unbound, 1, "no redraw for a key that does nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn y_writes_the_curl_to_the_clipboard_through_the_terminal() {
    let mut console = Console::new(&config_with_routes("http://127.0.0.1:9", 1), true, 80, 24);
    console.handles.type_keys("yq");
    console.run(async {}).await;
    let written = String::from_utf8(console.clipboard.clone()).unwrap();
    assert!(
        written.starts_with("\x1b]52;c;") && written.ends_with('\x07'),
        "{written:?}"
    );
    // The plain-text secret of this config is referred to, never copied.
    assert!(!written.contains(CANARY));
    let status = console.state.status.clone().unwrap().1;
    assert!(
        status.contains("${REVALIDATE_SECRET}") && !status.contains(CANARY),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_verify_and_checks_show_a_stale_cdn_in_the_console() {
    let demo = isrctl::cli::demo::Demo::start().await.unwrap();
    let config = isrctl::config::parse(&demo.config_text(), Path::new("demo.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let history = Arc::new(isrctl::history::History::open(dir.path()).unwrap());
    let mut console = Console::with_history(&config, false, (120, 40), Some(history.clone()));
    let ui = console.handles.clone();
    console
        .run(async {
            // To the stale-cdn site, then its /blog/hello.
            ui.type_keys(":site stale-cdn");
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            ui.type_keys("jjv");
            let wait = Duration::from_secs(15);
            wait_until("the verdict", wait, || ui.screen().contains("cdn stale")).await;
            let screen = ui.screen();
            assert!(
                screen.contains("verified: fresh_at_origin_stale_at_cdn"),
                "{screen}"
            );
            assert!(screen.contains("fix: purge"), "{screen}");
            ui.type_keys("p");
            wait_until("the probe", wait, || ui.screen().contains("origin 1: 200")).await;
            ui.type_keys("c");
            wait_until("the checks", wait, || ui.screen().contains("Checks (done)")).await;
            assert!(
                !ui.screen().contains("d3mo-app-7c41e9"),
                "the secret is never on screen"
            );
            ui.type_keys("q");
        })
        .await;
    assert!(
        console
            .state
            .verdict_for("stale-cdn", "/blog/hello")
            .is_some()
    );
}
