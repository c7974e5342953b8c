//! `isrctl check`, `probe` and `revalidate --verify` against the simulated
//! Next.js origin and CDN: each verdict an on-call engineer relies on.

use crate::common;

use common::{CANARY, SECRET_ENV, Scratch, json, runtime};
use isrctl::sim::{OriginOptions, SimCdn, SimOrigin};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const MARKER: &str = r#"isr-rendered-at" content="([^"]+)""#;

fn origin(rt: &Runtime, secret: &str, accept_any_secret: bool) -> SimOrigin {
    rt.block_on(SimOrigin::start(OriginOptions {
        secret: secret.to_string(),
        accept_any_secret,
        ..OriginOptions::default()
    }))
    .unwrap()
}

/// A site `sim` whose public URL is `public` (a CDN or an origin).
fn write_config(s: &Scratch, public: &str, origins: &[String]) {
    let origins: Vec<String> = origins.iter().map(|o| format!("{o:?}")).collect();
    let text = format!(
        r#"[sites.sim]
public_url = "{public}"
origins = [{}]
rate_per_second = 0
timeout = "2s"
connect_timeout = "1s"

[sites.sim.secret]
env = "{SECRET_ENV}"

[[sites.sim.routes]]
path = "/blog/hello"
tags = ["posts"]
marker = '{MARKER}'

[[sites.sim.routes]]
path = "/about"
"#,
        origins.join(", ")
    );
    std::fs::write(s.config_path(), text).unwrap();
}

fn run(s: &Scratch, args: &[&str]) -> (Option<i32>, Value, std::process::Output) {
    let output = s.isrctl().args(args).output().unwrap();
    s.assert_no_canary(&output);
    let doc = json(&output);
    (output.status.code(), doc, output)
}

fn findings<'a>(doc: &'a Value, check: &str, severity: &str) -> Vec<&'a str> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check && f["severity"] == severity)
        .map(|f| f["title"].as_str().unwrap())
        .collect()
}

fn get(rt: &Runtime, url: String) {
    rt.block_on(async move { reqwest::get(url).await.unwrap().bytes().await.unwrap() });
}

#[test]
fn a_token_mismatch_is_found_without_sending_any_path() {
    let rt = runtime();
    let app = origin(&rt, "the-apps-own-secret", false);
    let s = Scratch::new();
    write_config(&s, &app.url(), &[app.url()]);

    // Passive, nothing in history: the configured secret is never sent
    // (a handler may ignore the path), so there is no mismatch to see yet.
    let (code, doc, _) = run(&s, &["check", "sim", "--path", "/blog/hello", "--json"]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["command"], "check");
    assert_eq!(
        findings(&doc, "auth", "ok"),
        vec!["a wrong secret is refused"]
    );
    assert_eq!(app.endpoint_requests_with_secret("the-apps-own-secret"), 0);

    // A real revalidation is refused; the passive check reads it from history.
    let refused = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_ne!(refused.status.code(), Some(0));
    let (code, doc, _) = run(&s, &["check", "sim", "--path", "/blog/hello", "--json"]);
    assert_eq!(code, Some(1), "a problem was found: {doc:#}");
    assert_eq!(
        findings(&doc, "auth", "problem"),
        vec!["token mismatch: the last revalidation was refused"]
    );

    // --active sends the configured secret, without a path.
    let (code, doc, _) = run(
        &s,
        &[
            "check",
            "sim",
            "--path",
            "/blog/hello",
            "--active",
            "--json",
        ],
    );
    assert_eq!(code, Some(1), "a problem was found");
    let problems = findings(&doc, "auth", "problem");
    assert!(
        problems.contains(&"token mismatch: the endpoint refuses the configured secret"),
        "{problems:?}"
    );
    let evidence = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["title"] == problems[0])
        .unwrap();
    let evidence = evidence["evidence"].to_string();
    assert!(
        evidence.contains(&format!(
            "env {SECRET_ENV} · {} chars · sha256",
            CANARY.len()
        )),
        "{evidence}"
    );
    assert_eq!(
        app.generation("/blog/hello"),
        Some(0),
        "every call was refused"
    );
}

#[test]
fn an_endpoint_that_accepts_any_secret_is_a_security_problem() {
    let rt = runtime();
    let app = origin(&rt, CANARY, true);
    let s = Scratch::new();
    write_config(&s, &app.url(), &[]);

    let (code, doc, _) = run(&s, &["check", "sim", "--path", "/about", "--json"]);
    assert_eq!(code, Some(1));
    let problems = findings(&doc, "auth", "problem");
    assert_eq!(
        problems,
        vec!["the endpoint accepts any secret: anyone can revalidate (and load) the site"]
    );
    assert_eq!(app.generation("/about"), Some(0), "nothing was regenerated");
    assert_eq!(app.generation("/blog/hello"), Some(0));
}

/// Origin behind a CDN whose copy of /blog/hello predates a revalidation.
fn stale_cdn(rt: &Runtime) -> (SimOrigin, SimCdn, Scratch) {
    let app = origin(rt, CANARY, false);
    let cdn = rt.block_on(SimCdn::start(&app.url())).unwrap();
    let s = Scratch::new();
    write_config(&s, &cdn.url(), &[app.url()]);
    get(rt, format!("{}/blog/hello", cdn.url()));
    let out = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    (app, cdn, s)
}

#[test]
fn check_says_the_cdn_is_stale_with_its_age_and_remaining_ttl() {
    let rt = runtime();
    let (_app, _cdn, s) = stale_cdn(&rt);

    let (code, doc, _) = run(&s, &["check", "sim", "--path", "/blog/hello", "--json"]);
    assert_eq!(code, Some(1));
    let problems = findings(&doc, "cache_layers", "problem");
    assert_eq!(problems.len(), 1, "{doc:#}");
    let re = regex::Regex::new(
        r"^the CDN serves a copy (\d+) s old and may keep it ~?(\d+) min more, until \d\d:\d\d \S+ \(age \d+ s of s-maxage=3600\)$",
    )
    .unwrap();
    let caps = re
        .captures(problems[0])
        .unwrap_or_else(|| panic!("{}", problems[0]));
    assert!(caps[1].parse::<u64>().unwrap() < 30);
    assert_eq!(caps[2].parse::<u64>().unwrap(), 60, "~60 min more");
    // The same, as a number, in the JSON.
    let remaining = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["severity"] == "problem")
        .unwrap()["remaining_s"]
        .as_u64()
        .unwrap();
    assert!((3570..=3600).contains(&remaining), "{remaining}");

    let probe = s
        .isrctl()
        .args(["probe", "sim", "--path", "/blog/hello", "--json"])
        .output()
        .unwrap();
    s.assert_no_canary(&probe);
    assert_eq!(probe.status.code(), Some(1));
    let doc = json(&probe);
    let public = &doc["pages"][0]["layers"][0];
    assert_eq!(public["layer"]["kind"], "public");
    assert_eq!(public["cache"]["edge"], "hit");
    assert!(public["cache"]["age"].is_u64());
    assert_eq!(public["cache"]["ttl"]["directive"], "s-maxage=3600");
    let origin = &doc["pages"][0]["layers"][1];
    assert_eq!(origin["layer"]["kind"], "origin");
    assert_ne!(
        origin["fingerprint"]["marker"],
        public["fingerprint"]["marker"]
    );
}

#[test]
fn verify_after_a_path_revalidation_behind_a_cdn_reports_the_origin_fresh_and_the_cdn_stale() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let cdn = rt.block_on(SimCdn::start(&app.url())).unwrap();
    let s = Scratch::new();
    write_config(&s, &cdn.url(), &[app.url()]);
    get(&rt, format!("{}/blog/hello", cdn.url()));

    let started = Instant::now();
    let (code, doc, _) = run(
        &s,
        &[
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--verify",
            "--deadline",
            "20s",
            "--json",
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the CDN's TTL outlasts the deadline: no need to wait for it"
    );
    assert_eq!(code, Some(1), "verified stale is a failure");
    let v = &doc["results"][0]["verifications"][0];
    assert_eq!(v["verdict"], "fresh_at_origin_stale_at_cdn", "{v:#}");
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers[0]["label"], "public");
    assert!(layers[0]["fresh_after_ms"].is_null());
    assert!(
        layers[0]["settled"]
            .as_str()
            .unwrap()
            .contains("min more, until ")
    );
    assert_eq!(layers[1]["label"], "origin 1");
    assert!(layers[1]["fresh_after_ms"].is_u64());
    assert!(v["fix"].as_str().unwrap().starts_with("purge"));
}

/// GET a page's body.
fn text(rt: &Runtime, url: String) -> String {
    rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

/// Verification without side effects: a CDN that had no copy of the page
/// must not be made to cache the old one by the verification itself.
#[test]
fn verify_through_a_cdn_without_a_copy_leaves_it_serving_the_new_page() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let cdn = rt.block_on(SimCdn::start(&app.url())).unwrap();
    let s = Scratch::new();
    write_config(&s, &cdn.url(), &[app.url()]);
    assert!(!cdn.holds("/blog/hello"));

    let (code, doc, _) = run(
        &s,
        &[
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--verify",
            "--deadline",
            "10s",
            "--json",
        ],
    );
    let v = &doc["results"][0]["verifications"][0];
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["verdict"], "fresh_everywhere", "{v:#}");
    assert_eq!(app.generation("/blog/hello"), Some(1));
    // The CDN caches what it fetched first: it must be the new page.
    let served = text(&rt, format!("{}/blog/hello", cdn.url()));
    let origin_now = text(&rt, format!("{}/blog/hello", app.url()));
    let marker = |html: &str| {
        regex::Regex::new(r#"isr-rendered-at" content="([^"]+)""#)
            .unwrap()
            .captures(html)
            .map(|c| c[1].to_string())
    };
    assert!(marker(&served).is_some(), "{served}");
    assert_eq!(
        marker(&served),
        marker(&origin_now),
        "the CDN serves the new page"
    );
}

#[test]
fn a_stale_replica_is_named() {
    let rt = runtime();
    let one = origin(&rt, CANARY, false);
    let two = origin(&rt, CANARY, false);
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    let s = Scratch::new();
    write_config(&s, &cdn.url(), &[one.url(), two.url()]);

    let (code, doc, _) = run(
        &s,
        &[
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--verify",
            "--json",
        ],
    );
    assert_eq!(code, Some(1));
    let v = &doc["results"][0]["verifications"][0];
    assert_eq!(v["verdict"], "stale_replica", "{v:#}");
    assert!(
        v["explanation"]
            .as_str()
            .unwrap()
            .contains("origin 2 still serves the old page")
    );

    let (code, doc, _) = run(&s, &["check", "sim", "--path", "/blog/hello", "--json"]);
    assert_eq!(code, Some(1));
    assert!(
        findings(&doc, "cache_layers", "problem")
            .contains(&"origin 2 still serves the old page: the ISR cache is per instance"),
        "{doc:#}"
    );
    assert_eq!(two.generation("/blog/hello"), Some(0));
}

#[test]
fn a_path_without_slash_sent_with_no_lint_is_a_silent_noop() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let s = Scratch::new();
    write_config(&s, &app.url(), &[app.url()]);

    let (code, doc, out) = run(
        &s,
        &[
            "revalidate",
            "sim",
            "--path",
            "blog/hello",
            "--no-lint",
            "--verify",
            "--json",
        ],
    );
    assert_eq!(code, Some(1));
    let result = &doc["results"][0];
    assert_eq!(result["lint"][0]["level"], "warning");
    assert!(
        result["lint"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("sent anyway (--no-lint): paths start with '/'")
    );
    assert_eq!(result["outcome"]["kind"], "revalidated");
    let v = &result["verifications"][0];
    assert_eq!(v["verdict"], "unchanged");
    assert_eq!(v["page"], "/blog/hello");
    assert_eq!(
        v["explanation"],
        "the endpoint answered revalidated: true but the page did not change (a silent no-op)"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: blog/hello: sent anyway (--no-lint)")
    );
    assert_eq!(app.generation("/blog/hello"), Some(0));
}

#[test]
fn a_pattern_without_its_type_sent_with_no_lint_is_a_silent_noop() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let s = Scratch::new();
    write_config(&s, &app.url(), &[]);

    let out = s
        .isrctl()
        .args([
            "revalidate",
            "sim",
            "--path",
            "/blog/[slug]",
            "--no-lint",
            "--verify",
        ])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("verify /blog/hello: the endpoint answered revalidated: true but the page did not change (a silent no-op) (unchanged)"), "{text}");
    assert!(
        text.contains("fix: /blog/[slug] is a dynamic pattern"),
        "{text}"
    );
}

#[test]
fn fresh_everywhere_after_a_path_and_after_a_tag_and_recorded() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let s = Scratch::new();
    write_config(&s, &app.url(), &[app.url()]);

    let (code, doc, _) = run(
        &s,
        &[
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--verify",
            "--json",
        ],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(
        doc["results"][0]["verifications"][0]["verdict"],
        "fresh_everywhere"
    );

    // A tag: the first request after revalidateTag is STALE (old page), then fresh.
    let (code, doc, _) = run(
        &s,
        &["revalidate", "sim", "--tag", "posts", "--verify", "--json"],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    let v = &doc["results"][0]["verifications"][0];
    assert_eq!(
        (v["page"].as_str(), v["verdict"].as_str()),
        (Some("/blog/hello"), Some("fresh_everywhere"))
    );

    let history = s.isrctl().args(["history", "--json"]).output().unwrap();
    let records = json(&history)["records"].as_array().unwrap().clone();
    let verify: Vec<&Value> = records.iter().filter(|r| r["action"] == "verify").collect();
    assert_eq!(verify.len(), 2);
    assert_eq!(verify[0]["outcome"], "fresh_everywhere");
    let routes = s
        .isrctl()
        .args(["routes", "sim", "--json"])
        .output()
        .unwrap();
    let last = &json(&routes)["routes"][0]["last"];
    assert_eq!(
        last["action"], "revalidate",
        "the routes view shows the last revalidation"
    );
}

#[test]
fn check_active_on_a_healthy_site_passes_and_records_each_path() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let s = Scratch::new();
    write_config(&s, &app.url(), &[app.url()]);

    let (code, doc, _) = run(
        &s,
        &[
            "check",
            "sim",
            "--path",
            "/blog/hello",
            "--active",
            "--json",
        ],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["summary"]["problem"], 0);
    assert_eq!(doc["verifications"][0]["verdict"], "fresh_everywhere");
    assert_eq!(
        app.generation("/blog/hello"),
        Some(1),
        "the active check revalidated"
    );
    let history = s.isrctl().args(["history", "--json"]).output().unwrap();
    let records = json(&history)["records"].as_array().unwrap().clone();
    assert!(
        records
            .iter()
            .any(|r| r["action"] == "check" && r["outcome"] == "ok")
    );
}

#[test]
fn check_streams_findings_as_text() {
    let rt = runtime();
    let app = origin(&rt, "the-apps-own-secret", false);
    let s = Scratch::new();
    write_config(&s, &app.url(), &[]);
    // The last revalidation was refused: the passive check reads it from history.
    s.isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();

    let out = s
        .isrctl()
        .args(["check", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("checking sim for /blog/hello: passive checks (nothing is revalidated)"),
        "{text}"
    );
    assert!(
        text.contains("problem         auth          token mismatch"),
        "{text}"
    );
    assert!(
        text.contains("    fix: the app's secret env var differs from env ISRCTL_TEST_SECRET"),
        "{text}"
    );
    assert!(text.lines().last().unwrap().contains("1 problem"), "{text}");
}

#[test]
fn probe_a_bare_url_needs_no_config() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let s = Scratch::new();
    let out = s
        .isrctl()
        .args(["probe", &format!("{}/blog/hello", app.url())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("public                 200 · next.js HIT · ttl 60 min (s-maxage=3600)"),
        "{text}"
    );
    assert!(text.contains("public, cache-busted"), "{text}");
}

/// A site `hook` whose endpoint is the simulated app's CMS webhook: the
/// secret in a header, the slug in a JSON body; it revalidates /blog/<slug>.
fn write_webhook_config(s: &Scratch, app: &SimOrigin) {
    let url = app.url();
    let text = format!(
        r#"[sites.hook]
public_url = "{url}"
origins = ["{url}"]
rate_per_second = 0
timeout = "2s"
connect_timeout = "1s"

[sites.hook.secret]
env = "{SECRET_ENV}"

[sites.hook.endpoint]
url = "/api/webhook"
secret_in = "header"
secret_name = "x-webhook-secret"
path_body = '{{"entry":{{"slug":"{{slug}}"}}}}'

[[sites.hook.routes]]
path = "/blog/hello"
marker = '{MARKER}'

[[sites.hook.routes]]
path = "/about"
marker = '{MARKER}'
"#
    );
    std::fs::write(s.config_path(), text).unwrap();
}

fn finding<'a>(doc: &'a Value, check: &str, path: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check && f["path"] == path)
        .collect()
}

#[test]
fn the_webhook_dry_run_sends_the_cms_payload_and_verifies_the_page_its_slug_maps_to() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let s = Scratch::new();
    write_webhook_config(&s, &app);

    // Passive: nothing is sent with a slug, nor the configured secret.
    let (code, doc, _) = run(&s, &["check", "hook", "--path", "/blog/hello", "--json"]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert!(
        finding(&doc, "webhook", "/blog/hello").is_empty(),
        "passive"
    );
    assert_eq!(
        findings(&doc, "auth", "ok"),
        vec!["a wrong secret is refused"]
    );
    assert_eq!(app.targeted_endpoint_requests(), 0);
    assert_eq!(app.endpoint_requests_with_secret(CANARY), 0);

    let (code, doc, _) = run(
        &s,
        &[
            "check",
            "hook",
            "--path",
            "/blog/hello",
            "--active",
            "--json",
        ],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    assert!(
        findings(&doc, "auth", "ok")
            .iter()
            .any(|t| t.starts_with("the token is accepted")),
        "--active sends the header secret without a slug: {doc:#}"
    );
    let hook = finding(&doc, "webhook", "/blog/hello");
    assert_eq!(hook.len(), 2, "{doc:#}");
    assert_eq!(
        hook[0]["title"],
        "sending the CMS-shaped payload for /blog/hello"
    );
    let sent = hook[0]["evidence"][0].as_str().unwrap();
    assert!(
        sent.starts_with("POST ")
            && sent.contains("/api/webhook")
            && sent.contains("-H 'x-webhook-secret: ***'")
            && sent.ends_with(r#"-d '{"entry":{"slug":"hello"}}'"#),
        "{sent}"
    );
    assert_eq!(hook[1]["severity"], "ok", "{doc:#}");
    assert!(
        hook[1]["title"]
            .as_str()
            .unwrap()
            .starts_with("fresh everywhere"),
        "{doc:#}"
    );
    // verify and webhook each revalidated the page once.
    assert_eq!(app.generation("/blog/hello"), Some(2));

    // A page no slug maps to: the webhook says yes and changes nothing.
    let (code, doc, _) = run(
        &s,
        &["check", "hook", "--path", "/about", "--active", "--json"],
    );
    assert_eq!(code, Some(1), "{doc:#}");
    let hook = finding(&doc, "webhook", "/about");
    assert!(
        hook[0]["evidence"][0]
            .as_str()
            .unwrap()
            .ends_with(r#"-d '{"entry":{"slug":"about"}}'"#)
    );
    assert_eq!(hook[1]["severity"], "problem");
    assert_eq!(
        hook[1]["title"],
        "the endpoint answered revalidated: true but the page did not change (a silent no-op)"
    );
    assert_eq!(app.generation("/about"), Some(0));
}

#[test]
fn the_simulated_webhook_refuses_a_wrong_secret_and_a_body_without_slug() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let post = |secret: &str, body: &str| {
        let (url, secret, body) = (
            format!("{}/api/webhook", app.url()),
            secret.to_string(),
            body.to_string(),
        );
        rt.block_on(async move {
            let r = reqwest::Client::new()
                .post(url)
                .header("x-webhook-secret", secret)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            (status, serde_json::from_str::<Value>(&text).unwrap())
        })
    };
    let hello = r#"{"entry":{"slug":"hello"}}"#;
    assert_eq!(post("wrong", hello).0, 401);
    assert_eq!(app.generation("/blog/hello"), Some(0));
    let (status, body) = post(CANARY, "{}");
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("entry.slug is required"))
    );
    let (status, body) = post(CANARY, hello);
    assert_eq!((status, body["revalidated"].as_bool()), (200, Some(true)));
    get(&rt, format!("{}/blog/hello", app.url()));
    assert_eq!(app.generation("/blog/hello"), Some(1));
}

/// Round three, item 20: a revalidation refused with a one-off secret (an
/// environment override) says nothing of the configured one: `check`
/// compares the fingerprint recorded with the configured secret's before
/// it blames a token mismatch.
#[test]
fn a_refusal_with_a_one_off_secret_is_not_blamed_on_the_configured_one() {
    let rt = runtime();
    let (s, _origin) = common::canary_site(&rt);
    let refused = s
        .isrctl()
        .env(SECRET_ENV, "a-one-off-secret-that-is-wrong")
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let check = s
        .isrctl()
        .args(["check", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(
        !text.contains("the last revalidation was refused"),
        "{text}"
    );

    // Refused with the configured secret itself: still said.
    let s = Scratch::new();
    let other = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: "the-app-has-another-one".to_string(),
            ..OriginOptions::default()
        }))
        .unwrap();
    s.site_config(&other.url(), &format!("{}/api/revalidate", other.url()), "");
    let refused = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let check = s
        .isrctl()
        .args(["check", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(text.contains("the last revalidation was refused"), "{text}");
}

/// `check` without a site checks every site's key pages, passively, one
/// site after another: a site that answers and one that does not give one
/// report each, and the exit says a problem was found.
#[test]
fn check_without_a_site_covers_every_site() {
    let rt = runtime();
    let app = origin(&rt, CANARY, false);
    let s = Scratch::new();
    let text = format!(
        "[sites.up]\npublic_url = \"{url}\"\n[sites.up.secret]\nenv = \"{SECRET_ENV}\"\n\
         [sites.up.endpoint]\nurl = \"{url}/api/revalidate\"\n[[sites.up.routes]]\npath = \"/blog/hello\"\n\
         [sites.down]\npublic_url = \"http://127.0.0.1:9\"\ntimeout = \"2s\"\n[sites.down.secret]\nenv = \"{SECRET_ENV}\"\n",
        url = app.url()
    );
    std::fs::write(s.config_path(), text).unwrap();
    let out = s.isrctl().args(["check", "--json"]).output().unwrap();
    s.assert_no_canary(&out);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let doc = json(&out);
    let sites: Vec<&str> = doc["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites, ["up", "down"]);
    assert_eq!(doc["sites"][0]["paths"][0], "/blog/hello", "its key page");
    assert_eq!(doc["sites"][0]["active"], false);
    assert!(doc["sites"][1]["summary"]["problem"].as_u64().unwrap() > 0);
    assert_eq!(app.targeted_endpoint_requests(), 0, "nothing revalidated");
    let refused = s.isrctl().args(["check", "--active"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
