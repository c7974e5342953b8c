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

/// A product cached at both origins and in Varnish (a HIT), whose data
/// the CMS then deletes; its path.
fn deleted_product_varnish_still_holds(tb: &Testbed, name: &str) -> String {
    let path = tb.product_at_both_origins(name, "10.00");
    tb.fetch(&tb.cdn, &path);
    assert_eq!(tb.fetch(&tb.cdn, &path).header("x-cache"), Some("HIT"));
    let slug = path.trim_start_matches("/shop/");
    std::fs::remove_file(tb.data_dir.join(format!("{slug}.json"))).unwrap();
    path
}

/// Status is compared (issue 27, item 3): the origins answer 404 for a
/// deleted product (Next's notFound(), kept by its ISR cache) while Varnish
/// still serves the old 200. The judgement calls the CDN's copy a deleted
/// page still served, whose fix is a purge; applied, the CDN agrees.
#[test]
fn a_deleted_page_the_cdn_still_serves_is_a_stale_copy_and_a_purge_fixes_it() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = deleted_product_varnish_still_holds(&tb, "deleted");
    // Both instances are revalidated by hand.
    for base in &tb.origins {
        let query = format!("/api/revalidate?secret={}&path={path}", tb.secret);
        assert_eq!(tb.call(base, reqwest::Method::POST, &query).0, 200);
        assert_eq!(tb.fetch(base, &path).status, 404, "{base}{path}");
    }
    // Ground truth: Varnish still serves the old page.
    let kept = tb.fetch(&tb.cdn, &path);
    assert_eq!((kept.status, kept.price().as_str()), (200, "10.00"));

    let (code, doc) = isrctl_json(&tb, &["probe", "shop", "--path", &path]);
    let page = &doc["pages"][0];
    assert_eq!(page["judgement"]["origins"]["state"], "missing", "{doc:#}");
    assert_eq!(page["judgement"]["cdn"]["state"], "stale", "{doc:#}");
    assert_eq!(
        page["judgement"]["cdn"]["copy"], "deleted_page_served",
        "{doc:#}"
    );
    assert_eq!(code, Some(1), "{doc:#}");
    let conclusion = page["conclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["title"].as_str().is_some_and(|t| {
                t.starts_with("the CDN still serves a page the origins no longer have")
            })
        })
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert!(
        conclusion["fix"].as_str().unwrap().starts_with("purge "),
        "{conclusion:#}"
    );

    // The advice, applied: a purge. The CDN then answers what the origins do.
    let (code, doc) = isrctl_json(&tb, &["purge", "shop-ban", "--path", &path]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(tb.fetch(&tb.cdn, &path).status, 404);
    let (_, doc) = isrctl_json(&tb, &["probe", "shop", "--path", &path]);
    assert_eq!(
        doc["pages"][0]["judgement"]["cdn"]["state"], "same",
        "{doc:#}"
    );
}

#[test]
fn fresh_on_a_deleted_page_purges_the_copy_the_cdn_still_serves() {
    // Issue 27, item 3: `fresh` said "nothing to purge".
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = deleted_product_varnish_still_holds(&tb, "deleted-fresh");
    // isrctl revalidates and purges.
    let (code, doc) = isrctl_json(&tb, &["fresh", "shop-ban", "--path", &path]);
    let text = doc.to_string();
    assert!(text.contains("not_found"), "the verdict: {doc:#}");
    assert!(text.contains("purged"), "the purge happened: {doc:#}");
    assert_eq!(
        code,
        Some(1),
        "a page that does not exist is not fresh: {doc:#}"
    );
    // Ground truth: every layer answers 404 now.
    for base in tb.origins.iter().chain([&tb.cdn]) {
        assert_eq!(tb.fetch(base, &path).status, 404, "{base}{path}");
    }
}

#[test]
fn after_every_command_no_cache_holds_an_object_isrctl_made_that_a_visitor_would_get() {
    // On the Varnish that keeps every answer: each command runs on a page
    // no cache holds yet, so any copy there was put there by isrctl's own
    // reads — as a visitor's read would have put it. None may be a 307,
    // none may be called stale by the verdict of the run that made it.
    let _turn = exclusive();
    let tb = Testbed::get();
    let node = &tb.keep_all_vcl;
    let commands: [&[&str]; 5] = [
        &["probe", "keep-all"],
        &["check", "keep-all"],
        &["check", "keep-all", "--active"],
        &["revalidate", "keep-all", "--verify", "--deadline", "5s"],
        &["fresh", "keep-all", "--deadline", "5s"],
    ];
    for args in commands {
        let path = product(&tb, "keep-all-each");
        let mut all = args.to_vec();
        all.extend(["--path", &path]);
        let (_, doc) = isrctl_json(&tb, &all);
        let said = doc.to_string();
        for stale in [
            "fresh_at_origin_stale_at_cdn",
            "the CDN serves a copy",
            "\"state\":\"stale\"",
            "another RSC payload",
        ] {
            assert!(
                !said.contains(stale),
                "{args:?} called its own copy stale: {doc:#}"
            );
        }
        let visitor = tb.fetch(node, &path);
        assert_eq!(visitor.status, 200, "{args:?}: {visitor:?}");
        assert_eq!(visitor.price(), "10.00", "{args:?}");
        assert!(
            visitor
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{args:?}: {visitor:?}"
        );
        let navigation = tb.rsc(node, &path);
        assert_eq!(navigation.status, 200, "{args:?}: {navigation:?}");
    }
}

#[test]
fn a_404_nginx_kept_while_the_origin_serves_the_page_is_a_stale_copy_a_purge_fixes() {
    // Issue 27, item 3: it was "no conclusion" or "check the path".
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("nginx-404");
    let path = format!("/shop/{slug}");
    // Asked for before the product exists: nginx keeps the 404.
    assert_eq!(tb.fetch(&tb.nginx, &path).status, 404);
    // The product is created and the CMS's webhook revalidates the origin
    // (which kept its own 404 until then).
    tb.set_price(&slug, "10.00");
    let query = format!("/api/revalidate?secret={}&path={path}", tb.secret);
    assert_eq!(
        tb.call(&tb.origins[0], reqwest::Method::POST, &query).0,
        200
    );
    assert_eq!(tb.settle_at(&tb.origins[0], &path).price(), "10.00");
    // nginx answers from its cache: the origin gives the page now.
    assert_eq!(tb.fetch(&tb.nginx, &path).status, 404);

    let (code, doc) = isrctl_json(&tb, &["probe", "testbed-nginx", "--path", &path]);
    let page = &doc["pages"][0];
    assert_eq!(page["judgement"]["origins"]["state"], "serve", "{doc:#}");
    assert_eq!(
        page["judgement"]["cdn"]["copy"], "cached_not_found",
        "{doc:#}"
    );
    assert_eq!(code, Some(1), "{doc:#}");
    let said = page["conclusions"].to_string();
    assert!(!said.contains("check the path"), "{doc:#}");

    let (code, doc) = isrctl_json(&tb, &["purge", "testbed-nginx", "--path", &path]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(
        tb.fetch(&tb.nginx, &path).price(),
        "10.00",
        "ground truth: nginx"
    );
}
