//! Reading the files isrctl is pointed at (the config, secret files, and
//! sitemaps later): regular files only, up to a cap. A FIFO would block
//! forever, `/dev/zero` would fill the memory, a directory says nothing:
//! each is an error that says what to give instead.

use crate::model::trouble::Trouble;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file could not be read, in words that name the fix.
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, Trouble> {
    read_regular_file(path, cap).map_err(Trouble::unavailable)
}

fn read_regular_file(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    // Metadata first: opening a FIFO blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        // Each reason reads after "it": "it does not exist".
        std::io::ErrorKind::NotFound => "does not exist (no such file)".to_string(),
        std::io::ErrorKind::PermissionDenied => "cannot be read (permission denied)".to_string(),
        _ => e.to_string(),
    })?;
    if meta.is_dir() {
        return Err("is a directory, not a file".to_string());
    }
    if !meta.is_file() {
        return Err(
            "is not a regular file (a FIFO, device or socket): give a regular file".to_string(),
        );
    }
    if meta.len() > cap {
        return Err(format!(
            "is {} bytes, more than the {} a file like this may have: is it the right file?",
            meta.len(),
            cap
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    // The file may grow between the check and the read: the cap holds anyway.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > cap {
        return Err(format!("grew past {cap} bytes while being read"));
    }
    Ok(bytes)
}

/// Whether a file of isrctl's state directory (history, its index, the
/// log) may be opened: `Ok(false)` when absent, `Ok(true)` when a regular
/// file, else an error that names it — a FIFO would block every command,
/// `/dev/zero` would never end.
pub fn state_file(path: &Path) -> std::io::Result<bool> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(true),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file (a FIFO, device or directory): move it away and isrctl starts a new one",
                path.display()
            ),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// `--state-dir`, when given: read before the environment.
static STATE_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Use `dir` as the state directory for the rest of the run
/// (`--state-dir`; a running demo's history, read from elsewhere).
pub fn set_state_dir(dir: PathBuf) {
    let _ = STATE_DIR.set(dir);
}

/// Where isrctl keeps its state (history, index, log, sitemap copies):
/// `--state-dir`, else `$XDG_STATE_HOME/isrctl`, else
/// `$HOME/.local/state/isrctl`.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = STATE_DIR.get() {
        return Some(dir.clone());
    }
    state_dir_from(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
}

/// XDG base directory rules: `$XDG_STATE_HOME` only counts when absolute.
fn state_dir_from(xdg_state_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let xdg = xdg_state_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = match xdg {
        Some(p) => p,
        None => PathBuf::from(home.filter(|h| !h.is_empty())?).join(".local/state"),
    };
    Some(base.join("isrctl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_small_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read_regular(dir.path(), 10)
                .unwrap_err()
                .what
                .contains("directory")
        );
        assert_eq!(
            read_regular(&dir.path().join("missing"), 10)
                .unwrap_err()
                .what,
            "does not exist (no such file)"
        );
        let big = dir.path().join("big");
        std::fs::write(&big, "x".repeat(11)).unwrap();
        assert!(
            read_regular(&big, 10)
                .unwrap_err()
                .what
                .contains("more than the 10")
        );
        assert_eq!(read_regular(&big, 11).unwrap(), b"x".repeat(11));
        if Path::new("/dev/zero").exists() {
            assert!(
                read_regular(Path::new("/dev/zero"), 10)
                    .unwrap_err()
                    .what
                    .contains("not a regular file")
            );
        }
    }
    #[test]
    fn state_dir_prefers_absolute_xdg_state_home() {
        let dir = state_dir_from(Some("/xdg".into()), Some("/home/u".into()));
        assert_eq!(dir, Some(PathBuf::from("/xdg/isrctl")));
    }

    #[test]
    fn state_dir_ignores_relative_xdg_and_falls_back_to_home() {
        let dir = state_dir_from(Some("rel".into()), Some("/home/u".into()));
        assert_eq!(dir, Some(PathBuf::from("/home/u/.local/state/isrctl")));
        assert_eq!(state_dir_from(None, None), None);
    }
}
