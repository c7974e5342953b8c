//! A refusal said in a 2xx body: handlers that answer every call 200
//! (commerce webhooks, some CMS routes) put their "no" in the body.

use super::{Answer, MESSAGE_CHARS, looks_like_html};
use crate::model::redact;

/// Words that say no, in a 2xx body's message or its short text.
const REFUSAL_WORDS: &[&str] = &[
    "unauthorized",
    "unauthorised",
    "not authorized",
    "forbidden",
    "invalid secret",
    "invalid token",
    "wrong secret",
    "bad secret",
    "invalid signature",
];

/// A refusal carried in a 2xx body: a JSON `status`/`statusCode`/`code`
/// of 401 or 403, a JSON message or a short text with a refusal word.
pub(super) fn refusal_in_body(answer: &Answer) -> Option<String> {
    let refuses = |text: &str| {
        let lower = text.to_lowercase();
        REFUSAL_WORDS.iter().any(|w| lower.contains(w))
    };
    if let Some(json) = answer.json() {
        for key in ["status", "statusCode", "code"] {
            let code = match json.get(key) {
                Some(serde_json::Value::Number(n)) => n.as_u64(),
                Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            if let Some(code @ (401 | 403)) = code {
                return Some(format!("{key}: {code}"));
            }
        }
        return answer
            .own_words()
            .filter(|w| refuses(w))
            .map(|w| format!("\"{w}\""));
    }
    let short_text = answer.body.len() <= 200 && !answer.is_html && !looks_like_html(answer.body);
    let text = String::from_utf8_lossy(answer.body);
    (short_text && refuses(&text)).then(|| {
        let shown = redact::one_line_excerpt(&text, answer.redactor, MESSAGE_CHARS, answer.whole);
        format!("\"{shown}\"")
    })
}
