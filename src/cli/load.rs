//! Loading the config for a command: its secrets hidden from every output
//! as soon as it is read, or why it cannot be, printed with the fix.

use super::shell_word;
use crate::model::config::{self, Config, LoadError};
use crate::model::exit::Exit;
use std::path::Path;

pub(super) fn with_config(flag: Option<&Path>, f: impl FnOnce(&Config) -> Exit) -> Exit {
    match load_config(flag) {
        Ok(config) => f(&config),
        Err(exit) => exit,
    }
}

/// The console's load: a large config's sites at once, its routes to
/// follow (the console draws its first frame meanwhile).
pub(super) fn load_staged(flag: Option<&Path>) -> Result<config::Staged, Exit> {
    loaded(flag, config::load_staged, config::Staged::sites)
}

/// Load the config or print why not; config warnings go to stderr.
pub(super) fn load_config(flag: Option<&Path>) -> Result<Config, Exit> {
    loaded(flag, config::load, |config| config)
}

/// Loaded by `load`, its secrets hidden from every output from now on;
/// or why not, printed.
fn loaded<T>(
    flag: Option<&Path>,
    load: fn(&Path) -> Result<T, LoadError>,
    sites: fn(&T) -> &Config,
) -> Result<T, Exit> {
    match config::locate(flag).and_then(|file| load(&file)) {
        Ok(loaded) => {
            let secrets = sites(&loaded).peek_secrets();
            crate::model::out::hide(secrets.iter().map(String::as_str));
            Ok(loaded)
        }
        Err(e) => {
            print_load_error(&e);
            Err(Exit::Usage)
        }
    }
}

pub(super) fn print_load_error(e: &LoadError) {
    match e {
        LoadError::Invalid(_) => errln!("{e}"),
        LoadError::Io { file, .. } if !file.exists() => errln!(
            "error: {e}\n  fix: write one with `isrctl init https://your.site --config {}`",
            shell_word(&file.to_string_lossy())
        ),
        _ => errln!("error: {e}"),
    }
}
