//! The console benchmark: a config of N routes (the way a generated
//! config or a sitemap gives them), then what a user waits for: config
//! load, first frame, a redraw, a filter keystroke, and peak memory.
//! `cargo run --release --example bench_console -- 100000`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a tool, not the product

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use isrctl::tui::message::Message;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::fmt::Write;
use std::time::Instant;

fn config_text(routes: usize) -> String {
    let mut text = String::from(
        "[sites.big]\npublic_url = \"https://big.example.com\"\n[sites.big.secret]\nenv = \"BIG_SECRET\"\n",
    );
    for i in 0..routes {
        let _ = write!(
            text,
            "[[sites.big.routes]]\npath = \"/section-{}/page-{i}\"\ntags = [\"t{}\"]\nmarker = '<meta name=\"rendered-at\" content=\"([^\"]+)\"'\n",
            i % 50,
            i % 20
        );
    }
    text
}

/// A memory figure of this process from /proc/self/status, in MB:
/// `VmHWM` (peak resident) or `VmRSS` (resident now).
fn memory_mb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let routes: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let text = config_text(routes);
    let file = std::env::temp_dir().join(format!("isrctl-bench-{routes}.toml"));
    std::fs::write(&file, &text).unwrap();
    drop(text);

    let started = Instant::now();
    // As the console opens: the sites first (drawn), the routes after.
    let theme = isrctl::tui::theme::Theme { color: true };
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let (first_frame, config) = match isrctl::model::config::load_staged(&file).unwrap() {
        isrctl::model::config::Staged::SitesFirst(first) => {
            let none = isrctl::history::LastStates::default();
            let sites = isrctl::tui::state::State::new(&first.sites, &none, false, theme);
            terminal
                .draw(|f| isrctl::tui::view::view(&sites, f))
                .unwrap();
            let first_frame = ms(started);
            (first_frame, first.routes().unwrap())
        }
        isrctl::model::config::Staged::Whole(config) => (f64::NAN, config),
    };
    let load = ms(started);
    // Started the way the console starts (state, engine, background work).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _inside = runtime.enter();
    let isrctl::tui::Started {
        mut state,
        engine: _engine,
        mut engine_events,
    } = isrctl::tui::start(&config, None, None, false, theme);
    terminal
        .draw(|f| isrctl::tui::view::view(&state, f))
        .unwrap();
    let routes_frame = ms(started);
    let first_frame = if first_frame.is_nan() {
        routes_frame
    } else {
        first_frame
    };
    let resident = memory_mb("VmRSS");

    // The filter's index, built in the background after the first frame.
    let event = runtime.block_on(engine_events.recv()).unwrap();
    let index_ready = ms(started);
    isrctl::tui::update::update(&mut state, Message::Engine(event));
    let with_index = memory_mb("VmRSS");

    let redraw_at = Instant::now();
    terminal
        .draw(|f| isrctl::tui::view::view(&state, f))
        .unwrap();
    let redraw = ms(redraw_at);

    // Opening the filter builds its index: a keystroke of its own.
    let open_at = Instant::now();
    isrctl::tui::update::update(
        &mut state,
        Message::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
    );
    terminal
        .draw(|f| isrctl::tui::view::view(&state, f))
        .unwrap();
    let filter_open = ms(open_at);
    let mut keystrokes = Vec::new();
    for c in "page-9".chars() {
        let at = Instant::now();
        isrctl::tui::update::update(
            &mut state,
            Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        terminal
            .draw(|f| isrctl::tui::view::view(&state, f))
            .unwrap();
        keystrokes.push(ms(at));
    }
    keystrokes.sort_by(f64::total_cmp);
    let keystroke = keystrokes[keystrokes.len() / 2];
    let slowest = keystrokes[keystrokes.len() - 1];
    let _ = std::fs::remove_file(&file);
    println!(
        "routes {routes}: first frame {first_frame:.0} ms (the sites; routes read after), config load {load:.0} ms, routes on screen {routes_frame:.0} ms, redraw {redraw:.2} ms, filter index {index_ready:.0} ms after start, filter open {filter_open:.1} ms, filter keystroke {keystroke:.1} ms (median, slowest {slowest:.1}), RSS {resident} MB with the routes on screen, {with_index} MB with the index, peak RSS {} MB",
        memory_mb("VmHWM")
    );
}
