//! `fresh`'s own flags: what it revalidates, how long it watches, and no
//! more. It is `revalidate --every-origin --purge --verify`, so those
//! flags (and `--dry-run`, which shows single requests) are not its own.

use super::{Deadline, RevalidateArgs, TargetArgs, parse_duration};
use crate::cli::output::Output;
use clap::Args;

#[derive(Debug, Args)]
pub struct FreshArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Make more than one target fresh without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// How long to wait for every layer to serve the new page
    #[arg(long, value_name = "DURATION", default_value_t)]
    pub deadline: Deadline,
    /// When every origin re-renders the same content (the CMS lagged), wait this long, then do it all once more
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub retry_after: Option<std::time::Duration>,
    /// Send paths the linter refuses (for endpoints with unusual paths); each is shown as a warning
    #[arg(long)]
    pub no_lint: bool,
    /// Print one JSON document (shape documented in the README)
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub output: Output,
}

impl From<FreshArgs> for RevalidateArgs {
    fn from(f: FreshArgs) -> RevalidateArgs {
        RevalidateArgs {
            targets: f.targets,
            dry_run: false,
            yes: f.yes,
            verify: true,
            deadline: f.deadline,
            retry_after: f.retry_after,
            every_origin: true,
            purge: true,
            no_lint: f.no_lint,
            output: f.output,
        }
    }
}
