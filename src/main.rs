//! The `isrctl` binary: the command line (which starts the log).

use std::process::ExitCode;

// One thread: a bulk run is bound by the network and by what it records,
// and on a 2-core machine a multi-threaded runtime spent 1.5x the CPU on
// waking threads (8,000 context switches for 10,000 requests), CPU the
// server beside it needed. Blocking work (a secret command, a purge
// signer's files, sitemap copies) goes to `spawn_blocking`.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    isrctl::cli::main().await
}
