//! The terminal's bell when something the operator waited for has
//! happened: a watched page turned fresh, or a long run (a bulk
//! revalidation, `fresh` on many pages, a CloudFront invalidation) ended —
//! with a desktop notification where the terminal shows one (OSC 9:
//! iTerm2, WezTerm, Windows Terminal; OSC 777: VTE terminals).

use std::io::IsTerminal;
use std::time::Duration;

/// A run this long is one the operator has stopped watching.
pub const LONG_RUN: Duration = Duration::from_secs(10);

/// Ring, with `what` as the notification's words (masked, one line).
pub fn ring(what: &str) {
    let text: String = crate::model::out::mask_known_secrets(what)
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    crate::model::out::stderr_control("\x07");
    let program = std::env::var("TERM_PROGRAM").unwrap_or_default();
    if matches!(program.as_str(), "iTerm.app" | "WezTerm")
        || std::env::var_os("WT_SESSION").is_some()
    {
        crate::model::out::stderr_control(&format!("\x1b]9;isrctl: {text}\x1b\\"));
    } else if std::env::var_os("VTE_VERSION").is_some() {
        crate::model::out::stderr_control(&format!("\x1b]777;notify;isrctl;{text}\x1b\\"));
    }
}

/// Ring when a run that took `took` is long and a person is at the
/// terminal to hear it.
pub fn after(took: Duration, what: &str) {
    if took >= LONG_RUN && std::io::stderr().is_terminal() {
        ring(what);
    }
}
