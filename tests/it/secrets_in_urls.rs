//! Secrets written into configured URLs, and credentials typed on the
//! command line: every output masks them — `sites` (and `--json`), the
//! dry runs of `revalidate` and `purge` (text and JSON), `probe`, `config
//! check` — and `config check` warns about each. Through the binary, with
//! canaries that must appear nowhere.

use crate::common;

use common::{CANARY, SECRET_ENV, Scratch, runtime};
use isrctl::sim::{Behaviour, Hostile};

const BYPASS: &str = "BYPASS-c0ffee-canary";
const ORIGIN_TOKEN: &str = "ORIGINTOK-d00d-canary";
const PURGE_KEY: &str = "PURGEKEY-beef-canary";
const PASSWORD: &str = "PASSWORD-f00d-canary";

fn every_canary() -> [&'static str; 5] {
    [CANARY, BYPASS, ORIGIN_TOKEN, PURGE_KEY, PASSWORD]
}

fn assert_masked(what: &str, out: &std::process::Output) {
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    for canary in every_canary() {
        assert!(!text.contains(canary), "{what}: {canary} shown:\n{text}");
        // No piece of it either.
        assert!(
            !text.contains(&canary[..8]),
            "{what}: part of {canary} shown:\n{text}"
        );
    }
}

#[test]
fn secrets_in_configured_urls_are_masked_in_every_output() {
    let rt = runtime();
    let server = rt.block_on(Hostile::start(Behaviour::Revalidated)).unwrap();
    let base = server.url();
    let s = Scratch::new();
    std::fs::write(
        s.config_path(),
        format!(
            r#"[sites.sim]
public_url = "{base}/?x-vercel-protection-bypass={BYPASS}"
origins = ["{base}/?token={ORIGIN_TOKEN}"]
rate_per_second = 0
timeout = "2s"

[sites.sim.secret]
env = "{SECRET_ENV}"

[sites.sim.endpoint]
url = "/api/revalidate?secret={CANARY}"

[sites.sim.purge]
provider = "http"
url = "{base}/purge?key={PURGE_KEY}&url={{url}}"

[[sites.sim.routes]]
path = "/blog/hello"
"#
        ),
    )
    .unwrap();
    let runs: [&[&str]; 9] = [
        &["sites"],
        &["sites", "--json"],
        &["routes", "sim", "--json"],
        &["revalidate", "sim", "--path", "/blog/hello", "--dry-run"],
        &[
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--dry-run",
            "--json",
        ],
        &["purge", "sim", "--path", "/blog/hello", "--dry-run"],
        &[
            "purge",
            "sim",
            "--path",
            "/blog/hello",
            "--dry-run",
            "--json",
        ],
        &["probe", "sim", "--path", "/blog/hello"],
        &["config", "check"],
    ];
    for args in runs {
        let out = s.isrctl().args(args).output().unwrap();
        assert_ne!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert_masked(&format!("{args:?}"), &out);
    }
    let check = s.isrctl().args(["config", "check"]).output().unwrap();
    let warnings = String::from_utf8_lossy(&check.stderr);
    for key in [
        "public_url",
        "origins",
        "endpoint url",
        "url: the purge URL",
    ] {
        assert!(
            warnings.contains(key),
            "config check warns about {key}:\n{warnings}"
        );
    }
    assert!(
        warnings.matches("carries a secret").count() >= 4,
        "{warnings}"
    );
}

#[test]
fn probe_refuses_a_url_with_credentials_and_shows_none() {
    let s = Scratch::new();
    let out = s
        .isrctl()
        .args(["probe", &format!("http://user:{PASSWORD}@127.0.0.1:9/a")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_masked("probe with credentials", &out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("carries credentials"));
}
