//! Endpoints read for what they say, on the real app (issue 27, items 4, 5
//! and 10): a webhook that answers every call 200 with its verdict in the
//! body (`{"status":401}` for a wrong secret) is refusing under every
//! success rule; a published example's route with no secret check is "the
//! endpoint accepts any secret", not "inconclusive"; and an endpoint isrctl
//! cannot call does not stop `fresh` from purging a CDN older than the
//! origins. Ground truth by plain HTTP.

use crate::testbed::{Testbed, exclusive, isrctl, isrctl_json, unique_slug};
use serde_json::Value;

fn auth_findings(doc: &Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "auth")
        .map(|f| {
            let severity = f["severity"].as_str().unwrap_or_default().to_string();
            (
                severity,
                f["title"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `revalidate SITE --path P --json` with this secret: (exit, outcome kind).
fn revalidate_with(tb: &Testbed, secret: &str, site: &str, path: &str) -> (Option<i32>, String) {
    let out = isrctl(tb, secret, &["revalidate", site, "--path", path, "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let kind = doc["results"][0]["outcome"]["kind"]
        .as_str()
        .unwrap_or("-")
        .to_string();
    (out.status.code(), kind)
}

#[test]
fn a_200_whose_body_says_401_is_a_refusal_under_every_success_rule() {
    let _turn = exclusive();
    let tb = Testbed::get();
    // Ground truth: HTTP 200 with the refusal in the body.
    let query = "/api/webhook-status?secret=wrong&path=/about";
    let (status, body) = tb.call(&tb.origins[0], reqwest::Method::POST, query);
    assert_eq!(
        (status, body["status"].as_i64()),
        (200, Some(401)),
        "{body}"
    );

    // A page of its own: revalidating it leaves no other test's page stale.
    let slug = unique_slug("webhook-status");
    tb.set_price(&slug, "10.00");
    let path = format!("/shop/{slug}");
    for site in ["testbed-webhook-status", "testbed-webhook-status-2xx"] {
        let (_, doc) = isrctl_json(&tb, &["check", site, "--path", &path]);
        let said = auth_findings(&doc);
        assert!(
            said.iter()
                .any(|(s, t)| s == "ok" && t == "a wrong secret is refused"),
            "{site}: {said:?}"
        );
        assert!(
            !said.iter().any(|(_, t)| t.contains("accepts any secret")),
            "{site}: a false alarm: {said:?}"
        );

        let (code, kind) = revalidate_with(&tb, "not-the-secret-3c1f", site, &path);
        assert_eq!(kind, "unauthorized", "{site}");
        assert_ne!(code, Some(0), "{site}: a refusal is a failure");
        let (code, kind) = revalidate_with(&tb, &tb.secret, site, &path);
        assert_eq!((code, kind.as_str()), (Some(0), "revalidated"), "{site}");
    }
}

#[test]
fn a_route_with_no_secret_check_accepts_any_secret_and_check_says_so() {
    let _turn = exclusive();
    let tb = Testbed::get();
    // Ground truth: a made-up secret and a made-up path get a 200.
    let query = "/api/example-revalidate?secret=made-up&path=/made-up-page";
    let (status, _) = tb.call(&tb.origins[0], reqwest::Method::POST, query);
    assert_eq!(status, 200);

    let before = tb.settle("/about").marker();
    for active in [false, true] {
        let mut args = vec!["check", "testbed-example", "--path", "/about"];
        if active {
            args.push("--active");
        }
        let (code, doc) = isrctl_json(&tb, &args);
        let said = auth_findings(&doc);
        assert!(
            said.iter()
                .any(|(s, t)| s == "problem" && t.starts_with("the endpoint accepts any secret")),
            "{args:?}: {said:?}"
        );
        assert!(
            !said.iter().any(|(_, t)| t.starts_with("inconclusive")),
            "{said:?}"
        );
        assert_eq!(code, Some(1), "{doc:#}");
        if !active {
            // Finding that out regenerated nothing a visitor gets.
            assert_eq!(
                tb.settle("/about").marker(),
                before,
                "/about was regenerated"
            );
        }
    }
}

#[test]
fn fresh_purges_a_stale_cdn_when_the_revalidation_cannot_be_sent() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = tb.product_at_both_origins("unsendable", "10.00");
    tb.fetch(&tb.cdn, &path);
    // The price changes and someone revalidates both instances by hand.
    tb.set_price(path.trim_start_matches("/shop/"), "11.00");
    tb.revalidate_origins_by_hand(&path, "11.00");
    assert_eq!(tb.fetch(&tb.cdn, &path).price(), "10.00", "Varnish is old");

    let out = isrctl(
        &tb,
        &tb.secret,
        &["fresh", "testbed-unsendable", "--path", &path],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("did not go through"), "{stdout}");
    assert!(stdout.contains("purging the CDN's copy"), "{stdout}");
    assert_ne!(
        out.status.code(),
        Some(0),
        "the revalidation failed: {stdout}"
    );
    assert_eq!(
        tb.fetch(&tb.cdn, &path).price(),
        "11.00",
        "ground truth: Varnish"
    );
}
