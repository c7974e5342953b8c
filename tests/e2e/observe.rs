//! Looking changes nothing (issue 27, item 1): on a Varnish that keeps
//! every answer (testbed/varnish/keep-all.vcl), an RSC read of a page's
//! bare URL leaves Next.js's 307 as the page's object — shown here with
//! plain HTTP — while `probe` and `check` leave the page as visitors get
//! it, and call such a stored redirect what it is: a stale copy to purge.

use crate::testbed::{Testbed, exclusive, isrctl_json, unique_slug};

/// A shop page at origin 1, settled (a HIT), through no cache yet.
fn product(tb: &Testbed, name: &str) -> String {
    let slug = unique_slug(name);
    tb.set_price(&slug, "10.00");
    let path = format!("/shop/{slug}");
    assert_eq!(tb.settle_at(&tb.origins[0], &path).price(), "10.00");
    path
}

#[test]
fn an_rsc_read_of_the_bare_url_poisons_this_cache_and_isrctl_reads_do_not() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let node = &tb.keep_all_vcl;

    // Ground truth, by plain HTTP: the hazard is real on this cache.
    let poisoned = product(&tb, "keep-all-poisoned");
    assert_eq!(tb.fetch(node, &poisoned).status, 200);
    assert_eq!(tb.fetch_with(node, &poisoned, &[("rsc", "1")]).status, 307);
    let visitor = tb.fetch(node, &poisoned);
    assert_eq!(
        visitor.status, 307,
        "the visitor now gets the redirect: {visitor:?}"
    );

    // isrctl's reads on a page of its own: probe, then check.
    let path = product(&tb, "keep-all-read");
    let (code, doc) = isrctl_json(&tb, &["probe", "keep-all", "--path", &path]);
    let judgement = &doc["pages"][0]["judgement"];
    assert_eq!(judgement["origins"]["state"], "serve", "{doc:#}");
    assert_eq!(judgement["cdn"]["state"], "same", "{doc:#}");
    assert_eq!(code, Some(0), "{doc:#}");
    let (_, doc) = isrctl_json(&tb, &["check", "keep-all", "--path", &path]);
    assert!(doc["findings"].is_array(), "{doc:#}");
    for _ in 0..2 {
        let visitor = tb.fetch(node, &path);
        assert_eq!(visitor.status, 200, "{visitor:?}");
        assert!(
            visitor
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{visitor:?}"
        );
        assert_eq!(visitor.price(), "10.00");
    }
    let navigation = tb.rsc(node, &path);
    assert_eq!(
        navigation.header("content-type"),
        Some("text/x-component"),
        "{navigation:?}"
    );

    // The poisoned page: a stored redirect the origin does not send, whose
    // fix is a purge.
    let (code, doc) = isrctl_json(&tb, &["probe", "keep-all", "--path", &poisoned]);
    let judgement = &doc["pages"][0]["judgement"];
    assert_eq!(judgement["cdn"]["state"], "stale", "{doc:#}");
    assert_eq!(judgement["cdn"]["copy"], "cached_redirect", "{doc:#}");
    assert_eq!(code, Some(1), "{doc:#}");
    let conclusion = doc["pages"][0]["conclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("the CDN serves a stored redirect"))
        })
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert!(
        conclusion["fix"].as_str().unwrap().starts_with("purge "),
        "{conclusion:#}"
    );
}
