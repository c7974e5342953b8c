//! Conventions operators rely on, through the binary: a closed stdout
//! (`| head -1`, a failing `jq`) ends a command quietly with its usual
//! status, and `--read-only` refuses everything that would revalidate.

use crate::common;

use common::{Scratch, runtime};
use isrctl::sim::{Behaviour, Hostile};
use std::io::Read;
use std::process::Stdio;

/// Run with stdout closed before the command writes a byte; its exit code
/// and stderr.
fn with_stdout_closed(s: &Scratch, args: &[&str]) -> (Option<i32>, String) {
    let mut child = s
        .std_command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_its_usual_status() {
    let rt = runtime();
    let server = rt.block_on(Hostile::start(Behaviour::Revalidated)).unwrap();
    let s = Scratch::new();
    let endpoint = format!("{}/api/revalidate", server.url());
    s.site_config(&server.url(), &endpoint, "");
    // Some history to print.
    let sent = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/blog/hello"])
        .output()
        .unwrap();
    assert_eq!(sent.status.code(), Some(0), "{sent:?}");

    let cases: [(&[&str], i32); 7] = [
        (&["sites"], 0),
        (&["sites", "--json"], 0),
        (&["routes", "sim"], 0),
        (&["history"], 0),
        (&["history", "--json"], 0),
        (&["config", "check"], 0),
        (&["revalidate", "sim", "--path", "/about", "--json"], 0),
    ];
    for (args, code) in cases {
        let (got, stderr) = with_stdout_closed(&s, args);
        assert_eq!(got, Some(code), "`{}`: {stderr}", args.join(" "));
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "`{}`: {stderr}",
            args.join(" ")
        );
    }
    // A failure keeps its status: the endpoint refuses (401), exit 1.
    let refusing = rt
        .block_on(Hostile::start(Behaviour::Status {
            status: 401,
            body: r#"{"message":"Invalid token"}"#.into(),
            content_type: "application/json".into(),
        }))
        .unwrap();
    s.site_config(
        &server.url(),
        &format!("{}/api/revalidate", refusing.url()),
        "",
    );
    let (code, stderr) = with_stdout_closed(&s, &["revalidate", "sim", "--path", "/about"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn read_only_refuses_everything_that_revalidates_and_sends_nothing() {
    let rt = runtime();
    let server = rt.block_on(Hostile::start(Behaviour::Revalidated)).unwrap();
    let s = Scratch::new();
    let endpoint = format!("{}/api/revalidate", server.url());
    s.site_config(&server.url(), &endpoint, "");

    let refused: [&[&str]; 5] = [
        &["--read-only", "revalidate", "sim", "--path", "/blog/hello"],
        &[
            "revalidate",
            "sim",
            "--tag",
            "posts",
            "--yes",
            "--read-only",
        ],
        &[
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--verify",
            "--read-only",
            "--json",
        ],
        &[
            "check",
            "sim",
            "--path",
            "/blog/hello",
            "--active",
            "--read-only",
        ],
        &["--read-only", "check", "sim", "--active"],
    ];
    for args in refused {
        let output = s.isrctl().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "`{}`: {stderr}",
            args.join(" ")
        );
        assert!(stderr.contains("--read-only"), "{stderr}");
        assert!(stderr.contains("nothing was sent"), "{stderr}");
    }
    assert_eq!(server.requests(), 0, "nothing reached the server");

    // What sends nothing still works under --read-only.
    for args in [
        &["--read-only", "sites"][..],
        &[
            "--read-only",
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--dry-run",
        ][..],
        &["--read-only", "history"][..],
    ] {
        let output = s.isrctl().args(args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "`{}`: {output:?}",
            args.join(" ")
        );
    }
    assert_eq!(server.requests(), 0, "a dry run sends nothing");
}

/// `--deadline 99999h` is not a deadline: refused by the argument parser.
#[test]
fn a_deadline_past_an_hour_is_refused() {
    let s = Scratch::new();
    s.site_config("https://x.example", "/api/revalidate", "");
    let out = s
        .isrctl()
        .args([
            "revalidate",
            "sim",
            "--path",
            "/a",
            "--verify",
            "--deadline",
            "99999h",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("longer than the 1h"), "{stderr}");
}

/// An unknown site is an error everywhere, `history` too, with the name
/// it was probably meant to be; a missing config file is said plainly.
#[test]
fn unknown_sites_and_missing_configs_are_said_plainly() {
    let s = Scratch::new();
    s.site_config("https://x.example", "/api/revalidate", "");
    let out = s.isrctl().args(["history", "sin"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no site named \"sin\""), "{stderr}");
    assert!(stderr.contains("did you mean sim?"), "{stderr}");
    let json = s
        .isrctl()
        .args(["history", "sin", "--json"])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(2), "{json:?}");
    assert!(json.stdout.is_empty(), "no half JSON document: {json:?}");
    let out = s
        .isrctl()
        .args(["revalidate", "sin", "--path", "/a"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean sim?"));

    let out = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .env_remove("ISRCTL_CONFIG")
        .args(["--config", "nosuch.toml", "sites"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot read the config file: it does not exist"),
        "{stderr}"
    );
}

/// Every subcommand, as clap knows it (the help subcommand aside).
fn subcommands() -> Vec<String> {
    use clap::CommandFactory;
    isrctl::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn completions_list_every_subcommand_in_each_shell() {
    let names = subcommands();
    assert!(
        names.contains(&"fresh".to_string()) && names.len() >= 10,
        "{names:?}"
    );
    for shell in ["bash", "zsh", "fish"] {
        let out = assert_cmd::Command::cargo_bin("isrctl")
            .unwrap()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).unwrap();
        for name in &names {
            assert!(
                script.contains(name.as_str()),
                "{shell} completion lacks {name}"
            );
        }
    }
    // bash: the completion function lists the subcommands as words.
    let out = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("complete -F _isrctl"), "{script}");
    assert!(
        script.contains("revalidate check fresh purge"),
        "the subcommand words"
    );
}

#[test]
fn the_man_page_names_every_subcommand_and_has_a_page_for_each() {
    let out = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .arg("man")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let roff = String::from_utf8(out.stdout).unwrap();
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH isrctl 1"),
        "{}",
        &roff[..200.min(roff.len())]
    );
    for name in subcommands().iter().filter(|n| *n != "help") {
        assert!(
            roff.contains(&format!("isrctl\\-{name}(1)")),
            "the list names {name}"
        );
        assert!(
            roff.contains(&format!(".TH isrctl-{name} 1")),
            "a page for {name}"
        );
    }
}

/// `--version` names the commit it was built from and that commit's date
/// (the tests run in a git checkout).
#[test]
fn version_names_the_commit_and_its_date() {
    let out = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let re =
        regex::Regex::new(r"^isrctl \d+\.\d+\.\d+ \([0-9a-f]{7,} \d{4}-\d{2}-\d{2}\)\n$").unwrap();
    assert!(re.is_match(&text), "{text:?}");
}

/// Each subcommand's help lists the flags it uses: `demo`, `completions`
/// and `man` read no config and keep no state, so `--config` and
/// `--state-dir` are not offered there; every other subcommand has them.
#[test]
fn each_help_lists_only_the_flags_its_command_uses() {
    let s = Scratch::new();
    let help = |args: &[&str]| {
        let out = s.isrctl().args(args).arg("--help").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    for quiet in ["demo", "completions", "man"] {
        let text = help(&[quiet]);
        assert!(!text.contains("--config"), "{quiet}:\n{text}");
        assert!(!text.contains("--state-dir"), "{quiet}:\n{text}");
    }
    assert!(!help(&["man"]).contains("--read-only"));
    assert!(
        help(&["demo"]).contains("--read-only"),
        "the demo console sends"
    );
    for busy in ["sites", "revalidate", "history", "init"] {
        assert!(help(&[busy]).contains("--config"), "{busy}");
    }
    let fresh = help(&["fresh"]);
    for not_fresh in ["--verify", "--every-origin", "--purge", "--dry-run"] {
        assert!(!fresh.contains(not_fresh), "fresh --help: {not_fresh}");
    }
}
