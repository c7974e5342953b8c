//! Where a site's revalidation secret comes from, and the secret itself.
//!
//! The value is held in a `SecretString` and only exposed at the moment a
//! request is built. Everything a person sees is `describe()` (the source)
//! and `fingerprint()` (length and a short hash), never the value.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Largest secret file read (a secret is a line, not a document).
pub const SECRET_FILE_CAP: u64 = 64 * 1024;

/// How long a secret command (a password manager) may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub enum SecretSource {
    /// An environment variable's name.
    Env(String),
    /// A file whose content (trailing whitespace trimmed) is the secret.
    File(PathBuf),
    /// A program and its arguments whose stdout is the secret.
    Command(Vec<String>),
    /// Written in the config file: allowed, with a warning.
    Plain(SecretString),
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum SecretError {
    #[error("environment variable {0} is not set: export it, or change the site's secret source")]
    EnvUnset(String),
    #[error("{0} is empty: the endpoint would refuse every request")]
    Empty(String),
    #[error("cannot read secret file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("secret command `{program}` failed: {reason}")]
    Command { program: String, reason: String },
}

/// The credentials of the environment's standard places that isrctl may
/// use (AWS's, for CloudFront): each to be masked wherever text is shown
/// or kept, from the start of a run.
pub fn ambient_secrets() -> Vec<String> {
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ]
    .into_iter()
    .filter_map(|name| std::env::var(name).ok())
    // A short value would mask ordinary words.
    .filter(|value| value.len() >= 8)
    .collect()
}

impl SecretSource {
    /// Where the secret comes from, safe to show.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Env(name) => format!("env {name}"),
            SecretSource::File(path) => format!("file {}", path.display()),
            SecretSource::Command(argv) => format!("command `{}`", argv.join(" ")),
            SecretSource::Plain(_) => "plain text in the config file".to_string(),
        }
    }

    /// The environment variable a shown curl command can refer to.
    pub fn env_name(&self) -> Option<&str> {
        match self {
            SecretSource::Env(name) => Some(name),
            _ => None,
        }
    }

    /// The secret, when reading it runs nothing and asks nobody: written
    /// in the config, or in the environment. Every output masks these
    /// even where no work resolved them (a URL in the config may carry one).
    pub fn peek(&self) -> Option<String> {
        match self {
            SecretSource::Env(name) => std::env::var(name).ok(),
            SecretSource::Plain(value) => Some(value.expose_secret().to_string()),
            SecretSource::File(_) | SecretSource::Command(_) => None,
        }
        .filter(|v| !v.trim().is_empty())
    }

    pub fn resolve(&self) -> Result<Secret, SecretError> {
        let value = match self {
            SecretSource::Env(name) => {
                std::env::var(name).map_err(|_| SecretError::EnvUnset(name.clone()))?
            }
            SecretSource::File(path) => {
                let fail = |reason: String| SecretError::File {
                    path: path.display().to_string(),
                    reason,
                };
                let bytes = crate::model::files::read_regular(path, SECRET_FILE_CAP)
                    .map_err(|why| fail(format!("it {why}")))?;
                String::from_utf8(bytes)
                    .map_err(|_| fail("it is not UTF-8 text".into()))?
                    .trim_end()
                    .to_string()
            }
            SecretSource::Command(argv) => run_secret_command(argv)?,
            SecretSource::Plain(value) => value.expose_secret().to_string(),
        };
        if value.is_empty() {
            return Err(SecretError::Empty(self.describe()));
        }
        Ok(Secret {
            value: SecretString::from(value),
            source: self.describe(),
        })
    }
}

fn run_secret_command(argv: &[String]) -> Result<String, SecretError> {
    let program = argv.first().cloned().unwrap_or_default();
    let fail = |reason: String| SecretError::Command {
        program: crate::model::safe_text::one_line(&program).into_owned(),
        reason,
    };
    // Its own process group, so a timeout ends what it started too
    // (`sh -c "helper & …"` would otherwise leave the helper running).
    let mut child = Command::new(&program)
        .args(&argv[1.min(argv.len())..])
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    // Both pipes are drained while the command runs: a command that writes
    // more than a pipe holds (64 KiB) would otherwise block until killed.
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let deadline = std::time::Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Ok(None) => {
                kill_group(child.id());
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "no answer within {}s",
                    COMMAND_TIMEOUT.as_secs()
                )));
            }
            Err(e) => return Err(fail(e.to_string())),
        }
    };
    let stdout = stdout.map(collect).unwrap_or_default();
    let stderr = stderr.map(collect).unwrap_or_default();
    if !status.success() {
        // Only the status and how much it said: a failing helper may print
        // the secret, or another site's token, on stderr as on stdout, and
        // no redactor here knows every secret it could print.
        let said = match stderr.len() {
            0 => String::new(),
            n => format!(
                ", {n} bytes on stderr (not shown: they may hold a secret; run `{}` to read them)",
                crate::model::safe_text::one_line(&program)
            ),
        };
        return Err(fail(format!("{status}{said}")));
    }
    if stdout.len() as u64 > SECRET_FILE_CAP {
        return Err(fail(format!(
            "it printed more than {SECRET_FILE_CAP} bytes: a secret is one line"
        )));
    }
    Ok(String::from_utf8_lossy(&stdout).trim_end().to_string())
}

/// SIGKILL to every process of the group `pgid` (the command and what it
/// started), through `kill(1)`: this crate forbids `unsafe`, so no libc.
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Read a pipe to its end on a thread, keeping at most one byte more than
/// a secret file may hold (the rest is read and dropped).
fn drain(mut pipe: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut pipe, SECRET_FILE_CAP + 1),
            &mut kept,
        );
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        let _ = tx.send(kept);
    });
    rx
}

/// What a drained pipe held; nothing if a grandchild keeps it open.
fn collect(rx: std::sync::mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
    rx.recv_timeout(Duration::from_secs(1)).unwrap_or_default()
}

/// A resolved secret. Debug prints only the source.
#[derive(Clone)]
pub struct Secret {
    value: SecretString,
    source: String,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.source)
    }
}

impl Secret {
    pub fn new(value: impl Into<String>, source: impl Into<String>) -> Self {
        Secret {
            value: SecretString::from(value.into()),
            source: source.into(),
        }
    }

    /// The value, for building a request or a redactor. Never print it.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// e.g. `env BLOG_TOKEN · 32 chars · sha256 3f9a…`: enough to compare
    /// with the app's value without revealing it.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.expose().as_bytes());
        let short: String = digest.iter().take(2).map(|b| format!("{b:02x}")).collect();
        format!(
            "{} · {} chars · sha256 {short}…",
            self.source,
            self.expose().chars().count()
        )
    }
}
