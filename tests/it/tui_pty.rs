//! The real binary in a real pseudo-terminal: `isrctl demo`, navigate,
//! revalidate, read the result on screen, quit, and find the terminal
//! back in cooked mode.

use portable_pty::CommandBuilder;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    /// Whether (and how) the program asked the terminal for mouse reports.
    fn mouse_mode(&self) -> vt100::MouseProtocolMode {
        self.parser.lock().unwrap().screen().mouse_protocol_mode()
    }

    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str) -> String {
        crate::common::pty::wait_for(&self.parser, what, Duration::from_secs(20))
    }

    fn row_with(&self, what: &str) -> String {
        self.text()
            .lines()
            .find(|l| l.contains(what))
            .unwrap_or_default()
            .to_string()
    }
}

/// Whether the terminal is in canonical (cooked) mode with echo, read
/// through portable-pty's own termios call (the crate forbids unsafe code,
/// tests included). The flags are read by name from their Debug form, so the
/// test need not name `nix`.
fn cooked(master: &dyn portable_pty::MasterPty) -> bool {
    let termios = master.get_termios().expect("the pty's termios");
    let flags = format!("{:?}", termios.local_flags);
    let words: Vec<&str> = flags.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    words.contains(&"ICANON") && words.contains(&"ECHO")
}

/// Send `signal` (e.g. "TERM") to a process with kill(1).
fn send_signal(pid: u32, signal: &str) -> bool {
    std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .is_ok_and(|s| s.success())
}

/// `isrctl demo` running in a fresh pseudo-terminal, its screen parsed as
/// a terminal would show it.
struct Demo {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    screen: Screen,
    keys: Box<dyn Write + Send>,
    // Kept open so the pty (and its settings) outlive the child.
    _pty: portable_pty::PtyPair,
    _state: tempfile::TempDir,
}

impl Demo {
    fn start(rows: u16, cols: u16) -> Demo {
        let state = tempfile::tempdir().unwrap();
        let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("isrctl"));
        cmd.arg("demo");
        cmd.env("XDG_STATE_HOME", state.path());
        // The demo's own directory goes here, so a test can see it removed.
        cmd.env("TMPDIR", state.path().join("tmp"));
        std::fs::create_dir_all(state.path().join("tmp")).unwrap();
        Demo::in_terminal(cmd, (rows, cols), state)
    }

    /// `cmd` in a fresh pseudo-terminal (which starts in cooked mode).
    fn in_terminal(mut cmd: CommandBuilder, size: (u16, u16), state: tempfile::TempDir) -> Demo {
        cmd.env("TERM", "xterm-256color");
        let pty = crate::common::pty::spawn(cmd, size, ());
        assert!(
            cooked(pty.pair.master.as_ref()),
            "the pty starts in cooked mode"
        );
        Demo {
            child: pty.child,
            screen: Screen { parser: pty.parser },
            keys: pty.keys,
            _pty: pty.pair,
            _state: state,
        }
    }

    fn press(&mut self, text: &str) {
        self.keys.write_all(text.as_bytes()).unwrap();
        self.keys.flush().unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Wait for the process to end; its exit status.
    fn wait_exit(&mut self, why: &str) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the last bytes reach the parser.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{why}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn demo_in_a_real_terminal_revalidates_and_restores_the_terminal() {
    let mut demo = Demo::start(30, 110);
    let screen = &demo.screen;
    screen.wait_for("Routes: healthy");
    assert!(
        !cooked(demo._pty.master.as_ref()),
        "the console runs in raw mode"
    );
    // The frame may still be arriving: wait for the row itself.
    let start = Instant::now();
    while !screen.row_with("/blog/hello").contains("never") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{}",
            screen.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    demo.press("j");
    demo.press("j");
    demo.press("r");
    // The session's first send asks why; the answer goes to history.
    demo.screen.wait_for("why? ");
    demo.press("checking the demo\r");
    let screen = &demo.screen;
    screen.wait_for("revalidated 200");
    let row = screen.row_with("/blog/hello");
    assert!(
        row.contains("just now") && row.contains("revalidated 200"),
        "{row}"
    );
    // The details pane shows the request with the secret masked.
    screen.wait_for("secret=***");

    // A typo asks first and says why; Enter on Cancel sends nothing.
    demo.press(":");
    demo.press("path /blgo/hello\r");
    let screen = &demo.screen;
    screen.wait_for("did you mean /blog/hello?");
    demo.press("\r");
    demo.screen.wait_for("cancelled: nothing sent");
    assert!(!demo.screen.text().contains("/blgo/hello revalidated"));

    // A long paste into the filter (bracketed paste) is text; the next Esc
    // still closes the filter.
    demo.press("/");
    demo.screen.wait_for("Filter routes");
    let paste = format!("\x1b[200~{}\x1b[201~", "zq".repeat(1500));
    demo.press(&paste);
    demo.screen.wait_for("(0/6)");
    demo.press("\x1b");
    demo.screen.wait_for("(6/6)");
    assert!(!demo.screen.text().contains("Filter routes"));

    demo.press("q");
    let status = demo.wait_exit("q did not quit");
    assert!(status.success(), "{status:?}");
    assert!(
        cooked(demo._pty.master.as_ref()),
        "the terminal is back in cooked mode after q"
    );
    // The demo keeps its results to itself: nothing in the user's history.
    let history = demo._state.path().join("isrctl").join("history.jsonl");
    assert!(
        std::fs::read_to_string(&history)
            .unwrap_or_default()
            .is_empty(),
        "demo results went into the real history"
    );
    let parser = demo.screen.parser.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "left the alternate screen"
    );
    assert!(
        !parser.screen().hide_cursor(),
        "the cursor is visible again"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut demo = Demo::start(24, 80);
    demo.screen.wait_for("Routes: healthy");
    assert!(!cooked(demo._pty.master.as_ref()));
    let pid = demo.child.process_id().expect("a pid");
    assert!(send_signal(pid, "TERM"));
    demo.wait_exit("SIGTERM did not end the console");
    assert!(
        cooked(demo._pty.master.as_ref()),
        "the terminal is back in cooked mode after SIGTERM"
    );
    assert!(
        !demo
            .screen
            .parser
            .lock()
            .unwrap()
            .screen()
            .alternate_screen()
    );
}

/// The terminal goes away (its window closed, the ssh connection
/// dropped): the console ends by itself, without a crash. It used to abort
/// (SIGABRT): ratatui reported the failed restore on the dead terminal's
/// stderr, a panic, and again while unwinding. Driven from a Python parent:
/// portable-pty keeps a second descriptor of the master open for its
/// reader, so under it the terminal never goes away.
#[test]
fn a_terminal_that_goes_away_ends_the_console_without_a_crash() {
    const PARENT: &str = r#"
import os, pty, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execv(sys.argv[1], [sys.argv[1], "demo"])
# Read what the console draws for a few seconds, as a terminal would.
deadline = time.time() + 4
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            os.read(fd, 65536)
        except OSError:
            break
os.close(fd)
for _ in range(200):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.05)
else:
    os.kill(pid, signal.SIGKILL)
    print("hung")
    sys.exit(0)
if os.WIFSIGNALED(status):
    print("signal", os.WTERMSIG(status))
else:
    print("exit", os.WEXITSTATUS(status))
"#;
    let state = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(state.path().join("tmp")).unwrap();
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(PARENT)
        .arg(assert_cmd::cargo::cargo_bin("isrctl"))
        .env("XDG_STATE_HOME", state.path())
        .env("TMPDIR", state.path().join("tmp"))
        .output()
        .expect("python3 (CI machines have it)");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("exit"), "the console ended by: {said}");
}

/// `kill -INT` and `kill -QUIT` from outside (a supervisor, `timeout -s
/// INT`): the terminal is restored and the demo's directory removed, as
/// with q, SIGTERM and SIGHUP. In raw mode the keyboard sends neither.
#[test]
fn sigint_and_sigquit_restore_the_terminal_and_clean_up() {
    for signal in ["INT", "QUIT"] {
        let mut demo = Demo::start(24, 80);
        demo.screen.wait_for("Routes: healthy");
        let tmp = demo._state.path().join("tmp");
        assert_eq!(
            std::fs::read_dir(&tmp).unwrap().count(),
            1,
            "the demo made its directory"
        );
        let pid = demo.child.process_id().expect("a pid");
        assert!(send_signal(pid, signal));
        demo.wait_exit(&format!("SIG{signal} did not end the console"));
        assert!(
            cooked(demo._pty.master.as_ref()),
            "cooked mode after SIG{signal}"
        );
        let parser = demo.screen.parser.lock().unwrap();
        assert!(
            !parser.screen().alternate_screen(),
            "SIG{signal}: left the alternate screen"
        );
        assert!(
            !parser.screen().hide_cursor(),
            "SIG{signal}: the cursor is visible again"
        );
        drop(parser);
        assert_eq!(
            std::fs::read_dir(&tmp).unwrap().count(),
            0,
            "SIG{signal}: the demo directory is gone"
        );
    }
}

/// Where `what` first appears on screen: (column, row), zero-based.
fn position_of(screen: &Screen, what: &str) -> (u16, u16) {
    let text = screen.wait_for(what);
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(what))
        .unwrap();
    let byte = line.find(what).unwrap();
    let column = line[..byte].chars().count();
    (column as u16, row as u16)
}

/// An SGR mouse report (what xterm sends with mode 1006): button, one-based
/// column and row, press (M) then release (m); a wheel notch (button 64
/// up, 65 down) is a press alone.
fn click_at(demo: &mut Demo, button: u8, (column, row): (u16, u16)) {
    let (x, y) = (column + 1, row + 1);
    let release = match button {
        64.. => String::new(),
        _ => format!("\x1b[<{button};{x};{y}m"),
    };
    demo.press(&format!("\x1b[<{button};{x};{y}M{release}"));
}

/// The console asks the terminal for the mouse: a click selects a site or
/// a route, the wheel moves the selection, a click on a footer key runs
/// it; after q the terminal reports the mouse no more.
#[test]
fn the_mouse_selects_scrolls_and_runs_footer_keys() {
    let mut demo = Demo::start(30, 110);
    demo.screen.wait_for("Routes: healthy");
    assert_ne!(
        demo.screen.mouse_mode(),
        vt100::MouseProtocolMode::None,
        "the console asked for mouse reports"
    );
    let site = position_of(&demo.screen, "stale-cdn");
    click_at(&mut demo, 0, site);
    demo.screen.wait_for("Routes: stale-cdn");

    let route = position_of(&demo.screen, "/products/1");
    click_at(&mut demo, 0, route);
    demo.screen.wait_for("▶Routes");
    details_show(&demo.screen, "/products/1");
    // The wheel up over the table moves the selection up a row.
    click_at(&mut demo, 64, route);
    details_show(&demo.screen, "/blog/[slug]");
    let help = position_of(&demo.screen, "? help");
    click_at(&mut demo, 0, (help.0 + 1, help.1));
    demo.screen.wait_for("Which key fixes a stale page?");
    demo.press("\x1b");
    demo.press("q");
    let status = demo.wait_exit("q did not quit");
    assert!(status.success(), "{status:?}");
    assert_eq!(
        demo.screen.mouse_mode(),
        vt100::MouseProtocolMode::None,
        "mouse reporting is off again"
    );
}

/// Wait until the details pane is about `path` (the selected route).
fn details_show(screen: &Screen, path: &str) {
    let start = Instant::now();
    while !details_title_path(screen).starts_with(path) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never saw {path} selected:\n{}",
            screen.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The first line inside the details pane: the selected route's path.
fn details_title_path(screen: &Screen) -> String {
    let text = screen.text();
    let mut lines = text.lines().skip_while(|l| !l.contains("Details"));
    lines
        .nth(1)
        .map(|l| l.trim_start_matches('│').trim().to_string())
        .unwrap_or_default()
}

/// Round three, item 9: after a burst of mouse reports (moves and wheel
/// notches, as a trackpad flick sends them) the next keys are not lost:
/// `?` opens help, and Ctrl-C then quits. (crossterm's default event
/// source reads 1 KiB, returns the first event, and waits on an
/// edge-triggered epoll: what was left unread stayed there until the next
/// keystroke. Its `use-dev-tty` source polls level-triggered.)
#[test]
fn keys_after_a_mouse_burst_are_not_lost() {
    let mut demo = Demo::start(30, 110);
    demo.screen.wait_for("Routes: healthy");
    let route = position_of(&demo.screen, "/products/1");
    let (x, y) = (route.0 + 1, route.1 + 1);
    // 400 of each, ~9 KiB: crossterm reads 1 KiB at a time.
    let mut burst = String::new();
    for i in 0..400u16 {
        burst.push_str(&format!("\x1b[<35;{};{y}M", x + i % 20));
        burst.push_str(&format!("\x1b[<{};{x};{y}M", 64 + i % 2));
    }
    demo.keys.write_all(burst.as_bytes()).unwrap();
    demo.keys.write_all(b"?").unwrap();
    demo.keys.flush().unwrap();
    demo.screen.wait_for("Which key fixes a stale page?");
    demo.press("\x1b");
    demo.keys.write_all(b"\x03").unwrap();
    demo.keys.flush().unwrap();
    let status = demo.wait_exit("Ctrl-C after the burst did not quit");
    assert!(status.exit_code() == 130 || status.success(), "{status:?}");
}

/// Trial item 2: quitting the console with a revalidation in flight cuts
/// it off, and says so — exit 130, the cut-off paths in a file, and a
/// resume line with the run's --config, as a bulk run's Ctrl-C does.
#[test]
fn quitting_with_work_in_flight_exits_130_and_names_what_was_cut_off() {
    use crate::common::{CANARY, SECRET_ENV, Scratch, runtime};
    use isrctl::sim::{OriginOptions, SimOrigin};
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: CANARY.to_string(),
            endpoint_delay: Duration::from_secs(5),
            ..Default::default()
        }))
        .unwrap();
    let s = Scratch::new();
    s.site_config(
        &origin.url(),
        &format!("{}/api/revalidate", origin.url()),
        "",
    );
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("isrctl"));
    cmd.args(["--config", s.config_path().to_str().unwrap()]);
    cmd.env("XDG_STATE_HOME", s.state_home());
    cmd.env("HOME", s.dir.path());
    cmd.env(SECRET_ENV, CANARY);
    let mut demo = Demo::in_terminal(cmd, (30, 120), tempfile::tempdir().unwrap());
    demo.screen.wait_for("Routes: sim");
    // r, then Enter at "why?" (no reason): the revalidation is in flight.
    demo.press("r");
    demo.screen.wait_for("why?");
    demo.press("\r");
    let start = Instant::now();
    while origin.endpoint_requests() < 1 {
        assert!(start.elapsed() < Duration::from_secs(10), "nothing sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    demo.press("q");
    let status = demo.wait_exit("q did not quit");
    assert_eq!(status.exit_code(), 130, "{status:?}");
    let said = demo.screen.text();
    assert!(said.contains("1 cut off when the console quit"), "{said}");
    assert!(said.contains("resume: isrctl --config"), "{said}");
    assert!(!said.contains(CANARY), "{said}");
    let file = said
        .split("their paths are in ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no file named: {said}"));
    let listed = std::fs::read_to_string(file).unwrap();
    assert!(listed.lines().any(|l| l == "/blog/hello"), "{listed}");
}
