//! One module per subcommand; what several share lives beside this folder
//! (`flags`: targets and confirmation; `print`: what they print).

pub(super) mod check;
pub mod demo;
pub(super) mod fresh;
pub(super) mod history;
pub(super) mod init;
pub(super) mod probe;
pub(super) mod purge;
pub(super) mod revalidate;
mod revalidate_report;
pub(super) mod sites;
pub(super) mod stale;
pub(super) mod status;
pub(super) mod watch;
