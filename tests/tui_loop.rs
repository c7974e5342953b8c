//! The whole message loop with a test backend and an injected key stream:
//! keys are handled while 200 requests hang at the server, and an idle
//! console draws nothing.

mod common;

use common::CANARY;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use isrctl::sim::{Behaviour, Hostile};
use isrctl::tui::engine::Engine;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_handled_while_200_requests_hang() {
    let server = Hostile::start(Behaviour::Hang).await.unwrap();
    let config = config_with_routes(&server.url(), 200);
    let mut state = State::new(
        &config,
        &isrctl::tui::no_history(),
        false,
        Theme { color: false },
    );
    let (engine, engine_events) = Engine::new(config.sites.clone(), None);
    let backend = SharedBackend(Arc::new(Mutex::new(TestBackend::new(100, 30))));
    let mut terminal = Terminal::new(backend.clone()).unwrap();
    let frames = AtomicU64::new(0);
    let (keys, input) = unbounded();
    let mut event_loop = Loop {
        terminal: &mut terminal,
        engine,
        engine_events,
        clipboard: Vec::new(),
        frames: &frames,
    };

    let driver = async {
        // Mark all 200, revalidate, confirm.
        press(&keys, KeyCode::Char('a'), KeyModifiers::CONTROL);
        press(&keys, KeyCode::Char('r'), KeyModifiers::NONE);
        press(&keys, KeyCode::Tab, KeyModifiers::NONE);
        press(&keys, KeyCode::Enter, KeyModifiers::NONE);
        wait_until(
            "200 requests hang at the server",
            Duration::from_secs(20),
            || server.requests() == 200,
        )
        .await;
        assert!(backend.screen().contains("200 in flight"));
        // A key is handled and drawn while they hang.
        let asked = Instant::now();
        press(&keys, KeyCode::Char('?'), KeyModifiers::NONE);
        wait_until("the help overlay is drawn", Duration::from_secs(2), || {
            backend.screen().contains("any key closes this help")
        })
        .await;
        let answered = asked.elapsed();
        assert!(backend.screen().contains("200 in flight"), "still hanging");
        press(&keys, KeyCode::Esc, KeyModifiers::NONE);
        press(&keys, KeyCode::Char('q'), KeyModifiers::NONE);
        answered
    };
    let (result, answered) = tokio::join!(
        event_loop.run(&mut state, input, std::future::pending()),
        driver
    );
    result.unwrap();
    assert!(state.quit);
    assert!(answered < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_console_draws_nothing() {
    let config = config_with_routes("http://127.0.0.1:9", 5);
    let mut state = State::new(
        &config,
        &isrctl::tui::no_history(),
        false,
        Theme { color: true },
    );
    let (engine, engine_events) = Engine::new(config.sites.clone(), None);
    let backend = SharedBackend(Arc::new(Mutex::new(TestBackend::new(80, 24))));
    let mut terminal = Terminal::new(backend.clone()).unwrap();
    let frames = AtomicU64::new(0);
    let (keys, input) = unbounded();
    let mut event_loop = Loop {
        terminal: &mut terminal,
        engine,
        engine_events,
        clipboard: Vec::new(),
        frames: &frames,
    };

    let driver = async {
        wait_until("the first frame", Duration::from_secs(2), || {
            frames.load(Ordering::Relaxed) == 1
        })
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle_frames = frames.load(Ordering::Relaxed);
        // An unbound key changes nothing: no frame either.
        press(&keys, KeyCode::Char('x'), KeyModifiers::NONE);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after_unbound = frames.load(Ordering::Relaxed);
        press(&keys, KeyCode::Char('j'), KeyModifiers::NONE);
        wait_until("a frame for j", Duration::from_secs(2), || {
            frames.load(Ordering::Relaxed) == 2
        })
        .await;
        press(&keys, KeyCode::Char('q'), KeyModifiers::NONE);
        (idle_frames, after_unbound)
    };
    let (result, (idle_frames, after_unbound)) = tokio::join!(
        event_loop.run(&mut state, input, std::future::pending()),
        driver
    );
    result.unwrap();
    assert_eq!(idle_frames, 1, "no redraw while idle for a second");
    assert_eq!(after_unbound, 1, "no redraw for a key that does nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn y_writes_the_curl_to_the_clipboard_through_the_terminal() {
    let config = config_with_routes("http://127.0.0.1:9", 1);
    let mut state = State::new(
        &config,
        &isrctl::tui::no_history(),
        false,
        Theme { color: true },
    );
    let (engine, engine_events) = Engine::new(config.sites.clone(), None);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let frames = AtomicU64::new(0);
    let (keys, input) = unbounded();
    let mut event_loop = Loop {
        terminal: &mut terminal,
        engine,
        engine_events,
        clipboard: Vec::new(),
        frames: &frames,
    };
    press(&keys, KeyCode::Char('y'), KeyModifiers::NONE);
    press(&keys, KeyCode::Char('q'), KeyModifiers::NONE);
    event_loop
        .run(&mut state, input, std::future::pending())
        .await
        .unwrap();
    let written = String::from_utf8(event_loop.clipboard.clone()).unwrap();
    assert!(
        written.starts_with("\x1b]52;c;") && written.ends_with('\x07'),
        "{written:?}"
    );
    // The plain-text secret of this config is referred to, never copied.
    assert!(!written.contains(CANARY));
    let status = state.status.unwrap().1;
    assert!(
        status.contains("${REVALIDATE_SECRET}") && !status.contains(CANARY),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_verify_and_checks_show_a_stale_cdn_in_the_console() {
    let demo = isrctl::demo::Demo::start().await.unwrap();
    let config = isrctl::config::parse(&demo.config_text(), Path::new("demo.toml")).unwrap();
    let mut state = State::new(
        &config,
        &isrctl::tui::no_history(),
        false,
        Theme { color: false },
    );
    let (engine, engine_events) = Engine::new(config.sites.clone(), None);
    let backend = SharedBackend(Arc::new(Mutex::new(TestBackend::new(120, 40))));
    let mut terminal = Terminal::new(backend.clone()).unwrap();
    let frames = AtomicU64::new(0);
    let (keys, input) = unbounded();
    let mut event_loop = Loop {
        terminal: &mut terminal,
        engine,
        engine_events,
        clipboard: Vec::new(),
        frames: &frames,
    };

    let driver = async {
        let type_keys = |text: &str| {
            for c in text.chars() {
                press(&keys, KeyCode::Char(c), KeyModifiers::NONE);
            }
        };
        // To the stale-cdn site, then its /blog/hello.
        type_keys(":site stale-cdn");
        press(&keys, KeyCode::Enter, KeyModifiers::NONE);
        type_keys("jj");
        type_keys("v");
        let wait = Duration::from_secs(15);
        wait_until("the verdict", wait, || {
            backend.screen().contains("cdn stale")
        })
        .await;
        let screen = backend.screen();
        assert!(
            screen.contains("verified: fresh_at_origin_stale_at_cdn"),
            "{screen}"
        );
        assert!(screen.contains("fix: purge"), "{screen}");
        type_keys("p");
        wait_until("the probe", wait, || {
            backend.screen().contains("origin 1: 200")
        })
        .await;
        type_keys("c");
        wait_until("the checks", wait, || {
            backend.screen().contains("Checks (done)")
        })
        .await;
        let screen = backend.screen();
        assert!(
            !screen.contains("d3mo-app-7c41e9"),
            "the secret is never on screen"
        );
        type_keys("q");
    };
    let (result, ()) = tokio::join!(
        event_loop.run(&mut state, input, std::future::pending()),
        driver
    );
    result.unwrap();
    assert!(state.verdict_for("stale-cdn", "/blog/hello").is_some());
}
