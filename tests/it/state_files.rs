//! The state directory is not trusted: `history.jsonl`, `last.json` and
//! `isrctl.log` replaced by a FIFO, a link to `/dev/zero` or a directory
//! (or a log owned by someone else) make no command hang, fill the memory
//! or panic; each is named in a warning or an error. Through the binary.

use crate::common;

use common::{Scratch, runtime};
use isrctl::sim::{OriginOptions, SimOrigin};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Run to the end, or kill it and fail: "no hang", with a wide margin.
fn bounded(s: &Scratch, args: &[&str]) -> Output {
    let mut child = s
        .std_command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("isrctl {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Bad {
    Fifo,
    DevZero,
    Directory,
}

fn plant(path: &Path, bad: Bad) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    match bad {
        Bad::Fifo => {
            let ok = std::process::Command::new("mkfifo")
                .arg(path)
                .status()
                .unwrap();
            assert!(ok.success());
        }
        Bad::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        Bad::Directory => std::fs::create_dir(path).unwrap(),
    }
}

#[test]
fn a_state_file_that_is_not_a_file_is_named_and_nothing_hangs() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: common::CANARY.to_string(),
            ..OriginOptions::default()
        }))
        .unwrap();
    for name in ["history.jsonl", "last.json", "isrctl.log"] {
        for bad in [Bad::Fifo, Bad::DevZero, Bad::Directory] {
            let s = Scratch::new();
            s.site_config(
                &origin.url(),
                &format!("{}/api/revalidate", origin.url()),
                "",
            );
            let planted = s.state_home().join("isrctl").join(name);
            plant(&planted, bad);
            for args in [
                &["routes", "sim"][..],
                &["history"],
                &["revalidate", "sim", "--path", "/blog/hello"],
            ] {
                let out = bounded(&s, args);
                let stderr = String::from_utf8_lossy(&out.stderr);
                let case = format!("{name} as {bad:?}, isrctl {args:?}:\n{stderr}");
                assert_ne!(out.status.code(), Some(101), "panicked: {case}");
                assert!(out.status.code().is_some(), "killed: {case}");
                let named = stderr.contains(name);
                // The index is rebuilt from history when it cannot be used.
                let quiet_rebuild = name == "last.json";
                assert!(named || quiet_rebuild, "not named: {case}");
                if args[0] == "revalidate" {
                    let stdout = String::from_utf8_lossy(&out.stdout);
                    assert!(
                        stdout.contains("revalidated"),
                        "the work still ran: {case}\n{stdout}"
                    );
                }
            }
        }
    }
}

/// Round three, item 11: a state directory that cannot hold history (a
/// file, a FIFO, `/dev/null`, a symlink loop) lets the revalidation run
/// but says so as an error and exits 1: results that are not recorded
/// must not look recorded.
#[test]
fn an_unusable_state_directory_fails_the_command_that_would_record() {
    let rt = runtime();
    // The origin takes the secret: the exit 1 can only be history's.
    let (s, _origin) = common::canary_site(&rt);
    let file = s.dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let fifo = s.dir.path().join("a-fifo");
    plant(&fifo, Bad::Fifo);
    let looped = s.dir.path().join("loop");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    for dir in [
        file.as_path(),
        fifo.as_path(),
        Path::new("/dev/null"),
        looped.as_path(),
    ] {
        let dir = dir.to_string_lossy();
        let out = bounded(
            &s,
            &[
                "--state-dir",
                &dir,
                "revalidate",
                "sim",
                "--path",
                "/blog/hello",
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{dir}: {out:?}");
        assert!(stderr.contains("will not be recorded"), "{dir}: {stderr}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 revalidated, 0 failed"),
            "{dir}: the work ran and succeeded: {out:?}"
        );
    }
}

/// Round three, item 14: a `last.json` that is a FIFO or a link to
/// `/dev/zero` is only a lost shortcut: `routes` still shows each route's
/// last revalidation, read from history whole, and says why.
#[test]
fn an_index_that_is_not_a_file_is_read_around_not_trusted() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: common::CANARY.to_string(),
            ..OriginOptions::default()
        }))
        .unwrap();
    for bad in [Bad::Fifo, Bad::DevZero] {
        let s = Scratch::new();
        s.site_config(
            &origin.url(),
            &format!("{}/api/revalidate", origin.url()),
            "",
        );
        let out = bounded(&s, &["revalidate", "sim", "--path", "/blog/hello"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let index = s.history_file().with_file_name("last.json");
        let _ = std::fs::remove_file(&index);
        plant(&index, bad);
        let out = bounded(&s, &["routes", "sim"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let row = stdout
            .lines()
            .find(|l| l.starts_with("/blog/hello"))
            .unwrap_or_default();
        assert!(row.contains("revalidated"), "{bad:?}: {stdout}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("last.json"),
            "{bad:?}: {out:?}"
        );
    }
}
