//! `isrctl purge` through the binary, against in-process simulations: the
//! Cloudflare API as documented (src/sim/cloudflare.rs says which pages),
//! and a Varnish-like cache that takes PURGE and BAN (src/sim/cdn.rs).

use crate::common;

use common::{AWS_KEY, AWS_SECRET, Scratch, json, runtime};
use isrctl::sim::{OriginOptions, SimCdn, SimCloudflare, SimOrigin};
use std::time::{Duration, Instant};

const TOKEN_ENV: &str = "ISRCTL_TEST_PURGE_TOKEN";
const TOKEN: &str = "CFTOKEN-5b1e77d2-purge-canary";

fn config(s: &Scratch, public: &str, purge: &str) {
    s.purge_config(public, purge);
}

/// A provider's API purge (`fields`) at the simulation's `api`, its token
/// from the environment variable `token_env`. The public URL is a closed
/// loopback port: a purge's read-back goes nowhere outside (and proves
/// nothing: these tests are about the API calls).
fn api_config(s: &Scratch, fields: &str, api: &str, token_env: &str) {
    let purge =
        format!("{fields}\napi_url = \"{api}\"\n[sites.sim.purge.token]\nenv = \"{token_env}\"");
    config(s, PUBLIC, &purge);
}

const PUBLIC: &str = "http://127.0.0.1:1";

fn cloudflare_config(s: &Scratch, api: &str, token_env: &str) {
    let fields = "provider = \"cloudflare\"\nzone_id = \"zone-1\"";
    api_config(s, fields, api, token_env);
}

fn purge(s: &Scratch, args: &[&str]) -> std::process::Output {
    let output = s
        .isrctl()
        .env(TOKEN_ENV, TOKEN)
        .arg("purge")
        .args(args)
        .output()
        .unwrap();
    s.assert_no_canary(&output);
    for text in [
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
        s.read(&s.history_file()),
        s.read(&s.log_file()),
    ] {
        assert!(!text.contains(TOKEN), "the purge token leaked:\n{text}");
        assert!(
            !text.contains("5b1e77d2"),
            "part of the purge token leaked:\n{text}"
        );
    }
    output
}

#[test]
fn cloudflare_purges_urls_and_tags_in_documented_batches() {
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudflare::start("zone-1", TOKEN, 100, 10.0))
        .unwrap();
    let s = Scratch::new();
    cloudflare_config(&s, &cf.api_url(), TOKEN_ENV);

    let out = purge(
        &s,
        &[
            "sim",
            "--path",
            "/blog/hello",
            "--tag",
            "posts",
            "--yes",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc = json(&out);
    assert_eq!(doc["provider"], "cloudflare");
    let results = doc["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        2,
        "one call for files, one for tags: {doc:#}"
    );
    assert!(results.iter().all(|r| r["kind"] == "purged"));
    let purges = cf.purges();
    assert_eq!(
        purges[0].body,
        serde_json::json!({"files": ["http://127.0.0.1:1/blog/hello"]})
    );
    assert_eq!(purges[1].body, serde_json::json!({"tags": ["posts"]}));
    // History records each purged item.
    let history = s.read(&s.history_file());
    assert_eq!(
        history.matches("\"action\":\"purge\"").count(),
        2,
        "{history}"
    );

    // 150 paths: 30 URLs a request unless files_per_request says more.
    let paths: Vec<String> = (0..150).map(|i| format!("/p/{i}")).collect();
    let mut args = vec!["sim", "--yes"];
    for p in &paths {
        args.extend(["--path", p.as_str()]);
    }
    let out = purge(&s, &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let purges = cf.purges();
    let sizes: Vec<usize> = purges[2..]
        .iter()
        .map(|p| p.body["files"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [30, 30, 30, 30, 30]);

    // files_per_request = 100 (the documented limit): two requests.
    let fields = "provider = \"cloudflare\"\nzone_id = \"zone-1\"\nfiles_per_request = 100";
    api_config(&s, fields, &cf.api_url(), TOKEN_ENV);
    let out = purge(&s, &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let sizes: Vec<usize> = cf.purges()[7..]
        .iter()
        .map(|p| p.body["files"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 50]);
}

#[test]
fn cloudflare_refusals_are_classified_with_their_fix() {
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudflare::start("zone-1", "another-token", 100, 10.0))
        .unwrap();
    let s = Scratch::new();
    cloudflare_config(&s, &cf.api_url(), TOKEN_ENV);
    let out = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("unauthorized       403"), "{text}");
    assert!(
        text.contains("cloudflare said: Authentication error"),
        "{text}"
    );
    assert!(text.contains("Cache Purge permission"), "{text}");
    assert!(cf.purges().is_empty());

    // An unset token variable: nothing is sent, exit 2.
    let out = s
        .isrctl()
        .env_remove(TOKEN_ENV)
        .args(["purge", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("purge token"));
}

#[test]
fn cloudflare_rate_limit_is_waited_out_as_it_asks() {
    let rt = runtime();
    // A bucket of one request, refilled one a second.
    let cf = rt
        .block_on(SimCloudflare::start("zone-1", TOKEN, 1, 1.0))
        .unwrap();
    let s = Scratch::new();
    cloudflare_config(&s, &cf.api_url(), TOKEN_ENV);
    let started = Instant::now();
    let out = purge(
        &s,
        &[
            "sim",
            "--path",
            "/blog/hello",
            "--tag",
            "posts",
            "--yes",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the second call waited for the bucket"
    );
    assert_eq!(cf.purges().len(), 2);
    assert_eq!(cf.requests(), 3, "one 429, then the retry");
}

#[test]
fn dry_run_shows_each_call_with_the_token_masked_and_sends_nothing() {
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudflare::start("zone-1", TOKEN, 100, 10.0))
        .unwrap();
    let s = Scratch::new();
    cloudflare_config(&s, &cf.api_url(), TOKEN_ENV);
    let out = purge(&s, &["sim", "--path", "/blog/hello", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("POST http://127.0.0.1:"), "{text}");
    assert!(
        text.contains("/client/v4/zones/zone-1/purge_cache (Authorization: Bearer ***)"),
        "{text}"
    );
    assert!(
        text.contains(r#"{"files":["http://127.0.0.1:1/blog/hello"]}"#),
        "{text}"
    );
    assert_eq!(cf.requests(), 0);
}

#[test]
fn everything_needs_the_site_name_never_yes_alone() {
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudflare::start("zone-1", TOKEN, 100, 10.0))
        .unwrap();
    let s = Scratch::new();
    cloudflare_config(&s, &cf.api_url(), TOKEN_ENV);
    let out = purge(&s, &["sim", "--everything", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--confirm sim"));
    let out = purge(&s, &["sim", "--everything", "--confirm", "other"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(cf.requests(), 0);
    let out = purge(&s, &["sim", "--everything", "--confirm", "sim"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        cf.purges()[0].body,
        serde_json::json!({"purge_everything": true})
    );
    // And --read-only refuses a purge outright.
    let out = purge(&s, &["--read-only", "sim", "--path", "/a"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn varnish_purge_drops_the_copy_on_every_node() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions::default()))
        .unwrap();
    let cdn = rt.block_on(SimCdn::start(&origin.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello", "/blog/world", "/about"]));
    let s = Scratch::new();
    config(&s, &cdn.url(), "provider = \"varnish\"");

    let purged_at = Instant::now();
    let out = purge(&s, &["sim", "--tag", "posts", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc = json(&out);
    let calls: Vec<&str> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["call"].as_str().unwrap())
        .collect();
    let host = cdn.url().trim_start_matches("http://").to_string();
    assert_eq!(
        calls,
        [
            format!("PURGE {}/blog/hello (Host: {host})", cdn.url()),
            format!("PURGE {}/blog/world (Host: {host})", cdn.url()),
        ],
        "a tag is purged as the routes that carry it"
    );
    // The old copies are gone (the read-back that proves it refills them).
    assert!(cdn.no_copy_older_than("/blog/hello", purged_at));
    assert!(cdn.no_copy_older_than("/blog/world", purged_at));
    assert!(
        !cdn.no_copy_older_than("/about", purged_at),
        "only what was asked"
    );
    assert!(
        doc["results"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("proven"),
        "{doc:#}"
    );

    // BAN takes a prefix.
    config(&s, &cdn.url(), "provider = \"varnish\"\nmethod = \"BAN\"");
    let banned_at = Instant::now();
    let out = purge(&s, &["sim", "--prefix", "/ab"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(cdn.no_copy_older_than("/about", banned_at));
}

#[test]
fn an_http_purge_is_sent_as_its_template_says() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions::default()))
        .unwrap();
    let cdn = rt.block_on(SimCdn::start(&origin.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let s = Scratch::new();
    config(
        &s,
        &cdn.url(),
        "provider = \"http\"\nmethod = \"PURGE\"\nurl = \"{url}\"\n[sites.sim.purge.headers]\nx-purge-token = \"{token}\"\n[sites.sim.purge.token]\nenv = \"ISRCTL_TEST_PURGE_TOKEN\"",
    );
    let purged_at = Instant::now();
    let out = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("x-purge-token: ***"), "{text}");
    assert!(cdn.no_copy_older_than("/blog/hello", purged_at));
}

fn fastly_config(s: &Scratch, api: &str, soft: bool) {
    let fields = format!("provider = \"fastly\"\nservice_id = \"svc-1\"\nsoft = {soft}");
    api_config(s, &fields, api, TOKEN_ENV);
}

#[test]
fn fastly_purges_urls_and_surrogate_keys_soft_by_default() {
    use isrctl::sim::{FastlyPurge, SimFastly};
    let rt = runtime();
    let fastly = rt.block_on(SimFastly::start("svc-1", TOKEN, 0)).unwrap();
    let s = Scratch::new();
    fastly_config(&s, &fastly.api_url(), true);
    let out = purge(
        &s,
        &["sim", "--path", "/blog/hello", "--tag", "posts", "--yes"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        fastly.purges(),
        [
            FastlyPurge::Url {
                url: "127.0.0.1:1/blog/hello".into(),
                soft: true
            },
            FastlyPurge::Keys {
                keys: vec!["posts".into()],
                soft: true
            },
        ]
    );
    // 300 keys: two requests at the documented 256.
    let tags: Vec<String> = (0..300).map(|i| format!("k{i}")).collect();
    let mut args = vec!["sim", "--yes"];
    for t in &tags {
        args.extend(["--tag", t.as_str()]);
    }
    let out = purge(&s, &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let sizes: Vec<usize> = fastly.purges()[2..]
        .iter()
        .map(|p| match p {
            FastlyPurge::Keys { keys, .. } => keys.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sizes, [256, 44]);
    // A prefix cannot be expressed: refused before anything is sent.
    let before = fastly.requests();
    let out = purge(&s, &["sim", "--prefix", "/blog/"]);
    assert_eq!(out.status.code(), Some(1), "a refusal, as for revalidate");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no prefix purge"));
    assert_eq!(fastly.requests(), before);
}

#[test]
fn fastly_refusals_and_its_429_are_handled() {
    use isrctl::sim::SimFastly;
    let rt = runtime();
    // One 429 first, then a wrong service.
    let fastly = rt
        .block_on(SimFastly::start("svc-other", TOKEN, 1))
        .unwrap();
    let s = Scratch::new();
    fastly_config(&s, &fastly.api_url(), false);
    let out = purge(&s, &["sim", "--tag", "posts"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(fastly.requests(), 2, "the 429 was waited out, then retried");
    assert!(text.starts_with("rejected           404"), "{text}");
    assert!(
        text.contains("fastly said: Record not found: Cannot find service 'svc-1'"),
        "{text}"
    );

    let wrong = rt
        .block_on(SimFastly::start("svc-1", "not-the-token", 0))
        .unwrap();
    fastly_config(&s, &wrong.api_url(), false);
    let out = purge(&s, &["sim", "--path", "/a"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("unauthorized       401"), "{text}");
    assert!(text.contains("purge_select"), "{text}");
}

fn vercel_config(s: &Scratch, api: &str, hard: bool) {
    let fields = format!(
        "provider = \"vercel\"\nproject_id = \"prj_1\"\nteam_id = \"team_9\"\nhard = {hard}"
    );
    api_config(s, &fields, api, TOKEN_ENV);
}

#[test]
fn vercel_invalidates_or_deletes_tags_in_batches_of_16() {
    use isrctl::sim::{SimVercel, VercelPurge};
    let rt = runtime();
    let vercel = rt.block_on(SimVercel::start("prj_1", TOKEN, 1)).unwrap();
    let s = Scratch::new();
    vercel_config(&s, &vercel.api_url(), false);
    let tags: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let mut args = vec!["sim", "--yes", "--json"];
    for t in &tags {
        args.extend(["--tag", t.as_str()]);
    }
    let out = purge(&s, &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let purges = vercel.purges();
    assert_eq!(
        purges.iter().map(|p| p.tags.len()).collect::<Vec<_>>(),
        [16, 4]
    );
    assert!(purges.iter().all(|p| p.action == "invalidate-by-tags"));
    assert_eq!(vercel.requests(), 3, "one 429 waited out");
    let calls = json(&out)["results"][0]["call"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        calls.contains("projectIdOrName=prj_1&teamId=team_9"),
        "{calls}"
    );

    vercel_config(&s, &vercel.api_url(), true);
    let out = purge(&s, &["sim", "--tag", "posts"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        vercel.purges().last(),
        Some(&VercelPurge {
            action: "dangerously-delete-by-tags".into(),
            project: "prj_1".into(),
            tags: vec!["posts".into()],
        })
    );
    // Vercel purges by tag only.
    let out = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(out.status.code(), Some(1), "a refusal, as for revalidate");
    assert!(String::from_utf8_lossy(&out.stderr).contains("by cache tag only"));
}

#[test]
fn vercel_refusals_carry_its_error_message() {
    use isrctl::sim::SimVercel;
    let rt = runtime();
    let vercel = rt.block_on(SimVercel::start("prj_1", "other", 0)).unwrap();
    let s = Scratch::new();
    vercel_config(&s, &vercel.api_url(), false);
    let out = purge(&s, &["sim", "--tag", "posts"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("unauthorized       403"), "{text}");
    assert!(text.contains("vercel said: Not authorized"), "{text}");
}

/// A purge token written in the config (plain text, warned about) shows
/// nowhere: not in `sites`, `config check`, a dry run or an error.
#[test]
fn a_plain_text_purge_token_never_shows() {
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudflare::start("zone-1", "other", 100, 10.0))
        .unwrap();
    let s = Scratch::new();
    let purge_table = format!(
        "provider = \"cloudflare\"\nzone_id = \"zone-1\"\napi_url = \"{}\"\n[sites.sim.purge.token]\nvalue = \"{TOKEN}\"",
        cf.api_url()
    );
    config(&s, PUBLIC, &purge_table);
    let check = s.isrctl().args(["config", "check"]).output().unwrap();
    assert!(String::from_utf8_lossy(&check.stderr).contains("plain text"));
    for args in [
        &["sites"][..],
        &["sites", "--json"][..],
        &["config", "check", "--json"][..],
        &["purge", "sim", "--path", "/a", "--dry-run", "--json"][..],
        &["purge", "sim", "--path", "/a", "--json"][..],
        &["purge", "sim", "--path", "/a"][..],
    ] {
        let out = s.isrctl().args(args).output().unwrap();
        let all = format!(
            "{}{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            s.read(&s.history_file())
        );
        assert!(
            !all.contains("5b1e77d2"),
            "`{}` showed the token:\n{all}",
            args.join(" ")
        );
    }
    let sites = s.isrctl().args(["sites"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&sites.stdout)
            .contains("purge    cloudflare (token: plain text in the config file)")
    );
}

fn cloudfront_config(s: &Scratch, api: &str) {
    let purge =
        format!("provider = \"cloudfront\"\ndistribution_id = \"E2SIM\"\napi_url = \"{api}\"");
    config(s, PUBLIC, &purge);
}

fn aws(s: &Scratch, secret: &str, args: &[&str]) -> std::process::Output {
    aws_logged(s, secret, args, "isrctl=debug,info")
}

/// `isrctl purge ARGS` with the log at `log` (`ISRCTL_LOG`); every output
/// and file checked for the credentials.
fn aws_logged(s: &Scratch, secret: &str, args: &[&str], log: &str) -> std::process::Output {
    let args: Vec<&str> = std::iter::once("purge")
        .chain(args.iter().copied())
        .collect();
    s.run_with_aws(secret, log, &args)
}

#[test]
fn cloudfront_invalidates_signed_and_waits_until_it_completes() {
    use isrctl::sim::SimCloudFront;
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudFront::start("E2SIM", (AWS_KEY, AWS_SECRET), 3))
        .unwrap();
    let s = Scratch::new();
    cloudfront_config(&s, &cf.api_url());
    let out = aws(
        &s,
        AWS_SECRET,
        &[
            "sim", "--tag", "posts", "--prefix", "/docs/", "--yes", "--json",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stderr.contains("within the 1000 free a month"), "{stderr}");
    let doc = json(&out);
    let result = &doc["results"][0];
    assert_eq!(result["kind"], "purged", "{doc:#}");
    assert!(
        result["explanation"]
            .as_str()
            .unwrap()
            .contains("completed after"),
        "{doc:#}"
    );
    let invalidations = cf.invalidations();
    assert_eq!(invalidations.len(), 1);
    assert_eq!(
        invalidations[0].paths,
        ["/blog/hello", "/blog/world", "/docs/*"]
    );
    assert_eq!(invalidations[0].polls, 3, "polled until Completed");

    // A wrong secret: the signature does not match.
    let out = aws(&s, "not-the-secret", &["sim", "--path", "/blog/hello"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("unauthorized       403"), "{text}");
    assert!(text.contains("SignatureDoesNotMatch"), "{text}");
}

/// `ISRCTL_LOG=trace` logs every crate's trace records, the AWS signer's
/// among them (it logs the access key id in the string it signs): those
/// stay out of the log.
#[test]
fn a_trace_log_holds_no_aws_credential() {
    use isrctl::sim::SimCloudFront;
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudFront::start("E2SIM", (AWS_KEY, AWS_SECRET), 1))
        .unwrap();
    let s = Scratch::new();
    cloudfront_config(&s, &cf.api_url());
    let out = aws_logged(&s, AWS_SECRET, &["sim", "--path", "/blog/hello"], "trace");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        s.read(&s.log_file()).lines().count() > 10,
        "the log was written at trace"
    );
}

#[test]
fn cloudfront_says_what_many_paths_cost_and_refuses_past_its_in_progress_limit() {
    use isrctl::sim::SimCloudFront;
    let rt = runtime();
    let cf = rt
        .block_on(SimCloudFront::start("E2SIM", (AWS_KEY, AWS_SECRET), 1))
        .unwrap();
    let s = Scratch::new();
    cloudfront_config(&s, &cf.api_url());
    let paths: Vec<String> = (0..3001).map(|i| format!("/p/{i}")).collect();
    let mut args = vec!["sim", "--dry-run"];
    for p in &paths {
        args.extend(["--path", p.as_str()]);
    }
    let out = aws(&s, AWS_SECRET, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("up to $10.01 for these"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("dry run: 2 call(s)"), "{stdout}");
    assert!(cf.invalidations().is_empty(), "a dry run sends nothing");

    // Its own limit: 3,000 paths in progress per distribution.
    cf.busy_elsewhere(2999);
    let out = aws(
        &s,
        AWS_SECRET,
        &["sim", "--path", "/a", "--path", "/b", "--yes"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("rate_limited       400"), "{text}");
    assert!(text.contains("TooManyInvalidationsInProgress"), "{text}");
    assert!(
        text.contains("wait until the invalidations in progress complete"),
        "{text}"
    );
}

/// A purge API that answers with a redirect: `redirected`, its Location
/// shown, not followed (the token never reaches the other address).
#[test]
fn a_redirect_from_a_purge_api_is_reported_and_not_followed() {
    use isrctl::sim::{Behaviour, Hostile};
    let rt = runtime();
    let elsewhere = rt.block_on(Hostile::start(Behaviour::Revalidated)).unwrap();
    let api = rt
        .block_on(Hostile::start(Behaviour::RedirectTo(format!(
            "{}/client/v4/zones/zone-1/purge_cache",
            elsewhere.url()
        ))))
        .unwrap();
    let s = Scratch::new();
    cloudflare_config(&s, &format!("{}/client/v4", api.url()), TOKEN_ENV);
    let out = purge(&s, &["sim", "--path", "/blog/hello"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("redirected"), "{text}");
    assert!(
        text.contains(&elsewhere.url()),
        "the Location is shown: {text}"
    );
    assert_eq!(api.requests(), 1);
    assert_eq!(elsewhere.requests(), 0, "the redirect was followed");
}

/// CloudFront answers that are not an invalidation are not `purged`: an
/// HTML page with 200, an `<Invalidation>` whose id is 100,000 characters.
#[test]
fn a_cloudfront_answer_that_is_not_an_invalidation_is_not_purged() {
    use isrctl::sim::{Behaviour, Hostile};
    let rt = runtime();
    let not_invalidations = [
        (
            "<html><body>Welcome to nginx!</body></html>".to_string(),
            "text/html",
        ),
        (
            format!(
                "<Invalidation><Id>{}</Id><Status>InProgress</Status></Invalidation>",
                "I".repeat(100_000)
            ),
            "text/xml",
        ),
    ];
    for (body, content_type) in not_invalidations {
        let api = rt
            .block_on(Hostile::start(Behaviour::Status {
                status: 201,
                body,
                content_type: content_type.into(),
            }))
            .unwrap();
        let s = Scratch::new();
        cloudfront_config(&s, &api.url());
        let out = aws(&s, AWS_SECRET, &["sim", "--path", "/blog/hello"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.starts_with("rejected"), "{text}");
        assert!(text.contains("did not confirm"), "{text}");
        assert!(text.len() < 2_000, "the id is not printed whole");
    }
}

/// CloudFront as real accounts and peers behave: a key without
/// `cloudfront:GetInvalidation` is said at the first poll (not 15 minutes
/// of silence); moto's `COMPLETED` is complete; `--no-wait` leaves the
/// invalidation `pending` with its id; the wait says how it is going, and
/// Ctrl-C stops it at once; the CallerReference recorded is the one sent.
#[test]
fn cloudfront_polling_is_honest_and_interruptible() {
    use isrctl::sim::SimCloudFront;
    let rt = runtime();
    let s = Scratch::new();

    let denied = rt
        .block_on(SimCloudFront::start("E2SIM", (AWS_KEY, AWS_SECRET), 2))
        .unwrap();
    denied.deny_status_reads();
    cloudfront_config(&s, &denied.api_url());
    let started = std::time::Instant::now();
    let out = aws(&s, AWS_SECRET, &["sim", "--path", "/blog/hello"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("unauthorized"), "{text}");
    assert!(text.contains("cloudfront:GetInvalidation"), "{text}");
    assert!(
        text.contains("I0000000000001"),
        "the invalidation's id: {text}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "said at the first poll"
    );

    let moto = rt
        .block_on(SimCloudFront::start("E2SIM", (AWS_KEY, AWS_SECRET), 1))
        .unwrap();
    moto.complete_as("COMPLETED");
    cloudfront_config(&s, &moto.api_url());
    let out = aws(&s, AWS_SECRET, &["sim", "--path", "/blog/hello", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc = json(&out);
    assert_eq!(doc["results"][0]["kind"], "purged", "{doc:#}");
    assert_eq!(
        doc["results"][0]["invalidation"], "I0000000000001",
        "{doc:#}"
    );
    let sent = &moto.invalidations()[0].caller_reference;
    assert!(
        s.read(&s.history_file()).contains(sent.as_str()),
        "history records the CallerReference that was sent ({sent})"
    );

    let slow = rt
        .block_on(SimCloudFront::start(
            "E2SIM",
            (AWS_KEY, AWS_SECRET),
            1_000_000,
        ))
        .unwrap();
    cloudfront_config(&s, &slow.api_url());
    let out = aws(
        &s,
        AWS_SECRET,
        &["sim", "--path", "/blog/hello", "--no-wait"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "--no-wait asked for this: {text}"
    );
    assert!(text.starts_with("pending"), "{text}");
    assert!(text.contains("I0000000000001"), "{text}");

    // Ctrl-C while polling: the wait ends at once, the id is said.
    let child = s
        .std_command()
        .env("AWS_ACCESS_KEY_ID", AWS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
        .args(["purge", "sim", "--path", "/blog/world"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough for a progress line (at a poll 3 s or more after the last).
    std::thread::sleep(Duration::from_millis(6500));
    let interrupted = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        interrupted.elapsed() < Duration::from_secs(5),
        "Ctrl-C stopped the wait"
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("pending"), "{text}");
    assert!(text.contains("I0000000000002"), "{text}");
    // Round three, item 17: the id is in history, to be followed up.
    let history = s.read(&s.history_file());
    assert!(
        history.contains("invalidation I0000000000002"),
        "the pending invalidation's id is recorded: {history}"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("cloudfront invalidation I0000000000002: InProgress after"),
        "progress while it waited: {said}"
    );
}

/// A purge endpoint that answers 200 and purges nothing (a BAN matching
/// nothing, a key under another Host): the page read back is still the old
/// copy, so the outcome is `not_purged` with the likely cause, exit 1 —
/// never `purged` on the peer's word.
#[test]
fn a_purge_that_purged_nothing_is_not_purged() {
    use isrctl::sim::{Behaviour, Hostile};
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions::default()))
        .unwrap();
    let cdn = rt.block_on(SimCdn::start(&origin.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    // The copy must be older than the purge, as a stale page is.
    std::thread::sleep(Duration::from_millis(2100));
    let deaf = rt.block_on(Hostile::start(Behaviour::Revalidated)).unwrap();
    let s = Scratch::new();
    config(
        &s,
        &cdn.url(),
        &format!(
            "provider = \"http\"\nmethod = \"POST\"\nurl = \"{}/purge?url={{url}}\"",
            deaf.url()
        ),
    );
    let out = purge(&s, &["sim", "--path", "/blog/hello"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("not_purged"), "{text}");
    assert!(text.contains("still serves the old copy"), "{text}");
    assert!(text.contains("fix:"), "{text}");
    // Ground truth: the cache still holds the copy from before.
    let before = Instant::now() - Duration::from_secs(2);
    assert!(!cdn.no_copy_older_than("/blog/hello", before));
}
