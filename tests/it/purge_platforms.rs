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
