//! What identifies one render of a page, so two fetches can be compared:
//! "is this the same page as before?" and "does the CDN serve what the
//! origin serves?".
//!
//! Next.js sends a strong ETag and no Last-Modified; a route's marker (a
//! regex over the HTML, e.g. a render-time `<meta>`) is the most telling
//! when configured; the body hash is the fallback that always exists.

use crate::model::cache_headers::HeaderList;
use regex::Regex;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cmp::Ordering;

/// Hex digits of the body hash kept: enough to tell renders apart.
const HASH_CHARS: usize = 16;
/// Longest marker value kept, in characters.
const MARKER_CHARS: usize = 120;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fingerprint {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The route marker's first capture group (or whole match), if it matched.
    pub marker: Option<String>,
    /// The Next.js build that rendered it (see [`build_id`]): two renders
    /// of different deploys are never the same page, whatever the marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    pub body_sha256: String,
    pub body_bytes: usize,
    /// The body was longer than the read cap: the hash covers the start only.
    pub truncated: bool,
}

impl Fingerprint {
    pub fn of(headers: &HeaderList, body: &[u8], truncated: bool, marker: Option<&Regex>) -> Self {
        let digest = Sha256::digest(body);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Fingerprint {
            etag: headers.first("etag").map(shown),
            last_modified: headers.first("last-modified").map(shown),
            marker: marker.and_then(|re| marker_value(re, body)),
            build_id: build_id(body),
            body_sha256: hex[..HASH_CHARS].to_string(),
            body_bytes: body.len(),
            truncated,
        }
    }

    /// Whether both show the same render, judged by the most telling
    /// evidence both have: marker, then ETag, then body hash.
    pub fn same_render(&self, other: &Fingerprint) -> bool {
        if self.other_build(other) {
            return false;
        }
        if let (Some(a), Some(b)) = (&self.marker, &other.marker) {
            return a == b;
        }
        if let (Some(a), Some(b)) = (&self.etag, &other.etag) {
            return unweak(a) == unweak(b);
        }
        self.body_sha256 == other.body_sha256
    }

    /// Whether both name their build and the builds differ: one of them
    /// is from another deploy (its scripts are another build's).
    pub fn other_build(&self, other: &Fingerprint) -> bool {
        matches!((&self.build_id, &other.build_id), (Some(a), Some(b)) if a != b)
    }

    /// What `same_render` compares, for evidence lines.
    pub fn basis(&self, other: &Fingerprint) -> &'static str {
        if self.other_build(other) {
            "build id"
        } else if self.marker.is_some() && other.marker.is_some() {
            "marker"
        } else if self.etag.is_some() && other.etag.is_some() {
            "ETag"
        } else {
            "body sha256"
        }
    }

    /// One line: `marker 1-1795… · etag "4f2a…" · sha256 9c1d…`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.marker {
            let clock = marker_time(m)
                .map(|t| format!(" ({})", crate::model::text::local_clock(t)))
                .unwrap_or_default();
            parts.push(format!("marker {m}{clock}"));
        }
        if let Some(e) = &self.etag {
            parts.push(format!("etag {}", shorten(e, 20)));
        }
        if let Some(l) = &self.last_modified {
            parts.push(format!("last-modified {l}"));
        }
        if let Some(b) = &self.build_id {
            parts.push(format!("build {b}"));
        }
        parts.push(format!(
            "sha256 {}",
            &self.body_sha256[..8.min(self.body_sha256.len())]
        ));
        parts.join(" · ")
    }
}

/// A marker that is a time (a render time: RFC 3339, or epoch seconds or
/// milliseconds), so it can be shown on the operator's clock.
fn marker_time(marker: &str) -> Option<jiff::Timestamp> {
    if let Ok(time) = marker.parse::<jiff::Timestamp>() {
        return Some(time);
    }
    let digits = marker.len();
    let number: i64 = marker
        .parse()
        .ok()
        .filter(|_| digits == 10 || digits == 13)?;
    match digits {
        10 => jiff::Timestamp::from_second(number).ok(),
        _ => jiff::Timestamp::from_millisecond(number).ok(),
    }
}

/// The build id a Next.js page names: the App Router's flight data
/// carries it as `"b":"<id>"` (escaped inside the HTML's
/// `self.__next_f.push` scripts, plain in an RSC payload; Next.js 16.4.6,
/// measured on the testbed), the Pages Router in its
/// `/_next/static/<id>/_buildManifest.js` script. A page served from the
/// previous deploy names the previous build, and its chunks may be gone.
pub fn build_id(body: &[u8]) -> Option<String> {
    static BUILD: std::sync::LazyLock<Option<regex::bytes::Regex>> = std::sync::LazyLock::new(
        || {
            regex::bytes::Regex::new(
                r#"\\?"b\\?":\\?"([A-Za-z0-9_-]{8,64})\\?"|/_next/static/([A-Za-z0-9_-]{8,64})/_(?:buildManifest|ssgManifest)\.js"#,
            )
            .ok()
        },
    );
    // Most bodies name no build: two literal searches (memchr's SIMD) say
    // so before any regex runs, and the regex then starts where they found.
    let from = ["b\\\":", "b\":", "/_next/static/"]
        .iter()
        .filter_map(|needle| memchr::memmem::find(body, needle.as_bytes()))
        .min()?;
    let caps = BUILD.as_ref()?.captures(&body[from.saturating_sub(2)..])?;
    let id = caps.get(1).or_else(|| caps.get(2))?;
    Some(String::from_utf8_lossy(id.as_bytes()).into_owned())
}

fn marker_value(re: &Regex, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let caps = re.captures(&text)?;
    let m = caps.get(1).or_else(|| caps.get(0))?;
    Some(crate::model::safe_text::cut(
        &shown(m.as_str()),
        MARKER_CHARS,
    ))
}

/// A value from the server as it may be shown: control characters escaped
/// (compared escaped on both sides, so comparisons are unchanged).
fn shown(value: &str) -> String {
    crate::model::safe_text::one_line(value).into_owned()
}

/// A CDN that compresses may turn a strong ETag weak: same render.
fn unweak(etag: &str) -> &str {
    etag.trim().trim_start_matches("W/")
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(chars).collect::<String>())
    }
}

/// Compare two markers number by number up to their first difference
/// ("1-1767…" vs "0-1767…", ISO times, versions). What follows that
/// difference may differ in shape: a render time followed by a random
/// nonce (`2026-01-02T10:00:00.123Z k3j4h5g6`, as the testbed and many
/// apps write it) is ordered by its time. `None` when the first difference
/// is between words or between a word and a number, or the shapes differ
/// before any difference.
pub fn natural_cmp(a: &str, b: &str) -> Option<Ordering> {
    let (ta, tb) = (tokens(a), tokens(b));
    for (x, y) in ta.iter().zip(&tb) {
        let (xd, yd) = (
            x.bytes().all(|c| c.is_ascii_digit()),
            y.bytes().all(|c| c.is_ascii_digit()),
        );
        if xd != yd || (!xd && x != y) {
            return None;
        }
        if xd {
            let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            let order = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
            if order != Ordering::Equal {
                return Some(order);
            }
        }
    }
    (ta.len() == tb.len()).then_some(Ordering::Equal)
}

fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    for i in 1..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit() {
            out.push(&s[start..i]);
            start = i;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(etag: Option<&str>, body: &str, marker: Option<&Regex>) -> Fingerprint {
        let pairs: Vec<(&str, &str)> = etag.map(|e| ("ETag", e)).into_iter().collect();
        Fingerprint::of(
            &HeaderList::from_pairs(pairs),
            body.as_bytes(),
            false,
            marker,
        )
    }

    #[test]
    fn a_marker_that_is_a_time_is_shown_on_the_clock_too() {
        assert_eq!(
            marker_time("2026-11-24T12:00:03Z").map(|t| t.as_second()),
            Some(1_795_521_603)
        );
        assert_eq!(
            marker_time("1795521603123").map(|t| t.as_millisecond()),
            Some(1_795_521_603_123)
        );
        assert_eq!(
            marker_time("1795521603").map(|t| t.as_second()),
            Some(1_795_521_603)
        );
        assert_eq!(marker_time("v42"), None);
        assert_eq!(marker_time("12345"), None, "a version number is not a time");
    }

    #[test]
    fn a_page_of_another_build_is_never_the_same_render() {
        let marker = Regex::new(r#"data-marker="(\d+)""#).unwrap();
        let html = |build: &str| {
            format!(
                r#"<p data-marker="17">x</p><script>self.__next_f.push([1,"0:{{\"P\":null,\"b\":\"{build}\",\"p\":\"\"}}"])</script>"#
            )
        };
        let old = fp(None, &html("gv454VMlM5x2jn8CjEJD1"), Some(&marker));
        let new = fp(None, &html("Qw3rTy7Uiop9AsdfGhjK2"), Some(&marker));
        assert_eq!(old.build_id.as_deref(), Some("gv454VMlM5x2jn8CjEJD1"));
        assert!(!old.same_render(&new), "same marker, another build");
        assert_eq!(old.basis(&new), "build id");
        let rsc = br#"0:{"P":null,"b":"gv454VMlM5x2jn8CjEJD1","p":""}"#;
        assert_eq!(build_id(rsc).as_deref(), Some("gv454VMlM5x2jn8CjEJD1"));
        let pages = br#"<script src="/_next/static/AbCdEf123456/_buildManifest.js"></script>"#;
        assert_eq!(build_id(pages).as_deref(), Some("AbCdEf123456"));
        assert_eq!(build_id(b"<p>no build here</p>"), None);
    }

    #[test]
    fn marker_decides_over_etag_and_body() {
        let re = Regex::new(r#"rendered-at" content="([^"]+)""#).unwrap();
        let a = fp(
            Some("\"1\""),
            r#"<meta name="rendered-at" content="10">x"#,
            Some(&re),
        );
        let b = fp(
            Some("\"2\""),
            r#"<meta name="rendered-at" content="10">y"#,
            Some(&re),
        );
        let c = fp(
            Some("\"1\""),
            r#"<meta name="rendered-at" content="11">x"#,
            Some(&re),
        );
        assert_eq!(a.marker.as_deref(), Some("10"));
        assert!(a.same_render(&b), "same marker, different ETag and body");
        assert!(!a.same_render(&c), "new marker");
        assert_eq!(a.basis(&b), "marker");
    }

    #[test]
    fn etag_then_body_hash() {
        assert!(fp(Some("W/\"ab\""), "x", None).same_render(&fp(Some("\"ab\""), "y", None)));
        assert!(!fp(Some("\"ab\""), "x", None).same_render(&fp(Some("\"cd\""), "x", None)));
        assert!(fp(None, "same", None).same_render(&fp(None, "same", None)));
        assert!(!fp(None, "one", None).same_render(&fp(None, "two", None)));
        assert_eq!(
            fp(None, "x", None).basis(&fp(None, "x", None)),
            "body sha256"
        );
    }
}
