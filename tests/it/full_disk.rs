//! A full disk is not a success: output that could not be written and
//! results that could not be recorded make the command fail, and say so.
//! `/dev/full` stands for a full disk under stdout; a file-size limit
//! (`ulimit -f`, SIGXFSZ ignored) makes history writes fail as ENOSPC
//! would. Through the binary.

use crate::common;

use common::{CANARY, Scratch, runtime};
use isrctl::sim::{OriginOptions, SimOrigin};
use std::process::Stdio;

fn to_dev_full(s: &Scratch, args: &[&str]) -> std::process::Output {
    s.std_command()
        .args(args)
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn output_that_cannot_be_written_fails_the_command() {
    let s = Scratch::new();
    s.site_config("https://x.example", "/api/revalidate", "");
    std::fs::create_dir_all(s.history_file().parent().unwrap()).unwrap();
    std::fs::write(
        s.history_file(),
        "{\"time\":\"2026-12-01T00:00:00Z\",\"operator\":\"a@b\",\"site\":\"sim\",\"target\":{\"kind\":\"path\",\"value\":\"/a\"},\"action\":\"revalidate\",\"outcome\":\"revalidated\",\"status\":200,\"latency_ms\":5,\"message\":null}\n",
    )
    .unwrap();
    for args in [
        &["sites"][..],
        &["sites", "--json"],
        &["history"],
        &["history", "--json"],
    ] {
        let out = to_dev_full(&s, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("the output could not be written: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
    // A closed pipe is still quiet and 0 (tests/conventions.rs has more).
    let mut child = s
        .std_command()
        .arg("sites")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn results_that_cannot_be_recorded_fail_the_run_and_are_counted() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: CANARY.to_string(),
            ..OriginOptions::default()
        }))
        .unwrap();
    let s = Scratch::new();
    s.site_config(
        &origin.url(),
        &format!("{}/api/revalidate", origin.url()),
        "",
    );
    // History already past the size limit below: every append fails.
    std::fs::create_dir_all(s.history_file().parent().unwrap()).unwrap();
    std::fs::write(s.history_file(), "\n".repeat(8 * 1024)).unwrap();
    let paths: String = (0..20).map(|i| format!("/blog/p{i}\n")).collect();
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["-c", "trap '' XFSZ; ulimit -f 4; exec \"$@\"", "bash"])
        .arg(assert_cmd::cargo::cargo_bin("isrctl"))
        .args(s.std_command().get_args())
        .args(["revalidate", "sim", "--paths-from", "-", "--yes"]);
    for (k, v) in s.std_command().get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(paths.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.matches("revalidated").count() >= 20,
        "the work ran: {stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("20 result(s) were not recorded in history"),
        "{stderr}"
    );
    let dir = s.history_file().parent().unwrap().to_path_buf();
    assert!(
        !dir.join("last.json.tmp").exists(),
        "no half-written index is left"
    );
}

/// Round three, item 15: a record the disk took only part of is cut off
/// again: no torn line is left at the end of history for every later read
/// to skip with a warning.
#[test]
fn a_record_the_disk_took_part_of_is_cut_off_again() {
    let rt = runtime();
    let (s, _origin) = common::canary_site(&rt);
    // 100 bytes below the 4 KiB limit: the record's first bytes fit.
    std::fs::create_dir_all(s.history_file().parent().unwrap()).unwrap();
    let before = "\n".repeat(4 * 1024 - 100);
    std::fs::write(s.history_file(), &before).unwrap();
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["-c", "trap '' XFSZ; ulimit -f 4; exec \"$@\"", "bash"])
        .arg(assert_cmd::cargo::cargo_bin("isrctl"))
        .args(s.std_command().get_args())
        .args(["revalidate", "sim", "--path", "/blog/hello"]);
    for (k, v) in s.std_command().get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let after = std::fs::read_to_string(s.history_file()).unwrap();
    assert_eq!(
        after.len(),
        before.len(),
        "a torn record was left: {:?}",
        &after[before.len().min(after.len())..]
    );
}
