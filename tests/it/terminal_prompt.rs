//! `revalidate --paths-from FILE` at a terminal: the paths come from the
//! file, so stdin is free to answer the confirmation prompt (it used to
//! refuse with "no terminal to confirm at").

use crate::common;

use common::{CANARY, SECRET_ENV, Scratch, runtime};
use isrctl::sim::{Behaviour, Hostile};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn wait_for(output: &Mutex<Vec<u8>>, what: &str) -> String {
    let start = Instant::now();
    loop {
        let text = String::from_utf8_lossy(&output.lock().unwrap()).to_string();
        if text.contains(what) {
            return text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never saw {what:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A pseudo-terminal `cols` wide, and the binary to start in it with the
/// scratch's state directory and the canary secret.
fn isrctl_in_a_pty(s: &Scratch, cols: u16) -> (portable_pty::PtyPair, CommandBuilder) {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("isrctl"));
    cmd.env("XDG_STATE_HOME", s.state_home());
    cmd.env(SECRET_ENV, CANARY);
    (pty, cmd)
}

/// A server that answers every revalidation, and a config for it.
fn revalidating_site(rt: &tokio::runtime::Runtime) -> (Hostile, Scratch) {
    let server = rt.block_on(Hostile::start(Behaviour::Revalidated)).unwrap();
    let s = Scratch::new();
    s.site_config(
        &server.url(),
        &format!("{}/api/revalidate", server.url()),
        "",
    );
    (server, s)
}

#[test]
fn paths_from_a_file_are_confirmed_at_the_terminal() {
    let rt = runtime();
    let (server, s) = revalidating_site(&rt);
    let paths = s.dir.path().join("paths.txt");
    std::fs::write(&paths, "/blog/hello\n/about\n").unwrap();

    let (pty, mut cmd) = isrctl_in_a_pty(&s, 100);
    cmd.args(["--config", s.config_path().to_str().unwrap()]);
    cmd.args(["revalidate", "sim", "--paths-from", paths.to_str().unwrap()]);
    let mut child = pty.slave.spawn_command(cmd).expect("start isrctl");
    let output = Arc::new(Mutex::new(Vec::new()));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let sink = output.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    wait_for(&output, "Send 2 revalidations to sim? [y/N]");
    assert_eq!(server.requests(), 0, "nothing before the answer");
    let mut keys = pty.master.take_writer().unwrap();
    keys.write_all(b"y\r").unwrap();
    keys.flush().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = wait_for(&output, "/about");
    assert!(status.success(), "{status:?}: {text}");
    assert_eq!(server.requests(), 2, "{text}");
    assert!(!text.contains(CANARY));
}

/// Run `isrctl ARGS` in a pseudo-terminal with `env`; everything it wrote.
fn at_a_terminal(s: &Scratch, args: &[&str], env: &[(&str, &str)]) -> String {
    let (pty, mut cmd) = isrctl_in_a_pty(s, 120);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NO_COLOR");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.args(["--config", s.config_path().to_str().unwrap()]);
    cmd.args(args);
    let mut child = pty.slave.spawn_command(cmd).expect("start isrctl");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut output = Vec::new();
    let _ = reader.read_to_end(&mut output);
    child.wait().unwrap();
    String::from_utf8_lossy(&output).to_string()
}

/// On a terminal the outcome word is in colour (red for a failure, green
/// for success); with NO_COLOR, or in a pipe, there is no colour at all.
#[test]
fn outcomes_are_coloured_at_a_terminal_only() {
    let rt = runtime();
    let (_server, s) = revalidating_site(&rt);
    let args = ["revalidate", "sim", "--path", "/blog/hello"];
    let coloured = at_a_terminal(&s, &args, &[]);
    assert!(
        coloured.contains("\x1b[32mrevalidated"),
        "green at a terminal: {coloured:?}"
    );
    assert!(!coloured.contains(CANARY));
    let plain = at_a_terminal(&s, &args, &[("NO_COLOR", "1")]);
    assert!(plain.contains("revalidated"), "{plain:?}");
    assert!(!plain.contains("\x1b[3"), "NO_COLOR: {plain:?}");
    let piped = s.isrctl().args(args).output().unwrap();
    let text = String::from_utf8_lossy(&piped.stdout);
    assert!(
        text.contains("revalidated") && !text.contains('\x1b'),
        "{text:?}"
    );

    // A failure is red.
    let down = Scratch::new();
    down.site_config(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/api/revalidate",
        "",
    );
    let failed = at_a_terminal(&down, &args, &[]);
    assert!(failed.contains("\x1b[31mconnection_failed"), "{failed:?}");
}
