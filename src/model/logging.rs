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
/// cannot be created, which must not stop the tool. A log that cannot be
/// opened (owned by root after one `sudo isrctl`, a directory, a FIFO in
/// its place) is said once on stderr and the command runs without it.
pub fn init() -> Option<WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("isrctl.log");
    let file = match open_log(&path) {
        Ok(file) => file,
        Err(why) => {
            errln!("warning: running without a log: {why}");
            return None;
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("ISRCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(without_credentials(filter))
        .try_init()
        .ok()?;
    Some(guard)
}

fn open_log(path: &std::path::Path) -> Result<std::fs::File, String> {
    crate::model::files::state_file(path).map_err(|e| e.to_string())?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// The AWS signing crates log the access key id (and the string they sign)
/// at `trace`: they stay at `info` whatever `ISRCTL_LOG` asks.
fn without_credentials(filter: tracing_subscriber::EnvFilter) -> tracing_subscriber::EnvFilter {
    [
        "aws_sigv4=info",
        "aws_credential_types=info",
        "aws_smithy_runtime_api=info",
    ]
    .into_iter()
    .filter_map(|d| d.parse().ok())
    .fold(filter, |filter, directive| filter.add_directive(directive))
}
