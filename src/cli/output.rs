//! How the command line shows what a command did: lines for a person as
//! things happen and a summary at the end ([`Output::Human`]), or one JSON
//! document at the end and nothing else on stdout ([`Output::Json`]).
//!
//! A command takes its `Output` from the `--json` flag once and asks it
//! instead of branching on a flag: `output.human(|| …)` for what a person
//! sees as it happens, `output.report(…)` for the end.

use crate::model::redact::Redactor;
use serde::Serialize;

/// `--json` or not, as a value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    #[default]
    Human,
    Json,
}

impl Output {
    /// How clap reads `--json` (a flag, `SetTrue`) into an `Output`.
    pub fn from_flag() -> impl clap::builder::TypedValueParser<Value = Output> {
        use clap::builder::TypedValueParser;
        clap::builder::BoolValueParser::new().map(|json| match json {
            true => Output::Json,
            false => Output::Human,
        })
    }

    /// Runs `print` when a person reads the output: progress lines and
    /// results as they arrive. A JSON run says it all in its document.
    pub fn human(self, print: impl FnOnce()) {
        if self == Output::Human {
            print();
        }
    }

    /// The command's report: its JSON document (every string passed
    /// through `redactor`), or `summary` for a person.
    pub fn report<T: Serialize>(
        self,
        command: &str,
        report: &T,
        redactor: &Redactor,
        summary: impl FnOnce(&T),
    ) {
        match self {
            Output::Json => print_document(command, report, redactor),
            Output::Human => summary(report),
        }
    }

    /// One line of a JSON Lines report: the envelope and `body` on one
    /// line, escaped and redacted as a document is.
    pub fn json_line<T: Serialize>(command: &str, body: &T, redactor: &Redactor) {
        let doc = Document {
            isrctl: JSON_VERSION,
            command,
            body,
        };
        match serde_json::to_string(&doc) {
            Ok(text) => {
                let mut text = json_escape_rest(&redactor.redact(&text)).into_owned();
                text.push('\n');
                crate::model::out::stdout(&text);
            }
            Err(e) => errln!("error: cannot write JSON: {e}"),
        }
    }

    pub fn is_json(self) -> bool {
        self == Output::Json
    }
}

/// One value as JSON text for a document written piece by piece (history
/// streams its records instead of holding them): escaped as
/// [`print_document`] escapes.
pub fn json_fragment<T: Serialize>(value: &T, fallback: &str) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| fallback.into());
    json_escape_rest(&text).into_owned()
}

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
fn print_document<T: Serialize>(command: &str, body: &T, redactor: &Redactor) {
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
            crate::model::out::stdout(&text);
        }
        Err(e) => errln!("error: cannot write JSON: {e}"),
    }
}

/// serde_json escapes C0 controls but leaves DEL and C1 raw; a terminal
/// showing the document (or `jq -r`) would act on them. In a JSON document
/// they occur only inside strings, where `\u00XX` is their valid escape.
fn json_escape_rest(json: &str) -> std::borrow::Cow<'_, str> {
    // C0 controls are already escaped by serde_json (and newline and tab
    // occur only between tokens): what is left is DEL and C1.
    if !crate::model::safe_text::has_controls(json, true) {
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
