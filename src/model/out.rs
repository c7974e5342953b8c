//! Writing to stdout and stderr: the one way out for both faces.
//!
//! Everything printed passes through here, so two promises hold for every
//! command: text reaches the terminal with control characters escaped
//! (a server's `ESC ]52;…` is shown, never obeyed), and a closed pipe
//! (`isrctl sites | head -1`, a failing `jq`) ends the output quietly
//! instead of panicking; the command still exits with its usual status.

use crate::model::redact::Redactor;
use crate::model::safe_text;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// Something the command did or printed was lost (a write that failed for
/// another reason than a closed pipe, results not recorded): it must not
/// exit 0.
static INCOMPLETE: AtomicBool = AtomicBool::new(false);
/// Why the output stopped, if a write failed for another reason than a
/// closed pipe (`No space left on device`).
static WRITE_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// The command's work or output is incomplete: its exit is not 0.
pub fn mark_incomplete() {
    INCOMPLETE.store(true, Ordering::Relaxed);
}

/// Whether the command's work or output is incomplete, and why the output
/// failed (if it did).
pub fn incomplete() -> (bool, Option<String>) {
    let why = WRITE_ERROR
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    (INCOMPLETE.load(Ordering::Relaxed), why)
}

/// Every secret known so far (from the config, the environment, or
/// resolved by a session): masked in everything printed, whatever path
/// the text took to get here.
static KNOWN_SECRETS: std::sync::RwLock<Option<Redactor>> = std::sync::RwLock::new(None);

/// Mask `secrets` in everything printed from now on.
pub fn hide<'a>(secrets: impl IntoIterator<Item = &'a str>) {
    let mut known = KNOWN_SECRETS.write().unwrap_or_else(|e| e.into_inner());
    let redactor = known.get_or_insert_with(Redactor::default);
    for secret in secrets {
        redactor.add(secret);
    }
}

/// Text with every secret known so far and credential-like URL parts
/// masked: what may be printed or kept (the operator's own words, such as
/// a `--reason`, may hold a pasted token).
pub fn mask_known_secrets(text: &str) -> String {
    // Each whole secret first: the `?token=` mask ends a value at `&`, `#`
    // or a space, and a secret holding one would be cut there, the rest
    // left for anyone to read.
    let known = KNOWN_SECRETS.read().unwrap_or_else(|e| e.into_inner());
    let text = match known.as_ref() {
        Some(redactor) => redactor.redact(text),
        None => text.to_string(),
    };
    crate::model::redact::mask_url_secrets(&text).into_owned()
}

/// Text as it may be printed: secrets masked, then control characters
/// escaped.
fn shown(text: &str) -> String {
    safe_text::escape_controls(&mask_known_secrets(text)).into_owned()
}
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// `println!` for the command line: escaped, quiet on a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::model::out::stdout(&format!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for the command line.
macro_rules! out {
    ($($arg:tt)*) => { $crate::model::out::stdout(&format!($($arg)*)) };
}

/// `eprintln!` for the command line.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::model::out::stderr(&format!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` for the command line (a prompt).
macro_rules! errout {
    ($($arg:tt)*) => { $crate::model::out::stderr(&format!($($arg)*)) };
}

/// Write `text` to stdout, control characters escaped.
pub fn stdout(text: &str) {
    write_to(&mut std::io::stdout().lock(), &STDOUT_CLOSED, &shown(text));
}

/// A line to stdout whose first part is coloured by `tone` on a terminal
/// (`revalidated` green, `unauthorized` red): each part masked and
/// escaped first, the colour added after, so no text from outside can
/// carry a sequence of its own.
pub fn stdout_toned(word: &str, tone: crate::model::tone::Tone, rest: &str) {
    let line = format!(
        "{}{}",
        crate::model::tone::paint(&shown(word), tone),
        shown(rest)
    );
    write_to(&mut std::io::stdout().lock(), &STDOUT_CLOSED, &line);
}

/// Our own generated text (a completion script, the man page) to stdout
/// as is: it holds tabs and escapes of its own, and nothing from outside.
pub fn stdout_generated(text: &str) {
    write_to(&mut std::io::stdout().lock(), &STDOUT_CLOSED, text);
}

/// Write `text` to stderr, control characters escaped.
pub fn stderr(text: &str) {
    write_to(&mut std::io::stderr().lock(), &STDERR_CLOSED, &shown(text));
}

/// Our own terminal control on stderr (the progress line's `\r` and
/// erase-line), never text from outside.
pub fn stderr_control(sequence: &str) {
    write_to(&mut std::io::stderr().lock(), &STDERR_CLOSED, sequence);
}

fn write_to(stream: &mut impl Write, closed: &AtomicBool, text: &str) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    // A broken pipe means the reader is gone: stop writing, keep working,
    // exit as usual. Any other error (a full disk) stops the writing too,
    // but the command then fails: its output is not all there.
    if let Err(e) = stream
        .write_all(text.as_bytes())
        .and_then(|()| stream.flush())
    {
        closed.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            INCOMPLETE.store(true, Ordering::Relaxed);
            WRITE_ERROR
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(e.to_string());
        }
    }
}
