//! Two `next start` replicas sharing one ISR cache through a cache handler
//! on Redis (testbed/nextjs/lib/redis-cache-handler.js), as replicas with a
//! published Redis handler run (issue 27, items 2 and 7): a cold page read
//! by isrctl is rendered once, not once per replica; a revalidation through
//! one replica makes both fresh and isrctl says the cache is shared (and
//! that sending to each origin is redundant); with the store down every
//! request renders, which isrctl calls a cache that is not caching — never
//! "per instance". Ground truth from the store itself (`redis-cli`).

use crate::testbed::{Testbed, exclusive, isrctl, isrctl_json, unique_slug};
use std::process::Command;

fn redis(tb: &Testbed, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-p", &tb.shared_store_port])
        .args(args)
        .output()
        .expect("redis-cli (testbed/install.sh installs redis-server)");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// How many entries the store was written since its counters were reset.
fn writes(tb: &Testbed) -> u64 {
    let stats = redis(tb, &["info", "commandstats"]);
    stats
        .lines()
        .find_map(|l| l.strip_prefix("cmdstat_set:calls="))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |n| n.parse().unwrap())
}

/// The store's entries for a path (one per page: its HTML and RSC payload
/// are one entry).
fn entries_for(tb: &Testbed, path: &str) -> usize {
    redis(tb, &["--scan", "--pattern", &format!("isr:*{path}")])
        .lines()
        .filter(|l| !l.is_empty())
        .count()
}

fn script(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testbed")
        .join(name)
}

/// The store down for as long as this lives; started again (empty) when
/// dropped, also when the test fails.
struct StoreDown;

impl StoreDown {
    fn new() -> StoreDown {
        let status = Command::new("bash")
            .arg(script("shared-store.sh"))
            .arg("stop")
            .status()
            .unwrap();
        assert!(status.success(), "shared-store.sh stop");
        StoreDown
    }
}

impl Drop for StoreDown {
    fn drop(&mut self) {
        let status = Command::new("bash")
            .arg(script("shared-store.sh"))
            .arg("start")
            .status();
        assert!(status.is_ok_and(|s| s.success()), "shared-store.sh start");
    }
}

#[test]
fn a_cold_page_on_replicas_sharing_a_cache_is_rendered_once_and_judged_one_page() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("shared-cold");
    tb.set_price(&slug, "10.00");
    let path = format!("/shop/{slug}");
    assert_eq!(entries_for(&tb, &path), 0, "a cold page: nothing stored");
    redis(&tb, &["config", "resetstat"]);

    let (code, doc) = isrctl_json(&tb, &["probe", "shared", "--path", &path]);
    let page = &doc["pages"][0];
    assert_eq!(page["judgement"]["origins"]["state"], "serve", "{doc:#}");
    assert_eq!(code, Some(0), "{doc:#}");
    // Read one after another: the first replica rendered and stored it,
    // the second served that entry.
    assert_eq!(writes(&tb), 1, "one render stored: {doc:#}");
    assert_eq!(entries_for(&tb, &path), 1);
    let text = doc.to_string();
    assert!(!text.contains("per instance"), "{doc:#}");
    for origin in &tb.shared_origins {
        let visitor = tb.fetch(origin, &path);
        assert_eq!(
            (visitor.cache(), visitor.price().as_str()),
            ("HIT", "10.00")
        );
    }
}

#[test]
fn a_revalidation_through_one_replica_makes_both_fresh_and_the_shared_cache_is_said() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("shared-fresh");
    tb.set_price(&slug, "10.00");
    let path = format!("/shop/{slug}");
    for origin in &tb.shared_origins {
        assert_eq!(tb.settle_at(origin, &path).price(), "10.00");
    }

    tb.set_price(&slug, "11.00");
    let (code, doc) = isrctl_json(
        &tb,
        &[
            "revalidate",
            "shared",
            "--path",
            &path,
            "--verify",
            "--deadline",
            "5s",
        ],
    );
    let v = &doc["results"][0]["verifications"][0];
    assert_eq!(v["verdict"], "fresh_everywhere", "{doc:#}");
    assert_eq!(code, Some(0), "{doc:#}");
    let said = v["cache_topology"].as_str().unwrap_or_default();
    assert!(said.contains("share one ISR cache"), "{doc:#}");
    assert!(
        said.contains("cache = \"shared\""),
        "the config change: {said}"
    );
    for origin in &tb.shared_origins {
        assert_eq!(
            tb.fetch(origin, &path).price(),
            "11.00",
            "ground truth at {origin}"
        );
    }

    // fresh sends to each origin: with a shared cache, redundantly.
    tb.set_price(&slug, "12.00");
    let out = isrctl(&tb, &tb.secret, &["fresh", "shared", "--path", &path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("share one ISR cache"), "{stdout}");
    assert!(stdout.contains("redundant"), "{stdout}");
    for origin in &tb.shared_origins {
        assert_eq!(
            tb.fetch(origin, &path).price(),
            "12.00",
            "ground truth at {origin}"
        );
    }
}

#[test]
fn a_shared_cache_whose_store_is_down_is_not_caching_not_per_instance() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("shared-down");
    tb.set_price(&slug, "10.00");
    let path = format!("/shop/{slug}");
    let down = StoreDown::new();
    // Ground truth: every request renders (MISS), on both replicas.
    for origin in tb.shared_origins.iter().chain(&tb.shared_origins) {
        assert_eq!(tb.fetch(origin, &path).cache(), "MISS");
    }

    for (site, words) in [
        ("shared", "its ISR cache keeps nothing"),
        ("shared-said", "the shared ISR cache is not caching"),
    ] {
        let (code, doc) = isrctl_json(&tb, &["probe", site, "--path", &path]);
        let page = &doc["pages"][0];
        assert_eq!(
            page["judgement"]["origins"]["state"], "renders_per_request",
            "{doc:#}"
        );
        assert_eq!(
            page["judgement"]["origins"]["why"], "not_caching",
            "{doc:#}"
        );
        let titles: Vec<&str> = page["conclusions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["title"].as_str())
            .collect();
        assert!(
            titles.iter().any(|t| t.contains(words)),
            "{site}: {titles:?}"
        );
        let text = doc.to_string();
        assert!(!text.contains("per instance"), "{doc:#}");
        assert!(!text.contains("add origins"), "{doc:#}");
        assert_eq!(
            code,
            Some(1),
            "a cache that keeps nothing is a problem: {doc:#}"
        );
    }
    drop(down);
    assert_eq!(
        tb.settle_at(&tb.shared_origins[0], &path).price(),
        "10.00",
        "the store is back"
    );
}
