//! What the command line generates from its own definitions: shell
//! completion scripts and the man page.

use super::{Exit, command};

/// A completion script for `shell`, from the clap definitions.
pub(super) fn completions(shell: clap_complete::Shell) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "isrctl", &mut out);
    Ok(out)
}

/// The man page: the command, its options, and every subcommand with
/// its own options.
pub(super) fn man_page() -> Result<Vec<u8>, String> {
    let mut cli = command();
    cli.build();
    let mut out = Vec::new();
    clap_mangen::Man::new(cli.clone())
        .render(&mut out)
        .map_err(|e| e.to_string())?;
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let page = sub.clone().bin_name(format!("isrctl {}", sub.get_name()));
        clap_mangen::Man::new(page)
            .title(format!("isrctl-{}", sub.get_name()))
            .source(format!("isrctl {}", env!("CARGO_PKG_VERSION")))
            .render(&mut out)
            .map_err(|e| e.to_string())?;
    }
    Ok(out)
}

pub(super) fn print(text: Result<Vec<u8>, String>) -> Exit {
    match text {
        Ok(bytes) => {
            crate::model::out::stdout_generated(&String::from_utf8_lossy(&bytes));
            Exit::Ok
        }
        Err(why) => {
            errln!("error: {why}");
            Exit::Failed
        }
    }
}
