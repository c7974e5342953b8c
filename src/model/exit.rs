//! Exit codes, as documented in the README ("Exit codes"): what every face
//! returns to the shell.

use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// All good.
    Ok = 0,
    /// Some target failed or was refused; a check found a problem.
    Failed = 1,
    /// Usage or config error: nothing was sent.
    Usage = 2,
    /// Ctrl-C ended the run before every target was sent (128 + SIGINT,
    /// as shells report it).
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}
