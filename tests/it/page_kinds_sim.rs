//! `next dev`, from its recorded answers: isrctl says what it is instead of
//! blaming a CDN. The fixture is what Next.js 16.4.6's `next dev` answers
//! for an App Router ISR page (measured on the testbed: DEVELOPING.md, "Testbed"):
//! `x-nextjs-cache: HIT` together with `Cache-Control: no-store,
//! must-revalidate`, and HTML that differs on every request (the dev
//! server renders each one). Running `next dev` in CI would cost a second
//! app server and its compile on first request for one fact.

use crate::common;

use common::recorder::{Answer, recorder};
use common::{Scratch, json, runtime};

/// `next dev`'s answer to a page GET; `n` makes each render differ.
fn dev_page(n: u32) -> Answer {
    let headers = vec![
        ("x-nextjs-cache", "HIT".to_string()),
        ("cache-control", "no-store, must-revalidate".to_string()),
        ("x-powered-by", "Next.js".to_string()),
        ("content-type", "text/html; charset=utf-8".to_string()),
    ];
    let body = format!(
        r#"<!DOCTYPE html><html><head><script src="/_next/static/chunks/webpack.js?v={n}"></script></head><body><p>about</p></body></html>"#
    );
    (200, headers, body)
}

fn revalidated() -> Answer {
    let headers = vec![("content-type", "application/json".to_string())];
    (200, headers, r#"{"revalidated":true,"now":1}"#.to_string())
}

#[test]
fn next_dev_is_named_not_blamed_on_a_cdn() {
    let rt = runtime();
    // verify without origins: the cache-busted page, the revalidation,
    // then whatever else is asked.
    let server = rt.block_on(recorder(vec![
        dev_page(1),
        revalidated(),
        dev_page(2),
        dev_page(3),
    ]));
    let s = Scratch::new();
    s.site_config(&server.url, "/api/revalidate", "");
    let out = s
        .isrctl()
        .args([
            "revalidate",
            "sim",
            "--path",
            "/about",
            "--verify",
            "--deadline",
            "3s",
            "--json",
        ])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    let doc = json(&out);
    let v = &doc["results"][0]["verifications"][0];
    assert_eq!(v["verdict"], "dev_server", "{doc:#}");
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .contains("next build && next start"),
        "{v:#}"
    );
    assert!(!doc.to_string().contains("at the CDN"), "{doc:#}");
    assert_eq!(out.status.code(), Some(1));

    // probe: every layer answers like next dev; no CDN is blamed.
    let server = rt.block_on(recorder(vec![dev_page(1), dev_page(2), dev_page(3)]));
    let out = s
        .isrctl()
        .args(["probe", &format!("{}/about", server.url), "--json"])
        .output()
        .unwrap();
    let doc = json(&out);
    let text = doc.to_string();
    assert!(text.contains("this is next dev"), "{doc:#}");
    assert!(!text.contains("at the CDN"), "{doc:#}");
}
