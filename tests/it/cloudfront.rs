//! CloudFront through the binary, against the simulation of its API
//! (src/sim/cloudfront.rs cites the reference it follows; the testbed's
//! moto server is the real peer in tests/e2e_purges.rs): what AWS would
//! refuse is refused before anything is sent, `Throttling` is retried
//! after a pause, and `fresh --deadline` bounds the wait for an
//! invalidation. The AWS keys show in no output.

use crate::common;

use common::{AWS_KEY, AWS_SECRET, CANARY, Scratch, json, runtime};
use isrctl::sim::{OriginOptions, SimCloudFront, SimOrigin};
use std::time::{Duration, Instant};

/// Site `sim` at `public` (its own origin too), purged through the
/// simulated CloudFront at `api`.
fn config(s: &Scratch, public: &str, api: &str) {
    let purge =
        format!("provider = \"cloudfront\"\ndistribution_id = \"E2SIM\"\napi_url = \"{api}\"");
    s.purge_config_with(public, &format!("origins = [\"{public}\"]"), &purge);
}

fn run(s: &Scratch, args: &[&str]) -> (Option<i32>, String, String) {
    let out = s.run_with_aws(AWS_SECRET, "isrctl=debug,info", args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn what_cloudfront_would_refuse_is_refused_before_sending() {
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudFront::start("E2SIM", (AWS_KEY, AWS_SECRET), 1))
        .unwrap();
    let s = Scratch::new();
    config(&s, "http://127.0.0.1:1", &cf.api_url());

    let (code, out, err) = run(&s, &["purge", "sim", "--path", "blog/hello", "--yes"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        (out.clone() + &err).contains("did you mean /blog/hello?"),
        "{out}{err}"
    );

    let prefixes: Vec<String> = (0..16).map(|i| format!("/p{i}/")).collect();
    let mut args = vec!["purge", "sim", "--yes"];
    for p in &prefixes {
        args.extend(["--prefix", p.as_str()]);
    }
    let (code, out, err) = run(&s, &args);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        (out.clone() + &err).contains("16 wildcard paths"),
        "{out}{err}"
    );
    assert!(cf.invalidations().is_empty(), "nothing was sent");

    // The cost counts the paths a tag expands to (two routes carry it).
    let (code, out, err) = run(&s, &["purge", "sim", "--tag", "posts", "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(err.contains("CloudFront: 2 path(s)"), "{err}");
    assert_eq!(cf.invalidations()[0].paths, ["/blog/hello", "/blog/world"]);
}

#[test]
fn throttling_is_retried_after_a_pause() {
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudFront::start("E2SIM", (AWS_KEY, AWS_SECRET), 1))
        .unwrap();
    cf.throttle_next(1);
    let s = Scratch::new();
    config(&s, "http://127.0.0.1:1", &cf.api_url());
    let started = Instant::now();
    let (code, out, err) = run(&s, &["purge", "sim", "--path", "/blog/hello", "--json"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["results"][0]["kind"], "purged", "{doc:#}");
    assert_eq!(
        cf.invalidations().len(),
        1,
        "sent again once the pause was over"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "it paused before trying again"
    );
}

/// Round three, item 17: `Throttling` is CloudFront's API rate, not the
/// invalidations in progress: said so when the retries run out.
#[test]
fn throttling_is_said_to_be_the_api_rate_not_invalidations_in_progress() {
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudFront::start("E2SIM", (AWS_KEY, AWS_SECRET), 1))
        .unwrap();
    cf.throttle_next(100);
    let s = Scratch::new();
    config(&s, "http://127.0.0.1:1", &cf.api_url());
    let (code, out, err) = run(&s, &["purge", "sim", "--path", "/blog/hello", "--json"]);
    assert_eq!(code, Some(1), "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let result = &doc["results"][0];
    assert_eq!(result["kind"], "rate_limited", "{doc:#}");
    let said = result["explanation"].as_str().unwrap_or_default();
    assert!(!said.contains("in progress"), "{said}");
    assert!(
        result["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Throttling"),
        "{doc:#}"
    );
}

/// `fresh --deadline 3s` with an invalidation that takes long: the purge
/// step ends at the deadline with the invalidation pending (its id said),
/// instead of waiting the 15 minutes a plain purge may.
#[test]
fn fresh_with_a_deadline_stops_waiting_for_an_invalidation() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: CANARY.to_string(),
            ..OriginOptions::default()
        }))
        .unwrap();
    let cf = rt
        .block_on(SimCloudFront::start(
            "E2SIM",
            (AWS_KEY, AWS_SECRET),
            1_000_000,
        ))
        .unwrap();
    let s = Scratch::new();
    config(&s, &origin.url(), &cf.api_url());
    let started = Instant::now();
    let out = s.run_with_aws(
        AWS_SECRET,
        "isrctl=debug,info",
        &[
            "fresh",
            "sim",
            "--path",
            "/blog/hello",
            "--deadline",
            "3s",
            "--json",
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "bounded by the deadline"
    );
    let doc = json(&out);
    let purge = &doc["results"][0]["purges"][0];
    assert_eq!(purge["kind"], "pending", "{doc:#}");
    assert!(
        purge["explanation"]
            .as_str()
            .unwrap()
            .contains("I0000000000001"),
        "{doc:#}"
    );
}
