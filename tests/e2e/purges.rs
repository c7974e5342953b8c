//! Purges proven on real peers: Varnish nodes configured the way people
//! copy them (testbed/varnish/: FOSHttpCache's BAN on the object's
//! X-Host/X-Url, the documentation's lurker-friendly BAN, varnish-modules'
//! xkey) and moto's server for CloudFront. Each purge's verdict is checked
//! against the peer read back with plain HTTP: the cache (a HIT before, a
//! MISS or a copy younger than the purge after) or the invalidation moto
//! holds — never the peer's 200 alone.
//!
//! Needs `--features e2e` and a running testbed (DEVELOPING.md, "Testbed").

use crate::testbed;

use serde_json::Value;
use std::time::{Duration, Instant};
use testbed::{Page, Testbed, exclusive, isrctl_json, unique_slug};

/// A shop page cached at `node` (HTML and its RSC payload), old enough
/// that a copy kept through a purge shows it: (the HTML HIT, the RSC HIT).
fn cached_at(tb: &Testbed, node: &str, path: &str) -> (Page, Page) {
    tb.settle(path);
    tb.fetch(node, path);
    tb.rsc(node, path);
    std::thread::sleep(Duration::from_millis(2200));
    let html = tb.fetch(node, path);
    let rsc = tb.rsc(node, path);
    assert_eq!(html.header("x-cache"), Some("HIT"), "{html:?}");
    assert_eq!(rsc.header("x-cache"), Some("HIT"), "{rsc:?}");
    (html, rsc)
}

/// Ground truth: the copy `node` serves now was fetched after `since`.
fn fetched_anew(page: &Page, since: Instant) -> bool {
    let age: u64 = page.header("age").unwrap_or("0").parse().unwrap();
    page.header("x-cache") == Some("MISS") || age <= since.elapsed().as_secs()
}

fn purge(tb: &Testbed, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["purge"];
    all.extend_from_slice(args);
    let (code, doc) = isrctl_json(tb, &all);
    (code, doc["results"][0].clone())
}

#[test]
fn foshttpcache_ban_is_proven_with_its_rsc_copy_and_the_wrong_shape_is_not_purged() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("fos");
    tb.set_price(&slug, "1");
    let path = format!("/shop/{slug}");
    let (html, _) = cached_at(&tb, &tb.fos_vcl, &path);

    // isrctl's default BAN (X-Ban-Url): the VCL's ban() fails, 200 anyway.
    let (code, result) = purge(&tb, &["testbed-fos-default", "--path", &path]);
    assert_eq!(result["kind"], "not_purged", "{result:#}");
    assert_eq!(code, Some(1));
    assert!(
        result["fix"].as_str().unwrap().contains("foshttpcache"),
        "{result:#}"
    );
    let still = tb.fetch(&tb.fos_vcl, &path);
    assert_eq!(
        still.header("x-cache"),
        Some("HIT"),
        "ground truth: {still:?}"
    );
    assert!(
        still.header("age").unwrap().parse::<u64>().unwrap()
            >= html.header("age").unwrap().parse::<u64>().unwrap()
    );

    let sent = Instant::now();
    let (code, result) = purge(&tb, &["testbed-fos", "--path", &path]);
    assert_eq!(result["kind"], "purged", "{result:#}");
    assert!(
        result["explanation"].as_str().unwrap().contains("proven"),
        "{result:#}"
    );
    assert_eq!(code, Some(0));
    // The regex covers the page's queries: its RSC payload went too.
    assert!(fetched_anew(&tb.rsc(&tb.fos_vcl, &path), sent));
    assert!(fetched_anew(&tb.fetch(&tb.fos_vcl, &path), sent));
}

#[test]
fn the_lurker_friendly_ban_is_proven() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("lurker");
    tb.set_price(&slug, "1");
    let path = format!("/shop/{slug}");
    cached_at(&tb, &tb.lurker_vcl, &path);

    let sent = Instant::now();
    let (code, result) = purge(&tb, &["testbed-lurker", "--path", &path]);
    assert_eq!(result["kind"], "purged", "{result:#}");
    assert!(
        result["explanation"].as_str().unwrap().contains("proven"),
        "{result:#}"
    );
    assert_eq!(code, Some(0));
    assert!(fetched_anew(&tb.fetch(&tb.lurker_vcl, &path), sent));
    assert!(fetched_anew(&tb.rsc(&tb.lurker_vcl, &path), sent));
}

/// varnish-modules' xkey: the shop pages carry `xkey: product-<slug>
/// catalogue` (next.config.js); a tag purge drops the page and its RSC
/// payload, read back at the routes carrying the tag. A tag no object
/// carries is "Invalidated 0 objects": not_cached, not a failure.
#[test]
fn an_xkey_tag_purge_is_proven_and_an_unknown_tag_is_not_cached() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = "/shop/xkey-demo";
    tb.set_price("xkey-demo", "1");
    cached_at(&tb, &tb.fos_vcl, path);
    assert!(
        tb.origin(0, path)
            .header("xkey")
            .unwrap()
            .contains("product-xkey-demo")
    );

    let sent = Instant::now();
    let (code, result) = purge(&tb, &["testbed-xkey", "--tag", "product-xkey-demo"]);
    assert_eq!(result["kind"], "purged", "{result:#}");
    assert!(
        result["explanation"].as_str().unwrap().contains("proven"),
        "{result:#}"
    );
    assert_eq!(code, Some(0));
    assert!(fetched_anew(&tb.fetch(&tb.fos_vcl, path), sent));
    assert!(fetched_anew(&tb.rsc(&tb.fos_vcl, path), sent));

    // Ground truth for "not_cached": a page Varnish holds (a copy older
    // than the purge) is still the same copy afterwards.
    cached_at(&tb, &tb.fos_vcl, path);
    let sent = Instant::now();
    let (code, result) = purge(&tb, &["testbed-xkey", "--tag", "nobody-carries-this"]);
    assert_eq!(result["kind"], "not_cached", "{result:#}");
    assert_eq!(code, Some(0));
    let kept = tb.fetch(&tb.fos_vcl, path);
    assert!(!fetched_anew(&kept, sent), "nothing was purged: {kept:?}");
}

/// CloudFront on moto's server: the invalidation moto holds afterwards has
/// exactly the paths isrctl was given (URL-encoded as the InvalidationBatch
/// documentation asks) and the CallerReference isrctl recorded; moto's
/// upper-case `COMPLETED` ends the polling. The AWS keys show nowhere.
#[test]
fn a_cloudfront_invalidation_on_moto_holds_the_paths_and_reference_isrctl_sent() {
    let tb = Testbed::get();
    let state = tempfile::tempdir().unwrap();
    let config = state.path().join("cf.toml");
    let text = format!(
        "[sites.cf]\npublic_url = \"https://www.example.com\"\n\n[sites.cf.secret]\nenv = \"REVALIDATE_SECRET\"\n\n\
         [sites.cf.purge]\nprovider = \"cloudfront\"\ndistribution_id = \"{}\"\napi_url = \"{}\"\n",
        tb.cloudfront_distribution, tb.moto
    );
    std::fs::write(&config, text).unwrap();
    let (key_id, key) = ("AKIAISRCTLCANARY0001", "isrctl-canary-aws-secret-key-7f3e");
    let out = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .env("XDG_STATE_HOME", state.path())
        .env("HOME", state.path())
        .env("REVALIDATE_SECRET", &tb.secret)
        .env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", key)
        .args(["--config", config.to_str().unwrap()])
        .args([
            "purge",
            "cf",
            "--path",
            "/shop/mug",
            "--path",
            "/blog/héllo wörld",
            "--yes",
            "--json",
        ])
        .output()
        .unwrap();
    let history = std::fs::read_to_string(state.path().join("isrctl/history.jsonl")).unwrap();
    for text in [
        &String::from_utf8_lossy(&out.stdout).to_string(),
        &String::from_utf8_lossy(&out.stderr).to_string(),
        &history,
    ] {
        assert!(
            !text.contains(key) && !text.contains(key_id),
            "an AWS key leaked:\n{text}"
        );
    }
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &doc["results"][0];
    assert_eq!(result["kind"], "purged", "{doc:#}");
    let id = result["invalidation"].as_str().unwrap();

    // Ground truth: what moto holds.
    let held = tb.cloudfront_get(&format!("/invalidation/{id}"));
    assert!(held.contains("<Status>COMPLETED</Status>"), "{held}");
    assert!(held.contains("<Path>/shop/mug</Path>"), "{held}");
    assert!(
        held.contains("<Path>/blog/h%C3%A9llo%20w%C3%B6rld</Path>"),
        "{held}"
    );
    assert!(held.contains("<Quantity>2</Quantity>"), "{held}");
    let reference = |text: &str| {
        let start = text.find("<CallerReference>").unwrap() + "<CallerReference>".len();
        text[start..].split('<').next().unwrap().to_string()
    };
    assert_eq!(
        reference(&held),
        reference(&history),
        "the recorded CallerReference is the one sent"
    );
}

/// A purge is proven on the object it targeted (issue 27, item 9): the
/// page's RSC copy, purged by its `_rsc` URL, is read back as a client-side
/// navigation asks for it (`RSC: 1`), and a copy cached a moment before
/// the purge — as young as a new one by `Age` — is compared with the
/// object read before the purge. The testbed's Varnish keys the RSC header
/// too, so a PURGE of the `_rsc` URL without it drops nothing.
#[test]
fn a_purge_of_the_rsc_url_is_read_back_as_a_navigation_and_a_young_copy_is_not_proof() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("rsc-proof");
    tb.set_price(&slug, "10.00");
    let path = format!("/shop/{slug}");
    tb.settle(&path);
    tb.rsc(&tb.cdn, &path);
    let before = tb.rsc(&tb.cdn, &path);
    assert_eq!(before.header("x-cache"), Some("HIT"), "{before:?}");
    let rsc_url = format!("{path}?_rsc");

    let (code, result) = purge(&tb, &["shop", "--path", &rsc_url]);
    assert_eq!(result["kind"], "not_purged", "{result:#}");
    assert_ne!(code, Some(0), "{result:#}");
    // Ground truth: the very object is still there.
    let after = tb.rsc(&tb.cdn, &path);
    assert_eq!(after.header("x-cache"), Some("HIT"), "{after:?}");
    let object = |p: &Page| {
        p.header("x-varnish")
            .and_then(|v| v.split_whitespace().nth(1))
            .map(str::to_string)
    };
    assert_eq!(object(&after), object(&before));

    // A BAN on the path with any query drops it: proven, and true.
    let sent = Instant::now();
    let (code, result) = purge(&tb, &["shop-ban", "--path", &path]);
    assert_eq!(result["kind"], "purged", "{result:#}");
    assert_eq!(code, Some(0), "{result:#}");
    let anew = tb.rsc(&tb.cdn, &path);
    assert!(
        fetched_anew(&anew, sent) && object(&anew) != object(&before),
        "{anew:?}"
    );
}
