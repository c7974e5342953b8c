//! `isrctl stale` and `isrctl status` through the binary, against an
//! in-process site behind a cache that says each copy's `Age`: a page
//! whose copy was stored before its `<lastmod>` is listed (and only it),
//! its JSON lines are what `--paths-from -` reads, nothing is sent with
//! the secret, and `status` stands the site as its worst page.

use crate::common::{self, CANARY, SECRET_ENV, Scratch, runtime};
use axum::http::header;

/// A site whose sitemap lists `/old` (its cached copy 10 min old) and
/// `/new` (10 s old), both changed a minute ago; every page is served
/// from a cache (`X-Cache: HIT`, `Age`) that keys on the query (a
/// cache-busted read is a `MISS` with the same page).
pub struct Catalog {
    pub url: String,
    _task: tokio::task::JoinHandle<()>,
}

pub async fn start_catalog() -> Catalog {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let base = url.clone();
    let changed = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60);
    let page = |age: &'static str| {
        move |axum::extract::RawQuery(query): axum::extract::RawQuery| async move {
            let (age, state) = match query {
                Some(_) => ("0", "MISS"),
                None => (age, "HIT"),
            };
            (
                [
                    (header::CONTENT_TYPE, "text/html"),
                    (header::AGE, age),
                    (header::CACHE_CONTROL, "s-maxage=3600"),
                    (header::HeaderName::from_static("x-cache"), state),
                ],
                "<html><body>a page</body></html>",
            )
        }
    };
    let app = axum::Router::new()
        .route(
            "/sitemap.xml",
            axum::routing::get(move || async move {
                format!(
                    r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}/old</loc><lastmod>{changed}</lastmod></url>
  <url><loc>{base}/new</loc><lastmod>{changed}</lastmod></url>
</urlset>"#
                )
            }),
        )
        .route("/old", axum::routing::get(page("600")))
        .route("/new", axum::routing::get(page("10")))
        .route("/blog/hello", axum::routing::get(page("10")))
        .route("/", axum::routing::get(page("10")));
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Catalog { url, _task: task }
}

/// A scratch whose site `sim` is the catalog, with its sitemap.
pub fn catalog_scratch(catalog: &Catalog) -> Scratch {
    let s = Scratch::new();
    s.site_config(
        &catalog.url,
        &format!("{}/api/revalidate", catalog.url),
        "sitemap = \"/sitemap.xml\"",
    );
    s
}

fn stale(s: &Scratch, args: &[&str]) -> std::process::Output {
    let out = s
        .isrctl()
        .env(SECRET_ENV, CANARY)
        .arg("stale")
        .arg("sim")
        .args(args)
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    out
}

#[test]
fn a_copy_stored_before_its_lastmod_is_listed_and_its_lines_feed_paths_from() {
    let rt = runtime();
    let catalog = rt.block_on(start_catalog());
    let s = catalog_scratch(&catalog);

    let out = stale(&s, &["--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "one page line and the summary: {lines:#?}");
    assert_eq!(lines[0]["path"], "/old");
    assert_eq!(lines[0]["reasons"][0]["reason"], "cdn_older_than_lastmod");
    assert_eq!(lines[1]["summary"]["pages"], 2);

    // What `fresh --paths-from -` reads is what revalidate reads: the
    // page lines' paths, the summary skipped.
    let planned = s
        .isrctl()
        .env(SECRET_ENV, CANARY)
        .args([
            "revalidate",
            "sim",
            "--paths-from",
            "-",
            "--dry-run",
            "--json",
        ])
        .write_stdin(out.stdout.clone())
        .output()
        .unwrap();
    s.assert_no_canary(&planned);
    let doc = common::json(&planned);
    let targets: Vec<&str> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["target"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["/old"]);

    let human = stale(&s, &[]);
    let said = String::from_utf8_lossy(&human.stdout);
    assert!(
        said.contains("the CDN's copy was stored")
            && said.contains("fresh sim --path /old")
            && said.contains("1 of 2 page(s) probably stale"),
        "{said}"
    );
    // `--older-than` past the change leaves nothing listed, and says so.
    let later = stale(&s, &["--older-than", "1h"]);
    assert_eq!(later.status.code(), Some(0), "{later:?}");
    assert!(String::from_utf8_lossy(&later.stdout).contains("1 not listed"));
}

#[test]
fn status_stands_a_site_as_its_worst_page_and_the_stale_finder_counts() {
    let rt = runtime();
    let catalog = rt.block_on(start_catalog());
    let s = catalog_scratch(&catalog);
    let status = |s: &Scratch| {
        let out = s
            .isrctl()
            .env(SECRET_ENV, CANARY)
            .args(["status", "--json"])
            .output()
            .unwrap();
        s.assert_no_canary(&out);
        (out.status.code(), common::json(&out))
    };
    let (code, doc) = status(&s);
    assert_eq!(code, Some(0), "its key page is fresh: {doc:#}");
    assert_eq!(doc["sites"][0]["standing"], "fresh");

    stale(&s, &["--json"]);
    let (code, doc) = status(&s);
    assert_eq!(code, Some(1), "{doc:#}");
    let worst = &doc["sites"][0]["findings"][0];
    assert_eq!(
        (
            worst["standing"].as_str(),
            worst["page"].as_str(),
            worst["from"].as_str()
        ),
        (Some("stale"), Some("/old"), Some("stale"))
    );
}

#[test]
fn a_site_without_a_sitemap_is_told_how_to_add_one() {
    let s = Scratch::new();
    s.site_config("http://127.0.0.1:9", "/api/revalidate", "");
    let out = stale(&s, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("add sitemap = \"/sitemap.xml\" to [sites.sim]"),
        "{err}"
    );
}
