//! The demo's simulated sites show each case through the real binary.

use crate::common;

use common::{Scratch, json, runtime};

#[test]
fn the_demo_sites_show_healthy_mismatch_and_refused_cases() {
    let rt = runtime();
    let demo = rt.block_on(isrctl::cli::demo::Demo::start()).unwrap();
    let s = Scratch::new();
    std::fs::write(s.config_path(), demo.config_text()).unwrap();

    let check = s.isrctl().args(["config", "check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}");

    let ok = s
        .isrctl()
        .args(["revalidate", "healthy", "--path", "/blog/hello", "--json"])
        .output()
        .unwrap();
    assert_eq!(json(&ok)["results"][0]["outcome"]["kind"], "revalidated");

    let mismatch = s
        .isrctl()
        .args([
            "revalidate",
            "token-mismatch",
            "--path",
            "/blog/hello",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(mismatch.status.code(), Some(1));
    assert_eq!(
        json(&mismatch)["results"][0]["outcome"]["kind"],
        "unauthorized"
    );
    // Neither secret is ever shown.
    for out in [&ok, &mismatch] {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains("d3mo-app-7c41e9") && !all.contains("d3mo-old-9a22f0"),
            "{all}"
        );
    }

    let noop = s
        .isrctl()
        .args(["revalidate", "silent-noop", "--path", "blog/hello"])
        .output()
        .unwrap();
    assert_eq!(noop.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&noop.stdout).contains("did you mean /blog/hello?"));
    assert_eq!(demo.noop.endpoint_requests(), 0);

    // Through the CDN the old page stays: the origin is fresh, the CDN is not.
    let stale = s
        .isrctl()
        .args(["revalidate", "stale-cdn", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_eq!(stale.status.code(), Some(0), "{stale:?}");
}

#[test]
fn print_config_prints_the_config_of_a_running_demo_and_its_sites_answer() {
    let rt = runtime();
    let demo = rt.block_on(isrctl::cli::demo::Demo::start()).unwrap();
    let out = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .args(["demo", "--print-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let config = isrctl::model::config::parse(&text, std::path::Path::new("demo.toml")).unwrap();
    let names: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["healthy", "token-mismatch", "stale-cdn", "silent-noop"]
    );
    // Its ports are served: the printed config revalidates.
    let s = Scratch::new();
    std::fs::write(s.config_path(), &text).unwrap();
    let sent = s
        .isrctl()
        .args(["revalidate", "healthy", "--path", "/about"])
        .output()
        .unwrap();
    assert_eq!(sent.status.code(), Some(0), "{sent:?}");

    // The demo's own history (what its console records) is named on
    // stderr, and `--state-dir` reads it from the command line.
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    let command = said
        .lines()
        .find_map(|l| l.strip_prefix("# its history: isrctl --state-dir "))
        .unwrap_or_else(|| panic!("{said}"));
    let dir = command.strip_suffix(" history").unwrap();
    assert_eq!(std::path::Path::new(dir), demo.dir.join("state"));
    let history = isrctl::history::History::open(std::path::Path::new(dir)).unwrap();
    let record = isrctl::history::Record {
        time: jiff::Timestamp::now(),
        operator: "demo@console".into(),
        site: "healthy".into(),
        target: isrctl::model::target::Target::path("/blog/hello"),
        action: "revalidate".into(),
        outcome: "revalidated".into(),
        status: Some(200),
        latency_ms: Some(2),
        message: None,
        reason: Some("trying the demo".into()),
        secret: None,
    };
    history.append(&record).unwrap();
    let shown = s
        .isrctl()
        .args(["--state-dir", dir, "history"])
        .output()
        .unwrap();
    assert_eq!(shown.status.code(), Some(0), "{shown:?}");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("(trying the demo)"), "{text}");
    drop(demo);
}

#[test]
fn print_config_without_a_running_demo_says_to_start_one() {
    let empty = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .env("TMPDIR", empty.path())
        .args(["demo", "--print-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no config for ports nobody serves");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no demo is running"));
}

#[test]
fn two_demos_keep_their_own_files_and_clean_up() {
    let rt = runtime();
    let one = rt.block_on(isrctl::cli::demo::Demo::start()).unwrap();
    let two = rt.block_on(isrctl::cli::demo::Demo::start()).unwrap();
    assert_ne!(one.dir, two.dir);
    let text = |d: &isrctl::cli::demo::Demo| std::fs::read_to_string(d.config_file()).unwrap();
    assert_eq!(
        text(&one),
        one.config_text(),
        "the second did not overwrite the first"
    );
    assert_eq!(text(&two), two.config_text());
    let dir = one.dir.clone();
    drop(one);
    assert!(!dir.exists(), "a demo removes its directory when it ends");
}
