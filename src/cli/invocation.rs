//! How this run was invoked, for the commands it prints to be run next
//! (a fix, a resume line): the same `--config` and `--state-dir`, each
//! word quoted as a shell reads it back.

use std::path::Path;

/// The global flags this run was given (`--config`, `--state-dir`), as a
/// printed command must repeat them to act on the same sites and history.
static INVOKED_WITH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Called once, as the run starts.
pub(super) fn remember(config: Option<&Path>, state_dir: Option<&Path>) {
    let mut flags = String::new();
    if let Some(file) = config {
        flags.push_str(&format!(
            " --config {}",
            shell_word(&file.to_string_lossy())
        ));
    }
    if let Some(dir) = state_dir {
        flags.push_str(&format!(
            " --state-dir {}",
            shell_word(&dir.to_string_lossy())
        ));
    }
    let _ = INVOKED_WITH.set(flags);
}

/// `--config …` and `--state-dir …` as this run was given them, each with
/// a leading space; empty when neither was.
pub(crate) fn as_invoked() -> &'static str {
    INVOKED_WITH.get().map(String::as_str).unwrap_or_default()
}

pub(crate) use crate::model::text::shell_word;
