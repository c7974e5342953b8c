//! Answers read for what they say (issue 27, items 4 and 5): a handler that
//! answers every call 200 and says "no" in its body, and a handler with no
//! secret check at all, as published apps write them.

use crate::common;

use axum::Router;
use axum::extract::Query;
use axum::response::IntoResponse;
use common::{CANARY, Scratch, json, runtime};
use std::collections::HashMap;

/// A page to read, and the revalidation route at `/api/revalidate`.
async fn serve(route: Router) -> String {
    let app = route.route(
        "/blog/hello",
        axum::routing::get(|| async {
            (
                [
                    ("content-type", "text/html"),
                    ("cache-control", "s-maxage=60"),
                ],
                "<html><p>hello</p></html>",
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A commerce webhook: 200 whatever happens, the verdict in a JSON status.
async fn webhook(Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    let body = match (q.get("secret").map(String::as_str), q.get("path")) {
        (Some(CANARY), Some(_)) => r#"{"revalidated":true,"now":1}"#,
        (Some(CANARY), None) => r#"{"status":200}"#,
        _ => r#"{"status":401}"#,
    };
    ([("content-type", "application/json")], body)
}

/// A published example's handler: no secret check; it throws without a
/// path and revalidates whatever path it is given.
async fn no_check(Query(q): Query<HashMap<String, String>>) -> axum::response::Response {
    match q.get("path") {
        Some(path) => format!("Cache revalidated for path: {path}").into_response(),
        None => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        )
            .into_response(),
    }
}

fn auth_findings(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "auth")
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["title"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_200_whose_body_says_401_is_a_refusal_never_any_secret_accepted() {
    let rt = runtime();
    let url = rt.block_on(serve(
        Router::new().route("/api/revalidate", axum::routing::any(webhook)),
    ));
    let s = Scratch::new();
    s.site_config(&url, &format!("{url}/api/revalidate"), "");

    let out = s
        .isrctl()
        .args(["check", "sim", "--json"])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    let doc = json(&out);
    let auth = auth_findings(&doc);
    assert!(
        auth.contains(&("ok".into(), "a wrong secret is refused".into())),
        "{auth:?}"
    );
    assert!(
        auth.iter().all(|(severity, _)| severity != "problem"),
        "{auth:?}"
    );
}

#[test]
fn json_2xx_does_not_turn_a_refusal_in_the_body_into_a_revalidation() {
    let rt = runtime();
    let url = rt.block_on(serve(
        Router::new().route("/api/revalidate", axum::routing::any(webhook)),
    ));
    let s = Scratch::new();
    // The fix isrctl offers for "JSON without revalidated: true", applied.
    let config = s.site_config(&url, &format!("{url}/api/revalidate"), "");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "[sites.sim.endpoint]\n",
            "[sites.sim.endpoint]\nsuccess = \"json-2xx\"\n",
        ),
    )
    .unwrap();

    // The right secret: revalidated.
    let out = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello", "--json"])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    assert_eq!(
        json(&out)["results"][0]["outcome"]["kind"],
        "revalidated",
        "{}",
        json(&out)
    );
    assert_eq!(out.status.code(), Some(0));

    // A wrong secret: unauthorized, exit 1.
    let out = s
        .isrctl()
        .env(common::SECRET_ENV, "not-the-secret")
        .args(["revalidate", "sim", "--path", "/blog/hello", "--json"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(
        doc["results"][0]["outcome"]["kind"], "unauthorized",
        "{doc:#}"
    );
    assert_ne!(out.status.code(), Some(0), "{doc:#}");
}

#[test]
fn a_handler_with_no_secret_check_accepts_any_secret() {
    let rt = runtime();
    let url = rt.block_on(serve(
        Router::new().route("/api/revalidate", axum::routing::any(no_check)),
    ));
    let s = Scratch::new();
    s.site_config(&url, &format!("{url}/api/revalidate"), "");
    for args in [
        &["check", "sim", "--json"][..],
        &["check", "sim", "--active", "--json"],
    ] {
        let out = s.isrctl().args(args).output().unwrap();
        s.assert_no_canary(&out);
        let doc = json(&out);
        let auth = auth_findings(&doc);
        assert!(
            auth.contains(&(
                "problem".into(),
                "the endpoint accepts any secret: anyone can revalidate (and load) the site".into()
            )),
            "{args:?}: {auth:?}"
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
}
