//! A large config in the console: its sites on screen before its routes
//! are read, nothing typed meanwhile lost, and a bad route still refused
//! with its place once the routes are in.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use isrctl::model::config::{Staged, load_staged};
use portable_pty::CommandBuilder;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

const ROUTES: usize = 30_000;

/// A generated config over the size read in two steps; `bad` replaces
/// one route's path line. The site is not probed at start (no network).
fn large_config(bad: Option<&str>) -> String {
    let mut text = String::from(
        "[sites.big]\npublic_url = \"https://big.example.com\"\nprobe_on_start = false\n[sites.big.secret]\nvalue = \"big-secret-canary-0123\"\n",
    );
    for i in 0..ROUTES {
        text.push_str("[[sites.big.routes]]\n");
        match bad {
            Some(bad) if i == ROUTES / 2 => text.push_str(bad),
            _ => text.push_str(&format!("path = \"/section-{}/page-{i}\"", i % 50)),
        }
        text.push('\n');
    }
    text
}

fn written(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sites_are_drawn_before_the_routes_are_read() {
    let (_dir, file) = written(&large_config(None));
    let Ok(Staged::SitesFirst(first)) = load_staged(&file) else {
        panic!("a large generated config comes sites first");
    };
    let theme = isrctl::tui::theme::Theme { color: false };
    let no_history = isrctl::history::LastStates::default();
    let mut state = isrctl::tui::state::State::new(&first.sites, &no_history, false, theme);
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    // Two keys typed at once, then nothing: both are kept for later.
    let mut input =
        futures::stream::iter([Ok(key('j')), Ok(key('j'))]).chain(futures::stream::pending());
    let never = std::pin::pin!(futures::future::pending::<()>());
    let read =
        isrctl::tui::loading::routes(&mut terminal, &mut state, first, &mut input, never).await;
    let Ok((config, held)) = read else {
        panic!("the routes are read");
    };
    // The frame drawn while they were read: the site, no route yet, and
    // what it is waiting for.
    let screen = terminal.backend().to_string();
    assert!(screen.contains("big"), "{screen}");
    assert!(
        screen.contains("(0/0)"),
        "no route before they are read:\n{screen}"
    );
    assert!(
        screen.contains(&format!("  reading {ROUTES} routes…")),
        "the routes pane says so:\n{screen}"
    );
    assert!(
        !screen.contains("no routes match"),
        "not a filter's miss:\n{screen}"
    );
    assert!(!screen.contains("big-secret-canary"), "{screen}");
    assert_eq!(config.sites[0].routes.len(), ROUTES);
    assert_eq!(
        held,
        vec![key('j'), key('j')],
        "typed while reading, kept in order"
    );
}

use futures::StreamExt;

struct Console {
    pty: crate::common::pty::Pty<()>,
    _dir: tempfile::TempDir,
}

impl Console {
    fn open(text: &str) -> Console {
        let (dir, file) = written(text);
        let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("isrctl"));
        cmd.arg("--config");
        cmd.arg(&file);
        cmd.env("XDG_STATE_HOME", dir.path().join("state"));
        cmd.env("TERM", "xterm-256color");
        let pty = crate::common::pty::spawn(cmd, (30, 120), ());
        Console { pty, _dir: dir }
    }

    fn screen(&self) -> String {
        self.pty.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str) -> String {
        crate::common::pty::wait_for(&self.pty.parser, what, Duration::from_secs(60))
    }

    fn exit_code(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.pty.child.try_wait().unwrap() {
                // Let the last bytes reach the parser.
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn the_routes_fill_in_and_a_key_typed_meanwhile_counts() {
    let mut console = Console::open(&large_config(None));
    console.wait_for("big");
    // `/` opens the filter whether the routes are in yet or not: kept
    // until they are, never lost.
    console.pty.keys.write_all(b"/page-7\r").unwrap();
    console.pty.keys.flush().unwrap();
    // The routes are in (N of all of them listed) and the filter is on.
    let screen = console.wait_for(&format!("/{ROUTES}) /page-7"));
    assert!(!screen.contains("reading"), "{screen}");
    console.pty.keys.write_all(b"q").unwrap();
    console.pty.keys.flush().unwrap();
    assert_eq!(console.exit_code(), 0, "{}", console.screen());
}

#[test]
fn a_bad_route_in_a_large_config_ends_the_console_with_its_place() {
    let mut console = Console::open(&large_config(Some("path = \"no-slash\"")));
    assert_eq!(console.exit_code(), 2, "{}", console.screen());
    let screen = console.screen();
    // The route's line: 5 lines of site, 2 per route before it, then its
    // header line.
    let line = 5 + 2 * (ROUTES / 2) + 2;
    assert!(screen.contains(&format!("big.toml:{line}:8")), "{screen}");
    assert!(screen.contains("no-slash"), "{screen}");
}

use std::io::Write;
