//! `isrctl fresh` through the binary on simulated sites: two origin
//! instances (each its own ISR cache) behind a caching layer that keeps
//! HTML for an hour and takes PURGE, like the testbed's Varnish.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::{CANARY, SECRET_ENV, Scratch, json, runtime};
use isrctl::sim::{OriginOptions, SimCdn, SimOrigin};
use tokio::runtime::Runtime;

fn origin(rt: &Runtime) -> SimOrigin {
    rt.block_on(SimOrigin::start(OriginOptions {
        secret: CANARY.to_string(),
        ..OriginOptions::default()
    }))
    .unwrap()
}

fn config(s: &Scratch, public: &str, origins: &[String], purge: &str) {
    let quoted: Vec<String> = origins.iter().map(|o| format!("\"{o}\"")).collect();
    let text = format!(
        r#"[sites.sim]
public_url = "{public}"
origins = [{}]
cdn = "varnish"
rate_per_second = 0
timeout = "3s"
{purge}

[sites.sim.secret]
env = "{SECRET_ENV}"

[[sites.sim.routes]]
path = "/blog/hello"
tags = ["posts"]
marker = '<meta name="isr-rendered-at" content="([^"]+)"'
"#,
        quoted.join(", ")
    );
    std::fs::write(s.config_path(), text).unwrap();
}

fn marker(rt: &Runtime, url: String) -> String {
    let html = rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() });
    regex::Regex::new(r#"isr-rendered-at" content="([^"]+)""#)
        .unwrap()
        .captures(&html)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no marker in {html}"))
}

/// Two instances, a CDN in front of the first holding a copy: after a
/// revalidation through the CDN only instance 1 and not the CDN would be
/// fresh. `fresh` fixes both layers.
#[test]
fn fresh_revalidates_every_origin_purges_the_cdn_and_proves_it() {
    let rt = runtime();
    let (one, two) = (origin(&rt), origin(&rt));
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let old = marker(&rt, format!("{}/blog/hello", cdn.url()));
    let s = Scratch::new();
    config(
        &s,
        &cdn.url(),
        &[one.url(), two.url()],
        "[sites.sim.purge]\nprovider = \"varnish\"",
    );

    let out = s
        .isrctl()
        .args([
            "fresh",
            "sim",
            "--path",
            "/blog/hello",
            "--deadline",
            "10s",
            "--json",
        ])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["fresh"], true);
    let result = &doc["results"][0];
    let requests: Vec<&str> = result["revalidations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["request"].as_str().unwrap())
        .collect();
    assert_eq!(requests.len(), 2, "one per instance: {requests:?}");
    assert!(requests[0].contains(&one.url()) && requests[1].contains(&two.url()));
    assert_eq!(one.endpoint_requests(), 1);
    assert_eq!(two.endpoint_requests(), 1);
    assert!(
        result["steps"][0]
            .as_str()
            .unwrap()
            .starts_with("every origin serves the new page"),
        "{result:#}"
    );
    assert_eq!(result["purges"][0]["kind"], "purged");
    assert_eq!(result["verifications"][0]["verdict"], "fresh_everywhere");

    // Every layer, read directly, serves the new page.
    let now = marker(&rt, format!("{}/blog/hello", one.url()));
    assert_ne!(now, old);
    assert_eq!(marker(&rt, format!("{}/blog/hello", cdn.url())), now);
    assert_ne!(marker(&rt, format!("{}/blog/hello", two.url())), old);

    // History has both instances' revalidations, the purge and the verdict.
    let history = s.read(&s.history_file());
    assert_eq!(
        history.matches("\"action\":\"revalidate\"").count(),
        2,
        "{history}"
    );
    assert_eq!(
        history.matches("\"action\":\"purge\"").count(),
        1,
        "{history}"
    );
    assert!(
        history.contains("\"outcome\":\"fresh_everywhere\""),
        "{history}"
    );
}

/// After a tag revalidation Next.js serves the old page once (STALE): a
/// purge then would make the CDN keep the old page again. `fresh` waits
/// until every origin serves the new page before it purges.
#[test]
fn fresh_for_a_tag_purges_only_after_the_stale_answer_is_gone() {
    let rt = runtime();
    let one = origin(&rt);
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let s = Scratch::new();
    config(
        &s,
        &cdn.url(),
        &[one.url()],
        "[sites.sim.purge]\nprovider = \"varnish\"",
    );
    let out = s
        .isrctl()
        .args(["fresh", "sim", "--tag", "posts", "--deadline", "10s"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("every origin serves the new page"), "{text}");
    assert!(
        text.contains("fresh: 1 of 1 page(s) on sim serve the new page at every layer"),
        "{text}"
    );
    let origin_now = marker(&rt, format!("{}/blog/hello", one.url()));
    assert_eq!(marker(&rt, format!("{}/blog/hello", cdn.url())), origin_now);
}

#[test]
fn without_a_purge_the_cdn_stays_stale_and_fresh_says_so() {
    let rt = runtime();
    let one = origin(&rt);
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let s = Scratch::new();
    config(&s, &cdn.url(), &[one.url()], "");
    let out = s
        .isrctl()
        .args(["fresh", "sim", "--path", "/blog/hello", "--deadline", "3s"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("no [sites.sim.purge] configured"), "{text}");
    assert!(text.contains("fresh_at_origin_stale_at_cdn"), "{text}");
    assert!(text.contains("NOT fresh"), "{text}");
}

#[test]
fn every_origin_revalidation_gives_one_result_per_instance() {
    let rt = runtime();
    let (one, two) = (origin(&rt), origin(&rt));
    let s = Scratch::new();
    config(&s, &one.url(), &[one.url(), two.url()], "");
    let out = s
        .isrctl()
        .args([
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--every-origin",
            "--json",
        ])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    let instances = doc["results"][0]["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 2, "{doc:#}");
    assert!(
        instances
            .iter()
            .all(|i| i["outcome"]["kind"] == "revalidated")
    );
    assert_eq!((one.endpoint_requests(), two.endpoint_requests()), (1, 1));
}
