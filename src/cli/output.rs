//! Shared output helpers: the JSON envelope and human formatting.

use crate::redact::Redactor;
use serde::Serialize;

/// Version of the JSON shape; bumped only on incompatible changes.
pub const JSON_VERSION: u32 = 1;

/// The envelope of every `--json` document: `{"isrctl": 1, "command": …,
/// …body}`.
#[derive(Serialize)]
struct Document<'a, T: Serialize> {
    isrctl: u32,
    command: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

/// Print a report as the command's JSON document on stdout, every string
/// passed through `redactor` (belt and braces: evidence quotes servers,
/// which may echo what they received).
pub fn print_document<T: Serialize>(command: &str, body: &T, redactor: &Redactor) {
    let doc = Document {
        isrctl: JSON_VERSION,
        command,
        body,
    };
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => {
            // One copy at a time: a 10,000-target report is 10 MB of text.
            let mut text = json_escape_rest(&redactor.redact(&text)).into_owned();
            text.push('\n');
            crate::out::stdout(&text);
        }
        Err(e) => errln!("error: cannot write JSON: {e}"),
    }
}

/// serde_json escapes C0 controls but leaves DEL and C1 raw; a terminal
/// showing the document (or `jq -r`) would act on them. In a JSON document
/// they occur only inside strings, where `\u00XX` is their valid escape.
pub(super) fn json_escape_rest(json: &str) -> std::borrow::Cow<'_, str> {
    let escaped = |c: char| matches!(c, '\u{7f}'..='\u{9f}');
    if !json.chars().any(escaped) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '\u{7f}'..='\u{9f}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// "41 ms", "1.2 s".
pub fn millis(ms: Option<u64>) -> String {
    match ms {
        None => "-".to_string(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

/// "just now", "5 min ago", "3 h ago".
pub fn ago(time: jiff::Timestamp) -> String {
    crate::relative_time::ago(time, jiff::Timestamp::now())
}

/// A duration flag such as `30s`, `1500ms` or `2m`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    text.trim()
        .parse::<jiff::SignedDuration>()
        .ok()
        .and_then(|d| std::time::Duration::try_from(d).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?} is not a positive duration: write e.g. 30s, 1500ms or 2m"))
}

/// `--deadline`: how long a verification watches the page. Its default is
/// the engine's one default ([`crate::verify::DEFAULT_DEADLINE`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Deadline(pub std::time::Duration);

impl Default for Deadline {
    fn default() -> Self {
        Deadline(crate::verify::DEFAULT_DEADLINE)
    }
}

impl std::fmt::Display for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}s", self.0.as_secs())
    }
}

impl std::str::FromStr for Deadline {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        parse_duration(text).map(Deadline)
    }
}
