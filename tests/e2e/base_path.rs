//! A Pages Router site as many are configured, on real Next.js 16.4.6
//! (`next start`): under `basePath: '/blog'`, with `trailingSlash: true`
//! and i18n locales (`en` by default, `de` under `/de`), the Next.js docs'
//! `res.revalidate` handler (testbed/nextjs/blog-site, site `blog-site`).
//! Route paths are written without the base path; what the linter says
//! about a path is checked against what the pages serve afterwards.
//!
//! Needs `--features e2e` and a running testbed (DEVELOPING.md, "Testbed").

use crate::testbed;

use serde_json::Value;
use testbed::{Testbed, exclusive, unique_slug};

/// `revalidate blog-site --path P --verify`: (exit code, the result).
fn revalidate(tb: &Testbed, path: &str) -> (Option<i32>, Value) {
    testbed::revalidate_verify(tb, "blog-site", path)
}

/// A product post that exists in both locales, rendered (and kept by ISR)
/// with `price`: returns its slug.
fn post_in_both_locales(tb: &Testbed, price: &str) -> String {
    let slug = unique_slug("post");
    tb.set_price(&slug, price);
    for locale in ["", "/de"] {
        let page = tb.settle_at(&tb.blog_site, &format!("{locale}/posts/{slug}/"));
        assert_eq!(page.price(), price, "{page:?}");
    }
    slug
}

fn price_at(tb: &Testbed, path: &str) -> String {
    let page = tb.fetch(&tb.blog_site, path);
    assert_eq!(page.status, 200, "GET {path}: {page:?}");
    page.price()
}

fn lint(result: &Value) -> String {
    result["lint"].to_string()
}

#[test]
fn a_page_under_the_base_path_is_revalidated_and_verified_under_it() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = post_in_both_locales(&tb, "10");
    tb.set_price(&slug, "11");

    let (code, result) = revalidate(&tb, &format!("/en/posts/{slug}/"));
    // trailingSlash covers API routes: without the slash the endpoint
    // answers 308 (the secret would not follow it).
    let request = result["request"].as_str().unwrap();
    assert!(
        request.starts_with(&format!("GET {}/api/revalidate/?", tb.blog_site)),
        "{result:#}"
    );
    let v = &result["verifications"][0];
    assert_eq!(v["verdict"], "fresh_everywhere", "{result:#}");
    assert_eq!(code, Some(0), "{result:#}");
    assert_eq!(lint(&result), "[]");
    assert!(
        v["layers"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/blog/en/posts/{slug}/"))
    );
    assert_eq!(price_at(&tb, &format!("/posts/{slug}/")), "11");
}

#[test]
fn a_path_without_a_locale_revalidates_the_default_locale_only_as_the_linter_says() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = post_in_both_locales(&tb, "20");
    tb.set_price(&slug, "21");

    let (code, result) = revalidate(&tb, &format!("/posts/{slug}/"));
    assert!(
        lint(&result).contains("the default locale (en) only"),
        "{result:#}"
    );
    assert_eq!(
        result["verifications"][0]["verdict"], "fresh_everywhere",
        "{result:#}"
    );
    assert_eq!(code, Some(0));
    // What the linter warned of: the other locale still has the old price.
    assert_eq!(price_at(&tb, &format!("/posts/{slug}/")), "21");
    assert_eq!(price_at(&tb, &format!("/de/posts/{slug}/")), "20");

    let (code, result) = revalidate(&tb, &format!("/de/posts/{slug}/"));
    assert_eq!(
        result["verifications"][0]["verdict"], "fresh_everywhere",
        "{result:#}"
    );
    assert_eq!(code, Some(0));
    assert_eq!(price_at(&tb, &format!("/de/posts/{slug}/")), "21");
}

#[test]
fn a_path_without_the_trailing_slash_is_linted_and_verified_at_the_slash_form() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = post_in_both_locales(&tb, "30");
    tb.set_price(&slug, "31");
    // Ground truth: without the slash the page is a 308 to the slash form.
    let bare = tb.fetch(&tb.blog_site, &format!("/en/posts/{slug}"));
    assert_eq!(bare.status, 308, "{bare:?}");

    let (code, result) = revalidate(&tb, &format!("/en/posts/{slug}"));
    assert!(
        lint(&result).contains(&format!("the page lives at /en/posts/{slug}/")),
        "{result:#}"
    );
    let v = &result["verifications"][0];
    assert_eq!(v["verdict"], "fresh_everywhere", "{result:#}");
    assert_eq!(code, Some(0));
    assert!(
        v["layers"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/posts/{slug}/")),
        "{v:#}"
    );
    assert_eq!(price_at(&tb, &format!("/posts/{slug}/")), "31");
}

#[test]
fn a_path_written_with_the_base_path_is_linted_and_still_regenerates() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = post_in_both_locales(&tb, "40");
    tb.set_price(&slug, "41");

    let (_, result) = revalidate(&tb, &format!("/blog/en/posts/{slug}/"));
    let words = lint(&result);
    assert!(
        words.contains("starts with the site's basePath /blog"),
        "{result:#}"
    );
    assert!(
        words.contains(&format!("did you mean /en/posts/{slug}/?")),
        "{result:#}"
    );
    // Next accepts the path with its base path too (res.revalidate strips it).
    assert_eq!(price_at(&tb, &format!("/posts/{slug}/")), "41");
}

/// The Pages Router's res.revalidate renders the page before it answers:
/// with the same data the page comes back byte-identical (same ETag, a
/// HIT), and that is a regeneration, not the silent no-op of a wrong path.
#[test]
fn unchanged_data_is_regenerated_same_content_not_a_silent_no_op() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = post_in_both_locales(&tb, "50");
    let before = tb.fetch(&tb.blog_site, &format!("/posts/{slug}/"));

    let (code, result) = revalidate(&tb, &format!("/en/posts/{slug}/"));
    let v = &result["verifications"][0];
    assert_eq!(v["verdict"], "regenerated_same_content", "{result:#}");
    assert_eq!(code, Some(1));
    let origin = &v["layers"][1];
    assert!(
        origin["regenerated"]
            .as_str()
            .unwrap()
            .contains("res.revalidate"),
        "{v:#}"
    );
    let after = tb.fetch(&tb.blog_site, &format!("/posts/{slug}/"));
    assert_eq!(after.etag(), before.etag());
    assert_eq!(after.cache(), "HIT");
}

/// `isrctl init` on the real Pages Router site: its res.revalidate route
/// answers a GET without the secret 401 at the slash form (trailingSlash
/// covers API routes), so the config says pages-router and trailing_slash;
/// the config it prints loads.
#[test]
fn init_on_the_pages_router_site_finds_its_endpoint_and_trailing_slash() {
    let tb = Testbed::get();
    // Ground truth by plain HTTP: the route answers 308 to its slash form,
    // and there 401 without the secret.
    let bare = tb.fetch(&tb.blog_site, "/api/revalidate");
    assert_eq!(bare.status, 308, "{bare:?}");
    assert!(
        bare.header("location")
            .unwrap_or("")
            .ends_with("/api/revalidate/"),
        "{bare:?}"
    );
    assert_eq!(tb.fetch(&tb.blog_site, "/api/revalidate/").status, 401);
    let s = tempfile::tempdir().unwrap();
    let config = s.path().join("init.toml");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("isrctl"))
        .env("XDG_STATE_HOME", s.path())
        .args(["init", &tb.blog_site, "--name", "posts", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("endpoint: /api/revalidate answers 401"),
        "{said}"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("trailing_slash = true"), "{text}");
    assert!(text.contains("preset = \"pages-router\""), "{text}");
    let check = std::process::Command::new(assert_cmd::cargo::cargo_bin("isrctl"))
        .env("POSTS_REVALIDATE_SECRET", &tb.secret)
        .args(["config", "check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}\n{text}");
}
