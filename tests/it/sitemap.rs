//! Routes from a sitemap, through the binary, against an in-process site:
//! a sitemap index pointing at a gzipped urlset (with lastmod, a relative
//! URL, a duplicate and a URL on another host), a plain urlset and a
//! missing file; conditional requests on refresh; the cached copy used
//! without the network.

use crate::common;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use common::{SECRET_ENV, Scratch, json, runtime};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const INDEX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>/posts.xml.gz</loc></sitemap>
  <sitemap><loc>/pages.xml</loc></sitemap>
  <sitemap><loc>/missing.xml</loc></sitemap>
</sitemapindex>"#;

fn posts(base: &str) -> String {
    format!(
        r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}/blog/hello</loc><lastmod>2026-11-01T10:00:00Z</lastmod></url>
  <url><loc>{base}/blog/world</loc><lastmod>2026-11-02</lastmod></url>
  <url><loc>/blog/relative</loc></url>
  <url><loc>{base}/blog/world</loc></url>
  <url><loc>https://elsewhere.example.com/blog/x</loc></url>
</urlset>"#
    )
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

struct Site {
    url: String,
    not_modified: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

async fn start_site() -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let not_modified = Arc::new(AtomicUsize::new(0));
    let counter = not_modified.clone();
    let base = url.clone();
    let app = axum::Router::new()
        .route(
            "/sitemap.xml",
            axum::routing::get(move |headers: HeaderMap| {
                let counter = counter.clone();
                async move {
                    if headers
                        .get(header::IF_NONE_MATCH)
                        .is_some_and(|v| v == "\"v1\"")
                    {
                        counter.fetch_add(1, Ordering::SeqCst);
                        return StatusCode::NOT_MODIFIED.into_response();
                    }
                    ([(header::ETAG, "\"v1\"")], INDEX).into_response()
                }
            }),
        )
        .route(
            "/posts.xml.gz",
            axum::routing::get(move || {
                let body = gzip(&posts(&base));
                async move { ([(header::CONTENT_TYPE, "application/gzip")], body) }
            }),
        )
        .route(
            "/pages.xml",
            axum::routing::get(|| async {
                "<urlset><url><loc>/about</loc></url><url><loc>/</loc></url></urlset>"
            }),
        );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Site {
        url,
        not_modified,
        _task: task,
    }
}

fn config(s: &Scratch, public: &str) {
    let text = format!(
        r#"[sites.sim]
public_url = "{public}"
sitemap = "/sitemap.xml"

[sites.sim.secret]
env = "{SECRET_ENV}"

[[sites.sim.routes]]
path = "/blog/hello"
tags = ["posts"]
"#
    );
    std::fs::write(s.config_path(), text).unwrap();
}

fn paths(doc: &serde_json::Value) -> Vec<String> {
    doc["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn routes_come_from_a_sitemap_index_with_gzip_and_are_cached() {
    let rt = runtime();
    let site = rt.block_on(start_site());
    let s = Scratch::new();
    config(&s, &site.url);

    let out = s
        .isrctl()
        .args(["routes", "sim", "--refresh", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc = json(&out);
    assert_eq!(
        paths(&doc),
        [
            "/blog/hello",
            "/blog/world",
            "/blog/relative",
            "/about",
            "/"
        ],
        "configured first; then the sitemap's pages in order, once each"
    );
    let hello = &doc["routes"][0];
    assert_eq!(hello["tags"][0], "posts", "the configured route wins");
    // Each page's <lastmod>, a bare date as its start in UTC; none when
    // the sitemap gives none.
    assert_eq!(
        hello["lastmod"], "2026-11-01T10:00:00Z",
        "and keeps its lastmod"
    );
    assert_eq!(doc["routes"][1]["lastmod"], "2026-11-02T00:00:00Z");
    assert_eq!(doc["routes"][2]["lastmod"], serde_json::Value::Null);
    assert_eq!(doc["routes"][1]["labels"][0], "sitemap");
    assert!(
        stderr.contains("1 URL(s) of another site skipped (https://elsewhere.example.com)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 duplicate URL(s) listed once"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/missing.xml: answered 404 Not Found; skipped"),
        "{stderr}"
    );
    assert!(stderr.contains("5 page(s) from"), "{stderr}");

    // A refresh asks conditionally: the index is not sent again.
    let out = s
        .isrctl()
        .args(["routes", "sim", "--refresh", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        site.not_modified.load(Ordering::SeqCst),
        1,
        "If-None-Match was sent"
    );
    assert_eq!(paths(&json(&out)).len(), 5);

    // Without --refresh the cached copy serves, with no network at all.
    drop(site);
    drop(rt);
    let out = s
        .isrctl()
        .args(["routes", "sim", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(paths(&json(&out)).len(), 5);
}

#[test]
fn a_sitemap_that_is_not_one_is_an_error_that_says_so() {
    let rt = runtime();
    let server = rt
        .block_on(isrctl::sim::Hostile::start(
            isrctl::sim::Behaviour::Status {
                status: 200,
                body: "<html><body>Welcome</body></html>".into(),
                content_type: "text/html".into(),
            },
        ))
        .unwrap();
    let s = Scratch::new();
    config(&s, &server.url());
    let out = s
        .isrctl()
        .args(["routes", "sim", "--refresh"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("neither a <urlset> nor a <sitemapindex>"),
        "{stderr}"
    );
}
