//! Shared by the integration tests: a scratch environment for the binary
//! (config, history and log directory) and a runtime for in-process servers.

pub mod console;
pub mod console_loop;
pub mod pty;
pub mod recorder;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The secret every test uses: unusual enough that finding it anywhere in
/// output is certainly a leak.
pub const CANARY: &str = "CANARY-7f3a9c1e-secret-token";
pub const SECRET_ENV: &str = "ISRCTL_TEST_SECRET";
/// Made-up AWS credentials for the simulated CloudFront: canaries too.
pub const AWS_KEY: &str = "AKIDSIMCANARY0001";
pub const AWS_SECRET: &str = "awsSecret-9d3c2b1a-canary";

pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn state_home(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn history_file(&self) -> PathBuf {
        self.state_home().join("isrctl").join("history.jsonl")
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_home().join("isrctl").join("isrctl.log")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Write a config with one site `sim` whose endpoint is `endpoint_url`.
    pub fn site_config(&self, public_url: &str, endpoint_url: &str, extra: &str) -> PathBuf {
        let text = format!(
            r#"[sites.sim]
public_url = "{public_url}"
rate_per_second = 0
timeout = "2s"
connect_timeout = "1s"
max_retry_after = "5s"
tags = ["posts"]
{extra}

[sites.sim.secret]
env = "{SECRET_ENV}"

[sites.sim.endpoint]
url = "{endpoint_url}"

[[sites.sim.routes]]
path = "/blog/hello"
tags = ["posts"]
"#
        );
        std::fs::write(self.config_path(), text).unwrap();
        self.config_path()
    }

    /// Write a config with one site `sim` at `public` whose
    /// `[sites.sim.purge]` is `purge`, and two routes tagged `posts`.
    pub fn purge_config(&self, public: &str, purge: &str) {
        self.purge_config_with(public, "", purge);
    }

    /// The same, with more keys for the site (`origins = […]`).
    pub fn purge_config_with(&self, public: &str, site_keys: &str, purge: &str) {
        let text = format!(
            r#"[sites.sim]
public_url = "{public}"
{site_keys}
rate_per_second = 0
timeout = "3s"
max_retry_after = "5s"

[sites.sim.secret]
env = "{SECRET_ENV}"

[sites.sim.purge]
{purge}

[[sites.sim.routes]]
path = "/blog/hello"
tags = ["posts"]

[[sites.sim.routes]]
path = "/blog/world"
tags = ["posts"]
"#
        );
        std::fs::write(self.config_path(), text).unwrap();
    }

    /// The binary with AWS credentials (`AWS_KEY` and `secret`) in its
    /// environment and the log at `log`; afterwards neither credential may
    /// be in its output, history or log.
    pub fn run_with_aws(&self, secret: &str, log: &str, args: &[&str]) -> std::process::Output {
        let out = self
            .isrctl()
            .env("ISRCTL_LOG", log)
            .env("AWS_ACCESS_KEY_ID", AWS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env_remove("AWS_SESSION_TOKEN")
            .args(args)
            .output()
            .unwrap();
        self.assert_no_canary(&out);
        for text in [
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
            self.read(&self.history_file()),
            self.read(&self.log_file()),
        ] {
            // Its middle too: a secret cut before it was masked shows part.
            let middle = &secret[secret.len() / 3..secret.len() * 2 / 3];
            assert!(!text.contains(middle), "the AWS secret leaked:\n{text}");
            assert!(!text.contains(AWS_KEY), "the AWS key id leaked:\n{text}");
        }
        out
    }

    /// The binary with this scratch's config, state dir and the canary secret.
    pub fn isrctl(&self) -> Command {
        Command::from_std(self.std_command())
    }

    /// The same, as a plain `std::process::Command` (to spawn and kill).
    pub fn std_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("isrctl"));
        cmd.env_remove("ISRCTL_CONFIG")
            // Our own debug lines too, so the canary checks read every
            // line isrctl can log.
            .env("ISRCTL_LOG", "isrctl=debug,info")
            .env("XDG_STATE_HOME", self.state_home())
            .env("HOME", self.dir.path())
            .env(SECRET_ENV, CANARY)
            .arg("--config")
            .arg(self.config_path());
        cmd
    }

    pub fn read(&self, path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    /// Fail if the canary appears in any output or file the run produced.
    pub fn assert_no_canary(&self, output: &std::process::Output) {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        for (what, text) in [
            ("stdout", stdout.to_string()),
            ("stderr", stderr.to_string()),
            ("history", self.read(&self.history_file())),
            ("log", self.read(&self.log_file())),
        ] {
            assert!(
                !text.contains(CANARY),
                "the secret leaked into {what}:\n{text}"
            );
            assert!(
                !text.contains("7f3a9c1e"),
                "part of the secret leaked into {what}:\n{text}"
            );
        }
    }
}

/// A simulated origin whose endpoint takes the canary secret, and a
/// scratch whose one site `sim` is that origin (public URL and endpoint).
pub fn canary_site(rt: &tokio::runtime::Runtime) -> (Scratch, isrctl::sim::SimOrigin) {
    let options = isrctl::sim::OriginOptions {
        secret: CANARY.to_string(),
        ..Default::default()
    };
    let origin = rt.block_on(isrctl::sim::SimOrigin::start(options)).unwrap();
    let s = Scratch::new();
    s.site_config(
        &origin.url(),
        &format!("{}/api/revalidate", origin.url()),
        "",
    );
    (s, origin)
}

/// A multi-thread runtime that keeps in-process servers running while the
/// test drives the binary synchronously.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}
