//! The benchmark's loopback site: a revalidation endpoint that answers
//! every POST at once with `{"revalidated":true,"now":…}`, like the App
//! Router handler; a sitemap of `PAGES` pages (`/sitemap.xml`, second
//! argument, default 1,000); and every other GET a small ISR page as
//! `next start` serves it from its cache (`x-nextjs-cache: HIT`, an ETag,
//! `s-maxage`). `GET /__gets` says how many GETs it has answered (what
//! oha is given to do in the stale-scan row).
//! `cargo run --release --example bench_endpoint -- 8099 1000`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a tool, not the product

use axum::http::{Method, header};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const PAGE: &str = "<!doctype html><html><head><meta name=\"isr-rendered-at\" content=\"2026-12-01T00:00:00Z\"></head><body><p>price 10</p></body></html>";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8099);
    let pages: usize = args.next().and_then(|p| p.parse().ok()).unwrap_or(1_000);
    let sitemap = Arc::new(sitemap(port, pages));
    let gets = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().fallback(move |method: Method, uri: axum::http::Uri| {
        let (sitemap, gets) = (sitemap.clone(), gets.clone());
        async move {
            if method == Method::POST {
                return (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"revalidated":true,"now":1795000000000}"#.to_string(),
                )
                    .into_response_parts();
            }
            match uri.path() {
                "/__gets" => (
                    [(header::CONTENT_TYPE, "text/plain")],
                    gets.load(Ordering::Relaxed).to_string(),
                )
                    .into_response_parts(),
                "/sitemap.xml" => (
                    [(header::CONTENT_TYPE, "application/xml")],
                    sitemap.as_ref().clone(),
                )
                    .into_response_parts(),
                _ => {
                    gets.fetch_add(1, Ordering::Relaxed);
                    page()
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("a free loopback port");
    eprintln!("bench endpoint on http://127.0.0.1:{port} ({pages} pages in /sitemap.xml)");
    axum::serve(listener, app).await.unwrap();
}

/// One answer's headers and body.
type Parts = (axum::http::HeaderMap, String);

trait IntoParts {
    fn into_response_parts(self) -> Parts;
}

impl<const N: usize> IntoParts for ([(header::HeaderName, &'static str); N], String) {
    fn into_response_parts(self) -> Parts {
        let mut map = axum::http::HeaderMap::new();
        for (name, value) in self.0 {
            map.insert(name, header::HeaderValue::from_static(value));
        }
        (map, self.1)
    }
}

fn page() -> Parts {
    let mut map = axum::http::HeaderMap::new();
    let pairs = [
        ("content-type", "text/html; charset=utf-8"),
        ("x-nextjs-cache", "HIT"),
        ("etag", "\"bench1\""),
        (
            "cache-control",
            "s-maxage=3600, stale-while-revalidate=31532400",
        ),
    ];
    for (name, value) in pairs {
        map.insert(name, header::HeaderValue::from_static(value));
    }
    (map, PAGE.to_string())
}

fn sitemap(port: u16, pages: usize) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#,
    );
    for i in 0..pages {
        xml.push_str(&format!(
            "<url><loc>http://127.0.0.1:{port}/p/{i}</loc><lastmod>2026-11-30</lastmod></url>"
        ));
    }
    xml.push_str("</urlset>");
    xml
}
