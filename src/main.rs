//! The `isrctl` binary: logging to a file, then the command line.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // Keep the guard alive so buffered log lines are flushed on exit.
    let _log_guard = isrctl::logging::init();
    isrctl::cli::main().await
}
