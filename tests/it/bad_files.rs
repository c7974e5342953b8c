//! Files that are not what they claim, through the binary: a config or
//! secret file that is a device, a FIFO or a directory, an empty or
//! missing secret file, a secret command that floods its pipe. Each is a
//! clear error (a warning at `config check`), never a hang, a panic or
//! gigabytes read. The tests bound time only to prove "no hang", widely.

use crate::common;

use common::{Scratch, runtime};
use isrctl::sim::{Behaviour, Hostile};
use std::path::Path;
use std::time::{Duration, Instant};

fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo is part of coreutils");
    assert!(status.success());
}

fn config_with_secret(s: &Scratch, endpoint: &str, secret: &str) {
    let text = format!(
        r#"[sites.sim]
public_url = "{endpoint}"
rate_per_second = 0
timeout = "2s"

[sites.sim.secret]
{secret}
"#
    );
    std::fs::write(s.config_path(), text).unwrap();
}

#[test]
fn a_config_that_is_a_device_a_fifo_or_a_directory_is_refused_at_once() {
    let s = Scratch::new();
    let pipe = s.dir.path().join("config.fifo");
    fifo(&pipe);
    let started = Instant::now();
    for file in [Path::new("/dev/zero"), pipe.as_path(), s.dir.path()] {
        let output = assert_cmd::Command::cargo_bin("isrctl")
            .unwrap()
            .env("XDG_STATE_HOME", s.state_home())
            .arg("--config")
            .arg(file)
            .args(["config", "check"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            file.display()
        );
        assert!(
            stderr.contains("not a regular file") || stderr.contains("is a directory"),
            "{stderr}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(20), "no hang");
}

#[test]
fn bad_secret_files_warn_at_config_check_and_fail_clearly_at_send() {
    let rt = runtime();
    let server = rt.block_on(Hostile::start(Behaviour::Revalidated)).unwrap();
    let s = Scratch::new();
    let empty = s.dir.path().join("empty.secret");
    std::fs::write(&empty, "").unwrap();
    let pipe = s.dir.path().join("secret.fifo");
    fifo(&pipe);
    let cases = [
        ("/dev/zero".to_string(), "not a regular file"),
        (pipe.display().to_string(), "not a regular file"),
        (s.dir.path().display().to_string(), "is a directory"),
        (
            s.dir.path().join("missing").display().to_string(),
            "no such file",
        ),
        (empty.display().to_string(), "is empty"),
    ];
    let started = Instant::now();
    for (file, words) in cases {
        config_with_secret(&s, &server.url(), &format!("file = \"{file}\""));
        let check = s.isrctl().args(["config", "check"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&check.stderr);
        let stdout = String::from_utf8_lossy(&check.stdout);
        assert_eq!(check.status.code(), Some(0), "{file}: {stderr}");
        assert!(
            stderr.contains("warning:"),
            "{file}: config check warns: {stderr}"
        );
        assert!(stdout.contains("1 warning(s)"), "{file}: {stdout}");

        let send = s
            .isrctl()
            .args(["revalidate", "sim", "--path", "/about"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&send.stderr);
        assert_eq!(send.status.code(), Some(2), "{file}: {send:?}");
        assert!(
            stderr.contains(words),
            "{file}: expected {words:?} in {stderr}"
        );
    }
    assert_eq!(server.requests(), 0, "nothing is sent without a secret");
    assert!(started.elapsed() < Duration::from_secs(60), "no hang");
}

#[test]
fn a_secret_command_that_floods_its_pipe_does_not_stall() {
    let s = Scratch::new();
    let rt = runtime();
    let server = rt.block_on(Hostile::start(Behaviour::Revalidated)).unwrap();
    // 200 KiB on stderr, then fail: the message is its first line, cut.
    config_with_secret(
        &s,
        &server.url(),
        r#"command = ["sh", "-c", "head -c 204800 /dev/zero | tr '\\0' 'e' >&2; exit 3"]"#,
    );
    let started = Instant::now();
    let output = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/about"])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the pipe is drained while the command runs (the timeout is 10 s)"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("exit status: 3"), "{stderr}");
    assert!(
        stderr.len() < 2000,
        "the message is cut: {} bytes",
        stderr.len()
    );

    // 200 KiB on stdout, success: not a secret.
    config_with_secret(
        &s,
        &server.url(),
        r#"command = ["sh", "-c", "head -c 204800 /dev/zero | tr '\\0' 's'"]"#,
    );
    let started = Instant::now();
    let output = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/about"])
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("more than 65536 bytes"), "{stderr}");
    assert!(!stderr.contains("sss"), "stdout is never shown: {stderr}");
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_short_secret_is_a_config_check_warning() {
    let s = Scratch::new();
    config_with_secret(&s, "http://127.0.0.1:9", "value = \"x\"");
    let output = s.isrctl().args(["config", "check"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("the secret is shorter than 8 characters"),
        "{stderr}"
    );
}

/// `yes /a | isrctl revalidate … --paths-from -` and `< /dev/zero`: stdin
/// is capped like a file; the run is refused (exit 2) before anything is
/// sent, instead of growing until the machine runs out of memory.
#[test]
fn endless_stdin_for_paths_from_is_refused_before_anything_is_sent() {
    use std::io::Write;
    let s = Scratch::new();
    // Nothing listens on port 9: a request sent would be a connection_failed
    // result and exit 1, not 2.
    config_with_secret(&s, "http://127.0.0.1:9", "value = \"x\"");
    let endless: [Box<dyn Fn() -> std::process::Stdio>; 2] = [
        Box::new(std::process::Stdio::piped),
        Box::new(|| std::fs::File::open("/dev/zero").unwrap().into()),
    ];
    for stdin in endless {
        let started = Instant::now();
        let mut child = s
            .std_command()
            .args(["revalidate", "sim", "--paths-from", "-", "--yes"])
            .stdin(stdin())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(mut pipe) = child.stdin.take() {
            // `yes /a`: until isrctl stops reading.
            std::thread::spawn(move || {
                let chunk = "/a\n".repeat(4096);
                while pipe.write_all(chunk.as_bytes()).is_ok() {}
            });
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("--paths-from -: more than 64 MiB"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty(), "nothing is sent or printed");
        assert!(started.elapsed() < Duration::from_secs(120), "no hang");
    }
}

/// A failing secret command may print the secret (or another site's
/// token) on stderr: the message names its status and how much it said,
/// never the text.
#[test]
fn a_failing_secret_commands_stderr_is_not_shown() {
    let s = Scratch::new();
    config_with_secret(
        &s,
        "http://127.0.0.1:9",
        // The values are built at run time: the config's own words (shown
        // as the secret's source) do not contain them.
        r#"command = ['sh', '-c', 't=$(printf "LEAK-%s" 4411); printf %s "$t"; echo "no session: $t other-site-$(printf "TOKEN-%s" 9922)" >&2; exit 4']"#,
    );
    for args in [
        &["revalidate", "sim", "--path", "/about"][..],
        &["check", "sim"],
        &["config", "check"],
    ] {
        let output = s.isrctl().args(args).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).to_string()
            + &String::from_utf8_lossy(&output.stderr)
            + &s.read(&s.history_file())
            + &s.read(&s.log_file());
        assert!(!text.contains("LEAK-4411"), "{args:?}: {text}");
        assert!(!text.contains("TOKEN-9922"), "{args:?}: {text}");
        if args[0] == "revalidate" {
            assert!(text.contains("exit status: 4"), "{text}");
            assert!(text.contains("bytes on stderr"), "{text}");
        }
    }
}

/// A secret command that times out is ended with everything it started:
/// `sh -c "sleep … & …"` leaves no `sleep` behind.
#[test]
fn a_secret_command_that_times_out_leaves_no_process_behind() {
    let s = Scratch::new();
    let mark = format!("isrctl-orphan-{}", std::process::id());
    // `exec -a` names the sleeps so this test finds exactly its own.
    config_with_secret(
        &s,
        "http://127.0.0.1:9",
        &format!(
            r#"command = ["bash", "-c", "(exec -a {mark} sleep 1000) & echo x; exec -a {mark} sleep 1000"]"#
        ),
    );
    let started = Instant::now();
    let output = s
        .isrctl()
        .args(["revalidate", "sim", "--path", "/about"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no answer within 10s"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(60), "no hang");
    std::thread::sleep(Duration::from_millis(300));
    let left = std::process::Command::new("pgrep")
        .args(["-f", &mark])
        .output()
        .unwrap();
    let pids = String::from_utf8_lossy(&left.stdout);
    assert!(pids.trim().is_empty(), "left running: {pids}");
}
