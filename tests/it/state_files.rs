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
