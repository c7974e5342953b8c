//! Where `y`'s copy goes, said honestly. OSC 52 asks the terminal to put
//! text on its clipboard, and nothing tells whether it did: tmux drops it
//! unless `set-clipboard` is on, and many terminals ignore it. So the text
//! also goes where it certainly lands — tmux's paste buffer inside tmux,
//! else a file in the state directory — and the message line says both.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the copy is for sure, besides the OSC 52 request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kept {
    /// `tmux load-buffer`: `prefix ]` pastes it.
    TmuxBuffer,
    /// A file that holds the text.
    File(PathBuf),
    /// Nowhere else: why.
    Nowhere(String),
}

/// Where copies are kept when the terminal may drop OSC 52.
pub struct Fallback {
    /// Inside tmux (`$TMUX` set): its paste buffer.
    pub tmux: bool,
    /// The state directory: `clipboard.txt` there.
    pub dir: Option<PathBuf>,
}

impl Fallback {
    /// As the environment says: `$TMUX`, the state directory.
    pub fn from_env() -> Fallback {
        Fallback {
            tmux: std::env::var_os("TMUX").is_some_and(|v| !v.is_empty()),
            dir: crate::model::files::state_dir(),
        }
    }
}

/// Ask the terminal for its clipboard (OSC 52) and keep the text where it
/// certainly lands; the words for the message line.
pub fn copy(text: &str, terminal: &mut impl Write, fallback: &Fallback) -> String {
    let asked = terminal
        .write_all(osc52(text).as_bytes())
        .and_then(|()| terminal.flush())
        .is_ok();
    let kept = keep(text, fallback);
    words(asked, &kept)
}

/// The OSC 52 sequence that asks the terminal to put `text` on its
/// clipboard (also across SSH, where the terminal supports it).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

fn keep(text: &str, fallback: &Fallback) -> Kept {
    if fallback.tmux && tmux_buffer(text).is_ok() {
        return Kept::TmuxBuffer;
    }
    match &fallback.dir {
        Some(dir) => match write_file(dir, text) {
            Ok(file) => Kept::File(file),
            Err(e) => Kept::Nowhere(format!("{}: {e}", dir.display())),
        },
        None => Kept::Nowhere("no state directory".into()),
    }
}

fn tmux_buffer(text: &str) -> std::io::Result<()> {
    let mut child = std::process::Command::new("tmux")
        .args(["load-buffer", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(text.as_bytes())?;
    }
    match child.wait()?.success() {
        true => Ok(()),
        false => Err(std::io::Error::other("tmux load-buffer failed")),
    }
}

fn write_file(dir: &Path, text: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join("clipboard.txt");
    std::fs::write(&file, format!("{text}\n"))?;
    Ok(file)
}

/// What the message line says, the sure place first: never "copied" for
/// what only the terminal was asked to keep.
pub fn words(asked: bool, kept: &Kept) -> String {
    let terminal = match asked {
        true => {
            "the terminal's clipboard was asked too (OSC 52, which tmux and some terminals drop)"
        }
        false => "the terminal could not be asked (OSC 52)",
    };
    match kept {
        Kept::TmuxBuffer => {
            format!("copied to tmux's paste buffer (prefix ] pastes it); {terminal}")
        }
        Kept::File(file) => format!("copied to {}; {terminal}", file.display()),
        Kept::Nowhere(why) if asked => format!(
            "asked the terminal to copy it (OSC 52, which tmux and some terminals drop); not kept elsewhere: {why}"
        ),
        Kept::Nowhere(why) => format!("not copied: no terminal to ask, and {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_in_standard_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52("foobar"), "\x1b]52;c;Zm9vYmFy\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
    }

    #[test]
    fn the_words_name_the_sure_place_first_and_never_claim_the_terminal_kept_it() {
        let file = Kept::File(PathBuf::from("/s/clipboard.txt"));
        assert!(words(true, &file).starts_with("copied to /s/clipboard.txt; "));
        assert!(words(true, &Kept::TmuxBuffer).starts_with("copied to tmux's paste buffer"));
        let nowhere = words(true, &Kept::Nowhere("no state directory".into()));
        assert!(nowhere.starts_with("asked the terminal"), "{nowhere}");
        assert!(!nowhere.contains("copied"), "{nowhere}");
        assert!(words(false, &Kept::Nowhere("x".into())).starts_with("not copied"));
    }

    #[test]
    fn without_tmux_the_copy_is_kept_in_the_state_directory() {
        let dir = std::env::temp_dir().join(format!("isrctl-clip-{}", std::process::id()));
        let fallback = Fallback {
            tmux: false,
            dir: Some(dir.clone()),
        };
        let mut terminal = Vec::new();
        let said = copy("curl -X POST x", &mut terminal, &fallback);
        assert!(String::from_utf8_lossy(&terminal).starts_with("\x1b]52;c;"));
        let kept = std::fs::read_to_string(dir.join("clipboard.txt")).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(kept, "curl -X POST x\n");
        assert!(said.starts_with("copied to "), "{said}");
    }
}
