//! `isrctl demo`: simulated sites on loopback (filled in once the simulation lands).

use crate::cli::Exit;

pub async fn run(_print_config: bool) -> Exit {
    eprintln!("demo: not available yet");
    Exit::Failed
}
