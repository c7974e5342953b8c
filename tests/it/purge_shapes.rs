//! Purge requests as real caches expect them, through the binary, against
//! a recording server: a query is sent as a query, `{tag}` and `{prefix}`
//! fill an `http` purge (varnish-modules' `xkey-purge`), what a provider
//! cannot express is refused before sending (exit 1), and the answers
//! caches and APIs really give are read right: Varnish's ACL `405 Not
//! allowed.`, ngx_cache_purge's 404 for a key it does not hold, Cloudflare
//! error 1015, Vercel's `X-RateLimit-Reset`.

use crate::common;

use common::recorder::{Answer, Seen, recorder};
use common::{Scratch, runtime};

const TOKEN_ENV: &str = "ISRCTL_TEST_PURGE_TOKEN";

fn ok() -> Answer {
    (200, Vec::new(), "{\"ok\":true}".into())
}

fn config(s: &Scratch, public: &str, purge: &str) {
    s.purge_config(public, purge);
}

fn purge(s: &Scratch, args: &[&str]) -> (Option<i32>, String) {
    let out = s
        .isrctl()
        .env(TOKEN_ENV, "tok-purge-4242")
        .arg("purge")
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("tok-purge-4242"), "{text}");
    (out.status.code(), text)
}

/// The purge calls a Varnish node got: without the GETs that read each
/// page before and after (proof.rs), which go to the same node.
fn purge_calls(node: &common::recorder::Recorder) -> Vec<Seen> {
    node.seen()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

#[test]
fn a_query_is_sent_as_a_query() {
    let rt = runtime();
    let node = rt.block_on(recorder(vec![ok()]));
    let s = Scratch::new();
    config(&s, &node.url, "provider = \"varnish\"");
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello?_rsc=1"]);
    assert_eq!(code, Some(0), "{text}");
    let seen = purge_calls(&node);
    assert_eq!(seen[0].method, "PURGE");
    assert_eq!(
        seen[0].target, "/blog/hello?_rsc=1",
        "not /blog/hello%3F_rsc=1"
    );
}

#[test]
fn an_http_purge_fills_tag_and_prefix_and_refuses_what_it_cannot_express() {
    let rt = runtime();
    let node = rt.block_on(recorder(vec![ok()]));
    let s = Scratch::new();
    // varnish-modules' xkey: the tag in a header, one call for the tag.
    let xkey = format!(
        "provider = \"http\"\nurl = \"{}/\"\nmethod = \"PURGE\"\nheaders = {{ \"xkey-purge\" = \"{{tag}}\" }}",
        node.url
    );
    config(&s, &node.url, &xkey);
    let (code, text) = purge(&s, &["sim", "--tag", "campaign-7"]);
    assert_eq!(code, Some(0), "{text}");
    let seen = node.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].headers.get("xkey-purge").unwrap(), "campaign-7");

    // A prefix with no {prefix} in the template: refused, nothing sent.
    let (code, text) = purge(&s, &["sim", "--prefix", "/blog/"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("no {prefix}"), "{text}");
    assert_eq!(node.seen().len(), 1, "nothing was sent");

    // With {prefix}: sent as the prefix.
    let ban = format!(
        "provider = \"http\"\nurl = \"{}/ban?prefix={{prefix}}\"\nmethod = \"POST\"",
        node.url
    );
    config(&s, &node.url, &ban);
    let (code, text) = purge(&s, &["sim", "--prefix", "/blog/"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(node.seen()[1].target, "/ban?prefix=/blog/");
}

#[test]
fn a_tag_no_route_carries_is_refused_with_a_reason() {
    let rt = runtime();
    let node = rt.block_on(recorder(vec![ok()]));
    let s = Scratch::new();
    config(&s, &node.url, "provider = \"varnish\"");
    let (code, text) = purge(&s, &["sim", "--tag", "nobody-has-it"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("no configured route of sim carries the tag \"nobody-has-it\""),
        "{text}"
    );
    assert!(node.seen().is_empty(), "nothing was sent");
}

#[test]
fn caches_answers_are_read_as_they_mean() {
    let rt = runtime();
    // The Varnish docs' VCL refusing an address outside its ACL.
    let acl = rt.block_on(recorder(vec![(
        405,
        Vec::new(),
        "<!DOCTYPE html><html><head><title>405 Not allowed.</title></head></html>".into(),
    )]));
    let s = Scratch::new();
    config(&s, &acl.url, "provider = \"varnish\"");
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("unauthorized"), "{text}");
    assert!(text.contains("ACL"), "{text}");

    // ngx_cache_purge: 404 when the key is not in the cache.
    let nginx = rt.block_on(recorder(vec![(
        404,
        Vec::new(),
        "<html><center><h1>404 Not Found</h1></center></html>".into(),
    )]));
    let nginx_purge = format!(
        "provider = \"http\"\nurl = \"{}/purge{{path}}\"\nmethod = \"GET\"",
        nginx.url
    );
    config(&s, &nginx.url, &nginx_purge);
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(code, Some(0), "nothing needed purging: {text}");
    assert!(text.starts_with("not_cached"), "{text}");
}

#[test]
fn each_apis_own_rate_limit_signal_is_honoured() {
    let rt = runtime();
    // Cloudflare error 1015 is a rate limit, not a batch too large.
    let cf = rt.block_on(recorder(vec![(
        429,
        Vec::new(),
        r#"{"success":false,"errors":[{"code":1015,"message":"You are being rate limited"}]}"#
            .into(),
    )]));
    let s = Scratch::new();
    config(
        &s,
        "https://blog.example.com",
        &format!(
            "provider = \"cloudflare\"\nzone_id = \"zone1\"\napi_url = \"{}/client/v4\"\n[sites.sim.purge.token]\nenv = \"{TOKEN_ENV}\"",
            cf.url
        ),
    );
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("rate_limited"), "{text}");
    assert!(!text.contains("batch"), "{text}");

    // Vercel says when its budget resets (X-RateLimit-Reset, Unix time):
    // waited out, then the call succeeds.
    let reset = (jiff::Timestamp::now().as_second() + 1).to_string();
    let vercel = rt.block_on(recorder(vec![
        (
            429,
            vec![("x-ratelimit-reset", reset)],
            r#"{"error":{"code":"rate_limited","message":"Rate limit exceeded"}}"#.into(),
        ),
        (200, Vec::new(), String::new()),
    ]));
    config(
        &s,
        "https://blog.example.com",
        &format!(
            "provider = \"vercel\"\nproject_id = \"prj_1\"\napi_url = \"{}\"\n[sites.sim.purge.token]\nenv = \"{TOKEN_ENV}\"",
            vercel.url
        ),
    );
    let (code, text) = purge(&s, &["sim", "--tag", "posts"]);
    assert_eq!(
        code,
        Some(0),
        "waited for the reset, then purged (an empty 200 is success): {text}"
    );
    assert_eq!(vercel.seen().len(), 2, "{text}");
}

/// The BAN request shaped as each popular VCL reads it, as `--dry-run`
/// shows it and as the node receives it.
#[test]
fn a_ban_is_shaped_as_the_vcl_reads_it() {
    let rt = runtime();
    let node = rt.block_on(recorder(vec![(200, Vec::new(), "Ban added".into())]));
    let s = Scratch::new();
    let host = node.url.trim_start_matches("http://").to_string();
    let host_regex = format!("^{}$", regex::escape(&host));
    // (preset line, where the BAN goes, headers it carries)
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, String)>);
    let cases: [Case; 4] = [
        ("", "/", vec![("x-ban-url", r"^/blog/hello(\?.*)?$".into())]),
        ("ban_preset = \"varnish-docs\"", "/blog/hello", vec![]),
        (
            "ban_preset = \"foshttpcache\"",
            "/",
            vec![
                ("x-host", host_regex.clone()),
                ("x-url", r"^/blog/hello(\?.*)?$".into()),
                ("x-content-type", ".*".into()),
            ],
        ),
        (
            "ban_preset = \"lurker\"",
            "/",
            vec![
                ("x-ban-url", r"^/blog/hello(\?.*)?$".into()),
                ("x-ban-host", host_regex.clone()),
            ],
        ),
    ];
    for (n, (preset, target, headers)) in cases.into_iter().enumerate() {
        config(
            &s,
            &node.url,
            &format!("provider = \"varnish\"\nmethod = \"BAN\"\n{preset}"),
        );
        let (code, text) = purge(&s, &["sim", "--path", "/blog/hello"]);
        assert_eq!(code, Some(0), "{preset}: {text}");
        // The node also answers the read-back GETs that prove the purge.
        let bans: Vec<Seen> = node
            .seen()
            .into_iter()
            .filter(|s| s.method == "BAN")
            .collect();
        let seen = &bans[n];
        assert_eq!(seen.target, target, "{preset}");
        assert_eq!(seen.headers.get("host").unwrap(), host.as_str(), "{preset}");
        for (name, value) in headers {
            assert_eq!(
                seen.headers.get(name).map(|v| v.to_str().unwrap()),
                Some(value.as_str()),
                "{preset}: {name}"
            );
        }
    }
    // The documentation's VCL bans the request's own URL: no prefix.
    config(
        &s,
        &node.url,
        "provider = \"varnish\"\nmethod = \"BAN\"\nban_preset = \"varnish-docs\"",
    );
    let (code, text) = purge(&s, &["sim", "--prefix", "/blog/"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("cannot ban prefix /blog/*"), "{text}");
}

/// What a path purge leaves of the page's RSC variants is said before
/// sending: Varnish PURGE keeps `?_rsc=` URLs; a header BAN covers them.
#[test]
fn a_purge_says_what_it_leaves_of_the_rsc_variants() {
    let rt = runtime();
    let node = rt.block_on(recorder(vec![ok()]));
    let s = Scratch::new();
    config(&s, &node.url, "provider = \"varnish\"");
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("not ?_rsc= URLs"), "{text}");
    config(
        &s,
        &node.url,
        "provider = \"varnish\"\nmethod = \"BAN\"\nban_preset = \"lurker\"",
    );
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        !text.contains("_rsc"),
        "a header BAN covers the variants: {text}"
    );
}

/// `method = "xkey"`: varnish-modules' documented VCL reads the tag from
/// `xkey-purge` on a PURGE (`xkey-softpurge` with soft = true); a path is
/// still a PURGE of its URL; "Invalidated 0 objects" is `not_cached`.
#[test]
fn varnish_xkey_sends_the_tag_in_its_header_and_reads_zero_objects_as_not_cached() {
    let rt = runtime();
    let zero = (200, Vec::new(), "Invalidated 0 objects".to_string());
    let node = rt.block_on(recorder(vec![zero]));
    let s = Scratch::new();
    config(&s, &node.url, "provider = \"varnish\"\nmethod = \"xkey\"");
    let (code, text) = purge(&s, &["sim", "--tag", "product-7"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("not_cached"), "{text}");
    assert!(text.contains("invalidated 0 objects"), "{text}");
    let seen = purge_calls(&node);
    assert_eq!(seen[0].method, "PURGE");
    assert_eq!(seen[0].target, "/");
    assert_eq!(seen[0].headers.get("xkey-purge").unwrap(), "product-7");

    let (code, text) = purge(&s, &["sim", "--path", "/shop/mug"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(purge_calls(&node)[1].target, "/shop/mug");
    assert!(purge_calls(&node)[1].headers.get("xkey-purge").is_none());

    config(
        &s,
        &node.url,
        "provider = \"varnish\"\nmethod = \"xkey\"\nsoft = true",
    );
    purge(&s, &["sim", "--tag", "product-7"]);
    assert_eq!(
        purge_calls(&node)[2].headers.get("xkey-softpurge").unwrap(),
        "product-7"
    );
}

/// An API CDN's purge is read back through the public URL: a copy older
/// than the purge after a few reads is `not_purged` (exit 1); one that
/// goes within them (the purge reached the edge a moment later) is
/// `purged`, proven; a soft purge (Fastly's default) that still serves the
/// old copy is `purged`, said to be unproven.
#[test]
fn an_api_cdn_purge_is_read_back_through_the_public_url() {
    use isrctl::sim::SimCloudflare;
    let rt = runtime();
    let token = "tok-purge-4242";
    let cf = rt
        .block_on(SimCloudflare::start("zone-1", token, 100, 10.0))
        .unwrap();
    let old = |age: &str| {
        (
            200,
            vec![
                ("cf-cache-status", "HIT".to_string()),
                ("age", age.to_string()),
            ],
            "old".to_string(),
        )
    };
    let miss = (
        200,
        vec![("cf-cache-status", "MISS".to_string())],
        "new".to_string(),
    );
    let cloudflare = format!(
        "provider = \"cloudflare\"\nzone_id = \"zone-1\"\napi_url = \"{}\"\n[sites.sim.purge.token]\nenv = \"{TOKEN_ENV}\"",
        cf.api_url()
    );
    let s = Scratch::new();

    let stuck = rt.block_on(recorder(vec![old("900")]));
    config(&s, &stuck.url, &cloudflare);
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello", "--yes"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("not_purged"), "{text}");
    assert!(text.contains("a HIT 15 min old"), "{text}");
    assert!(
        stuck.seen().len() > 1,
        "read more than once: {:?}",
        stuck.seen()
    );

    let late = rt.block_on(recorder(vec![old("900"), old("901"), miss.clone()]));
    config(&s, &late.url, &cloudflare);
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("proven"), "{text}");
    assert_eq!(late.seen().len(), 3, "{:?}", late.seen());
    assert!(
        late.seen()
            .iter()
            .all(|r| r.method == "GET" && r.target == "/blog/hello")
    );
}

/// Round three, item 1: a value put into an http purge template is one
/// value in its place. A tag cannot add `"purge_everything":true` to the
/// body or a parameter to the URL, a tag of `{token}` does not fetch the
/// token, and a control character never reaches a header.
#[test]
fn an_http_purge_template_cannot_be_steered_by_the_value_put_into_it() {
    let rt = runtime();
    let node = rt.block_on(recorder(vec![ok(), ok(), ok()]));
    let s = Scratch::new();
    let template = format!(
        "provider = \"http\"\nurl = \"{}/purge?tag={{tag}}&key={{token}}\"\nbody = '{{\"tags\":[\"{{tag}}\"]}}'\nheaders = {{ \"x-tag\" = \"{{tag}}\" }}\n[sites.sim.purge.token]\nenv = \"PURGE_TOKEN_FOR_TEST\"",
        node.url
    );
    config(&s, &node.url, &template);
    let steering = r#"","purge_everything":true,"x":""#;
    for tag in [steering, "a&all=1#x", "{token}"] {
        let out = s
            .isrctl()
            .env("PURGE_TOKEN_FOR_TEST", "TOKEN-77aa-canary")
            .args(["purge", "sim", "--tag", tag, "--yes"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{tag}: {out:?}");
        let sent = node.seen().pop().unwrap();
        let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({ "tags": [tag] }),
            "{tag}: the body"
        );
        let url = url::Url::parse(&format!("http://x{}", sent.target)).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("tag".to_string(), tag.to_string()),
                ("key".to_string(), "TOKEN-77aa-canary".to_string())
            ],
            "{tag}: the query"
        );
        assert_eq!(sent.headers.get("x-tag").unwrap(), tag, "{tag}: the header");
    }
    let out = s
        .isrctl()
        .env("PURGE_TOKEN_FOR_TEST", "TOKEN-77aa-canary")
        .args(["purge", "sim", "--tag", "a\r\nx-evil: 1", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("control character"),
        "{out:?}"
    );
    assert_eq!(
        node.seen().len(),
        3,
        "nothing sent for the control character"
    );
}

/// Round three, item 3: what purges the whole site asks for the site's
/// name as `--everything` does, however it is written — a prefix of `/`
/// (a BAN of `^/`, Cloudflare's host prefix, CloudFront's `/*`) or a
/// CloudFront path of `/*` — and a `*` in a CloudFront path counts
/// against the 15 wildcards in progress.
#[test]
fn everything_written_another_way_still_needs_the_sites_name() {
    let rt = runtime();
    let node = rt.block_on(recorder(vec![ok()]));
    let cases = [
        (
            "provider = \"varnish\"\nmethod = \"BAN\"".to_string(),
            vec!["--prefix", "/"],
        ),
        (
            format!(
                "provider = \"cloudflare\"\nzone_id = \"z\"\napi_url = \"{}\"\n[sites.sim.purge.token]\nenv = \"{TOKEN_ENV}\"",
                node.url
            ),
            vec!["--prefix", "/"],
        ),
        (
            format!(
                "provider = \"cloudfront\"\ndistribution_id = \"E1\"\napi_url = \"{}\"",
                node.url
            ),
            vec!["--prefix", "/"],
        ),
        (
            format!(
                "provider = \"cloudfront\"\ndistribution_id = \"E1\"\napi_url = \"{}\"",
                node.url
            ),
            vec!["--path", "/*"],
        ),
    ];
    for (purge_keys, items) in cases {
        let s = Scratch::new();
        config(&s, &node.url, &purge_keys);
        let mut args = vec!["sim", "--yes"];
        args.extend(&items);
        let (code, text) = purge(&s, &args);
        assert_eq!(code, Some(2), "{purge_keys} {items:?}: {text}");
        assert!(text.contains("--confirm sim"), "{items:?}: {text}");
    }
    assert!(
        node.seen().is_empty(),
        "nothing was sent: {:?}",
        node.seen()
    );

    // 16 paths with a `*`: more wildcards than CloudFront allows at once.
    let s = Scratch::new();
    let cloudfront = format!(
        "provider = \"cloudfront\"\ndistribution_id = \"E1\"\napi_url = \"{}\"",
        node.url
    );
    config(&s, &node.url, &cloudfront);
    let paths: Vec<String> = (0..16).map(|i| format!("/p{i}/*")).collect();
    let mut args = vec!["sim", "--yes"];
    for p in &paths {
        args.extend(["--path", p.as_str()]);
    }
    let (code, text) = purge(&s, &args);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("wildcard"), "{text}");
    assert!(node.seen().is_empty(), "nothing was sent");
}

/// Round three, item 16: `ban_url = "{path}"` (the Varnish documentation's
/// VCL bans the BAN request's own URL) is what the fix of a wrong
/// `ban_url` offers, so it is accepted, and the BAN goes to the page.
#[test]
fn ban_url_path_is_accepted_and_bans_the_page_itself() {
    let s = Scratch::new();
    config(
        &s,
        "https://blog.example.com",
        "provider = \"varnish\"\nmethod = \"BAN\"\nnodes = [\"http://127.0.0.1:6081\"]\nban_url = \"{path}\"",
    );
    let check = s.isrctl().args(["config", "check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello", "--dry-run"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("BAN http://127.0.0.1:6081/blog/hello"),
        "{text}"
    );
}

/// Round three, item 19: a BAN sent to a VCL with no BAN branch reaches
/// the app, which answers 400: said as what it is, with the branch to add.
#[test]
fn a_purge_the_cache_passed_on_to_the_app_says_the_branch_is_missing() {
    let rt = runtime();
    let from_next = (
        400,
        vec![("x-powered-by", "Next.js".to_string())],
        "Bad Request".to_string(),
    );
    let node = rt.block_on(recorder(vec![from_next]));
    let s = Scratch::new();
    config(&s, &node.url, "provider = \"varnish\"\nmethod = \"BAN\"");
    let (code, text) = purge(&s, &["sim", "--path", "/blog/hello"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("passed the BAN on to the app"), "{text}");
    assert!(text.contains("req.method == \"BAN\""), "{text}");
}
