//! Signed webhook bodies: the secret never leaves the machine, it signs
//! the body, and the endpoint checks the signature.
//!
//! - Sanity (`@sanity/webhook`, what `next-sanity`'s `parseBody` checks):
//!   `sanity-webhook-signature: t=<unix ms>,v1=<base64url(HMAC-SHA256(secret,
//!   "<t>.<body>"))>`, unpadded base64url.
//! - GitHub: `x-hub-signature-256: sha256=<hex(HMAC-SHA256(secret, body))>`.

use crate::model::redact::MASK;
use base64::Engine as _;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How a signed webhook is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signature {
    /// `sanity-webhook-signature: t=<ms>,v1=<base64url HMAC-SHA256(secret, "<t>.<body>")>`
    /// (`@sanity/webhook`, as `next-sanity`'s `parseBody` checks it).
    Sanity,
    /// `x-hub-signature-256: sha256=<hex HMAC-SHA256(secret, body)>`.
    Github,
}

/// The header that signs `body`, made at `now_ms` (Unix milliseconds).
pub fn header(kind: Signature, secret: &str, body: &[u8], now_ms: i64) -> (String, String) {
    match kind {
        Signature::Sanity => {
            let mut mac = mac(secret);
            mac.update(format!("{now_ms}.").as_bytes());
            mac.update(body);
            let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(mac.finalize().into_bytes());
            (name(kind), format!("t={now_ms},v1={sig}"))
        }
        Signature::Github => {
            let mut mac = mac(secret);
            mac.update(body);
            let hex: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (name(kind), format!("sha256={hex}"))
        }
    }
}

/// The same header as it may be shown: the signature masked.
pub fn shown(kind: Signature, now_ms: i64) -> (String, String) {
    match kind {
        Signature::Sanity => (name(kind), format!("t={now_ms},v1={MASK}")),
        Signature::Github => (name(kind), format!("sha256={MASK}")),
    }
}

fn name(kind: Signature) -> String {
    match kind {
        Signature::Sanity => "sanity-webhook-signature".into(),
        Signature::Github => "x-hub-signature-256".into(),
    }
}

fn mac(secret: &str) -> HmacSha256 {
    // HMAC takes a key of any length: this cannot fail.
    HmacSha256::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| HmacSha256::new(&Default::default()))
}
