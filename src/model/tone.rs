//! Colour in the command line's human output: the outcome and severity
//! words in red, yellow or green on a terminal; never in a pipe, a file,
//! with `NO_COLOR` set (no-color.org) or on a dumb terminal.

use std::sync::OnceLock;

/// What a word says about how things went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warning,
    Bad,
}

impl Tone {
    fn sgr(self) -> &'static str {
        match self {
            Tone::Good => "\x1b[32m",
            Tone::Warning => "\x1b[33m",
            Tone::Bad => "\x1b[31m",
        }
    }
}

/// Whether stdout gets colour: decided once, from where it goes.
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        std::io::stdout().is_terminal() && !no_color && !dumb
    })
}

/// `text` (already escaped and masked) in `tone`'s colour, when colour is on.
pub(crate) fn paint(text: &str, tone: Tone) -> String {
    match enabled() {
        true => format!("{}{text}\x1b[0m", tone.sgr()),
        false => text.to_string(),
    }
}
