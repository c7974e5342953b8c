//! Akamai's EdgeGrid request signing (EG1-HMAC-SHA256), as Akamai
//! documents it ("Authenticate with EdgeGrid", techdocs.akamai.com) and
//! its client libraries implement it; held to the test vectors Akamai
//! publishes with them (`testdata.json` of the edgegrid libraries).
//!
//! - timestamp `yyyyMMddTHH:mm:ss+0000` (UTC) and a unique nonce;
//! - the signing key: HMAC-SHA256 of the timestamp under the client
//!   secret, base64;
//! - the data signed: method, scheme, host, path with query, the
//!   canonical signed headers, the body's hash (POST only: SHA-256 of at
//!   most `max_body` bytes, base64) and the authorization header so far,
//!   joined by tabs;
//! - `Authorization: EG1-HMAC-SHA256 client_token=…;access_token=…;
//!   timestamp=…;nonce=…;signature=…` (HMAC-SHA256 under the signing key,
//!   base64).
//!
//! Credentials come from an `.edgerc` section as Akamai's CLIs read it
//! (`client_secret`, `host`, `access_token`, `client_token`, `max-body`).

use crate::model::purge::akamai::EdgeGridSource;
use crate::model::secret::Secret;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The body bytes hashed unless the credentials say otherwise.
pub const MAX_BODY: usize = 131_072;

/// One API client's EdgeGrid credentials.
pub struct EdgeGridCredentials {
    pub host: Option<String>,
    pub client_token: Secret,
    pub client_secret: Secret,
    pub access_token: Secret,
    pub max_body: usize,
}

impl EdgeGridCredentials {
    /// Read them where the config says: an `.edgerc` section, or the
    /// config's tokens with the client secret from `[purge.token]`.
    pub(super) fn resolve(
        source: &EdgeGridSource,
        token: Option<&Secret>,
    ) -> Result<EdgeGridCredentials, String> {
        match source {
            EdgeGridSource::Edgerc { path, section } => from_edgerc(path, section),
            EdgeGridSource::Token {
                client_token,
                access_token,
                host,
            } => {
                let secret =
                    token.ok_or("the akamai purge needs its client secret in [purge.token]")?;
                Ok(EdgeGridCredentials {
                    host: host.clone(),
                    client_token: Secret::new(client_token.clone(), "client_token"),
                    client_secret: Secret::new(secret.expose(), "[purge.token]"),
                    access_token: Secret::new(access_token.clone(), "access_token"),
                    max_body: MAX_BODY,
                })
            }
        }
    }

    /// Every value a redactor must hide.
    pub fn secrets(&self) -> Vec<&str> {
        vec![
            self.client_token.expose(),
            self.client_secret.expose(),
            self.access_token.expose(),
        ]
    }
}

/// What is signed of a request.
pub struct Signable<'a> {
    pub method: &'a str,
    pub url: &'a url::Url,
    /// Request headers, for those named in `headers_to_sign`.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The `Authorization` value for `request`, at `timestamp` with `nonce`,
/// signing the named headers (none for Fast Purge).
pub fn authorization(
    request: &Signable<'_>,
    credentials: &EdgeGridCredentials,
    (timestamp, nonce): (&str, &str),
    headers_to_sign: &[&str],
) -> String {
    let unsigned = format!(
        "EG1-HMAC-SHA256 client_token={};access_token={};timestamp={timestamp};nonce={nonce};",
        credentials.client_token.expose(),
        credentials.access_token.expose()
    );
    let url = request.url;
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let data = [
        request.method.to_ascii_uppercase(),
        url.scheme().to_string(),
        host,
        path,
        canonical_headers(request.headers, headers_to_sign),
        content_hash(request, credentials.max_body),
        unsigned.clone(),
    ]
    .join("\t");
    let key = base64_mac(
        credentials.client_secret.expose().as_bytes(),
        timestamp.as_bytes(),
    );
    let signature = base64_mac(key.as_bytes(), data.as_bytes());
    format!("{unsigned}signature={signature}")
}

/// `name:value` of each header to sign that the request carries, in the
/// order named, values trimmed with inner runs of whitespace made one.
fn canonical_headers(headers: &[(String, String)], to_sign: &[&str]) -> String {
    to_sign
        .iter()
        .filter_map(|name| {
            let (_, value) = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))?;
            let value: Vec<&str> = value.split_whitespace().collect();
            Some(format!("{}:{}", name.to_ascii_lowercase(), value.join(" ")))
        })
        .collect::<Vec<_>>()
        .join("\t")
}

/// SHA-256 of a POST's body (at most `max_body` bytes), base64; empty
/// for other methods and empty bodies.
fn content_hash(request: &Signable<'_>, max_body: usize) -> String {
    if !request.method.eq_ignore_ascii_case("POST") || request.body.is_empty() {
        return String::new();
    }
    let body = &request.body[..request.body.len().min(max_body)];
    STANDARD.encode(Sha256::digest(body))
}

fn base64_mac(key: &[u8], data: &[u8]) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return String::new();
    };
    mac.update(data);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// `20140321T19:34:21+0000`: EdgeGrid's timestamp, in UTC.
pub fn timestamp(now: jiff::Timestamp) -> String {
    now.strftime("%Y%m%dT%H:%M:%S+0000").to_string()
}

/// A nonce no other request of this process shares: the time, the
/// process and a counter, hashed, written as a UUID is.
pub fn nonce() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let seed = format!(
        "{}-{}-{n}",
        jiff::Timestamp::now().as_nanosecond(),
        std::process::id()
    );
    let hex: String = Sha256::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A section of an `.edgerc` file: `[name]` then `key = value` lines
/// (`;` and `#` start comments). `~/` is the home directory.
fn from_edgerc(path: &std::path::Path, section: &str) -> Result<EdgeGridCredentials, String> {
    let path = expand_home(path);
    let shown = path.display();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!("cannot read the EdgeGrid credentials {shown}: {e} (create it with Akamai Control Center › Identity and access › API clients, or set edgerc = \"…\")")
    })?;
    let pairs = edgerc_section(&text, section)
        .ok_or_else(|| format!("{shown} has no [{section}] section: set section = \"…\" to the one with the Fast Purge client"))?;
    let get = |key: &str| -> Result<String, String> {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("[{section}] of {shown} has no {key}: copy the API client's credentials into it whole"))
    };
    Ok(EdgeGridCredentials {
        host: Some(get("host")?),
        client_token: Secret::new(get("client_token")?, "edgerc"),
        client_secret: Secret::new(get("client_secret")?, "edgerc"),
        access_token: Secret::new(get("access_token")?, "edgerc"),
        max_body: get("max-body")
            .ok()
            .and_then(|m| m.parse().ok())
            .unwrap_or(MAX_BODY),
    })
}

fn expand_home(path: &std::path::Path) -> std::path::PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

/// The `key = value` pairs of one section, or `None` without it.
fn edgerc_section(text: &str, section: &str) -> Option<Vec<(String, String)>> {
    let mut current: Option<&str> = None;
    let mut found = false;
    let mut pairs = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim());
            found |= name.trim() == section;
            continue;
        }
        if current != Some(section) {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().trim_matches('"').trim_matches('\'');
            pairs.push((key.trim().to_string(), value.to_string()));
        }
    }
    found.then_some(pairs)
}

#[cfg(test)]
mod tests;
