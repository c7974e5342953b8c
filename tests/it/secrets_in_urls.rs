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

/// Round three, item 22: what `check` shows masked is recorded masked. A
/// page that redirects to a URL carrying the site's secret (under a name
/// no mask knows) gets `***` on screen; history, `history` and `history
/// --json` must not hold it either.
#[test]
fn check_records_a_secret_it_found_in_a_redirect_as_masked_as_it_showed_it() {
    let rt = runtime();
    let target = format!("https://elsewhere.example/landing?m={CANARY}&n=1");
    let server = rt
        .block_on(Hostile::start(Behaviour::RedirectTo(target)))
        .unwrap();
    let s = Scratch::new();
    s.site_config(&server.url(), "/api/revalidate", "");
    let out = s
        .isrctl()
        .args(["check", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_masked("check", &out);
    let history = s.read(&s.history_file());
    assert!(
        history.contains("\"action\":\"check\""),
        "a check record: {history}"
    );
    assert!(
        !history.contains(CANARY),
        "the secret in history.jsonl:\n{history}"
    );
    for args in [&["history"][..], &["history", "--json"]] {
        let out = s.isrctl().args(args).output().unwrap();
        assert_masked(&format!("{args:?}"), &out);
    }
}

/// Round three, item 2: a secret holding `&` (or `#`, a space, a quote)
/// is masked whole: the exact-secret mask runs before the `?token=` mask,
/// which would cut it at the `&` and leave the rest shown.
#[test]
fn a_secret_with_an_ampersand_is_masked_whole_not_cut_at_it() {
    const SPLIT: &str = "tok&SPLITSECRET-9a8b7c6d5e4f 'q\"#x";
    let rt = runtime();
    let encoded: String = url::form_urlencoded::byte_serialize(SPLIT.as_bytes()).collect();
    let raw = format!("https://elsewhere.example/?token={SPLIT}");
    let percent = format!("https://elsewhere.example/?token={encoded}");
    for target in [raw, percent] {
        let server = rt
            .block_on(Hostile::start(Behaviour::RedirectTo(target.clone())))
            .unwrap();
        let s = Scratch::new();
        s.site_config(&server.url(), "/api/revalidate", "");
        let out = s
            .isrctl()
            .env(SECRET_ENV, SPLIT)
            .args(["check", "sim", "--path", "/blog/hello"])
            .output()
            .unwrap();
        let shown = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr)
            + &s.read(&s.history_file());
        assert!(
            shown.contains("elsewhere.example"),
            "the redirect is said: {shown}"
        );
        for part in ["SPLITSECRET", "9a8b7c6d5e4f"] {
            assert!(
                !shown.contains(part),
                "{target}: part of the secret shown:\n{shown}"
            );
        }
    }
}

/// Round three, item 4: AWS credentials in the environment are masked in
/// everything isrctl shows or keeps, whether or not this command signs
/// with them: a `--reason` holding them is recorded masked.
#[test]
fn aws_credentials_pasted_into_a_reason_are_masked_without_cloudfront() {
    let s = Scratch::new();
    s.site_config("http://127.0.0.1:1", "/api/revalidate", "");
    let reason = format!("rotated {} and {}", common::AWS_KEY, common::AWS_SECRET);
    let log = "isrctl=debug,info";
    let args = [
        "revalidate",
        "sim",
        "--path",
        "/blog/hello",
        "--reason",
        reason.as_str(),
    ];
    let out = s.run_with_aws(common::AWS_SECRET, log, &args);
    assert_ne!(out.status.code(), Some(2), "{out:?}");
    assert!(
        s.read(&s.history_file()).contains("rotated"),
        "the reason is recorded"
    );
    for args in [&["history"][..], &["history", "--json"]] {
        s.run_with_aws(common::AWS_SECRET, log, args);
    }
}

/// Round three, item 5: a configured secret planted in a history record
/// (by hand, by an older isrctl, by another tool) is masked by `history`
/// and `history --json` as everywhere else.
#[test]
fn history_masks_a_configured_secret_planted_in_a_record() {
    let s = Scratch::new();
    s.site_config("http://127.0.0.1:1", "/api/revalidate", "");
    let dir = s.history_file();
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    let record = format!(
        r#"{{"time":"2026-12-01T10:00:00Z","operator":"x","site":"sim","target":{{"kind":"path","value":"/blog/hello"}},"action":"revalidate","outcome":"revalidated","status":200,"latency_ms":1,"message":"echo {CANARY}","reason":"pasted {CANARY}"}}"#
    );
    std::fs::write(&dir, format!("{record}\n")).unwrap();
    for args in [
        &["history"][..],
        &["history", "--json"],
        &["history", "sim", "--limit", "5"],
    ] {
        let out = s.isrctl().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("revalidated"),
            "{args:?}: {out:?}"
        );
        assert_masked(&format!("{args:?}"), &out);
    }
}
