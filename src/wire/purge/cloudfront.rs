//! Amazon CloudFront, as its API reference documents invalidations
//! (CreateInvalidation and GetInvalidation, API version 2020-05-31):
//! `POST /2020-05-31/distribution/{Id}/invalidation` with an XML
//! `InvalidationBatch` (paths, a unique CallerReference), signed with AWS
//! Signature Version 4 (service `cloudfront`, region `us-east-1`); the
//! answer (201) names the invalidation and its Status, `InProgress` until
//! `GET …/invalidation/{InvalidationId}` says `Completed`.
//!
//! Limits and price (CloudFront Developer Guide, 2026): at most 3,000 paths
//! in progress per distribution (15 with a `*`); the first 1,000 paths a
//! month are free, then $0.005 per path. Credentials come from the standard
//! places: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`,
//! else `~/.aws/credentials` (profile `AWS_PROFILE`, default `default`).

use super::{Calls, ProviderCalls, PurgeCall, PurgeItem};
use crate::model::config::Site;
use crate::model::purge::cloudfront::CloudFront;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use url::Url;

/// Paths per invalidation: the most a distribution has in progress.
pub const PATHS_PER_INVALIDATION: usize = 3000;
const FREE_PATHS_A_MONTH: usize = 1000;
const PRICE_PER_PATH_USD: f64 = 0.005;
const API_VERSION: &str = "2020-05-31";

/// Credentials for signing; the secret parts never leave this struct
/// except into the signature.
pub struct AwsCredentials {
    pub access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
}

impl AwsCredentials {
    pub fn new(access_key_id: &str, secret: &str, session_token: Option<&str>) -> AwsCredentials {
        AwsCredentials {
            access_key_id: access_key_id.to_string(),
            secret_access_key: SecretString::from(secret.to_string()),
            session_token: session_token.map(|t| SecretString::from(t.to_string())),
        }
    }

    /// Every part a redactor must hide.
    pub fn secrets(&self) -> Vec<&str> {
        let mut parts = vec![
            self.access_key_id.as_str(),
            self.secret_access_key.expose_secret(),
        ];
        parts.extend(self.session_token.as_ref().map(|t| t.expose_secret()));
        parts
    }

    /// From the environment, else the shared credentials file.
    pub(in crate::wire) fn from_standard_places() -> Result<AwsCredentials, String> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            return Ok(AwsCredentials::new(
                &id,
                &secret,
                env("AWS_SESSION_TOKEN").as_deref(),
            ));
        }
        let file = env("AWS_SHARED_CREDENTIALS_FILE")
            .map(std::path::PathBuf::from)
            .or_else(|| env("HOME").map(|h| std::path::Path::new(&h).join(".aws/credentials")))
            .ok_or("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")?;
        let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
        let bytes = crate::model::files::read_regular(&file, 64 * 1024).map_err(|why| {
            format!("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or {} ({why})", file.display())
        })?;
        profile_credentials(&String::from_utf8_lossy(&bytes), &profile).ok_or_else(|| {
            format!(
                "no credentials for profile [{profile}] in {}",
                file.display()
            )
        })
    }
}

/// The `[profile]` section of a shared credentials file.
fn profile_credentials(text: &str, profile: &str) -> Option<AwsCredentials> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if in_profile {
            let value = Some(value.trim().to_string());
            match key.trim() {
                "aws_access_key_id" => id = value,
                "aws_secret_access_key" => secret = value,
                "aws_session_token" => token = value,
                _ => {}
            }
        }
    }
    Some(AwsCredentials::new(&id?, &secret?, token.as_deref()))
}

/// Invalidations with a `*` a distribution may have in progress at once.
pub const WILDCARDS_IN_PROGRESS: usize = 15;

/// One CreateInvalidation per 3,000 paths. A prefix becomes `/prefix*`,
/// everything `/*`, a tag `#tag` (with `tags = true`; otherwise tags
/// arrive here as their routes' paths). Each path
/// starts with `/` and is URL-encoded where the InvalidationBatch
/// documentation asks (non-ASCII and unsafe characters); more wildcards
/// than a distribution may have in progress are refused before sending.
fn calls(api_url: &Url, distribution: &str, items: &[PurgeItem]) -> Result<Vec<PurgeCall>, String> {
    if let Some(PurgeItem::Path(p) | PurgeItem::Prefix(p)) = items
        .iter()
        .find(|i| matches!(i, PurgeItem::Path(p) | PurgeItem::Prefix(p) if !p.starts_with('/')))
    {
        return Err(format!(
            "CloudFront invalidates paths that start with /: {p:?} would be refused (did you mean /{p}?)"
        ));
    }
    let wildcards = items.iter().filter(|i| i.is_wildcard()).count();
    if wildcards > WILDCARDS_IN_PROGRESS {
        return Err(format!(
            "{wildcards} wildcard paths: CloudFront allows {WILDCARDS_IN_PROGRESS} with a * in progress per distribution; purge fewer prefixes at once"
        ));
    }
    let url = format!(
        "{}/{API_VERSION}/distribution/{distribution}/invalidation",
        api_url.as_str().trim_end_matches('/')
    );
    let mut paths: Vec<(String, PurgeItem)> = Vec::new();
    for item in items {
        let path = match item {
            PurgeItem::Path(p) => encode_path(p),
            PurgeItem::Prefix(p) => format!("{}*", encode_path(p)),
            PurgeItem::Everything => "/*".to_string(),
            PurgeItem::Tag(tag) => cache_tag(tag)?,
        };
        paths.push((path, item.clone()));
    }
    Ok(paths
        .chunks(PATHS_PER_INVALIDATION)
        .map(|batch| PurgeCall {
            method: "POST".into(),
            url: url.clone(),
            headers: vec![("Content-Type".into(), "application/xml".into())],
            body: Some(batch_xml(batch.iter().map(|(p, _)| p.as_str()))),
            covers: batch.iter().map(|(_, i)| i.clone()).collect(),
        })
        .collect())
}

/// A tag invalidation item, as CloudFront's "What you need to know when
/// invalidating tags" says: `#` and the tag, 1 to 256 visible ASCII
/// characters, no comma, no `*` (tags match exactly; case does not
/// matter).
fn cache_tag(tag: &str) -> Result<String, String> {
    let visible = tag
        .bytes()
        .all(|b| (33..=126).contains(&b) && b != b',' && b != b'*');
    match !tag.is_empty() && tag.len() <= 256 && visible {
        true => Ok(format!("#{tag}")),
        false => Err(format!(
            "CloudFront cache tags are 1 to 256 visible ASCII characters without commas or *: {:?} cannot be invalidated",
            crate::model::safe_text::one_line(tag)
        )),
    }
}

/// A path as CloudFront wants it: non-ASCII bytes, spaces and the
/// characters RFC 1738 calls unsafe percent-encoded; `%` already encoding
/// something is kept.
fn encode_path(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(byte as char),
            b'-' | b'.' | b'_' | b'~' | b'/' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' => {
                out.push(byte as char)
            }
            b'+' | b',' | b';' | b'=' | b':' | b'@' | b'%' | b'?' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn batch_xml<'a>(paths: impl ExactSizeIterator<Item = &'a str>) -> String {
    let quantity = paths.len();
    let items: String = paths
        .map(|p| format!("<Path>{}</Path>", xml_escape(p)))
        .collect();
    let reference = format!("isrctl-{}", jiff::Timestamp::now().as_nanosecond());
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InvalidationBatch xmlns=\"http://cloudfront.amazonaws.com/doc/{API_VERSION}/\"><Paths><Quantity>{quantity}</Quantity><Items>{items}</Items></Paths><CallerReference>{reference}</CallerReference></InvalidationBatch>"
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The text of the first `<tag>…</tag>` in a small XML answer.
pub fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

/// The invalidation's id and status from a CreateInvalidation or
/// GetInvalidation answer.
/// Only an `<Invalidation>` with a plausible id (CloudFront's are 14
/// letters and digits) counts: an HTML page or a 100,000-character id is
/// not one.
pub(super) fn invalidation(body: &[u8]) -> Option<(String, String)> {
    let xml = String::from_utf8_lossy(body);
    if !xml.contains("<Invalidation") {
        return None;
    }
    let id = xml_text(&xml, "Id")?.trim();
    let status = xml_text(&xml, "Status")?.trim();
    let plausible = |text: &str, longest: usize| {
        !text.is_empty() && text.len() <= longest && text.chars().all(|c| c.is_ascii_alphanumeric())
    };
    (plausible(id, 64) && plausible(status, 32)).then(|| (id.to_string(), status.to_string()))
}

/// Whether a status says the invalidation is done: `Completed` as AWS
/// documents it, in any case (moto's server answers `COMPLETED`).
pub(super) fn completed(status: &str) -> bool {
    status.eq_ignore_ascii_case("completed")
}

/// An error answer's code and message.
pub(super) fn error(body: &[u8]) -> Option<(String, String)> {
    let xml = String::from_utf8_lossy(body);
    let code = xml_text(&xml, "Code")?.to_string();
    let message = xml_text(&xml, "Message").unwrap_or_default().to_string();
    Some((code, message))
}

/// The URL that reports an invalidation's status.
pub(super) fn status_url(create_url: &str, id: &str) -> String {
    format!("{create_url}/{id}")
}

/// What the paths will cost, said before they are sent.
fn cost(paths: usize) -> String {
    if paths <= FREE_PATHS_A_MONTH {
        format!(
            "CloudFront: {paths} path(s), within the {FREE_PATHS_A_MONTH} free a month (then ${PRICE_PER_PATH_USD} a path)"
        )
    } else {
        let beyond = paths - FREE_PATHS_A_MONTH;
        format!(
            "CloudFront: {paths} paths; beyond the {FREE_PATHS_A_MONTH} free a month they cost ${PRICE_PER_PATH_USD} each: up to ${:.2} for these",
            beyond as f64 * PRICE_PER_PATH_USD
        )
    }
}

/// SigV4 headers for `call` (service cloudfront, region us-east-1).
pub(in crate::wire) fn sign(
    call: &PurgeCall,
    credentials: &AwsCredentials,
    now: std::time::SystemTime,
) -> Result<Vec<(String, String)>, String> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let identity = aws_credential_types::Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.expose_secret().to_string(),
        credentials
            .session_token
            .as_ref()
            .map(|t| t.expose_secret().to_string()),
        None,
        "isrctl",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("cloudfront")
        .time(now)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| format!("cannot sign the CloudFront request: {e}"))?
        .into();
    let body = call.body.as_deref().unwrap_or_default().as_bytes();
    let headers = call.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let request = SignableRequest::new(
        &call.method,
        call.url.as_str(),
        headers,
        SignableBody::Bytes(body),
    )
    .map_err(|e| format!("cannot sign the CloudFront request: {e}"))?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| format!("cannot sign the CloudFront request: {e}"))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect())
}

impl ProviderCalls for CloudFront {
    fn calls(&self, _site: &Site, items: &[PurgeItem], _token: &str) -> Calls {
        calls(&self.api_url, &self.distribution_id, items)
    }

    fn error(&self, body: &[u8]) -> Option<(String, bool)> {
        error(body).map(|(code, message)| {
            let busy = code == "TooManyInvalidationsInProgress";
            (format!("{code}: {message}"), busy)
        })
    }

    /// `Throttling` is the API's request rate (a 400, not a 429).
    fn rate_limited(&self, body: &[u8]) -> bool {
        error(body).is_some_and(|(code, _)| code == "Throttling")
    }

    /// Accepted means an `<Invalidation>` came back.
    fn succeeded(&self, body: &[u8]) -> bool {
        invalidation(body).is_some()
    }

    fn busy(&self) -> Option<(&'static str, &'static str)> {
        Some((
            "cloudfront has too many invalidations in progress (3,000 paths at most)",
            "wait until the invalidations in progress complete (minutes), then run again",
        ))
    }

    /// CloudFront's Throttling names no wait: back off a little.
    fn default_wait(&self, message: Option<&str>) -> Option<Duration> {
        message
            .is_some_and(|m| m.starts_with("Throttling"))
            .then_some(Duration::from_secs(2))
    }

    /// An invalidation is proven by polling it, not by reading pages.
    fn read_back_at(&self, _: &Site, _: &PurgeCall, _: &str) -> Option<(String, Option<String>)> {
        None
    }

    fn signs_with_aws(&self) -> bool {
        true
    }

    fn cost(&self, paths: usize) -> Option<String> {
        Some(cost(paths))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_read_from_the_shared_file() {
        let text = "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = s1\n[ops]\naws_access_key_id=AKIDOPS\naws_secret_access_key=s2\naws_session_token=t2\n";
        let ops = profile_credentials(text, "ops").unwrap();
        assert_eq!(ops.access_key_id, "AKIDOPS");
        assert_eq!(ops.secrets(), ["AKIDOPS", "s2", "t2"]);
        assert!(profile_credentials(text, "none").is_none());
    }

    #[test]
    fn paths_are_batched_at_3000_with_prefixes_and_everything_as_wildcards() {
        let api = Url::parse("https://cloudfront.amazonaws.com").unwrap();
        let mut items: Vec<PurgeItem> = (0..3001)
            .map(|i| PurgeItem::Path(format!("/p/{i}")))
            .collect();
        items.push(PurgeItem::Prefix("/blog/".into()));
        let calls = calls(&api, "E1", &items).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].covers.len(), 3000);
        let second = calls[1].body.as_deref().unwrap();
        assert!(
            second.contains(
                "<Quantity>2</Quantity><Items><Path>/p/3000</Path><Path>/blog/*</Path></Items>"
            ),
            "{second}"
        );
        assert_eq!(
            calls[0].url,
            "https://cloudfront.amazonaws.com/2020-05-31/distribution/E1/invalidation"
        );
        assert!(
            cost(2500).ends_with("up to $7.50 for these"),
            "{}",
            cost(2500)
        );
    }

    #[test]
    fn tags_are_hash_items_checked_as_cloudfront_reads_them() {
        let api = Url::parse("https://cloudfront.amazonaws.com").unwrap();
        let items = [
            PurgeItem::Tag("product:electronics".into()),
            PurgeItem::Path("/shop/tv".into()),
        ];
        let body = calls(&api, "E1", &items).unwrap()[0].body.clone().unwrap();
        assert!(
            body.contains("<Quantity>2</Quantity><Items><Path>#product:electronics</Path><Path>/shop/tv</Path></Items>"),
            "{body}"
        );
        for bad in ["a,b", "has space", "wild*", ""] {
            let refused = calls(&api, "E1", &[PurgeItem::Tag(bad.into())]).unwrap_err();
            assert!(refused.contains("cannot be invalidated"), "{refused}");
        }
    }

    #[test]
    fn paths_are_linted_encoded_and_wildcards_budgeted() {
        let api = Url::parse("https://cloudfront.amazonaws.com").unwrap();
        let refused = calls(&api, "E1", &[PurgeItem::Path("blog".into())]).unwrap_err();
        assert!(refused.contains("did you mean /blog?"), "{refused}");
        let encoded = calls(&api, "E1", &[PurgeItem::Path("/caf\u{e9} menu/<1>".into())]).unwrap();
        let body = encoded[0].body.as_deref().unwrap();
        assert!(
            body.contains("<Path>/caf%C3%A9%20menu/%3C1%3E</Path>"),
            "{body}"
        );
        let sixteen: Vec<PurgeItem> = (0..16)
            .map(|i| PurgeItem::Prefix(format!("/p{i}/")))
            .collect();
        let refused = calls(&api, "E1", &sixteen).unwrap_err();
        assert!(refused.contains("15 with a * in progress"), "{refused}");
    }
}
