//! Shared output helpers: the JSON envelope and human formatting.

use crate::redact::Redactor;
use serde::Serialize;
use serde_json::{Value, json};

/// Version of the JSON shape; bumped only on incompatible changes.
pub const JSON_VERSION: u32 = 1;

/// Print `{"isrctl": 1, "command": …, …body}` on stdout.
pub fn print_json(command: &str, body: Value) {
    print_json_redacted(command, body, &Redactor::default());
}

/// The same, with every string passed through `redactor` first (belt and
/// braces: evidence quotes servers, which may echo what they received).
pub fn print_json_redacted(command: &str, body: Value, redactor: &Redactor) {
    let mut doc = json!({ "isrctl": JSON_VERSION, "command": command });
    if let (Some(doc), Value::Object(body)) = (doc.as_object_mut(), body) {
        doc.extend(body);
    }
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => println!("{}", redactor.redact(&text)),
        Err(e) => eprintln!("error: cannot write JSON: {e}"),
    }
}

pub fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
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
