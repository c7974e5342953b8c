//! Both faces drive one engine: what used to drift between the command line
//! and the console holds the same way in each. Every request the endpoint
//! receives (revalidations, verifications, the auth check's probes) counts
//! against the site's concurrency, rate and 429 pause; cancelled targets are
//! never recorded; the index is current after each operation; a `command`
//! secret runs once per site per session.

use crate::common;

use common::console_loop::{Console, Handles, wait_until};
use common::{CANARY, Scratch, runtime};
use crossterm::event::{KeyCode, KeyModifiers};
use isrctl::history::History;
use isrctl::sim::{OriginOptions, SimOrigin, SimPage};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PAGES: usize = 6;

fn pages() -> Vec<SimPage> {
    (0..PAGES)
        .map(|i| SimPage::new(&format!("/p/{i}"), &["pages"]))
        .collect()
}

fn origin_options() -> OriginOptions {
    OriginOptions {
        secret: CANARY.to_string(),
        pages: pages(),
        endpoint_delay: Duration::from_millis(150),
        ..OriginOptions::default()
    }
}

/// The site's limits and secret source as config lines.
struct Limits {
    concurrency: usize,
    rate: f64,
    secret: String,
}

impl Limits {
    fn concurrency(n: usize) -> Limits {
        Limits {
            concurrency: n,
            rate: 0.0,
            secret: format!("value = \"{CANARY}\""),
        }
    }
}

fn config_text(url: &str, limits: &Limits) -> String {
    let mut text = format!(
        "[sites.sim]\npublic_url = \"{url}\"\nconcurrency = {}\nrate_per_second = {}\ntimeout = \"5s\"\nmax_retry_after = \"5s\"\ntags = [\"pages\"]\n[sites.sim.secret]\n{}\n",
        limits.concurrency, limits.rate, limits.secret
    );
    for i in 0..PAGES {
        text.push_str(&format!(
            "[[sites.sim.routes]]\npath = \"/p/{i}\"\ntags = [\"pages\"]\n"
        ));
    }
    text
}

fn config(url: &str, limits: &Limits) -> isrctl::model::config::Config {
    isrctl::model::config::parse(&config_text(url, limits), Path::new("sim.toml")).unwrap()
}

/// The console is working while its header counts requests in flight
/// ("⠋ 3 in flight"; the status "…those in flight finish" is not a count).
fn busy(screen: &str) -> bool {
    let header = screen.lines().next().unwrap_or_default();
    header
        .match_indices(" in flight")
        .any(|(i, _)| header[..i].ends_with(|c: char| c.is_ascii_digit()))
}

/// Mark every route, press `key`, confirm, and wait until nothing is in flight.
async fn on_all_routes(ui: &Handles, key: &str) {
    ui.press(KeyCode::Char('a'), KeyModifiers::CONTROL);
    ui.type_keys(key);
    ui.press(KeyCode::Tab, KeyModifiers::NONE);
    ui.press(KeyCode::Enter, KeyModifiers::NONE);
    let long = Duration::from_secs(30);
    ui.wait_for("the work starts", long, busy).await;
    ui.wait_for("the work ends", long, |s| !busy(s)).await;
}

fn history_in(dir: &Path) -> Arc<History> {
    Arc::new(History::open(dir).unwrap())
}

fn records(history: &History, action: &str) -> Vec<isrctl::history::Record> {
    let loaded = history.load().unwrap();
    loaded
        .records
        .into_iter()
        .filter(|r| r.action == action)
        .collect()
}

/// The index covers the whole history file: nothing left to read at start-up.
fn assert_index_current(dir: &Path) {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("last.json")).unwrap()).unwrap();
    let len = std::fs::metadata(dir.join("history.jsonl")).unwrap().len();
    assert_eq!(index["offset"].as_u64(), Some(len), "last.json is behind");
}

/// After the first 429 was answered, the next request came only after the
/// Retry-After second (a little slack for clocks, none for a skipped wait).
fn assert_paused_after_429(origin: &SimOrigin) {
    let limited = origin.rate_limited_at();
    assert_eq!(limited.len(), 1, "the sim answered one 429");
    let after: Vec<Instant> = origin
        .endpoint_arrivals()
        .into_iter()
        .filter(|t| *t > limited[0])
        .collect();
    assert!(!after.is_empty(), "requests went on after the 429");
    // Requests already on their way when the 429 was answered arrive at
    // once; nothing new may start until the second has passed.
    let already_sent = Duration::from_millis(50);
    for t in after {
        let waited = t.duration_since(limited[0]);
        assert!(
            waited < already_sent || waited >= Duration::from_millis(900),
            "a request came {waited:?} after the 429 (Retry-After: 1)"
        );
    }
}

// ---- the console ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_v_on_marked_routes_keeps_the_sites_concurrency() {
    let origin = SimOrigin::start(origin_options()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(&origin.url(), &Limits::concurrency(2));
    let mut console =
        Console::with_history(&config, false, (120, 40), Some(history_in(dir.path())));
    let ui = console.handles.clone();
    console
        .run(async {
            on_all_routes(&ui, "v").await;
            ui.type_keys("q");
        })
        .await;
    assert_eq!(
        origin.endpoint_requests(),
        PAGES,
        "one revalidation per route"
    );
    assert_eq!(origin.max_concurrent_endpoint_requests(), 2);
    for i in 0..PAGES {
        assert!(
            console
                .state
                .verdict_for(console.state.site_id("sim").unwrap(), &format!("/p/{i}"))
                .is_some(),
            "/p/{i} verified"
        );
    }
    assert_index_current(dir.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_v_honours_the_rate_limit() {
    let origin = SimOrigin::start(OriginOptions {
        endpoint_delay: Duration::ZERO,
        ..origin_options()
    })
    .await
    .unwrap();
    let limits = Limits {
        rate: 10.0,
        ..Limits::concurrency(PAGES)
    };
    let mut console = Console::new(&config(&origin.url(), &limits), false, 120, 40);
    let ui = console.handles.clone();
    console
        .run(async {
            on_all_routes(&ui, "v").await;
            ui.type_keys("q");
        })
        .await;
    let arrivals = origin.endpoint_arrivals();
    assert_eq!(arrivals.len(), PAGES);
    // 10 per second, one at a time: 5 gaps of 100 ms at least.
    let spread = arrivals[PAGES - 1].duration_since(arrivals[0]);
    assert!(spread >= Duration::from_millis(450), "{spread:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_shows_the_429_wait_and_every_request_pauses() {
    let origin = SimOrigin::start(OriginOptions {
        rate_limit_first: 1,
        ..origin_options()
    })
    .await
    .unwrap();
    let mut console = Console::new(
        &config(&origin.url(), &Limits::concurrency(1)),
        false,
        120,
        40,
    );
    let ui = console.handles.clone();
    let shown = console
        .run(async {
            ui.press(KeyCode::Char('a'), KeyModifiers::CONTROL);
            ui.type_keys("v");
            ui.press(KeyCode::Tab, KeyModifiers::NONE);
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            let wait = Duration::from_secs(10);
            wait_until("the wait is shown", wait, || {
                ui.screen().contains("rate limited")
            })
            .await;
            let shown = ui.screen();
            ui.wait_for("the work ends", Duration::from_secs(30), |s| !busy(s))
                .await;
            ui.type_keys("q");
            shown
        })
        .await;
    assert!(shown.contains("waits 1 s"), "{shown}");
    assert_paused_after_429(&origin);
    assert_eq!(
        origin.endpoint_requests(),
        PAGES + 1,
        "the 429'd one was retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_cancel_records_nothing_for_the_targets_not_sent() {
    let origin = SimOrigin::start(OriginOptions {
        endpoint_delay: Duration::from_millis(400),
        ..origin_options()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let history = history_in(dir.path());
    let config = config(&origin.url(), &Limits::concurrency(1));
    let mut console = Console::with_history(&config, false, (120, 40), Some(history.clone()));
    let ui = console.handles.clone();
    console
        .run(async {
            ui.press(KeyCode::Char('a'), KeyModifiers::CONTROL);
            ui.type_keys("r");
            ui.press(KeyCode::Tab, KeyModifiers::NONE);
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            let wait = Duration::from_secs(10);
            wait_until("one request arrives", wait, || {
                origin.endpoint_requests() == 1
            })
            .await;
            ui.press(KeyCode::Esc, KeyModifiers::NONE);
            ui.wait_for("the work ends", wait, |s| !busy(s)).await;
            ui.type_keys("q");
        })
        .await;
    let sent = origin.endpoint_requests();
    assert!(sent < PAGES, "cancelled mid-way ({sent} sent)");
    let recorded = records(&history, "revalidate");
    assert_eq!(
        recorded.len(),
        sent,
        "one record per request sent: {recorded:?}"
    );
    assert!(recorded.iter().all(|r| r.outcome != "cancelled"));
    assert_index_current(dir.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_runs_a_secret_command_once_for_r_v_c_and_p() {
    let origin = SimOrigin::start(origin_options()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("runs");
    let limits = Limits {
        secret: secret_command(&counter),
        ..Limits::concurrency(2)
    };
    let history_dir = dir.path().join("state");
    let config = config(&origin.url(), &limits);
    let mut console =
        Console::with_history(&config, false, (120, 40), Some(history_in(&history_dir)));
    let ui = console.handles.clone();
    console
        .run(async {
            let wait = Duration::from_secs(20);
            for key in ["r", "v"] {
                ui.type_keys(key);
                ui.wait_for("the work starts", wait, busy).await;
                ui.wait_for("the work ends", wait, |s| !busy(s)).await;
            }
            ui.type_keys("p");
            ui.wait_for("the probe", wait, |s| s.contains("probe ·"))
                .await;
            ui.type_keys("c");
            wait_until("the checks", wait, || ui.screen().contains("Checks (done)")).await;
            ui.type_keys("q");
        })
        .await;
    assert_eq!(
        runs(&counter),
        1,
        "the secret command ran once for the site"
    );
    // `c` brought the index up to date as well as `v`.
    assert_index_current(&history_dir);
    let checks = records(&history_in(&history_dir), "check");
    assert_eq!(checks.len(), 1, "one check record for the checked path");
}

fn secret_command(counter: &Path) -> String {
    format!(
        "command = [\"sh\", \"-c\", \"echo run >> '{}'; printf %s {CANARY}\"]",
        counter.display()
    )
}

fn runs(counter: &Path) -> usize {
    std::fs::read_to_string(counter)
        .unwrap_or_default()
        .lines()
        .count()
}

// ---- the command line ---------------------------------------------------------

/// A scratch config for the binary: the sim site with these limits.
fn scratch(origin: &SimOrigin, limits: &Limits) -> Scratch {
    let s = Scratch::new();
    std::fs::write(s.config_path(), config_text(&origin.url(), limits)).unwrap();
    s
}

fn all_paths() -> Vec<String> {
    (0..PAGES)
        .flat_map(|i| ["--path".to_string(), format!("/p/{i}")])
        .collect()
}

#[test]
fn cli_check_active_on_many_paths_keeps_the_sites_concurrency() {
    let rt = runtime();
    let origin = rt.block_on(SimOrigin::start(origin_options())).unwrap();
    let s = scratch(&origin, &Limits::concurrency(2));
    let out = s
        .isrctl()
        .args(["check", "sim", "--active", "--json"])
        .args(all_paths())
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    let doc = common::json(&out);
    assert_eq!(doc["verifications"].as_array().map(Vec::len), Some(PAGES));
    // Every endpoint request counts: the auth check's two or three probes
    // and one revalidation per path.
    assert!(origin.endpoint_requests() >= PAGES + 2);
    assert_eq!(origin.max_concurrent_endpoint_requests(), 2);
    assert_index_current(&s.state_home().join("isrctl"));
}

#[test]
fn cli_check_active_on_many_paths_honours_the_rate_limit() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            endpoint_delay: Duration::ZERO,
            ..origin_options()
        }))
        .unwrap();
    let limits = Limits {
        rate: 10.0,
        ..Limits::concurrency(PAGES)
    };
    let s = scratch(&origin, &limits);
    let out = s
        .isrctl()
        .args(["check", "sim", "--active"])
        .args(all_paths())
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    // The auth probes and one revalidation per path, 10 per second in all:
    // at least PAGES + 1 gaps of 100 ms between the first and the last.
    let arrivals = origin.endpoint_arrivals();
    assert!(arrivals.len() >= PAGES + 2, "{}", arrivals.len());
    let spread = arrivals[arrivals.len() - 1].duration_since(arrivals[0]);
    let gaps = (arrivals.len() - 1) as u32;
    assert!(
        spread >= Duration::from_millis(90) * gaps,
        "{spread:?} for {gaps} gaps"
    );
}

/// Run the binary with `args` against an origin whose first endpoint
/// request gets a 429 (Retry-After: 1); the run's output and the origin.
fn after_a_429(args: &[&str]) -> (std::process::Output, SimOrigin) {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            rate_limit_first: 1,
            ..origin_options()
        }))
        .unwrap();
    let s = scratch(&origin, &Limits::concurrency(2));
    let out = s.isrctl().args(args).output().unwrap();
    s.assert_no_canary(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rate limited: waiting 1s"), "{stderr}");
    assert_paused_after_429(&origin);
    (out, origin)
}

#[test]
fn cli_verify_pauses_every_request_on_a_429_and_says_so() {
    let mut args = vec!["revalidate", "sim", "--verify", "--yes"];
    let paths = all_paths();
    args.extend(paths.iter().map(String::as_str));
    let (out, _origin) = after_a_429(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn cli_check_active_pauses_on_a_429_too() {
    after_a_429(&[
        "check", "sim", "--active", "--path", "/p/0", "--path", "/p/1",
    ]);
}

#[test]
fn cli_runs_a_secret_command_once_for_revalidate_and_verify() {
    let rt = runtime();
    let origin = rt.block_on(SimOrigin::start(origin_options())).unwrap();
    let counter_dir = tempfile::tempdir().unwrap();
    let counter = counter_dir.path().join("runs");
    let limits = Limits {
        secret: secret_command(&counter),
        ..Limits::concurrency(2)
    };
    let s = scratch(&origin, &limits);
    let out = s
        .isrctl()
        .args(["revalidate", "sim", "--verify", "--yes"])
        .args(all_paths())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(runs(&counter), 1);
    let out = s
        .isrctl()
        .args(["check", "sim", "--active", "--path", "/p/0"])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    assert_eq!(runs(&counter), 2, "one more run for one more session");
}

#[test]
fn cli_ctrl_c_records_nothing_for_the_targets_not_sent() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            endpoint_delay: Duration::from_millis(400),
            ..origin_options()
        }))
        .unwrap();
    let s = scratch(&origin, &Limits::concurrency(1));
    let mut child = s
        .std_command()
        .args([
            "revalidate",
            "sim",
            "--yes",
            "--json",
            "--reason",
            "ticket 9",
        ])
        .args(all_paths())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while origin.endpoint_requests() < 1 {
        assert!(started.elapsed() < Duration::from_secs(10), "nothing sent");
        std::thread::sleep(Duration::from_millis(10));
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = child.wait().unwrap();
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let outcomes: Vec<&str> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"]["kind"].as_str().unwrap_or("none"))
        .collect();
    assert!(outcomes.contains(&"cancelled"), "{outcomes:?}");
    assert_eq!(
        doc["summary"]["not_sent"],
        outcomes.iter().filter(|k| **k == "cancelled").count()
    );
    assert_eq!(status.code(), Some(130), "Ctrl-C: 128 + SIGINT");
    let history = History::open(&s.state_home().join("isrctl")).unwrap();
    let recorded = records(&history, "revalidate");
    assert_eq!(recorded.len(), origin.endpoint_requests());
    assert!(recorded.iter().all(|r| r.outcome != "cancelled"));

    // One line says how many were not sent and where their paths are;
    // --paths-from that file sends exactly those.
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let unsent = outcomes.iter().filter(|k| **k == "cancelled").count();
    assert!(
        stderr.contains(&format!("{unsent} not sent (Ctrl-C came first)")),
        "{stderr}"
    );
    let file = stderr
        .split("--paths-from ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no file named: {stderr}"));
    let listed: Vec<String> = std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    assert_eq!(listed.len(), unsent, "{listed:?}");
    // The resume line runs as printed (trial item 7): the run's --config
    // and --reason are in it, so a shell in another directory resumes the
    // same run on the same sites.
    let resume = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("resume: "))
        .unwrap_or_else(|| panic!("no resume line: {stderr}"));
    assert!(
        resume.contains("--config") && resume.contains("--reason 'ticket 9'"),
        "{resume}"
    );
    let bin_dir = assert_cmd::cargo::cargo_bin("isrctl")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let sent_before = origin.endpoint_requests();
    let out = std::process::Command::new("sh")
        .args(["-c", resume])
        .current_dir(std::env::temp_dir())
        .env("PATH", path)
        .env_remove("ISRCTL_CONFIG")
        .env("XDG_STATE_HOME", s.state_home())
        .env("HOME", s.dir.path())
        .env(common::SECRET_ENV, common::CANARY)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(origin.endpoint_requests() - sent_before, unsent);
    let reasons = records(&history, "revalidate");
    assert!(
        reasons
            .iter()
            .all(|r| r.reason.as_deref() == Some("ticket 9"))
    );
}
