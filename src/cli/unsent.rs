//! What Ctrl-C left unsent in a bulk run: one line that says how many, and
//! the paths written to a file `--paths-from` takes, so the run can be
//! resumed where it stopped.

use crate::model::target::{Target, TargetKind};
use std::path::PathBuf;

/// Why a bulk run left targets unsent: Ctrl-C came first.
pub const CTRL_C: &str = "not sent (Ctrl-C came first)";
/// Why the console left work: it quit with requests in flight.
pub const CUT_OFF: &str = "cut off when the console quit (not sent, or sent and not answered)";

/// Say what was not sent and where its paths are; the resume line runs
/// as this run did: the same `--config`, `--state-dir` and `--reason`.
pub fn report<'a>(
    site: &str,
    reason: Option<&str>,
    why: &str,
    unsent: impl Iterator<Item = &'a Target>,
) {
    use crate::cli::shell_word;
    let (paths, tags): (Vec<&Target>, Vec<&Target>) =
        unsent.partition(|t| t.kind != TargetKind::Tag);
    let count = paths.len() + tags.len();
    if count == 0 {
        return;
    }
    let mut rest: String = tags
        .iter()
        .map(|t| format!(" --tag {}", shell_word(&t.value)))
        .collect();
    if let Some(reason) = reason {
        rest.push_str(&format!(" --reason {}", shell_word(reason)));
    }
    let command = format!(
        "isrctl{} revalidate {} --yes",
        crate::cli::as_invoked(),
        shell_word(site)
    );
    if paths.is_empty() {
        errln!("{count} {why}: resume with {command}{rest}");
        return;
    }
    match write(site, &paths) {
        Ok(file) => errln!(
            "{count} {why}: their paths are in {}\n  resume: {command} --paths-from {}{rest}",
            file.display(),
            shell_word(&file.to_string_lossy())
        ),
        Err(e) => errln!("{count} {why}; the list could not be written: {e}"),
    }
}

/// `$XDG_STATE_HOME/isrctl/unsent/SITE-TIME.txt`: one path a line, with a
/// comment saying what it is (`--paths-from` skips `#` lines).
fn write(site: &str, paths: &[&Target]) -> Result<PathBuf, String> {
    let dir = crate::model::files::state_dir()
        .ok_or("no state directory (set HOME or XDG_STATE_HOME)")?
        .join("unsent");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let now = jiff::ZonedDateTime::now();
    let safe_site: String = site
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let file = dir.join(format!("{safe_site}-{}.txt", now.strftime("%Y%m%dT%H%M%S")));
    let mut text = format!(
        "# not sent to {site}: Ctrl-C came first ({})\n",
        now.strftime("%Y-%m-%d %H:%M:%S %Z")
    );
    for t in paths {
        text.push_str(&t.value);
        text.push('\n');
    }
    std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(file)
}
