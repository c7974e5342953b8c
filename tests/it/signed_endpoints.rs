//! Endpoints as apps write them, through the binary and as a property:
//! Next's `cms-wordpress` example exports only PUT; `next-sanity`'s
//! `parseBody` wants a body signed the `@sanity/webhook` way; GitHub-style
//! webhooks want `x-hub-signature-256`. The signature is checked here with
//! the reference algorithm written from each one's documentation (HMAC-SHA256
//! by RFC 2104 from the simulations, not the crate isrctl signs with), and the secret
//! itself never travels and is never shown.

use crate::common;

use common::recorder::recorder;
use common::{CANARY, SECRET_ENV, Scratch, runtime};
use isrctl::model::endpoint::{EndpointProfile, Placement, Preset, SecretPlacement};
use isrctl::model::secret::Secret;
use isrctl::model::signature::Signature;
// HMAC-SHA256 written from RFC 2104 (the simulations' own, not the crate isrctl signs with).
use isrctl::model::target::Target;
use isrctl::sim::sigv4::hmac;
use proptest::prelude::*;

/// Unpadded base64url (RFC 4648 §5): the reference.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// `@sanity/webhook`'s check: `t=<ms>,v1=<sig>` over `"<t>.<body>"`.
fn sanity_verifies(header: &str, body: &str, secret: &str) -> bool {
    let Some((t, v1)) = header.strip_prefix("t=").and_then(|r| r.split_once(",v1=")) else {
        return false;
    };
    base64url(&hmac(secret.as_bytes(), format!("{t}.{body}").as_bytes())) == v1
}

fn github_verifies(header: &str, body: &str, secret: &str) -> bool {
    let hex: String = hmac(secret.as_bytes(), body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    header == format!("sha256={hex}")
}

fn signed(kind: Signature) -> EndpointProfile {
    let mut profile = EndpointProfile::preset(
        Preset::AppRouter,
        &url::Url::parse("https://x.example").unwrap(),
    );
    profile.secret = SecretPlacement::Hmac(kind);
    profile.path =
        Placement::Body(r#"{"_type":"post","slug":{"current":"{slug}"},"path":"{path}"}"#.into());
    profile
}

proptest! {
    #[test]
    fn a_signed_request_verifies_with_the_reference_algorithm(
        slug in "[a-zA-Z0-9 \"\\\\/é{}-]{0,40}",
        secret in "[ -~]{1,80}",
    ) {
        let target = Target::path(format!("/blog/{slug}"));
        let key = Secret::new(secret.clone(), "test");
        for (kind, name) in [(Signature::Sanity, "sanity-webhook-signature"), (Signature::Github, "x-hub-signature-256")] {
            let request = signed(kind).prepare(&target, &key).unwrap();
            let body = request.body.clone().unwrap_or_default();
            let header = &request.headers.iter().find(|(n, _)| n == name).unwrap().1;
            let verifies = match kind {
                Signature::Sanity => sanity_verifies(header, &body, &secret),
                Signature::Github => github_verifies(header, &body, &secret),
            };
            prop_assert!(verifies, "{kind:?}: {header} over {body}");
            // The secret itself is nowhere in the request.
            let all = format!("{} {:?} {body}", request.url, request.headers);
            prop_assert!(secret.len() < 6 || !all.contains(&secret), "{all}");
        }
    }
}

/// Through the binary: a PUT handler and a Sanity-signed one get exactly
/// what they check; a 401 "Invalid signature" from an endpoint configured
/// with a plain secret is explained as a signed-body endpoint.
#[test]
fn put_and_signed_endpoints_are_called_as_their_apps_expect() {
    let rt = runtime();
    let app = rt.block_on(recorder(vec![(
        200,
        Vec::new(),
        r#"{"revalidated":true,"now":1}"#.into(),
    )]));
    let s = Scratch::new();
    let config = |endpoint: &str| {
        std::fs::write(
            s.config_path(),
            format!(
                "[sites.sim]\npublic_url = \"{}\"\nrate_per_second = 0\n\n[sites.sim.secret]\nenv = \"{SECRET_ENV}\"\n\n[sites.sim.endpoint]\n{endpoint}\n",
                app.url
            ),
        )
        .unwrap()
    };
    // cms-wordpress: `export async function PUT(request)`.
    config("url = \"/api/revalidate\"\nmethod = \"PUT\"");
    let out = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    s.assert_no_canary(&out);
    assert_eq!(app.seen()[0].method, "PUT");

    // next-sanity: parseBody(req, secret) checks sanity-webhook-signature.
    config(
        "url = \"/api/revalidate\"\nsecret_in = \"hmac\"\nsignature = \"sanity\"\npath_body = '{\"_type\":\"post\",\"slug\":{\"current\":\"{slug}\"}}'",
    );
    let out = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    s.assert_no_canary(&out);
    let seen = &app.seen()[1];
    assert_eq!(seen.method, "POST");
    let header = seen
        .headers
        .get("sanity-webhook-signature")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        sanity_verifies(header, &seen.body, CANARY),
        "{header} over {}",
        seen.body
    );
    assert!(
        !format!("{} {:?} {}", seen.target, seen.headers, seen.body).contains(CANARY),
        "the secret travelled"
    );
    let dry = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello", "--dry-run"])
        .output()
        .unwrap();
    s.assert_no_canary(&dry);
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("v1=***"),
        "{dry:?}"
    );

    // An endpoint that wants a signed body, called with a plain secret.
    let picky = rt.block_on(recorder(vec![(
        401,
        Vec::new(),
        r#"{"message":"Invalid signature"}"#.into(),
    )]));
    std::fs::write(
        s.config_path(),
        format!(
            "[sites.sim]\npublic_url = \"{}\"\n\n[sites.sim.secret]\nenv = \"{SECRET_ENV}\"\n",
            picky.url
        ),
    )
    .unwrap();
    let out = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("refused the request's signature"), "{text}");
    assert!(text.contains("secret_in = \"hmac\""), "{text}");
}
