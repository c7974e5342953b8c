//! Platform depth on real peers: a soft purge through varnish-modules'
//! `xkey.softpurge` (FOSHttpCache's VCL, a minute of grace) taken by
//! `fresh` only when the origin's page has a validator, and a hard purge
//! with the reason said when it has none; deploy skew — the deploy
//! origin restarted on another build of the app while Varnish still holds
//! the previous build's page — found by `check` and fixed by `fresh`.
//! Ground truth is read with plain HTTP from Varnish and the origins.

use crate::testbed;

use regex::Regex;
use serde_json::Value;
use testbed::{Page, Testbed, exclusive, isrctl_json, unique_slug};

/// The build id a page names (`"b":"…"` in its flight data, escaped in
/// the HTML).
fn build_of(page: &Page) -> String {
    let re = Regex::new(r#"\\"b\\":\\"([A-Za-z0-9_-]+)\\""#).unwrap();
    re.captures(&page.body)
        .unwrap_or_else(|| panic!("no build id in:\n{}", page.body))[1]
        .to_string()
}

fn steps(result: &Value) -> Vec<String> {
    result["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{result:#}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn purge_calls(result: &Value) -> Vec<String> {
    result["purges"]
        .as_array()
        .unwrap_or_else(|| panic!("{result:#}"))
        .iter()
        .map(|p| p["call"].as_str().unwrap().to_string())
        .collect()
}

/// /posts reads data tagged `posts` and carries `xkey: posts` and an ETag:
/// after `revalidateTag`, `fresh` marks the tag's copies stale at Varnish
/// (`xkey-softpurge`, no hard URL purge beside it) and ends fresh, the
/// node serving what the origin serves, the page's RSC payload included.
#[test]
fn fresh_purges_softly_where_the_origin_sends_a_validator() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let origin_before = tb.settle("/posts");
    tb.fetch(&tb.fos_vcl, "/posts");
    let held = tb.fetch(&tb.fos_vcl, "/posts");
    assert_eq!(held.edge(), "HIT", "{held:?}");
    // Its RSC payload too: soft-purged with the tag, it is served stale
    // once more after the purge, and the verification reads past that.
    tb.rsc(&tb.fos_vcl, "/posts");
    assert_eq!(tb.rsc(&tb.fos_vcl, "/posts").edge(), "HIT");
    assert_ne!(origin_before.etag(), "-", "Next sends an ETag for the page");

    let (code, doc) = isrctl_json(
        &tb,
        &[
            "fresh",
            "testbed-xkey-soft",
            "--tag",
            "posts",
            "--deadline",
            "30s",
        ],
    );
    let result = &doc["results"][0];
    assert_eq!(code, Some(0), "{result:#}");
    assert!(
        steps(result)
            .iter()
            .any(|s| s.starts_with("soft purge: every origin serves the new page with a validator")),
        "{result:#}"
    );
    let calls = purge_calls(result);
    assert_eq!(calls.len(), 1, "the tag alone, softly: {calls:#?}");
    assert!(calls[0].contains("xkey-softpurge: posts"), "{calls:#?}");

    let origin = tb.settle("/posts");
    let node = tb.fetch(&tb.fos_vcl, "/posts");
    assert_ne!(origin.marker(), origin_before.marker(), "revalidated");
    assert_eq!(
        node.marker(),
        origin.marker(),
        "Varnish serves the new page: {node:?}"
    );
}

/// A route handler's ISR answer has no ETag (Next 16.4.6 generates ETags
/// for pages only): with nothing to revalidate a stale-marked copy
/// against, `fresh` purges hard, says why, and ends fresh.
#[test]
fn fresh_purges_hard_and_says_why_where_the_origin_sends_no_validator() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("notice");
    let path = format!("/notice/{slug}");
    tb.set_price(&slug, "1");
    let origin = tb.settle(&path);
    assert_eq!(
        origin.etag(),
        "-",
        "a route handler sends no ETag: {origin:?}"
    );
    tb.fetch(&tb.fos_vcl, &path);
    assert_eq!(tb.fetch(&tb.fos_vcl, &path).edge(), "HIT");
    tb.set_price(&slug, "2");

    let (code, doc) = isrctl_json(
        &tb,
        &[
            "fresh",
            "testbed-xkey-soft",
            "--path",
            &path,
            "--deadline",
            "30s",
        ],
    );
    let result = &doc["results"][0];
    assert_eq!(code, Some(0), "{result:#}");
    assert!(
        steps(result).iter().any(|s| s.contains(&format!(
            "sends {path} without a validator (ETag or Last-Modified)"
        )) && s.contains("(hard)")),
        "{result:#}"
    );
    assert!(
        purge_calls(result)
            .iter()
            .all(|c| !c.contains("xkey-softpurge")),
        "{result:#}"
    );
    assert_eq!(
        tb.fetch(&tb.fos_vcl, &path).price(),
        "2",
        "the node serves the new price"
    );
}

/// Deploy skew: Varnish holds a product page the deploy origin rendered
/// on one build; the origin is restarted on the other build (a new
/// deploy, same data). `check` finds the copy of the previous deploy,
/// `fresh` purges it, and Varnish then serves the new build's page.
#[test]
fn a_page_of_the_previous_deploy_is_found_by_check_and_fixed_by_fresh() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("deploy");
    let path = format!("/shop/{slug}");
    tb.set_price(&slug, "7");
    tb.settle_at(&tb.deploy_origin, &path);
    tb.fetch(&tb.deploy_cdn, &path);
    let held = tb.fetch(&tb.deploy_cdn, &path);
    assert_eq!(held.edge(), "HIT", "{held:?}");
    let old_build = build_of(&held);

    let out = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/testbed/redeploy.sh"))
        .output()
        .unwrap();
    assert!(out.status.success(), "redeploy: {out:?}");
    let new_build = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_ne!(new_build, old_build, "the other build runs now");
    let origin = tb.settle_at(&tb.deploy_origin, &path);
    assert_eq!(build_of(&origin), new_build);
    assert_eq!(
        build_of(&tb.fetch(&tb.deploy_cdn, &path)),
        old_build,
        "skew"
    );

    let (code, doc) = isrctl_json(&tb, &["check", "testbed-deploy", "--path", &path]);
    assert_eq!(code, Some(1), "{doc:#}");
    let found = doc["findings"].as_array().unwrap().iter().any(|f| {
        let title = f["title"].as_str().unwrap_or_default();
        f["severity"] == "problem"
            && title.contains("the CDN serves a page from the previous deploy")
            && title.contains(&old_build)
            && title.contains(&new_build)
    });
    assert!(found, "{doc:#}");

    let (code, doc) = isrctl_json(
        &tb,
        &[
            "fresh",
            "testbed-deploy",
            "--path",
            &path,
            "--deadline",
            "30s",
        ],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    let served = tb.fetch(&tb.deploy_cdn, &path);
    assert_eq!(
        build_of(&served),
        new_build,
        "Varnish serves the new deploy: {served:?}"
    );
    assert_eq!(served.price(), "7");
}

/// CloudFront tag invalidation on moto's server: with `tags = true` a tag
/// goes into the InvalidationBatch as `#tag` (moto holds exactly that),
/// and the purge says where the tags must come from, since `next start`
/// sends no cache-tag header by itself.
#[test]
fn a_cloudfront_tag_is_invalidated_as_a_hash_item_on_moto() {
    let tb = Testbed::get();
    let state = tempfile::tempdir().unwrap();
    let config = state.path().join("cf.toml");
    let text = format!(
        "[sites.cf]\npublic_url = \"https://www.example.com\"\n\n[sites.cf.secret]\nenv = \"REVALIDATE_SECRET\"\n\n\
         [sites.cf.purge]\nprovider = \"cloudfront\"\ndistribution_id = \"{}\"\napi_url = \"{}\"\ntags = true\n",
        tb.cloudfront_distribution, tb.moto
    );
    std::fs::write(&config, text).unwrap();
    let out = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .env("XDG_STATE_HOME", state.path())
        .env("HOME", state.path())
        .env("REVALIDATE_SECRET", &tb.secret)
        .env("AWS_ACCESS_KEY_ID", "AKIAISRCTLCANARY0002")
        .env("AWS_SECRET_ACCESS_KEY", "isrctl-canary-aws-secret-key-9a1c")
        .args(["--config", config.to_str().unwrap()])
        .args(["purge", "cf", "--tag", "product:tv", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("next start sends no such header"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &doc["results"][0];
    assert_eq!(result["kind"], "purged", "{doc:#}");
    let id = result["invalidation"].as_str().unwrap();
    let held = tb.cloudfront_get(&format!("/invalidation/{id}"));
    assert!(held.contains("<Path>#product:tv</Path>"), "{held}");
    assert!(held.contains("<Quantity>1</Quantity>"), "{held}");
}
