//! The platforms' purges through the binary, against their simulations:
//! Netlify (src/sim/netlify.rs) and Akamai Fast Purge
//! (src/sim/akamai.rs), each as its documentation describes it.

use crate::common::{Scratch, json, runtime};

const TOKEN_ENV: &str = "ISRCTL_PLATFORM_TOKEN";
const TOKEN: &str = "PLATFORM-TOKEN-4e7d1c2a-canary";
const PUBLIC: &str = "http://127.0.0.1:1";

fn purge(s: &Scratch, args: &[&str]) -> std::process::Output {
    let out = s
        .isrctl()
        .env(TOKEN_ENV, TOKEN)
        .arg("purge")
        .args(args)
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    for text in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(text);
        assert!(!text.contains(TOKEN), "the token leaked:\n{text}");
    }
    out
}

fn netlify_config(s: &Scratch, api: &str, more: &str) {
    let purge = format!(
        "provider = \"netlify\"\nsite_id = \"site-1\"\n{more}\napi_url = \"{api}\"\n[sites.sim.purge.token]\nenv = \"{TOKEN_ENV}\""
    );
    s.purge_config(PUBLIC, &purge);
}

#[test]
fn netlify_purges_tags_and_pages_as_their_runtime_tags() {
    use isrctl::sim::{NetlifyPurge, SimNetlify};
    let rt = runtime();
    let netlify = rt.block_on(SimNetlify::start("site-1", TOKEN, 1)).unwrap();
    let s = Scratch::new();
    netlify_config(&s, &netlify.api_url(), "deploy_alias = \"staging\"");
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
    assert_eq!(json(&out)["results"][0]["kind"], "purged");
    assert_eq!(
        netlify.requests(),
        2,
        "the 429 was waited out, then sent again"
    );
    assert_eq!(
        netlify.purges(),
        [NetlifyPurge {
            tags: Some(vec!["_N_T_/blog/hello".into(), "posts".into()]),
            deploy_alias: Some("staging".into()),
            domain: None,
        }]
    );

    let out = purge(&s, &["sim", "--everything", "--yes", "--confirm", "sim"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(netlify.purges()[1].tags, None, "the whole site: no tags");

    let before = netlify.requests();
    let out = purge(&s, &["sim", "--prefix", "/blog/"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no prefix purge"));
    assert_eq!(
        netlify.requests(),
        before,
        "refused before anything is sent"
    );
}

#[test]
fn netlify_refusals_quote_its_own_words() {
    use isrctl::sim::SimNetlify;
    let rt = runtime();
    let elsewhere = rt.block_on(SimNetlify::start("site-2", TOKEN, 0)).unwrap();
    let s = Scratch::new();
    netlify_config(&s, &elsewhere.api_url(), "");
    let out = purge(&s, &["sim", "--tag", "posts", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let result = &json(&out)["results"][0];
    assert_eq!(result["kind"], "rejected", "{result:#}");
    assert_eq!(result["message"], "Not Found", "{result:#}");

    let wrong = rt
        .block_on(SimNetlify::start("site-1", "not-the-token", 0))
        .unwrap();
    netlify_config(&s, &wrong.api_url(), "");
    let out = purge(&s, &["sim", "--tag", "posts", "--json"]);
    let result = &json(&out)["results"][0];
    assert_eq!(result["kind"], "unauthorized", "{result:#}");
    assert!(
        result["fix"]
            .as_str()
            .unwrap()
            .contains("personal access token"),
        "{result:#}"
    );
}

const CLIENT_SECRET: &str = "EDGEGRID-SECRET-9d2f-canary=";

fn akamai_client() -> isrctl::sim::AkamaiClient {
    isrctl::sim::AkamaiClient {
        client_token: "akab-client-token-7q".into(),
        client_secret: CLIENT_SECRET.into(),
        access_token: "akab-access-token-3z".into(),
    }
}

/// An `.edgerc` with the client in its `[purge]` section (and another
/// section before it), and the site's purge reading it.
fn akamai_config(s: &Scratch, api: &str, more: &str) {
    let edgerc = s.dir.path().join("edgerc");
    std::fs::write(
        &edgerc,
        format!(
            "[default]\nclient_secret = other=\nhost = akab-other.luna.akamaiapis.net\naccess_token = akab-x\nclient_token = akab-y\n\n[purge]\nclient_secret = {CLIENT_SECRET}\nhost = akab-purge.luna.akamaiapis.net\naccess_token = akab-access-token-3z\nclient_token = akab-client-token-7q\n"
        ),
    )
    .unwrap();
    let purge = format!(
        "provider = \"akamai\"\nedgerc = \"{}\"\nsection = \"purge\"\napi_url = \"{api}\"\n{more}",
        edgerc.display()
    );
    s.purge_config(PUBLIC, &purge);
}

fn no_credential_shown(out: &std::process::Output) {
    for text in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(text);
        for secret in [
            CLIENT_SECRET,
            "9d2f-canary",
            "akab-client-token-7q",
            "akab-access-token-3z",
        ] {
            assert!(!text.contains(secret), "{secret} shown:\n{text}");
        }
    }
}

#[test]
fn akamai_invalidates_urls_and_tags_signed_with_edgegrid() {
    use isrctl::sim::SimAkamai;
    let rt = runtime();
    let akamai = rt
        .block_on(SimAkamai::start(akamai_client(), 1, 0))
        .unwrap();
    let s = Scratch::new();
    akamai_config(&s, &akamai.api_url(), "cpcodes = [\"102030\"]");
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
    no_credential_shown(&out);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let purges = akamai.purges();
    let shapes: Vec<(&str, &str, &str, String)> = purges
        .iter()
        .map(|p| {
            let objects = serde_json::Value::from(p.objects.clone()).to_string();
            (
                p.action.as_str(),
                p.kind.as_str(),
                p.network.as_str(),
                objects,
            )
        })
        .collect();
    assert_eq!(
        shapes,
        [
            (
                "invalidate",
                "url",
                "production",
                r#"["http://127.0.0.1:1/blog/hello"]"#.to_string()
            ),
            (
                "invalidate",
                "tag",
                "production",
                r#"["posts"]"#.to_string()
            ),
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("akamai estimates 1 s until every edge has the purge"),
        "the read-back waits for the estimate: {stderr}"
    );

    // Everything is the site's CP codes; delete only when asked.
    akamai_config(
        &s,
        &akamai.api_url(),
        "cpcodes = [\"102030\"]\nhard = true\nnetwork = \"staging\"",
    );
    let out = purge(&s, &["sim", "--everything", "--confirm", "sim", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let last = akamai.purges().pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.kind.as_str(),
            last.network.as_str()
        ),
        ("delete", "cpcode", "staging")
    );
    assert_eq!(
        last.objects,
        [serde_json::json!(102030)],
        "CP codes are numbers"
    );
}

#[test]
fn akamai_dry_run_shows_the_exact_calls_masked() {
    let s = Scratch::new();
    akamai_config(&s, "https://akab-purge.luna.akamaiapis.net", "");
    let out = purge(&s, &["sim", "--path", "/blog/hello", "--dry-run"]);
    no_credential_shown(&out);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(r#"POST https://akab-purge.luna.akamaiapis.net/ccu/v3/invalidate/url/production (Authorization: EG1-HMAC-SHA256 client_token=***, access_token=***, signed at send time) {"objects":["http://127.0.0.1:1/blog/hello"]}"#),
        "{text}"
    );
}

#[test]
fn akamai_refusals_and_its_rate_limit_are_handled() {
    use isrctl::sim::SimAkamai;
    let rt = runtime();
    // One 429 (no Retry-After: the reference says wait five seconds).
    let akamai = rt
        .block_on(SimAkamai::start(akamai_client(), 0, 1))
        .unwrap();
    let s = Scratch::new();
    akamai_config(&s, &akamai.api_url(), "");
    let out = purge(&s, &["sim", "--tag", "posts", "--json"]);
    no_credential_shown(&out);
    assert_eq!(json(&out)["results"][0]["kind"], "purged", "{out:?}");
    assert_eq!(akamai.requests(), 2, "waited out, then sent again");

    let mut other = akamai_client();
    other.client_secret = "not-the-secret=".into();
    let refusing = rt.block_on(SimAkamai::start(other, 0, 0)).unwrap();
    akamai_config(&s, &refusing.api_url(), "");
    let out = purge(&s, &["sim", "--tag", "posts", "--json"]);
    no_credential_shown(&out);
    let result = &json(&out)["results"][0];
    assert_eq!(result["kind"], "unauthorized", "{result:#}");
    assert_eq!(
        result["message"],
        "Not authorized: The signature does not match"
    );

    let s = Scratch::new();
    akamai_config(&s, &refusing.api_url(), "");
    std::fs::write(s.dir.path().join("edgerc"), "[default]\nhost = x\n").unwrap();
    let out = purge(&s, &["sim", "--tag", "posts"]);
    assert_eq!(out.status.code(), Some(2), "could not run: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has no [purge] section"), "{stderr}");
}

/// The dry runs of the platforms' purges show each call exactly as it
/// will go, secrets masked: Cloudflare's soft purge goes to
/// `invalidate_cache` with the same selectors, Netlify's names the site
/// and the page's runtime tag (its API has no soft purge).
#[test]
fn soft_and_platform_dry_runs_show_the_exact_calls() {
    let s = Scratch::new();
    s.purge_config(
        "https://shop.example.com",
        &format!(
            "provider = \"cloudflare\"\nzone_id = \"zone-1\"\nsoft = true\n[sites.sim.purge.token]\nenv = \"{TOKEN_ENV}\""
        ),
    );
    let out = purge(
        &s,
        &[
            "sim",
            "--path",
            "/blog/hello",
            "--tag",
            "posts",
            "--dry-run",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for call in [
        r#"POST https://api.cloudflare.com/client/v4/zones/zone-1/invalidate_cache (Authorization: Bearer ***) {"files":["https://shop.example.com/blog/hello"]}"#,
        r#"POST https://api.cloudflare.com/client/v4/zones/zone-1/invalidate_cache (Authorization: Bearer ***) {"tags":["posts"]}"#,
    ] {
        assert!(text.contains(call), "{call} in:\n{text}");
    }

    let s = Scratch::new();
    s.purge_config(
        "https://shop.example.com",
        &format!(
            "provider = \"netlify\"\nsite_slug = \"my-shop\"\ndomain = \"shop.example.com\"\n[sites.sim.purge.token]\nenv = \"{TOKEN_ENV}\""
        ),
    );
    let out = purge(&s, &["sim", "--path", "/blog/hello", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let call = r#"POST https://api.netlify.com/api/v1/purge (Authorization: Bearer ***) {"cache_tags":["_N_T_/blog/hello"],"domain":"shop.example.com","site_slug":"my-shop"}"#;
    assert!(text.contains(call), "{call} in:\n{text}");
}
