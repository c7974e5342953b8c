//! Every registered purge provider through the same contract, by the
//! binary against one scripted server: a 401 is `unauthorized` with the
//! provider's own fix; a 429 with `Retry-After` is waited out and sent
//! again; a redirect is `redirected` and not followed (the token stays
//! where the config says); a dry run sends nothing and shows the token as
//! `***`; the token (or the AWS secret) is never in output, history or log.
//!
//! A provider added to `model::purge::PROVIDERS` without a row here fails
//! `every_registered_provider_has_a_row`.

use crate::common::{self, AWS_SECRET, Scratch, json, runtime};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use std::sync::{Arc, Mutex};

const TOKEN_ENV: &str = "ISRCTL_CONTRACT_TOKEN";
const TOKEN: &str = "CONTRACT-TOKEN-93c1d7e0-canary";

/// A provider's config (its keys, with `{api}` for the scripted server's
/// address), what to purge, and the body of a 2xx it reads as success.
struct Row {
    provider: &'static str,
    keys: &'static str,
    item: [&'static str; 2],
    success: &'static str,
    /// A 2xx whose body is the provider's own error (None: a plain cache
    /// endpoint has no error body of its own).
    error_in_2xx: Option<&'static str>,
    token: bool,
}

const ROWS: [Row; 8] = [
    Row {
        provider: "varnish",
        keys: "nodes = [\"{api}\"]",
        item: ["--path", "/blog/hello"],
        success: "",
        error_in_2xx: None,
        token: false,
    },
    Row {
        provider: "cloudflare",
        keys: "zone_id = \"zone-1\"\napi_url = \"{api}\"",
        item: ["--path", "/blog/hello"],
        success: r#"{"success":true,"errors":[],"result":{"id":"x"}}"#,
        error_in_2xx: Some(
            r#"{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}"#,
        ),
        token: true,
    },
    Row {
        provider: "fastly",
        keys: "service_id = \"svc-1\"\napi_url = \"{api}\"",
        item: ["--tag", "posts"],
        success: r#"{"status":"ok"}"#,
        error_in_2xx: Some(r#"{"msg":"Bad request","detail":"Invalid value for surrogate key"}"#),
        token: true,
    },
    Row {
        provider: "vercel",
        keys: "project_id = \"prj_1\"\napi_url = \"{api}\"",
        item: ["--tag", "posts"],
        success: "",
        error_in_2xx: Some(r#"{"error":{"code":"forbidden","message":"Not authorized"}}"#),
        token: true,
    },
    Row {
        provider: "cloudfront",
        keys: "distribution_id = \"E1CONTRACT\"\napi_url = \"{api}\"",
        item: ["--path", "/blog/hello"],
        success: "<Invalidation><Id>I1</Id><Status>Completed</Status></Invalidation>",
        error_in_2xx: Some(
            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>denied</Message></Error></ErrorResponse>",
        ),
        token: false,
    },
    Row {
        provider: "netlify",
        keys: "site_id = \"site-1\"\napi_url = \"{api}\"",
        item: ["--tag", "posts"],
        success: "",
        error_in_2xx: Some(r#"{"code":401,"message":"Access Denied: Invalid token"}"#),
        token: true,
    },
    Row {
        provider: "akamai",
        keys: "client_token = \"akab-client-1\"\naccess_token = \"akab-access-1\"\napi_url = \"{api}\"",
        item: ["--path", "/blog/hello"],
        success: r#"{"httpStatus":201,"detail":"Request accepted","estimatedSeconds":0,"purgeId":"p1"}"#,
        error_in_2xx: Some(r#"{"title":"Not authorized","detail":"The signature does not match"}"#),
        token: true,
    },
    Row {
        provider: "http",
        keys: "url = \"{api}/purge{path}\"\nheaders = { \"X-Purge-Token\" = \"{token}\" }",
        item: ["--path", "/blog/hello"],
        success: "",
        error_in_2xx: None,
        token: true,
    },
];

/// One scripted answer: status, headers, body.
type Answer = (u16, Vec<(&'static str, String)>, String);

/// A server answering each request with the next scripted answer (the
/// last one again when the script runs out), counting requests.
struct Scripted {
    url: String,
    requests: Arc<Mutex<usize>>,
    _runtime: tokio::runtime::Runtime,
}

impl Scripted {
    fn start(script: Vec<Answer>) -> Scripted {
        let rt = runtime();
        let requests = Arc::new(Mutex::new(0usize));
        let (count, script) = (requests.clone(), Arc::new(script));
        let app = axum::Router::new().fallback(move || {
            let (count, script) = (count.clone(), script.clone());
            async move {
                let n = {
                    let mut c = count.lock().unwrap();
                    *c += 1;
                    *c - 1
                };
                let (status, headers, body) = script[n.min(script.len() - 1)].clone();
                let mut map = HeaderMap::new();
                for (name, value) in headers {
                    map.insert(name, HeaderValue::from_str(&value).unwrap());
                }
                (StatusCode::from_u16(status).unwrap(), map, body)
            }
        });
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        rt.spawn(async move { axum::serve(listener, app).await });
        Scripted {
            url,
            requests,
            _runtime: rt,
        }
    }

    fn requests(&self) -> usize {
        *self.requests.lock().unwrap()
    }
}

fn configured(row: &Row, api: &str) -> Scratch {
    let s = Scratch::new();
    let mut purge = format!(
        "provider = \"{}\"\n{}",
        row.provider,
        row.keys.replace("{api}", api)
    );
    if row.token {
        purge.push_str(&format!("\n[sites.sim.purge.token]\nenv = \"{TOKEN_ENV}\""));
    }
    // The public URL is a closed port: read-backs go nowhere outside.
    s.purge_config("http://127.0.0.1:1", &purge);
    s
}

/// `isrctl purge sim ITEM --yes --json [more]`, with the token and AWS
/// credentials in the environment; none of them may show anywhere.
fn purge(s: &Scratch, row: &Row, more: &[&str]) -> std::process::Output {
    let mut args = vec!["purge", "sim", row.item[0], row.item[1], "--yes", "--json"];
    args.extend(more);
    let mut cmd = s.isrctl();
    cmd.env(TOKEN_ENV, TOKEN)
        .env("AWS_ACCESS_KEY_ID", common::AWS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
        .env_remove("AWS_SESSION_TOKEN")
        .args(&args);
    let out = cmd.output().unwrap();
    s.assert_no_canary(&out);
    for text in [
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        s.read(&s.history_file()),
        s.read(&s.log_file()),
    ] {
        for secret in [TOKEN, "93c1d7e0", AWS_SECRET, common::AWS_KEY] {
            assert!(
                !text.contains(secret),
                "{}: {secret} leaked:\n{text}",
                row.provider
            );
        }
    }
    out
}

fn first_result(out: &std::process::Output) -> serde_json::Value {
    json(out)["results"][0].clone()
}

#[test]
fn every_registered_provider_has_a_row() {
    let registered: Vec<&str> = isrctl::model::purge::PROVIDERS
        .iter()
        .map(|p| p.name)
        .collect();
    let rows: Vec<&str> = ROWS.iter().map(|r| r.provider).collect();
    assert_eq!(registered, rows, "a provider without its contract row");
}

#[test]
fn a_refusal_is_unauthorized_with_the_providers_own_fix() {
    let mut fixes = Vec::new();
    for row in &ROWS {
        let server = Scripted::start(vec![(401, vec![], "no".into())]);
        let s = configured(row, &server.url);
        let out = purge(&s, row, &[]);
        assert_eq!(out.status.code(), Some(1), "{}: {out:?}", row.provider);
        let result = first_result(&out);
        assert_eq!(
            result["kind"], "unauthorized",
            "{}: {result:#}",
            row.provider
        );
        let fix = result["fix"].as_str().unwrap_or_default().to_string();
        assert!(!fix.is_empty(), "{}: a refusal without a fix", row.provider);
        fixes.push(fix);
    }
    // Each says what its own credentials need (a token's permission, an
    // ACL, AWS's actions): no two providers share a fix.
    let distinct: std::collections::BTreeSet<&String> = fixes.iter().collect();
    assert_eq!(distinct.len(), fixes.len(), "{fixes:#?}");
}

#[test]
fn a_rate_limit_is_waited_out_as_asked_and_sent_again() {
    for row in &ROWS {
        let server = Scripted::start(vec![
            (429, vec![("retry-after", "1".into())], "slow down".into()),
            (200, vec![], row.success.into()),
        ]);
        let s = configured(row, &server.url);
        let out = purge(&s, row, &[]);
        let result = first_result(&out);
        assert_eq!(result["kind"], "purged", "{}: {result:#}", row.provider);
        assert!(
            server.requests() >= 2,
            "{}: the purge was not sent again after the wait",
            row.provider
        );
    }
}

#[test]
fn a_redirect_is_not_followed() {
    for row in &ROWS {
        let elsewhere = Scripted::start(vec![(200, vec![], row.success.into())]);
        let server = Scripted::start(vec![(
            302,
            vec![("location", format!("{}/stolen", elsewhere.url))],
            String::new(),
        )]);
        let s = configured(row, &server.url);
        let out = purge(&s, row, &[]);
        assert_eq!(out.status.code(), Some(1), "{}: {out:?}", row.provider);
        assert_eq!(first_result(&out)["kind"], "redirected", "{}", row.provider);
        assert_eq!(
            elsewhere.requests(),
            0,
            "{}: the redirect was followed",
            row.provider
        );
    }
}

#[test]
fn a_dry_run_sends_nothing_and_masks_the_token() {
    for row in &ROWS {
        let server = Scripted::start(vec![(200, vec![], row.success.into())]);
        let s = configured(row, &server.url);
        let out = purge(&s, row, &["--dry-run"]);
        assert_eq!(out.status.code(), Some(0), "{}: {out:?}", row.provider);
        let calls = json(&out)["calls"].to_string();
        assert!(
            !calls.is_empty() && calls != "[]",
            "{}: no call shown",
            row.provider
        );
        if row.token {
            assert!(
                calls.contains("***"),
                "{}: the token's place not shown: {calls}",
                row.provider
            );
        }
        assert_eq!(
            server.requests(),
            0,
            "{}: a dry run sent a request",
            row.provider
        );
    }
}

#[test]
fn a_2xx_carrying_the_providers_own_error_is_not_purged() {
    for row in ROWS.iter().filter(|r| r.error_in_2xx.is_some()) {
        let body = row.error_in_2xx.unwrap_or_default();
        let server = Scripted::start(vec![(200, vec![], body.into())]);
        let s = configured(row, &server.url);
        let out = purge(&s, row, &[]);
        assert_eq!(out.status.code(), Some(1), "{}: {out:?}", row.provider);
        let result = first_result(&out);
        assert_eq!(result["kind"], "rejected", "{}: {result:#}", row.provider);
        assert!(
            result["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}: the provider's words are quoted: {result:#}",
            row.provider
        );
    }
}
