//! `isrctl watch` through the binary against an in-process site: a CDN
//! that keeps an old copy of `/pricing` until it is purged, and an origin
//! that serves the new page. In a pseudo-terminal the page's line turns
//! from stale to fresh when the copy is purged and the bell rings once;
//! piped, one JSON line per read; between rounds nothing is read at all.

use crate::common::{CANARY, SECRET_ENV, Scratch, runtime};
use axum::http::header;
use portable_pty::CommandBuilder;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The CDN (old copy until `purged`) and the origin (the new page), one
/// server; `reads` counts every request.
struct Site {
    url: String,
    purged: Arc<AtomicBool>,
    reads: Arc<Mutex<Vec<Instant>>>,
    _task: tokio::task::JoinHandle<()>,
}

async fn start_site() -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let purged = Arc::new(AtomicBool::new(false));
    let reads: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let page = |body: &'static str, cache: &'static str, age: &'static str| {
        (
            [
                (header::CONTENT_TYPE, "text/html"),
                (header::CACHE_CONTROL, "s-maxage=3600"),
                (header::AGE, age),
                (header::HeaderName::from_static("x-cache"), cache),
            ],
            body,
        )
    };
    let (flag, log) = (purged.clone(), reads.clone());
    let cdn = move |axum::extract::RawQuery(query): axum::extract::RawQuery| {
        let (flag, log) = (flag.clone(), log.clone());
        async move {
            log.lock().unwrap().push(Instant::now());
            match (query.is_some(), flag.load(Ordering::SeqCst)) {
                (true, _) => page("<p>price 2</p>", "MISS", "0"),
                (false, false) => page("<p>price 1</p>", "HIT", "600"),
                (false, true) => page("<p>price 2</p>", "HIT", "1"),
            }
        }
    };
    let log = reads.clone();
    let origin = move || {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(Instant::now());
            page("<p>price 2</p>", "HIT", "0")
        }
    };
    let app = axum::Router::new()
        .route("/pricing", axum::routing::get(cdn))
        .route("/origin/pricing", axum::routing::get(origin));
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Site {
        url,
        purged,
        reads,
        _task: task,
    }
}

/// A config whose site `sim` is the CDN, with the origin at `/origin`
/// (a base path of its own).
fn scratch(site: &Site) -> Scratch {
    let s = Scratch::new();
    s.site_config(
        &site.url,
        &format!("{}/api/revalidate", site.url),
        &format!("origins = [\"{}/origin\"]\ncdn = \"varnish\"", site.url),
    );
    s
}

/// Counts the bells the terminal was asked to ring.
#[derive(Default)]
struct Bells(usize);

impl vt100::Callbacks for Bells {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.0 += 1;
    }
}

#[test]
fn a_purged_copy_turns_the_watched_line_fresh_and_rings_the_bell_once() {
    let rt = runtime();
    let site = rt.block_on(start_site());
    let s = scratch(&site);
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("isrctl"));
    cmd.args(["--config", s.config_path().to_str().unwrap()]);
    cmd.args(["watch", "sim", "--path", "/pricing", "--interval", "1s"]);
    cmd.env("XDG_STATE_HOME", s.state_home());
    cmd.env(SECRET_ENV, CANARY);
    cmd.env("TERM", "xterm-256color");
    let pty = crate::common::pty::spawn(cmd, (40, 200), Bells::default());
    let (parser, mut child) = (pty.parser, pty.child);
    let wait_for =
        |what: &str| crate::common::pty::wait_for(&parser, what, Duration::from_secs(20));
    let before = wait_for("✗ /pricing");
    assert!(before.contains("public: copy 10 min old"), "{before}");
    assert_eq!(parser.lock().unwrap().callbacks().0, 0, "no bell yet");

    site.purged.store(true, Ordering::SeqCst);
    let after = wait_for("turned fresh /pricing");
    assert!(after.contains("public: copy 1 s old"), "{after}");
    // Two more rounds, still fresh: the bell rang for the turn only.
    let rounds_so_far = after.matches("/pricing ·").count();
    let start = Instant::now();
    while parser
        .lock()
        .unwrap()
        .screen()
        .contents()
        .matches("/pricing ·")
        .count()
        < rounds_so_far + 2
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no further rounds"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(parser.lock().unwrap().callbacks().0, 1, "one bell");
    child.kill().unwrap();
    let text = parser.lock().unwrap().screen().contents();
    assert!(!text.contains(CANARY), "{text}");
}

#[test]
fn between_rounds_nothing_is_read_and_each_read_is_a_json_line() {
    let rt = runtime();
    let site = rt.block_on(start_site());
    let s = scratch(&site);
    let out = s
        .isrctl()
        .env(SECRET_ENV, CANARY)
        .args([
            "watch",
            "sim",
            "--path",
            "/pricing",
            "--interval",
            "1s",
            "--rounds",
            "3",
        ])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    assert_eq!(out.status.code(), Some(1), "the page stayed stale: {out:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "one line per read");
    assert!(lines.iter().all(|l| l["standing"] == "stale"));
    // The reads come in three bursts, one per round, a second apart: no
    // read in between (a wide margin: the bursts take milliseconds).
    let reads = site.reads.lock().unwrap().clone();
    let gaps: Vec<Duration> = reads.windows(2).map(|w| w[1] - w[0]).collect();
    let pauses = gaps
        .iter()
        .filter(|g| **g >= Duration::from_millis(800))
        .count();
    assert_eq!(pauses, 2, "two waits between three rounds: {gaps:?}");
    assert_eq!(
        reads.len() % 3,
        0,
        "each round reads the same: {}",
        reads.len()
    );
}

#[test]
fn an_interval_shorter_than_a_second_is_refused() {
    let s = Scratch::new();
    s.site_config("http://127.0.0.1:9", "/api/revalidate", "");
    let out = s
        .isrctl()
        .args(["watch", "sim", "--interval", "100ms"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1s"));
}

#[test]
fn metrics_say_the_age_of_the_copy_visitors_get_and_how_the_page_stands() {
    use std::io::BufRead;
    let rt = runtime();
    let site = rt.block_on(start_site());
    let s = scratch(&site);
    let mut child = s
        .std_command()
        .env(SECRET_ENV, CANARY)
        .args(["watch", "sim", "--path", "/pricing", "--interval", "1s"])
        .args(["--metrics", "127.0.0.1:0", "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("metrics: ")
        .unwrap_or_else(|| panic!("the address first: {line:?}"))
        .to_string();
    let scrape = || {
        rt.block_on(async { reqwest::get(&url).await?.text().await })
            .unwrap()
    };
    let start = Instant::now();
    let text = loop {
        let text = scrape();
        if text.contains("isrctl_page_standing") {
            break text;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{text}");
        std::thread::sleep(Duration::from_millis(100));
    };
    child.kill().unwrap();
    let _ = child.wait();
    for expected in [
        r#"isrctl_copy_age_seconds{site="sim",path="/pricing",layer="public"} 600.0"#,
        r#"isrctl_page_standing{site="sim",path="/pricing",standing="stale"} 1"#,
        r#"isrctl_page_standing{site="sim",path="/pricing",standing="fresh"} 0"#,
        "# EOF",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    assert!(!text.contains(CANARY));
}
