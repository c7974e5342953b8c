//! AWS Signature Version 4, checked the way AWS checks it, written here
//! from AWS's documentation ("Create a signed AWS API request", IAM User
//! Guide) and independent of the client's signer (the `aws-sigv4` crate):
//! a bug in how isrctl signs cannot pass its own test.
//!
//! The steps: a canonical request (method, URI-encoded path, sorted query,
//! the signed headers lowercased and trimmed, their names, the payload's
//! SHA-256) → a string to sign (algorithm, time, credential scope, the
//! canonical request's SHA-256) → a signing key derived from the secret by
//! HMAC over date, region, service and `aws4_request` → the signature.
//! The tests hold it to AWS's published example.

use sha2::{Digest, Sha256};

/// What the `Authorization` header says.
#[derive(Debug, PartialEq)]
pub struct Authorization {
    pub access_key: String,
    /// `20150830/us-east-1/iam/aws4_request`.
    pub scope: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl Authorization {
    /// `AWS4-HMAC-SHA256 Credential=…/scope, SignedHeaders=a;b, Signature=hex`.
    pub fn parse(header: &str) -> Option<Authorization> {
        let rest = header.strip_prefix("AWS4-HMAC-SHA256")?.trim();
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',') {
            let (name, value) = part.trim().split_once('=')?;
            match name {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed = Some(value),
                "Signature" => signature = Some(value),
                _ => return None,
            }
        }
        let (access_key, scope) = credential?.split_once('/')?;
        Some(Authorization {
            access_key: access_key.to_string(),
            scope: scope.to_string(),
            signed_headers: signed?.split(';').map(str::to_string).collect(),
            signature: signature?.to_string(),
        })
    }
}

/// A received request, as the verifier needs it.
pub struct Received<'a> {
    pub method: &'a str,
    /// The path as received (already percent-encoded once).
    pub path: &'a str,
    pub query: &'a str,
    /// Every header of the request: (name, value).
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// The signature AWS would compute for `request`, signed at `amz_date`
/// (`20150830T123600Z`) within `scope`, with `secret`.
pub fn expected_signature(
    request: &Received,
    signed_headers: &[String],
    amz_date: &str,
    scope: &str,
    secret: &str,
) -> Option<String> {
    let canonical = canonical_request(request, signed_headers)?;
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let key = signing_key(secret, scope)?;
    Some(hex(&hmac(&key, string_to_sign.as_bytes())))
}

fn canonical_request(request: &Received, signed_headers: &[String]) -> Option<String> {
    let mut headers = String::new();
    for name in signed_headers {
        let values: Vec<&str> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            return None; // a header signed but not sent
        }
        let joined: Vec<String> = values.iter().map(|v| squeeze(v)).collect();
        headers.push_str(&format!("{name}:{}\n", joined.join(",")));
    }
    Some(format!(
        "{}\n{}\n{}\n{headers}\n{}\n{}",
        request.method,
        canonical_path(request.path),
        canonical_query(request.query),
        signed_headers.join(";"),
        hex(&Sha256::digest(request.body))
    ))
}

/// Every service but S3 encodes each path segment twice: the received path
/// is encoded once, so it is encoded once more here.
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    path.split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/")
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (uri_encode(&decode(name)), uri_encode(&decode(value)))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// RFC 3986 unreserved characters stay; every other byte is `%XX`.
fn uri_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Trimmed, inner runs of spaces made one.
fn squeeze(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `kSigning` from the secret and the scope `date/region/service/aws4_request`.
pub fn signing_key(secret: &str, scope: &str) -> Option<Vec<u8>> {
    let mut parts = scope.split('/');
    let (date, region, service) = (parts.next()?, parts.next()?, parts.next()?);
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    Some(hmac(&k_service, b"aws4_request"))
}

/// HMAC-SHA256 (RFC 2104), block size 64: written here from the RFC, so
/// tests can check isrctl's signatures (made with the `hmac` crate) with an
/// implementation of their own.
pub fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of AWS's "Create a signed AWS API request"
    /// (IAM ListUsers, 2015-08-30, the documentation's example key).
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn derives_the_documented_signing_key() {
        let key = signing_key(SECRET, "20150830/us-east-1/iam/aws4_request").unwrap();
        assert_eq!(
            hex(&key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn computes_the_documented_signature() {
        let request = Received {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded; charset=utf-8".into(),
                ),
                ("X-Amz-Date".into(), "20150830T123600Z".into()),
                ("Host".into(), "iam.amazonaws.com".into()),
            ],
            body: b"",
        };
        let signed: Vec<String> = ["content-type", "host", "x-amz-date"]
            .map(String::from)
            .to_vec();
        let signature = expected_signature(
            &request,
            &signed,
            "20150830T123600Z",
            "20150830/us-east-1/iam/aws4_request",
            SECRET,
        );
        assert_eq!(
            signature.as_deref(),
            Some("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
        );
    }

    #[test]
    fn reads_the_authorization_header() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d67";
        let auth = Authorization::parse(header).unwrap();
        assert_eq!(auth.access_key, "AKIDEXAMPLE");
        assert_eq!(auth.scope, "20150830/us-east-1/iam/aws4_request");
        assert_eq!(auth.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(auth.signature, "5d67");
    }
}
