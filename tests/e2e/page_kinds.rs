//! What the page is, before its freshness is judged, on real Next.js
//! 16.4.6 (`next start`) behind Varnish: a page rendered per request, a
//! page whose data was deleted (the App Router example's 500), a page
//! behind `proxy.js`'s 401 gate and one it redirects (308). Each verdict
//! and exit code next to what plain HTTP shows; none of them sends the
//! operator to purge a CDN.
//!
//! Needs `--features e2e` and a running testbed (DEVELOPING.md, "Testbed").

use crate::testbed;

use serde_json::Value;
use testbed::{Testbed, exclusive, isrctl, isrctl_json, unique_slug};

/// `revalidate SITE --path P --verify`: (exit code, the verification).
fn verify(tb: &Testbed, site: &str, path: &str) -> (Option<i32>, Value) {
    let (code, result) = testbed::revalidate_verify(tb, site, path);
    (code, result["verifications"][0].clone())
}

/// The revalidation reached the page: origin 1 shows a new render (the
/// CDN in front may or may not hold an older copy from earlier tests).
fn origin_regenerated(v: &Value) {
    let origin = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == "origin 1")
        .unwrap();
    assert!(origin["regenerated"].is_string(), "{v:#}");
    assert_ne!(v["verdict"], "unchanged", "{v:#}");
}

fn no_cdn_purge_advice(doc: &Value) {
    let text = doc.to_string();
    assert!(!text.contains("at the CDN"), "{doc:#}");
    assert!(!text.contains("configure a marker"), "{doc:#}");
}

#[test]
fn a_page_rendered_per_request_is_dynamic_not_stale() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let page = tb.origin(0, "/live");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-nextjs-cache"), None);
    assert!(page.header("cache-control").unwrap().contains("no-store"));

    let (code, v) = verify(&tb, "testbed", "/live");
    assert_eq!(v["verdict"], "dynamic", "{v:#}");
    assert_eq!(code, Some(1));
    no_cdn_purge_advice(&v);

    let (_, doc) = isrctl_json(&tb, &["check", "testbed", "--path", "/live"]);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["title"]
                .as_str()
                .unwrap()
                .contains("the page is rendered per request")),
        "{doc:#}"
    );
    no_cdn_purge_advice(&doc);
}

#[test]
fn a_page_whose_data_was_deleted_broke_and_fresh_does_not_purge_it() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("deleted");
    tb.set_price(&slug, "10.00");
    let path = format!("/gone/{slug}");
    for base in [&tb.origins[0], &tb.origins[1], &tb.cdn] {
        assert_eq!(tb.fetch(base, &path).price(), "10.00");
    }
    std::fs::remove_file(tb.data_dir.join(format!("{slug}.json"))).unwrap();

    let (code, v) = verify(&tb, "shop", &path);
    assert_eq!(v["verdict"], "broken_by_revalidation", "{v:#}");
    assert_eq!(code, Some(1));
    for base in &tb.origins {
        assert_eq!(tb.fetch(base, &path).status, 500, "ground truth: broken");
    }

    // Broken, not stale: fresh purges nothing, and Varnish keeps serving
    // the working copy while the app is fixed.
    let (code, doc) = isrctl_json(&tb, &["fresh", "shop", "--path", &path, "--deadline", "5s"]);
    let result = &doc["results"][0];
    assert_eq!(result["verifications"][0]["verdict"], "broken", "{doc:#}");
    assert_eq!(code, Some(1));
    assert_eq!(
        result["purges"].as_array().map(Vec::len),
        Some(0),
        "{doc:#}"
    );
    assert!(
        result["steps"]
            .to_string()
            .contains("the page fails to render (5xx): broken, not stale; nothing to purge"),
        "{doc:#}"
    );
    let cdn = tb.fetch(&tb.cdn, &path);
    assert_eq!((cdn.status, cdn.price().as_str()), (200, "10.00"));
}

#[test]
fn a_gated_page_needs_credentials_and_a_moved_one_redirects() {
    let _turn = exclusive();
    let tb = Testbed::get();
    assert_eq!(tb.origin(0, "/members/news").status, 401);
    let (code, v) = verify(&tb, "testbed", "/members/news");
    assert_eq!(v["verdict"], "needs_credentials", "{v:#}");
    assert_eq!(code, Some(1));
    no_cdn_purge_advice(&v);

    // Next's trailingSlash policy: /about/ is a 308 to /about.
    let (_, v) = verify(&tb, "testbed", "/about/");
    assert_eq!(v["verdict"], "redirects", "{v:#}");
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .starts_with("the site has no trailingSlash: its pages live at /about"),
        "{v:#}"
    );

    let moved = tb.origin(0, "/old/news");
    assert_eq!(
        (moved.status, moved.header("location")),
        (308, Some("/about"))
    );
    let (code, v) = verify(&tb, "testbed", "/old/news");
    assert_eq!(v["verdict"], "redirects", "{v:#}");
    assert!(
        v["explanation"].as_str().unwrap().contains("/about"),
        "{v:#}"
    );
    assert_eq!(code, Some(1));
    no_cdn_purge_advice(&v);
}

/// Endpoints as apps write them, on real handlers: a Sanity webhook checked
/// with `@sanity/webhook` (next-sanity's parseBody), cms-wordpress's PUT
/// with a header secret, and updateTag() in a route handler (an empty 500).
#[test]
fn endpoints_as_apps_write_them() {
    let _turn = exclusive();
    let tb = Testbed::get();

    // Sanity: the body is signed; the page its slug maps to regenerates.
    let before = tb.settle("/blog/hello");
    let (_, v) = verify(&tb, "testbed-sanity", "/blog/hello");
    origin_regenerated(&v);
    assert_ne!(
        tb.settle("/blog/hello").marker(),
        before.marker(),
        "ground truth"
    );
    // A different webhook secret: the handler's own 401 "Invalid signature".
    let out = isrctl(
        &tb,
        "not-the-webhook-secret",
        &[
            "revalidate",
            "testbed-sanity",
            "--path",
            "/blog/hello",
            "--json",
        ],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let outcome = &doc["results"][0]["outcome"];
    assert_eq!(
        (outcome["kind"].as_str(), outcome["status"].as_u64()),
        (Some("unauthorized"), Some(401))
    );
    assert!(
        outcome["explanation"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{outcome:#}"
    );
    assert!(
        outcome["explanation"]
            .as_str()
            .unwrap()
            .contains("signed with the secret from"),
        "{outcome:#}"
    );

    // cms-wordpress: PUT only (POST would be 405), the secret in a header.
    let (status, _) = tb.call(&tb.origins[0], reqwest::Method::POST, "/api/wordpress");
    assert_eq!(status, 405, "ground truth: the handler exports PUT only");
    let before = tb.settle("/about");
    let (_, v) = verify(&tb, "testbed-wordpress", "/about");
    origin_regenerated(&v);
    assert_ne!(
        tb.settle("/about").marker(),
        before.marker(),
        "ground truth"
    );

    // updateTag in a route handler: 500, empty body, and isrctl names it.
    let query = format!("/api/update-tag?secret={}&tag=posts", tb.secret);
    let (status, body) = tb.call(&tb.origins[0], reqwest::Method::POST, &query);
    assert_eq!(
        (status, body),
        (500, Value::Null),
        "ground truth: an empty 500"
    );
    let (code, doc) = isrctl_json(&tb, &["revalidate", "testbed-update-tag", "--tag", "posts"]);
    assert_eq!(code, Some(1));
    let outcome = &doc["results"][0]["outcome"];
    assert_eq!(outcome["kind"], "server_error");
    assert!(
        outcome["fix"].as_str().unwrap().contains("updateTag()"),
        "{outcome:#}"
    );
}

/// The Pages Router example's soft 404: its entry deleted, the page
/// renders Next's error page inside a 200 that ISR keeps for an hour.
#[test]
fn a_pages_router_error_page_in_a_200_is_a_soft_404() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("legacy");
    tb.set_price(&slug, "5.00");
    let path = format!("/legacy/{slug}");
    assert_eq!(tb.origin(0, &path).price(), "5.00");
    std::fs::remove_file(tb.data_dir.join(format!("{slug}.json"))).unwrap();

    let (code, v) = verify(&tb, "testbed-pages", &path);
    assert_eq!(v["verdict"], "soft_404", "{v:#}");
    assert_eq!(code, Some(1));
    no_cdn_purge_advice(&v);
    let page = tb.origin(0, &path);
    assert_eq!(page.status, 200, "ground truth: a 200…");
    assert!(
        page.body.contains(r#"<h1 class="next-error-h1""#),
        "…with Next's error page: {}",
        page.body
    );
}
