//! The built `isrctl` binary against the real testbed: Next.js 16.4.6
//! (`next start`, two instances) behind Varnish, configured by the shipped
//! `testbed/isrctl.toml`. What an on-call engineer would check after each
//! command: the exit code, the outcome, and the page itself.
//!
//! Needs `--features e2e` and a running testbed (DEVELOPING.md, "Testbed"); fails
//! when the testbed is not running.

use crate::testbed;

use std::process::Output;
use std::time::{Duration, Instant};
use testbed::{Page, Testbed, exclusive, isrctl};

struct Run {
    output: Output,
    json: serde_json::Value,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }
    fn outcome(&self) -> &serde_json::Value {
        &self.json["results"][0]["outcome"]
    }
    fn kind(&self) -> &str {
        self.outcome()["kind"].as_str().unwrap_or("-")
    }
}

fn revalidate(tb: &Testbed, secret: &str, args: &[&str]) -> Run {
    let mut all = vec!["revalidate"];
    all.extend_from_slice(args);
    all.push("--json");
    let output = isrctl(tb, secret, &all);
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {output:?}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Run { output, json }
}

/// GET a page at origin 1 until `done` says so (a STALE answer triggers a
/// background regeneration that may take a moment).
fn origin_until(tb: &Testbed, path: &str, done: impl Fn(&Page) -> bool) -> Page {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let page = tb.origin(0, path);
        if done(&page) || Instant::now() > deadline {
            return page;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_path_revalidation_regenerates_the_page_at_the_origin() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let before = tb.settle("/blog/world");

    let run = revalidate(&tb, &tb.secret, &["testbed", "--path", "/blog/world"]);
    assert_eq!(run.code(), Some(0), "{:?}", run.output);
    assert_eq!(run.kind(), "revalidated");
    assert_eq!(run.outcome()["status"], 200);
    assert!(run.outcome()["server_now"].is_i64(), "{}", run.json);

    let after = tb.origin(0, "/blog/world");
    assert_eq!(after.status, 200);
    assert_eq!(after.cache(), "MISS", "regenerated on this request");
    assert_ne!(
        after.marker(),
        before.marker(),
        "the page was rendered anew"
    );
    assert_ne!(after.etag(), before.etag());
    let again = tb.origin(0, "/blog/world");
    assert_eq!(
        (again.cache(), again.marker()),
        ("HIT", after.marker()),
        "the new render is cached"
    );
}

#[test]
fn a_tag_revalidation_serves_the_tagged_page_stale_once_then_fresh() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let before = tb.settle("/posts");
    let untagged = tb.settle("/about");

    let run = revalidate(&tb, &tb.secret, &["testbed", "--tag", "posts"]);
    assert_eq!(run.code(), Some(0), "{:?}", run.output);
    assert_eq!(run.kind(), "revalidated");

    let stale = tb.origin(0, "/posts");
    assert_eq!(stale.cache(), "STALE");
    assert_eq!(stale.marker(), before.marker(), "STALE serves the old page");
    let fresh = origin_until(&tb, "/posts", |p| p.marker() != before.marker());
    assert_ne!(
        fresh.marker(),
        before.marker(),
        "never regenerated: {fresh:?}"
    );
    assert_ne!(fresh.cache(), "STALE");
    assert!(
        fresh.body.contains("posts fetched at ") && !fresh.body.contains(&data_line(&before)),
        "the tagged data was fetched again"
    );
    // A page without the tag is untouched.
    let about = tb.origin(0, "/about");
    assert_eq!((about.cache(), about.marker()), ("HIT", untagged.marker()));
}

/// "posts fetched at …": when the page's tagged data was cached.
fn data_line(page: &Page) -> String {
    let start = page.body.find("posts fetched at ").expect("data line");
    page.body[start..]
        .chars()
        .take_while(|&c| c != '<')
        .collect()
}

#[test]
fn a_wrong_secret_is_unauthorized_exits_1_and_changes_nothing() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let before = tb.settle("/about");

    let run = revalidate(&tb, "not-the-secret", &["testbed", "--path", "/about"]);
    assert_eq!(run.code(), Some(1), "{:?}", run.output);
    assert_eq!(run.kind(), "unauthorized");
    assert_eq!(run.outcome()["status"], 401);
    assert_eq!(run.outcome()["message"], "Invalid token");

    let after = tb.origin(0, "/about");
    assert_eq!(
        (after.cache(), after.marker()),
        ("HIT", before.marker()),
        "nothing was revalidated"
    );
}

#[test]
fn a_path_without_leading_slash_is_refused_before_sending() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let before = tb.settle("/blog/hello");

    let run = revalidate(&tb, &tb.secret, &["testbed", "--path", "blog/hello"]);
    assert_eq!(run.code(), Some(1), "{:?}", run.output);
    assert_eq!(run.kind(), "refused");
    assert!(
        run.outcome()["status"].is_null(),
        "no HTTP answer: nothing was sent"
    );
    assert!(
        run.json.to_string().contains("/blog/hello"),
        "says what to write instead: {}",
        run.json
    );
    let after = tb.origin(0, "/blog/hello");
    assert_eq!((after.cache(), after.marker()), ("HIT", before.marker()));
}

#[test]
fn the_pages_router_endpoint_regenerates_a_page_before_answering() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let before = tb.settle("/about");

    let run = revalidate(&tb, &tb.secret, &["testbed-pages", "--path", "/about"]);
    assert_eq!(run.code(), Some(0), "{:?}", run.output);
    assert_eq!(run.kind(), "revalidated");
    assert_eq!(run.outcome()["status"], 200);

    // res.revalidate waits for the regeneration: the next GET is a fresh HIT.
    let after = tb.origin(0, "/about");
    assert_eq!(after.cache(), "HIT");
    assert_ne!(after.marker(), before.marker());
}

#[test]
fn the_pages_router_500_for_a_page_it_cannot_revalidate_is_explained() {
    let _turn = exclusive();
    let tb = Testbed::get();
    // /blog/nope passes the linter but is no page of /blog/[slug]
    // (dynamicParams = false), so res.revalidate throws.
    let run = revalidate(&tb, &tb.secret, &["testbed-pages", "--path", "/blog/nope"]);
    assert_eq!(run.code(), Some(1), "{:?}", run.output);
    assert_eq!(run.kind(), "server_error");
    assert_eq!(run.outcome()["status"], 500);
    assert_eq!(run.outcome()["message"], "Error revalidating");
    let fix = run.outcome()["fix"].as_str().unwrap_or("");
    assert!(fix.contains("res.revalidate"), "{}", run.outcome());

    // The human output says the same.
    let human = isrctl(
        &tb,
        &tb.secret,
        &["revalidate", "testbed-pages", "--path", "/blog/nope"],
    );
    assert_eq!(human.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&human.stdout),
        String::from_utf8_lossy(&human.stderr)
    );
    assert!(
        text.contains("500")
            && text.contains("Error revalidating")
            && text.contains("res.revalidate"),
        "{text}"
    );
}

#[test]
fn through_varnish_the_origin_is_fresh_while_the_cdn_still_serves_the_old_page() {
    let _turn = exclusive();
    let tb = Testbed::get();
    tb.settle("/");
    // Whatever Varnish holds now (it may have cached it in an earlier run),
    // it keeps for an hour.
    let cdn_before = tb.fetch(&tb.cdn, "/");
    assert_eq!(cdn_before.status, 200);
    let cdn_before = tb.fetch(&tb.cdn, "/");
    assert_eq!(cdn_before.header("x-cache"), Some("HIT"), "{cdn_before:?}");
    let replica_before = tb.origin(1, "/");

    let run = revalidate(&tb, &tb.secret, &["testbed", "--path", "/"]);
    assert_eq!(run.code(), Some(0), "{:?}", run.output);
    assert_eq!(run.kind(), "revalidated");

    let origin = tb.origin(0, "/");
    assert_eq!(origin.cache(), "MISS");
    let cdn = tb.fetch(&tb.cdn, "/");
    assert_eq!(cdn.header("x-cache"), Some("HIT"));
    assert!(cdn.header("age").is_some(), "{cdn:?}");
    assert_eq!(
        cdn.marker(),
        cdn_before.marker(),
        "the CDN serves its old copy"
    );
    assert_ne!(cdn.marker(), origin.marker(), "while the origin is fresh");
    // The endpoint reached instance 1 only: instance 2's ISR cache is its own.
    let replica = tb.origin(1, "/");
    assert_eq!(replica.marker(), replica_before.marker());
    assert_ne!(replica.marker(), origin.marker());
}
