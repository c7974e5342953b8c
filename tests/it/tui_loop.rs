//! The whole message loop with a test backend and an injected key stream:
//! keys are handled while 200 requests hang at the server, and an idle
//! console draws nothing.

use crate::common;

use common::CANARY;
use common::console_loop::{Console, wait_until};
use crossterm::event::{KeyCode, KeyModifiers};
use isrctl::sim::{Behaviour, Hostile};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One site of `routes` paths that the console does not probe at start
/// (these tests count frames and requests from the keys they press).
fn config_with_routes(url: &str, routes: usize) -> isrctl::model::config::Config {
    let mut text = format!(
        "[sites.slow]\npublic_url = \"{url}\"\nconcurrency = {routes}\nrate_per_second = 0\ntimeout = \"60s\"\nprobe_on_start = false\n[sites.slow.secret]\nvalue = \"{CANARY}\"\n"
    );
    for i in 0..routes {
        text.push_str(&format!("[[sites.slow.routes]]\npath = \"/p/{i}\"\n"));
    }
    isrctl::model::config::parse(&text, Path::new("slow.toml")).unwrap()
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
                ui.screen().contains("Which key fixes a stale page?")
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
    let ui = console.handles.clone();
    let shown = console
        .run(async {
            ui.type_keys("y");
            ui.wait_for(
                "the message line says where the copy went",
                Duration::from_secs(5),
                |s| s.contains("clipboard.txt"),
            )
            .await;
            let screen = ui.screen();
            ui.type_keys("q");
            screen
        })
        .await;
    let written = String::from_utf8(console.clipboard.clone()).unwrap();
    assert!(
        written.starts_with("\x1b]52;c;") && written.ends_with('\x07'),
        "{written:?}"
    );
    // The plain-text secret of this config is referred to, never copied.
    assert!(!written.contains(CANARY));
    // Trial item 7: never "copied" for what the terminal may have dropped;
    // the text is also in a file the message names.
    assert!(
        shown.contains("copied to /") && !shown.contains("copied: curl") && !shown.contains(CANARY),
        "{shown}"
    );
    let kept = console.keep_dir.path().join("clipboard.txt");
    let text = std::fs::read_to_string(&kept).unwrap();
    assert!(
        text.starts_with("curl ")
            && text.contains("${REVALIDATE_SECRET}")
            && !text.contains(CANARY),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_verify_and_checks_show_a_stale_cdn_in_the_console() {
    let (_demo, _history_dir, mut console) = demo_console().await;
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
            .verdict_for(console.state.site_id("stale-cdn").unwrap(), "/blog/hello")
            .is_some()
    );
}

/// The demo's stale-cdn site is fixed from the console: `v` shows the
/// stale CDN and names the key; `f` revalidates, purges and proves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f_makes_the_demo_stale_cdn_fresh_everywhere() {
    let (demo, dir, mut console) = demo_console().await;
    let ui = console.handles.clone();
    console
        .run(async {
            ui.type_keys(":site stale-cdn");
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            ui.type_keys("jjv");
            let wait = Duration::from_secs(15);
            wait_until("the stale verdict", wait, || {
                ui.screen().contains("cdn stale")
            })
            .await;
            assert!(
                ui.screen().contains("press f to make it fresh"),
                "{}",
                ui.screen()
            );
            ui.type_keys("f");
            wait_until("fresh everywhere", wait, || {
                ui.screen().contains("verified: fresh_everywhere")
            })
            .await;
            let screen = ui.screen();
            assert!(screen.contains("varnish purged"), "{screen}");
            assert!(screen.contains("purged just now"), "{screen}");
            ui.type_keys("q");
        })
        .await;
    // Read directly, the CDN serves what the origin serves.
    let page = |url: String| async move { reqwest::get(url).await.unwrap().text().await.unwrap() };
    let cdn = page(format!("{}/blog/hello", demo.stale_cdn.url())).await;
    let origin = page(format!("{}/blog/hello", demo.stale_origin.url())).await;
    let marker = |html: &str| {
        regex::Regex::new(r#"isr-rendered-at" content="([^"]+)""#)
            .unwrap()
            .captures(html)
            .map(|c| c[1].to_string())
    };
    assert!(marker(&cdn).is_some());
    assert_eq!(marker(&cdn), marker(&origin));
    let log = std::fs::read_to_string(dir.path().join("history.jsonl")).unwrap();
    assert!(log.contains("\"action\":\"purge\""), "{log}");
}

/// A site whose sitemap lists 100,000 pages: the console's first frame is
/// drawn from the config's routes alone, and the sitemap's pages (read
/// from the copy `routes --refresh` keeps) arrive afterwards in the
/// running loop. Structural, not a timing: the loop draws before it
/// handles any event, and the pages can only come as one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100k_page_sitemap_arrives_after_the_first_frame() {
    let state_dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[sites.big]\npublic_url = \"http://127.0.0.1:9\"\nsitemap = \"/sitemap.xml\"\n\
         [sites.big.secret]\nvalue = \"{CANARY}\"\n\
         [[sites.big.routes]]\npath = \"/\"\n[[sites.big.routes]]\npath = \"/about\"\n"
    );
    let config = isrctl::model::config::parse(&text, Path::new("big.toml")).unwrap();
    let mut cache = isrctl::wire::sitemap::Cache::open(state_dir.path(), "big");
    cache.map.entries = (0..100_000)
        .map(|i| isrctl::wire::sitemap::Entry {
            path: format!("/p/{i}"),
            lastmod: None,
        })
        .collect();
    cache.map.fetched = Some(jiff::Timestamp::now());
    cache.save().unwrap();

    let mut console = Console::started(
        &config,
        false,
        (100, 30),
        None,
        Some(state_dir.path().to_path_buf()),
    );
    let ui = console.handles.clone();
    console
        .run(async {
            ui.wait_for("the sitemap's pages", Duration::from_secs(60), |s| {
                s.contains("(100002/100002)")
            })
            .await;
            ui.type_keys("q");
        })
        .await;
    let first = ui.first_frame();
    assert!(
        first.contains("Routes: big (2/2)"),
        "the first frame shows the configured routes:\n{first}"
    );
    assert!(console.state.quit);
}

/// The demo's sites in a console with its own history (in `dir`).
async fn demo_console() -> (isrctl::cli::demo::Demo, tempfile::TempDir, Console) {
    demo_console_sized((120, 40)).await
}

async fn demo_console_sized(
    size: (u16, u16),
) -> (isrctl::cli::demo::Demo, tempfile::TempDir, Console) {
    let demo = isrctl::cli::demo::Demo::start().await.unwrap();
    let config = isrctl::model::config::parse(&demo.config_text(), Path::new("demo.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let history = Arc::new(isrctl::history::History::open(dir.path()).unwrap());
    let console = Console::with_history(&config, false, size, Some(history));
    (demo, dir, console)
}

/// What `t` and `a` send is often not a row of the table: its result
/// arrives on the message line (the row above the footer) as soon as the
/// engine has it, with no key pressed after the send, even at 80×24 where
/// the activity log is out of sight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_of_t_and_a_are_drawn_as_they_arrive() {
    let (_demo, _dir, mut console) = demo_console_sized((80, 24)).await;
    let ui = console.handles.clone();
    let message_line = |screen: &str| screen.lines().rev().nth(1).unwrap_or("").to_string();
    console
        .run(async {
            let wait = Duration::from_secs(10);
            ui.type_keys("t");
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            ui.wait_for("the tag's result on the message line", wait, |s| {
                message_line(s).contains("healthy: tag posts revalidated 200")
            })
            .await;
            ui.type_keys("a/blog/new-post");
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            ui.wait_for("the path's result on the message line", wait, |s| {
                message_line(s).contains("/blog/new-post revalidated 200")
            })
            .await;
            ui.type_keys("q");
        })
        .await;
}

/// Quit and start again on the same history: the verdict found before is
/// on screen without verifying again, and `H` lists what was done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verdict_and_the_history_survive_a_restart() {
    let (demo, dir, mut console) = demo_console().await;
    let ui = console.handles.clone();
    let wait = Duration::from_secs(15);
    console
        .run(async {
            ui.type_keys(":site stale-cdn");
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            ui.type_keys("jjv");
            ui.wait_for("the stale verdict", wait, |s| s.contains("cdn stale"))
                .await;
            ui.type_keys("q");
        })
        .await;
    drop(console);
    let config = isrctl::model::config::parse(&demo.config_text(), Path::new("demo.toml")).unwrap();
    let history = Arc::new(isrctl::history::History::open(dir.path()).unwrap());
    let mut again = Console::with_history(&config, false, (120, 40), Some(history));
    let ui = again.handles.clone();
    again
        .run(async {
            ui.type_keys(":site stale-cdn");
            ui.press(KeyCode::Enter, KeyModifiers::NONE);
            ui.type_keys("jj");
            // The console probes the key pages as it opens: the answer at
            // the top is that newer probe; the verdict from before the
            // restart is still in the row and the details.
            ui.wait_for("the verdict from before the restart", wait, |s| {
                s.contains("cdn stale") && s.contains("verified: fresh_at_origin_stale_at_cdn")
            })
            .await;
            ui.type_keys("H");
            ui.wait_for("the history view", wait, |s| {
                s.contains("History:")
                    && s.contains("verify")
                    && s.contains("fresh_at_origin_stale_at_cdn")
                    && s.contains("revalidate")
            })
            .await;
            ui.type_keys("q");
            ui.type_keys("q");
        })
        .await;
}

/// By default (`probe_on_start` unset) the console probes the site's key
/// pages as it opens — here its `key = true` route, not its first — and
/// the badge says the CDN is stale before any key is pressed; nothing is
/// revalidated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_on_start_shows_a_stale_cdn_in_the_badge_before_any_key() {
    use isrctl::sim::{OriginOptions, SimCdn, SimOrigin};
    let app = SimOrigin::start(OriginOptions {
        secret: CANARY.to_string(),
        ..Default::default()
    })
    .await
    .unwrap();
    let cdn = SimCdn::start(&app.url()).await.unwrap();
    cdn.warm(&["/blog/hello"]).await;
    // Someone revalidated at the origin: the CDN's copy is now old.
    let revalidate = format!(
        "{}/api/revalidate?secret={CANARY}&path=/blog/hello",
        app.url()
    );
    reqwest::Client::new()
        .post(revalidate)
        .send()
        .await
        .unwrap();
    reqwest::get(format!("{}/blog/hello", app.url()))
        .await
        .unwrap();
    let asked_before = app.endpoint_requests();
    let text = format!(
        "[sites.shop]\npublic_url = \"{}\"\norigins = [\"{}\"]\n\
         [sites.shop.secret]\nvalue = \"{CANARY}\"\n[[sites.shop.routes]]\npath = \"/about\"\n\
         [[sites.shop.routes]]\npath = \"/blog/hello\"\nkey = true\n",
        cdn.url(),
        app.url()
    );
    let config = isrctl::model::config::parse(&text, Path::new("probe.toml")).unwrap();
    let mut console = Console::new(&config, false, 100, 30);
    let ui = console.handles.clone();
    console
        .run(async {
            ui.wait_for("the badge from the probe", Duration::from_secs(15), |s| {
                s.contains("✗ shop")
            })
            .await;
            ui.type_keys("q");
        })
        .await;
    assert_eq!(
        app.endpoint_requests(),
        asked_before,
        "nothing was revalidated"
    );
    let probe = console
        .state
        .probe_for(console.state.site_id("shop").unwrap(), "/blog/hello")
        .unwrap();
    let said: Vec<&str> = probe
        .page
        .conclusions
        .iter()
        .map(|f| f.title.as_str())
        .collect();
    assert!(
        said.iter().any(|t| t.starts_with("the CDN serves")),
        "{said:?}"
    );
}
