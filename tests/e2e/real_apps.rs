//! Verdicts on pages that behave like real apps' pages, against the real
//! testbed: Next.js 16.4.6 product pages that show data from a file the
//! test edits (never their render time, so the same data renders the same
//! bytes), Varnish keeping each page's RSC payload apart from its HTML, two
//! instances behind a round-robin proxy, and a handler that ignores the
//! path it is given. Each test sets the ground truth up with plain HTTP,
//! runs isrctl, and reads the ground truth back with plain HTTP next to
//! isrctl's verdict and exit code.
//!
//! Needs `--features e2e` and a running testbed (DEVELOPING.md, "Testbed").

use crate::testbed;

use serde_json::Value;
use std::time::{Duration, Instant};
use testbed::{Page, Testbed, exclusive, isrctl, isrctl_json};

/// The first verification of a `fresh` or `revalidate --verify` document.
fn verification(doc: &Value) -> &Value {
    &doc["results"][0]["verifications"][0]
}

/// GET `path` at `base` until `done` (a regeneration may take a moment).
fn until(tb: &Testbed, base: &str, path: &str, done: impl Fn(&Page) -> bool) -> Page {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let page = tb.fetch(base, path);
        if done(&page) || Instant::now() > deadline {
            return page;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn fresh_fixes_a_cdn_that_is_stale_while_the_origins_are_already_fresh() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = tb.product_at_both_origins("already-fresh", "10.00");
    assert_eq!(tb.fetch(&tb.cdn, &path).price(), "10.00");
    tb.set_price(path.trim_start_matches("/shop/"), "20.00");
    tb.revalidate_origins_by_hand(&path, "20.00");
    let cdn = tb.fetch(&tb.cdn, &path);
    assert_eq!((cdn.edge(), cdn.price().as_str()), ("HIT", "10.00"));

    // The revalidation re-renders the same bytes at both origins: the CDN's
    // copy is what is stale, and the purge is what fixes it.
    let (code, doc) = isrctl_json(&tb, &["fresh", "shop", "--path", &path]);
    let v = verification(&doc);
    assert_eq!(v["verdict"], "fresh_everywhere", "{doc:#}");
    assert_eq!(v["cdn_was_stale"], true, "{doc:#}");
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(tb.fetch(&tb.cdn, &path).price(), "20.00");
    assert_eq!(tb.rsc(&tb.cdn, &path).price(), "20.00");
}

#[test]
fn the_rsc_copy_left_by_an_html_purge_is_not_fresh_until_it_is_purged_too() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = tb.product_at_both_origins("rsc-copy", "10.00");
    // A visitor loads the page, another navigates to it client-side.
    assert_eq!(tb.fetch(&tb.cdn, &path).price(), "10.00");
    tb.rsc(&tb.cdn, &path);
    let rsc = tb.rsc(&tb.cdn, &path);
    assert_eq!(rsc.header("content-type"), Some("text/x-component"));
    assert_eq!((rsc.edge(), rsc.price().as_str()), ("HIT", "10.00"));
    tb.set_price(path.trim_start_matches("/shop/"), "20.00");

    // PURGE drops the page's URL: the HTML. The RSC copy stays.
    let (code, doc) = isrctl_json(&tb, &["fresh", "shop", "--path", &path, "--deadline", "5s"]);
    let v = verification(&doc);
    assert_eq!(v["verdict"], "html_fresh_rsc_stale", "{doc:#}");
    assert_eq!(code, Some(1), "{doc:#}");
    assert_eq!(tb.fetch(&tb.cdn, &path).price(), "20.00");
    let rsc = tb.rsc(&tb.cdn, &path);
    assert_eq!((rsc.edge(), rsc.price().as_str()), ("HIT", "10.00"));
    // The passive check sees it too.
    let (code, doc) = isrctl_json(&tb, &["check", "shop", "--path", &path]);
    assert_eq!(code, Some(1), "{doc:#}");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "problem"
                && f["title"]
                    .as_str()
                    .unwrap()
                    .starts_with("the CDN serves another RSC payload than origin 1's")),
        "{doc:#}"
    );

    // A BAN on the path and any query covers the RSC copy too.
    let (code, doc) = isrctl_json(
        &tb,
        &["fresh", "shop-ban", "--path", &path, "--deadline", "5s"],
    );
    assert_eq!(verification(&doc)["verdict"], "fresh_everywhere", "{doc:#}");
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(tb.rsc(&tb.cdn, &path).price(), "20.00");
}

#[test]
fn a_re_render_with_the_old_data_is_said_so_not_called_fresh() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = tb.product_at_both_origins("lagging", "10.00");
    let before = tb.origin(0, &path);
    // The CMS publishes 4 s after its webhook fired (a lagging CDN of its own).
    let slug = path.trim_start_matches("/shop/");
    let publisher = tb.set_price_later(slug, "20.00", Duration::from_secs(4));
    let (code, doc) = isrctl_json(
        &tb,
        &[
            "revalidate",
            "shop",
            "--path",
            &path,
            "--verify",
            "--deadline",
            "3s",
        ],
    );
    publisher.join().unwrap();
    let v = verification(&doc);
    assert_eq!(v["verdict"], "regenerated_same_content", "{doc:#}");
    assert_eq!(code, Some(1), "{doc:#}");
    for layer in v["layers"].as_array().unwrap() {
        if layer["layer"]["kind"] == "origin" {
            assert!(
                layer["regenerated"].as_str().unwrap().contains("MISS"),
                "{layer:#}"
            );
        }
    }
    // Ground truth: both origins re-rendered, with the old data.
    for base in &tb.origins {
        let now = tb.fetch(base, &path);
        assert_eq!((now.price().as_str(), now.etag()), ("10.00", before.etag()));
    }
}

/// The fix that verdict names, done by isrctl: once the data source has
/// settled, revalidate and verify again.
#[test]
fn retry_after_revalidates_again_once_the_cms_has_settled() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = tb.product_at_both_origins("retried", "10.00");
    let slug = path.trim_start_matches("/shop/");
    let publisher = tb.set_price_later(slug, "20.00", Duration::from_secs(3));
    let out = isrctl(
        &tb,
        &tb.secret,
        // shop-ban: the first attempt's reads put the (unchanged) page and
        // its RSC payload in Varnish; a BAN covers both.
        &[
            "fresh",
            "shop-ban",
            "--path",
            &path,
            "--deadline",
            "2s",
            "--retry-after",
            "5s",
        ],
    );
    publisher.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("every origin re-rendered the same content: revalidating and verifying again in 5.0 s (--retry-after)"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("(fresh_everywhere)"), "{text}");
    for base in [&tb.origins[0], &tb.origins[1], &tb.cdn] {
        assert_eq!(tb.fetch(base, &path).price(), "20.00", "{base}");
    }
}

#[test]
fn the_passive_check_regenerates_nothing_on_a_handler_that_ignores_the_path() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = tb.product_at_both_origins("ignored", "10.00");
    tb.set_price(path.trim_start_matches("/shop/"), "20.00");

    let (_, doc) = isrctl_json(&tb, &["check", "shop-everything", "--path", &path]);
    let auth: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "auth")
        .collect();
    assert!(
        auth.iter()
            .any(|f| f["title"] == "a wrong secret is refused"),
        "{doc:#}"
    );
    let page = tb.origin(0, &path);
    assert_eq!(
        (page.cache(), page.price().as_str()),
        ("HIT", "10.00"),
        "the passive check regenerated the page"
    );

    // --active sends the configured secret without a path: the handler
    // regenerates every product page, and isrctl says so.
    let (code, doc) = isrctl_json(
        &tb,
        &["check", "shop-everything", "--path", &path, "--active"],
    );
    assert_eq!(code, Some(1), "{doc:#}");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "auth"
                && f["severity"] == "problem"
                && f["title"]
                    .as_str()
                    .unwrap()
                    .starts_with("this endpoint ignores path and tag")),
        "{doc:#}"
    );
    assert_eq!(tb.origin(0, &path).price(), "20.00");
}

#[test]
fn several_instances_behind_one_url_are_named_and_no_cdn_is_blamed() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = tb.product_at_both_origins("replicas", "10.00");
    tb.set_price(path.trim_start_matches("/shop/"), "20.00");

    // No origins listed: the POST reaches one instance through the proxy.
    let (code, doc) = isrctl_json(
        &tb,
        &[
            "revalidate",
            "shop-replicas",
            "--path",
            &path,
            "--verify",
            "--deadline",
            "5s",
        ],
    );
    let v = verification(&doc);
    assert_eq!(v["verdict"], "stale_replica", "{doc:#}");
    assert!(
        v["explanation"]
            .as_str()
            .unwrap()
            .starts_with("this URL is served by several Next.js instances"),
        "{doc:#}"
    );
    assert!(!v["fix"].as_str().unwrap().contains("purge"), "{doc:#}");
    assert_eq!(code, Some(1));
    let mut prices: Vec<String> = tb
        .origins
        .iter()
        .map(|o| tb.fetch(o, &path).price())
        .collect();
    prices.sort();
    assert_eq!(
        prices,
        ["10.00", "20.00"],
        "one instance regenerated, one did not"
    );

    let (_, doc) = isrctl_json(&tb, &["probe", "shop-replicas", "--path", &path]);
    let text = doc.to_string();
    assert!(text.contains("several Next.js instances"), "{doc:#}");
    assert!(!text.contains("at the CDN"), "no CDN to blame: {doc:#}");
}

#[test]
fn no_trace_of_isrctl_in_any_cached_copy() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = tb.product_at_both_origins("traceless", "10.00");
    let slug = path.trim_start_matches("/shop/").to_string();
    let commands: [&[&str]; 6] = [
        &["probe", "shop", "--path", &path],
        &["check", "shop", "--path", &path],
        &["check", "shop", "--path", &path, "--active"],
        &["revalidate", "shop", "--path", &path, "--verify"],
        &["fresh", "shop", "--path", &path],
        // No origins: isrctl reads the origin's view through a cache-busted
        // URL, and that request is the one that triggers the regeneration.
        &[
            "revalidate",
            "shop-replicas",
            "--path",
            &path,
            "--verify",
            "--deadline",
            "3s",
        ],
    ];
    for (i, args) in commands.iter().enumerate() {
        tb.set_price(&slug, &format!("{}.00", 30 + i));
        isrctl_json(&tb, args);
        let copies = [
            ("origin 1", tb.origin(0, &path)),
            ("origin 2", tb.origin(1, &path)),
            ("cdn", tb.fetch(&tb.cdn, &path)),
            ("origin 1 rsc", tb.rsc(&tb.origins[0], &path)),
            ("origin 2 rsc", tb.rsc(&tb.origins[1], &path)),
            ("cdn rsc", tb.rsc(&tb.cdn, &path)),
        ];
        for (layer, page) in copies {
            assert_eq!(page.status, 200, "{layer} after {args:?}: {page:?}");
            for trace in ["nxtPisrctl", "isrctl-nocache", "isrctl-auth-check"] {
                assert!(
                    !page.body.contains(trace),
                    "{layer}'s copy carries {trace} after {args:?}:\n{}",
                    page.body
                );
            }
        }
    }
}

/// `isrctl init` on the real App Router app behind Varnish: Varnish is
/// named from its headers, the POST-only route handler is found by the 405
/// a GET gets (so it never runs), and the page Varnish holds is untouched.
#[test]
fn init_names_varnish_and_finds_the_route_handler_without_running_it() {
    let tb = Testbed::get();
    let _lock = exclusive();
    let page = tb.product_at_both_origins("init", "3.00");
    let before = until(&tb, &tb.cdn, &page, |p| p.header("x-cache") == Some("HIT"));
    // The data changes: a revalidation would now render 4.00.
    tb.set_price(page.trim_start_matches("/shop/"), "4.00");
    let s = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("isrctl"))
        .env("XDG_STATE_HOME", s.path())
        .args(["init", &tb.cdn, "--stdout"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("CDN: Varnish"), "{said}");
    assert!(
        said.contains("endpoint: /api/revalidate answers 405"),
        "{said}"
    );
    assert!(text.contains("cdn = \"varnish\""), "{text}");
    assert!(text.contains("preset = \"app-router\""), "{text}");
    let after = tb.fetch(&tb.cdn, &page);
    assert_eq!(after.price(), "3.00", "Varnish's copy: {after:?}");
    assert_eq!(after.body, before.body);
    let origin = tb.fetch(&tb.origins[0], &page);
    assert_eq!(
        origin.price(),
        "3.00",
        "nothing was revalidated: {origin:?}"
    );
}
