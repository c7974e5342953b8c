//! The log file: `$XDG_STATE_HOME/isrctl/isrctl.log`, never the screen.
//!
//! Level from `ISRCTL_LOG` (e.g. `debug`), default `info`. Nothing logged
//! may contain the secret: callers log masked requests and redacted text.

use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;

pub fn log_dir() -> Option<PathBuf> {
    crate::model::files::state_dir()
}

/// Start logging to the file; `None` (and no logging) when the directory
/// cannot be created, which must not stop the tool.
pub fn init() -> Option<WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "isrctl.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("ISRCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
