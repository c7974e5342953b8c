//! The troubleshooting checks of the built `isrctl` binary against the real
//! testbed (Next.js 16.4.6, two `next start` instances, Varnish keeping HTML
//! for an hour), configured by `testbed/isrctl.toml`: `check`, `revalidate
//! --verify`, `--no-lint` and the webhook dry run give the verdicts an
//! on-call engineer acts on, and each verdict is checked against the pages
//! themselves.
//!
//! Needs `--features e2e` and a running testbed (DEVELOPING.md, "Testbed"). The
//! tests take turns (`exclusive`) and settle each page first, so they leave
//! the testbed usable for the others and need no fresh start.

use crate::testbed;

use regex::Regex;
use serde_json::Value;
use std::process::Output;
use testbed::{Page, Testbed, exclusive, isrctl};

/// `isrctl ARGS --json` with the right secret: exit code and document.
fn run_json(tb: &Testbed, args: &[&str]) -> (Option<i32>, Value, Output) {
    let mut all = args.to_vec();
    all.push("--json");
    let output = isrctl(tb, &tb.secret, &all);
    let doc = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {output:?}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), doc, output)
}

/// Settle the page at both instances (a HIT, nothing pending) and make sure
/// Varnish holds a copy; returns (origin 1, origin 2, Varnish's copy).
fn prepare(tb: &Testbed, path: &str) -> (Page, Page, Page) {
    let one = tb.settle(path);
    let two = tb.settle_at(&tb.origins[1], path);
    tb.fetch(&tb.cdn, path);
    let cdn = tb.fetch(&tb.cdn, path);
    assert_eq!(cdn.header("x-cache"), Some("HIT"), "{cdn:?}");
    (one, two, cdn)
}

fn findings<'a>(doc: &'a Value, check: &str, severity: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check && f["severity"] == severity)
        .collect()
}

/// The marker in an evidence line `LABEL: marker VALUE · etag …`.
fn evidence_marker(finding: &Value, label: &str) -> String {
    let prefix = format!("{label}: marker ");
    finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|rest| rest.split(" · ").next())
        .unwrap_or_else(|| panic!("no {label} marker in {finding:#}"))
        .to_string()
}

fn layer<'a>(v: &'a Value, label: &str) -> &'a Value {
    v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == label)
        .unwrap_or_else(|| panic!("no layer {label} in {v:#}"))
}

#[test]
fn check_after_a_path_revalidation_finds_the_origin_fresh_and_varnish_stale_with_its_age() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let (before, _, cdn_before) = prepare(&tb, "/about");
    let age_before: u64 = cdn_before.header("age").unwrap().parse().unwrap();
    let started = std::time::Instant::now();

    let (code, doc, _) = run_json(&tb, &["revalidate", "testbed-one", "--path", "/about"]);
    assert_eq!(code, Some(0), "{doc:#}");
    let (code, doc, _) = run_json(&tb, &["check", "testbed-one", "--path", "/about"]);
    assert_eq!(code, Some(1), "a stale CDN is a problem: {doc:#}");

    // The HTML copy; Varnish may also hold an older RSC copy of the page
    // (its own finding, from an earlier test's read of it).
    let problems: Vec<&Value> = findings(&doc, "cache_layers", "problem")
        .into_iter()
        .filter(|f| !f["title"].as_str().unwrap().contains("RSC payload"))
        .collect();
    assert_eq!(problems.len(), 1, "{doc:#}");
    let title = problems[0]["title"].as_str().unwrap();
    let re = Regex::new(
        r"^the CDN serves a copy .+ old and may keep it .+ more, until \d\d:\d\d \S+ \(age ([\d,]+) s of s-maxage=3600\)$",
    )
    .unwrap();
    let caps = re.captures(title).unwrap_or_else(|| panic!("{title}"));
    let number = |i: usize| caps[i].replace(',', "").parse::<u64>().unwrap();
    let age = number(1);
    // The same as a number beside the words: what Varnish may keep it.
    assert_eq!(
        problems[0]["remaining_s"].as_u64(),
        Some(3600 - age),
        "{doc:#}"
    );
    assert!(
        age >= age_before && age <= age_before + started.elapsed().as_secs() + 1,
        "the age is Varnish's: {age} vs {age_before} before"
    );
    // What is left of the hour, in minutes (rounded): "~58 min more".
    let minutes = (3600 - age + 30) / 60;
    assert!(title.contains(&format!("{minutes} min more")), "{title}");
    assert!(
        problems[0]["fix"]
            .as_str()
            .unwrap()
            .starts_with("purge http://127.0.0.1:3100/about at the CDN")
    );

    // What the check compared is what the pages say now.
    let public = evidence_marker(problems[0], "public");
    let origin = evidence_marker(problems[0], "origin 1");
    assert_eq!(public, cdn_before.marker(), "Varnish: the old copy");
    assert_ne!(origin, before.marker(), "origin 1: a new render");
    let now = tb.origin(0, "/about");
    assert_eq!((now.cache(), now.marker()), ("HIT", origin));
    let cdn = tb.fetch(&tb.cdn, "/about");
    assert_eq!(cdn.marker(), cdn_before.marker());
}

#[test]
fn verify_says_when_the_origin_became_fresh_and_that_varnish_did_not_within_the_deadline() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let (before, _, cdn_before) = prepare(&tb, "/posts");

    let (code, doc, _) = run_json(
        &tb,
        &[
            "revalidate",
            "testbed-one",
            "--path",
            "/posts",
            "--verify",
            "--deadline",
            "5s",
        ],
    );
    assert_eq!(code, Some(1), "not fresh everywhere: {doc:#}");
    let result = &doc["results"][0];
    assert_eq!(result["outcome"]["kind"], "revalidated");
    let v = &result["verifications"][0];
    assert_eq!(v["page"], "/posts");
    assert_eq!(v["verdict"], "fresh_at_origin_stale_at_cdn", "{v:#}");
    assert_eq!(v["deadline_ms"], 5000);
    assert!(
        v["elapsed_ms"].as_u64().unwrap() < 5000,
        "Varnish's TTL outlasts the deadline: no need to wait for it: {v:#}"
    );

    let origin = layer(v, "origin 1");
    let fresh_after = origin["fresh_after_ms"]
        .as_u64()
        .expect("origin 1 became fresh");
    assert!(fresh_after < 5000);
    assert!(
        v["explanation"].as_str().unwrap().starts_with(&format!(
            "fresh at the origin (origin 1 after {fresh_after} ms)"
        )),
        "{v:#}"
    );
    let public = layer(v, "public");
    assert!(public["fresh_after_ms"].is_null());
    let settled = public["settled"].as_str().unwrap();
    assert!(
        settled.contains("s left of s-maxage=3600), beyond the deadline"),
        "{settled}"
    );
    assert_eq!(public["after"]["marker"], cdn_before.marker().as_str());
    assert_ne!(origin["after"]["marker"], before.marker().as_str());
    assert!(v["fix"].as_str().unwrap().starts_with("purge"));

    // The pages agree.
    assert_eq!(tb.fetch(&tb.cdn, "/posts").marker(), cdn_before.marker());
    assert_eq!(
        tb.origin(0, "/posts").marker(),
        origin["after"]["marker"].as_str().unwrap()
    );
}

#[test]
fn a_pattern_without_its_type_sent_with_no_lint_is_a_silent_noop() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let hello = prepare(&tb, "/blog/hello").0;
    let world = prepare(&tb, "/blog/world").0;

    let (code, doc, out) = run_json(
        &tb,
        &[
            "revalidate",
            "testbed",
            "--path",
            "/blog/[slug]",
            "--no-lint",
            "--verify",
            "--deadline",
            "5s",
        ],
    );
    assert_eq!(code, Some(1), "{doc:#}");
    let result = &doc["results"][0];
    assert_eq!(result["outcome"]["kind"], "revalidated", "Next.js said yes");
    assert_eq!(result["lint"][0]["level"], "warning");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sent anyway (--no-lint)"),
        "{out:?}"
    );
    let pages: Vec<(&str, &str)> = result["verifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["page"].as_str().unwrap(), v["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pages,
        vec![("/blog/hello", "unchanged"), ("/blog/world", "unchanged")],
        "{doc:#}"
    );
    let v = &result["verifications"][0];
    assert_eq!(
        v["explanation"],
        "the endpoint answered revalidated: true but the page did not change (a silent no-op)"
    );
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .contains("/blog/[slug] is a dynamic pattern"),
        "{v:#}"
    );
    // Indeed nothing was revalidated.
    for (path, before) in [("/blog/hello", &hello), ("/blog/world", &world)] {
        let now = tb.origin(0, path);
        assert_eq!(
            (now.cache(), now.marker()),
            ("HIT", before.marker()),
            "{path}"
        );
    }
}

#[test]
fn a_path_without_leading_slash_sent_with_no_lint_is_a_silent_noop() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let before = prepare(&tb, "/blog/hello").0;

    let (code, doc, _) = run_json(
        &tb,
        &[
            "revalidate",
            "testbed",
            "--path",
            "blog/hello",
            "--no-lint",
            "--verify",
            "--deadline",
            "5s",
        ],
    );
    assert_eq!(code, Some(1), "{doc:#}");
    let result = &doc["results"][0];
    assert_eq!(result["target"]["value"], "blog/hello");
    assert_eq!(result["outcome"]["kind"], "revalidated");
    assert!(
        result["lint"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("sent anyway (--no-lint): paths start with '/'"),
        "{result:#}"
    );
    let v = &result["verifications"][0];
    assert_eq!(
        (v["page"].as_str(), v["verdict"].as_str()),
        (Some("/blog/hello"), Some("unchanged")),
        "{v:#}"
    );
    assert!(v["fix"].as_str().unwrap().contains("/blog/hello"), "{v:#}");
    let settled = layer(v, "origin 1")["settled"].as_str().unwrap();
    assert!(
        settled.starts_with("Next.js answered HIT with the old page"),
        "{settled}"
    );
    let now = tb.origin(0, "/blog/hello");
    assert_eq!((now.cache(), now.marker()), ("HIT", before.marker()));
}

#[test]
fn the_replica_is_reported_stale_after_revalidating_through_instance_1() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let (_, replica_before, _) = prepare(&tb, "/blog/world");

    let (code, doc, _) = run_json(
        &tb,
        &[
            "revalidate",
            "testbed",
            "--path",
            "/blog/world",
            "--verify",
            "--deadline",
            "5s",
        ],
    );
    assert_eq!(code, Some(1), "{doc:#}");
    let v = &doc["results"][0]["verifications"][0];
    assert_eq!(v["verdict"], "stale_replica", "{v:#}");
    let explanation = v["explanation"].as_str().unwrap();
    assert!(
        explanation
            .contains("but origin 2 still serves the old page: the ISR cache is per instance")
            && explanation.contains("the CDN still serves the old page too"),
        "{explanation}"
    );
    assert!(layer(v, "origin 1")["fresh_after_ms"].is_u64());
    assert!(layer(v, "origin 2")["fresh_after_ms"].is_null());

    // The passive check says the same, without revalidating.
    let (code, doc, _) = run_json(&tb, &["check", "testbed", "--path", "/blog/world"]);
    assert_eq!(code, Some(1));
    let replica = findings(&doc, "cache_layers", "problem")
        .into_iter()
        .find(|f| f["title"] == "origin 2 still serves the old page: the ISR cache is per instance")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(
        evidence_marker(replica, "origin 2"),
        replica_before.marker()
    );
    assert_eq!(
        evidence_marker(replica, "origin 1"),
        tb.origin(0, "/blog/world").marker()
    );
    let replica_now = tb.origin(1, "/blog/world");
    assert_eq!(
        (replica_now.cache(), replica_now.marker()),
        ("HIT", replica_before.marker())
    );
}

#[test]
fn the_webhook_dry_run_revalidates_the_page_its_slug_maps_to() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let (before, _, cdn_before) = prepare(&tb, "/blog/hello");

    // Passive: a made-up header secret is refused; neither the configured
    // secret nor a slug is sent. (Whether Varnish is stale depends on
    // earlier runs: the exit code too.)
    let (_, doc, _) = run_json(&tb, &["check", "testbed-webhook", "--path", "/blog/hello"]);
    assert!(findings(&doc, "auth", "problem").is_empty(), "{doc:#}");
    assert!(
        !doc["findings"].to_string().contains("\"webhook\""),
        "the webhook check is active only: {doc:#}"
    );
    let auth: Vec<&str> = findings(&doc, "auth", "ok")
        .iter()
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    assert_eq!(auth, vec!["a wrong secret is refused"], "{doc:#}");
    let now = tb.origin(0, "/blog/hello");
    assert_eq!(now.marker(), before.marker(), "nothing was revalidated");

    let (code, doc, _) = run_json(
        &tb,
        &[
            "check",
            "testbed-webhook",
            "--path",
            "/blog/hello",
            "--active",
            "--deadline",
            "5s",
        ],
    );
    assert_eq!(code, Some(1), "Varnish stays stale: {doc:#}");
    let hook: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "webhook")
        .collect();
    assert_eq!(hook.len(), 2, "{doc:#}");
    let sent = hook[0]["evidence"][0].as_str().unwrap();
    assert!(
        sent.starts_with("POST http://127.0.0.1:3100/api/webhook")
            && sent.contains("-H 'x-webhook-secret: ***'")
            && sent.ends_with(r#"-d '{"entry":{"slug":"hello"}}'"#),
        "{sent}"
    );
    let title = hook[1]["title"].as_str().unwrap();
    assert!(
        title.starts_with("fresh at the origin (origin 1 after ")
            && title.contains("but the CDN still serves the old page"),
        "{title}"
    );
    let after = tb.origin(0, "/blog/hello");
    assert_ne!(
        after.marker(),
        before.marker(),
        "the slug's page was rendered anew"
    );
    assert_eq!(
        tb.fetch(&tb.cdn, "/blog/hello").marker(),
        cdn_before.marker()
    );

    // A page no slug maps to: the webhook says yes and nothing changes.
    let about = prepare(&tb, "/about").0;
    let (code, doc, _) = run_json(
        &tb,
        &[
            "check",
            "testbed-webhook",
            "--path",
            "/about",
            "--active",
            "--deadline",
            "5s",
        ],
    );
    assert_eq!(code, Some(1));
    let hook: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "webhook")
        .collect();
    assert!(
        hook[0]["evidence"][0]
            .as_str()
            .unwrap()
            .ends_with(r#"-d '{"entry":{"slug":"about"}}'"#)
    );
    assert_eq!(
        (hook[1]["severity"].as_str(), hook[1]["title"].as_str()),
        (
            Some("problem"),
            Some(
                "the endpoint answered revalidated: true but the page did not change (a silent no-op)"
            )
        )
    );
    let now = tb.origin(0, "/about");
    assert_eq!((now.cache(), now.marker()), ("HIT", about.marker()));
}

/// Verification without side effects, on the real Varnish: a page Varnish
/// has never seen (a new id each run) is verified; the verification must
/// not make Varnish cache the old page, so afterwards Varnish serves the
/// page the origin serves.
#[test]
fn verify_of_a_page_varnish_has_not_cached_leaves_varnish_serving_the_new_page() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let id = format!(
        "e2e-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let path = format!("/fresh/{id}");
    // Rendered once at the origin (the ISR cache keeps it), never through Varnish.
    let old = tb.settle(&path);

    let (code, doc, _) = run_json(
        &tb,
        &[
            "revalidate",
            "testbed-one",
            "--path",
            &path,
            "--verify",
            "--deadline",
            "15s",
        ],
    );
    let v = &doc["results"][0]["verifications"][0];
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["verdict"], "fresh_everywhere", "{v:#}");

    let origin = tb.settle(&path);
    assert_ne!(origin.marker(), old.marker(), "the origin regenerated");
    let cdn = tb.fetch(&tb.cdn, &path);
    assert_eq!(
        cdn.header("x-cache"),
        Some("HIT"),
        "Varnish keeps a copy: {cdn:?}"
    );
    assert_eq!(
        cdn.marker(),
        origin.marker(),
        "the copy Varnish keeps for an hour is the new page, not the old one"
    );
}

/// A handler that asks for the path before it looks at the secret, and
/// never checks it: the passive auth check proves it with a made-up secret
/// and a path no page has, and regenerates nothing.
#[test]
fn the_auth_check_flags_a_handler_that_accepts_any_secret_after_asking_for_a_path() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let before = tb.settle("/about");
    let (code, doc, _) = run_json(&tb, &["check", "testbed-open", "--path", "/about"]);
    assert_eq!(code, Some(1), "{doc:#}");
    let problems = findings(&doc, "auth", "problem");
    assert_eq!(problems.len(), 1, "{doc:#}");
    assert!(
        problems[0]["title"]
            .as_str()
            .unwrap()
            .starts_with("the endpoint accepts any secret"),
        "{doc:#}"
    );
    let evidence = problems[0]["evidence"].to_string();
    assert!(
        evidence.contains("made-up secret, /__isrctl-auth-check-"),
        "{evidence}"
    );
    let after = tb.settle("/about");
    assert_eq!(
        after.marker(),
        before.marker(),
        "/about was not regenerated"
    );
}

/// `fresh` on the real testbed: a revalidation through Varnish reached
/// instance 1 only, so instance 2 and Varnish serve the old page; `fresh`
/// revalidates both instances, waits for them, purges Varnish (PURGE from
/// loopback) and proves every layer fresh. Each layer is then read
/// directly, as curl would.
#[test]
fn fresh_turns_a_stale_replica_and_a_stale_varnish_into_fresh_everywhere() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let (_, replica_before, cdn_before) = prepare(&tb, "/about");
    let out = isrctl(
        &tb,
        &tb.secret,
        &["revalidate", "testbed", "--path", "/about"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let one = tb.settle("/about");
    assert_ne!(one.marker(), cdn_before.marker(), "instance 1 is fresh");
    assert_eq!(
        tb.fetch(&tb.cdn, "/about").marker(),
        cdn_before.marker(),
        "Varnish is stale"
    );
    assert_eq!(
        tb.origin(1, "/about").marker(),
        replica_before.marker(),
        "instance 2 is stale"
    );

    let (code, doc, _) = run_json(
        &tb,
        &["fresh", "testbed", "--path", "/about", "--deadline", "20s"],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["fresh"], true, "{doc:#}");
    let result = &doc["results"][0];
    assert_eq!(
        result["revalidations"].as_array().unwrap().len(),
        2,
        "{result:#}"
    );
    assert_eq!(result["purges"][0]["kind"], "purged", "{result:#}");
    assert!(
        result["purges"][0]["call"].as_str().unwrap().starts_with(
            "BAN http://127.0.0.1:3100/ (Host: 127.0.0.1:3100, X-Ban-Url: ^/about(\\?.*)?$)"
        ),
        "{result:#}"
    );
    assert_eq!(
        tb.rsc(&tb.cdn, "/about").body,
        tb.rsc(&tb.origins[0], "/about").body,
        "ground truth: Varnish's RSC copy is instance 1's new one"
    );

    let one = tb.settle("/about");
    let two = tb.settle_at(&tb.origins[1], "/about");
    let cdn = tb.fetch(&tb.cdn, "/about");
    assert_ne!(one.marker(), cdn_before.marker());
    assert_ne!(
        two.marker(),
        replica_before.marker(),
        "instance 2 regenerated"
    );
    assert_eq!(
        cdn.marker(),
        one.marker(),
        "Varnish serves instance 1's new page"
    );
}

/// The same for a tag on pages that read tagged data. After
/// revalidateTag the first origin answer is STALE with the old page: the
/// purge must wait for the new one, or Varnish would keep the old page
/// again. Afterwards Varnish serves what instance 1 serves.
#[test]
fn fresh_for_a_tag_purges_varnish_after_the_stale_answer_is_gone() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let (before, _, cdn_before) = prepare(&tb, "/posts");
    let (code, doc, _) = run_json(
        &tb,
        &["fresh", "testbed", "--tag", "posts", "--deadline", "30s"],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    let result = &doc["results"][0];
    let steps = result["steps"].as_array().unwrap();
    assert!(
        steps[0]
            .as_str()
            .unwrap()
            .starts_with("every origin serves the new page"),
        "the purge came after the origins were fresh: {result:#}"
    );
    let verdicts: Vec<&str> = result["verifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["verdict"].as_str().unwrap())
        .collect();
    assert!(
        verdicts.iter().all(|v| *v == "fresh_everywhere"),
        "{result:#}"
    );
    let origin = tb.settle("/posts");
    let cdn = tb.fetch(&tb.cdn, "/posts");
    assert_ne!(origin.marker(), before.marker());
    assert_ne!(cdn.marker(), cdn_before.marker());
    assert_eq!(
        cdn.marker(),
        origin.marker(),
        "Varnish keeps the new page, not the STALE one"
    );
}

/// Purges proven on real Varnish, read back with plain HTTP: the testbed's
/// VCL purges for real (`purged`, proven; the copy Varnish holds afterwards
/// is younger than the purge), while a VCL in the Varnish documentation's
/// shapes answers 200 to a BAN that bans only "/" (`not_purged`, exit 1;
/// the page stays a HIT as old as before) and 405 "Not allowed." to a
/// PURGE from outside its ACL (`unauthorized`, the ACL named).
#[test]
fn purges_on_real_varnish_are_proven_by_reading_the_page_back() {
    let _turn = exclusive();
    let tb = Testbed::get();

    // docs.vcl: warm, let the copy age past the purge's own second.
    tb.settle("/about");
    tb.fetch(&tb.docs_vcl, "/about");
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let before = tb.fetch(&tb.docs_vcl, "/about");
    assert_eq!(before.header("x-cache"), Some("HIT"), "{before:?}");

    let (code, doc, _) = run_json(&tb, &["purge", "testbed-docs-ban", "--path", "/about"]);
    assert_eq!(code, Some(1), "{doc:#}");
    assert_eq!(doc["results"][0]["kind"], "not_purged", "{doc:#}");
    let after = tb.fetch(&tb.docs_vcl, "/about");
    assert_eq!(
        after.header("x-cache"),
        Some("HIT"),
        "ground truth: still cached {after:?}"
    );
    assert_eq!(
        after.marker(),
        before.marker(),
        "ground truth: the same old copy"
    );

    let (code, doc, _) = run_json(&tb, &["purge", "testbed-docs-acl", "--path", "/about"]);
    assert_eq!(code, Some(1), "{doc:#}");
    assert_eq!(doc["results"][0]["kind"], "unauthorized", "{doc:#}");
    assert!(
        doc["results"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("ACL"),
        "{doc:#}"
    );
    assert_eq!(
        tb.fetch(&tb.docs_vcl, "/about").header("x-cache"),
        Some("HIT")
    );

    // testbed.vcl: PURGE from loopback works, and isrctl proves it (the
    // shop site purges this Varnish with PURGE).
    tb.fetch(&tb.cdn, "/about");
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let purged_at = std::time::Instant::now();
    let (code, doc, _) = run_json(&tb, &["purge", "shop", "--path", "/about"]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["results"][0]["kind"], "purged", "{doc:#}");
    assert!(
        doc["results"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("proven"),
        "{doc:#}"
    );
    let now = tb.fetch(&tb.cdn, "/about");
    let age: u64 = now.header("age").unwrap_or("0").parse().unwrap();
    assert!(
        age <= purged_at.elapsed().as_secs() + 1,
        "ground truth: Varnish's copy is younger than the purge (Age {age})"
    );
}

/// nginx's proxy_cache with ngx_cache_purge, for real: after instance 1
/// serves a new /about, nginx still serves the old one (it keeps HTML an
/// hour and sends no Age); `purge` through the `http` provider purges it,
/// proven by reading it back, and plain HTTP then shows the new page. A key
/// nginx never cached answers 404, which is `not_cached`, not a failure.
#[test]
fn nginx_cache_purge_is_purged_proven_and_404_is_not_cached() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let before = tb.settle("/about");
    tb.fetch(&tb.nginx, "/about");
    let cached = tb.fetch(&tb.nginx, "/about");
    assert_eq!(cached.header("x-cache-status"), Some("HIT"), "{cached:?}");
    assert_eq!(cached.header("age"), None, "nginx sends no Age");

    let out = isrctl(
        &tb,
        &tb.secret,
        &["revalidate", "testbed-one", "--path", "/about"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let fresh = tb.settle("/about");
    assert_ne!(fresh.marker(), before.marker(), "instance 1 regenerated");
    assert_eq!(
        tb.fetch(&tb.nginx, "/about").marker(),
        cached.marker(),
        "nginx is stale"
    );

    let (code, doc, _) = run_json(&tb, &["purge", "testbed-nginx", "--path", "/about"]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["results"][0]["kind"], "purged", "{doc:#}");
    assert!(
        doc["results"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("proven"),
        "{doc:#}"
    );
    assert_eq!(
        tb.fetch(&tb.nginx, "/about").marker(),
        fresh.marker(),
        "ground truth: nginx serves the new page"
    );

    let (code, doc, _) = run_json(
        &tb,
        &["purge", "testbed-nginx", "--path", "/about?never=cached"],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["results"][0]["kind"], "not_cached", "{doc:#}");
}
