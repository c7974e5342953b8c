//! Removing the secret from anything that may be shown or stored.
//!
//! HTTP client errors embed the request URL with its query string, servers
//! may echo what they received, and a `Location` header may carry it back:
//! every such string passes through a `Redactor` first.

use crate::model::safe_text::{cut, escape_controls, looks_binary, one_line};
use crate::model::secret::Secret;

pub const MASK: &str = "***";

/// Query parameters whose values are credentials wherever they appear:
/// `?secret=`, `?token=`, `x-vercel-protection-bypass=`, `api_key=`, …
static SECRET_PARAM: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)([?&;][a-z0-9_.\-]*(?:secret|token|passw|pwd|key|signature|sig|auth|bypass|credential)[a-z0-9_.\-]*=)([^&\s#\x22'<>\\]+)",
    )
    .ok()
});

/// `user:password@` in a URL.
static USERINFO: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)([a-z][a-z0-9+.\-]*://[^\s/:@\x22'<>]*:)([^\s/@\x22'<>]+)@").ok()
});

/// Text with the values of credential-like query parameters and URL
/// passwords masked: what a URL in the config (or typed on the command
/// line) carries is shown as `?secret=***`, `user:***@`.
pub fn mask_url_secrets(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out = std::borrow::Cow::Borrowed(text);
    for (pattern, replacement) in [(&*SECRET_PARAM, "${1}***"), (&*USERINFO, "${1}***@")] {
        if let Some(pattern) = pattern
            && pattern.is_match(&out)
        {
            out = std::borrow::Cow::Owned(pattern.replace_all(&out, replacement).into_owned());
        }
    }
    out
}

/// The forms a secret takes when a server or a shell echoes it: as is,
/// percent-encoded (upper- and lower-case hex, `+` or `%20` for a space),
/// inside a JSON string (and that escaped again), base64 (standard and
/// URL-safe, with and without padding), hex, upper- and lower-cased.
fn forms(value: &str) -> Vec<String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let lower_hex_escapes = |text: &str| {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '%' {
                out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
            }
        }
        out
    };
    let path_encoded = encoded.replace('+', "%20");
    let json = serde_json::to_string(value).unwrap_or_default();
    let json_inner = json.trim_matches('"').to_string();
    let json_twice = serde_json::to_string(&json_inner).unwrap_or_default();
    let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
    let bytes = value.as_bytes();
    vec![
        value.to_string(),
        value.to_uppercase(),
        value.to_lowercase(),
        lower_hex_escapes(&encoded),
        lower_hex_escapes(&path_encoded),
        encoded,
        path_encoded,
        json_twice.trim_matches('"').to_string(),
        json_inner,
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
        hex.to_uppercase(),
        hex,
    ]
}

#[derive(Clone, Debug, Default)]
pub struct Redactor {
    needles: Vec<String>,
    /// Each secret with line breaks allowed between its characters (raw,
    /// escaped as `\n`, or made a space when lines are joined): an echo
    /// wrapped across lines.
    split: Vec<regex::Regex>,
}

/// Secrets shorter than this are not looked for across line breaks: a
/// few letters split by newlines would mask ordinary text.
const SPLIT_MIN: usize = 8;

/// `value` with any run of line breaks, raw or escaped, between its
/// characters.
fn split_pattern(value: &str) -> Option<regex::Regex> {
    let gap = r"(?:[\r\n\t ]|\\r|\\n)*";
    let parts: Vec<String> = value
        .chars()
        .map(|c| regex::escape(&c.to_string()))
        .collect();
    regex::Regex::new(&parts.join(gap)).ok()
}

impl Redactor {
    pub fn new(secret: Option<&Secret>) -> Self {
        let mut redactor = Redactor::default();
        if let Some(secret) = secret {
            redactor.add(secret.expose());
        }
        redactor
    }

    /// Hide `value` and the forms it takes in URLs and JSON.
    pub fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        for form in forms(value) {
            if !form.is_empty() && !self.needles.contains(&form) {
                self.needles.push(form);
            }
        }
        // Longest first, so a form that contains another is replaced whole.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        if value.chars().count() >= SPLIT_MIN {
            self.split.extend(split_pattern(value));
        }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MASK);
            }
        }
        for pattern in &self.split {
            if pattern.is_match(&out) {
                out = pattern.replace_all(&out, MASK).into_owned();
            }
        }
        out
    }

    /// For text that was cut short (a capped read): also mask a start of
    /// the secret left at its very end, so no 3+ characters of it survive.
    pub fn mask_cut_tail(&self, text: &str) -> String {
        for needle in &self.needles {
            let mut ends: Vec<usize> = needle.char_indices().map(|(i, _)| i).skip(3).collect();
            ends.push(needle.len());
            let longest = ends
                .into_iter()
                .rev()
                .find(|&end| text.ends_with(&needle[..end]));
            if let Some(end) = longest {
                return format!("{}{MASK}", &text[..text.len() - end]);
            }
        }
        text.to_string()
    }
}

/// Text from outside, ready to show or store: masked, escaped, cut to
/// `max` characters. `whole` says whether `text` is all there was; when it
/// is not (a capped read), a secret cut at its end is masked too.
pub fn excerpt(text: &str, redactor: &Redactor, max: usize, whole: bool) -> String {
    let masked = redactor.redact(text);
    let masked = if whole {
        masked
    } else {
        redactor.mask_cut_tail(&masked)
    };
    cut(&escape_controls(&masked), max)
}

/// Text from outside on one line (whitespace runs collapsed), masked,
/// escaped and cut.
pub fn one_line_excerpt(text: &str, redactor: &Redactor, max: usize, whole: bool) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let masked = redactor.redact(&collapsed);
    let masked = if whole {
        masked
    } else {
        redactor.mask_cut_tail(&masked)
    };
    cut(&one_line(&masked), max)
}

/// How a body may be shown: its text, or "binary body, N bytes, gzip" when
/// it is compressed or not text (never the bytes themselves).
pub fn body_excerpt(
    body: &[u8],
    content_encoding: Option<&str>,
    redactor: &Redactor,
    max: usize,
    whole: bool,
) -> Option<String> {
    let encoding = content_encoding
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("identity"));
    if encoding.is_some() || looks_binary(body) {
        let mut words = format!("binary body, {} bytes", body.len());
        if let Some(encoding) = encoding {
            words.push_str(", ");
            words.push_str(&one_line(encoding));
        }
        return Some(words);
    }
    let text = String::from_utf8_lossy(body);
    Some(excerpt(text.trim(), redactor, max, whole)).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Round three, item 10: a secret echoed transformed — base64, hex,
    /// lower-case percent-encoding, upper-cased, JSON-escaped twice — is
    /// masked too.
    #[test]
    fn transformed_echoes_of_a_secret_are_masked() {
        use base64::Engine;
        let secret = "S3cr3t-Tok/en+&\"é-9f8e7d";
        let mut redactor = Redactor::default();
        redactor.add(secret);
        // Only the escapes' hex digits in lower case (`%2f`), as some
        // servers write them.
        let lower_percent: String = url::form_urlencoded::byte_serialize(secret.as_bytes())
            .collect::<String>()
            .split('%')
            .enumerate()
            .map(|(i, part)| match i {
                0 => part.to_string(),
                _ => format!(
                    "%{}{}",
                    part.get(..2).unwrap_or(part).to_lowercase(),
                    part.get(2..).unwrap_or("")
                ),
            })
            .collect();
        let twice = serde_json::to_string(&serde_json::to_string(secret).unwrap()).unwrap();
        let echoes = [
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
            secret.bytes().map(|b| format!("{b:02x}")).collect(),
            secret.bytes().map(|b| format!("{b:02X}")).collect(),
            lower_percent,
            secret.to_uppercase(),
            twice,
        ];
        for echo in echoes {
            let shown = redactor.redact(&format!("the server said: {echo}."));
            assert!(
                !shown.contains("9f8e7d") && !shown.contains("9F8E7D"),
                "{echo} → {shown}"
            );
            assert!(shown.contains(MASK), "{echo} → {shown}");
        }
    }

    /// Round three, item 10: an echo that wraps the secret across lines,
    /// raw or JSON-escaped, is masked whole.
    #[test]
    fn a_secret_split_across_lines_is_masked() {
        let mut redactor = Redactor::default();
        redactor.add("CANARY-7f3a9c1e-secret");
        for echo in [
            "got CANARY-7f3a\n9c1e-secret!",
            "got CANARY-7f3a\r\n9c1e-se\ncret!",
            r#"{"echo":"CANARY-7f3a\n9c1e-secret"}"#,
        ] {
            let shown = redactor.redact(echo);
            assert!(
                !shown.contains("7f3a") && !shown.contains("9c1e"),
                "{echo:?} → {shown}"
            );
            assert!(shown.contains(MASK), "{shown}");
        }
        assert_eq!(redactor.redact("a\nb"), "a\nb", "nothing else is touched");
        // Shown on one line, the break becomes a space first.
        let line = one_line_excerpt("got CANARY-7f3a\n9c1e-secret!", &redactor, 200, true);
        assert!(!line.contains("7f3a"), "{line}");
    }

    #[test]
    fn hides_raw_and_encoded_forms() {
        let secret = Secret::new("s3cr et/+x", "test");
        let r = Redactor::new(Some(&secret));
        let text = "url ?secret=s3cr+et%2F%2Bx and raw s3cr et/+x and s3cr%20et%2F%2Bx";
        let out = r.redact(text);
        assert!(!out.contains("s3cr"), "{out}");
        assert_eq!(out.matches(MASK).count(), 3);
    }

    /// The encodings a server or isrctl may apply to a secret it echoes.
    fn echoes(secret: &str) -> Vec<String> {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let mid = secret
            .char_indices()
            .nth(secret.chars().count() / 2)
            .map_or(0, |(i, _)| i);
        vec![
            secret.to_string(),
            form.clone(),
            form.replace('+', "%20"),
            serde_json::to_string(secret).unwrap_or_default(),
            serde_json::to_string(&serde_json::to_string(secret).unwrap_or_default())
                .unwrap_or_default(),
            STANDARD.encode(secret),
            URL_SAFE_NO_PAD.encode(secret),
            secret.bytes().map(|b| format!("{b:02x}")).collect(),
            secret.to_uppercase(),
            format!("{}\n{}", &secret[..mid], &secret[mid..]),
        ]
    }

    proptest::proptest! {
        /// Masks hold over secrets of any characters (quotes, `&`, `#`,
        /// `%`, spaces, any script) and every encoding an echo may take:
        /// the echo never survives redaction.
        #[test]
        fn no_echo_of_any_secret_survives(
            secret in proptest::prop_oneof!["[ -~]{8,40}", "\\PC{8,24}"],
            before in "[a-z ]{0,20}",
            after in "[a-z ]{0,20}",
        ) {
            let mut redactor = Redactor::default();
            redactor.add(&secret);
            for echo in echoes(&secret) {
                let shown = redactor.redact(&format!("{before}{echo}{after}"));
                proptest::prop_assert!(!shown.contains(&echo), "{echo:?} survived in {shown:?}");
            }
        }
    }
}
