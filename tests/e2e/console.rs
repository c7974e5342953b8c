//! The console on the real testbed, in a real pseudo-terminal (issue 27,
//! item 11): history says a page was fresh everywhere; since then both
//! origins re-rendered it and Varnish kept the old copy. `c` finds the CDN
//! stale now, and the answer at a glance says so — not the older verdict
//! from history that contradicts the checks below it.

use crate::testbed::{Testbed, exclusive};
use portable_pty::CommandBuilder;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A site of one product page: both instances (revalidated on each),
/// Varnish in front (BANs from loopback). Written beside the state. The
/// console does not probe it at start: what `c` finds is what this test
/// reads.
fn config(dir: &Path, tb: &Testbed, path: &str) -> PathBuf {
    let file = dir.join("console.toml");
    let text = format!(
        "[sites.console]\npublic_url = \"{}\"\norigins = [\"{}\", \"{}\"]\ncdn = \"varnish\"\nprobe_on_start = false\n\
         [sites.console.secret]\nenv = \"REVALIDATE_SECRET\"\n\
         [sites.console.endpoint]\npreset = \"app-router\"\neach_origin = true\n\
         [sites.console.purge]\nprovider = \"varnish\"\nmethod = \"BAN\"\n\
         [[sites.console.routes]]\npath = \"{path}\"\n",
        tb.cdn, tb.origins[0], tb.origins[1]
    );
    std::fs::write(&file, text).unwrap();
    file
}

/// `isrctl ARGS` with this state directory (so the console reads its history).
fn isrctl_in(state: &Path, config: &Path, tb: &Testbed, args: &[&str]) -> std::process::Output {
    crate::testbed::isrctl_kept(tb, state, config, args, b"")
}

/// The console in a pseudo-terminal, its screen parsed as a terminal shows it.
struct Console {
    parser: Arc<Mutex<vt100::Parser>>,
    keys: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _pty: portable_pty::PtyPair,
}

impl Console {
    fn start(state: &Path, config: &Path, tb: &Testbed) -> Console {
        let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("isrctl"));
        cmd.arg("--config");
        cmd.arg(config);
        cmd.env_remove("ISRCTL_CONFIG");
        cmd.env("XDG_STATE_HOME", state);
        cmd.env("HOME", state);
        cmd.env("REVALIDATE_SECRET", &tb.secret);
        cmd.env("TERM", "xterm-256color");
        let pty = crate::pty::spawn(cmd, (40, 140), ());
        Console {
            parser: pty.parser,
            keys: pty.keys,
            child: pty.child,
            _pty: pty.pair,
        }
    }

    fn wait_for(&self, what: &str) -> String {
        crate::pty::wait_for(&self.parser, what, Duration::from_secs(30))
    }

    fn press(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).unwrap();
        self.keys.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn the_answer_line_shows_the_stale_cdn_checks_found_not_an_older_verdict() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let state = tempfile::tempdir().unwrap();
    let path = tb.product_at_both_origins("console", "10.00");
    let slug = path.trim_start_matches("/shop/").to_string();
    let config = config(state.path(), &tb, &path);
    // History: the price changed, and `fresh` made the page fresh everywhere.
    tb.fetch(&tb.cdn, &path);
    tb.set_price(&slug, "11.00");
    let out = isrctl_in(
        state.path(),
        &config,
        &tb,
        &["fresh", "console", "--path", &path],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("fresh_everywhere"), "{stdout}");
    assert_eq!(tb.fetch(&tb.cdn, &path).price(), "11.00");
    // Since then the price changed and both origins were revalidated by
    // hand; Varnish kept its copy.
    tb.set_price(&slug, "12.00");
    tb.revalidate_origins_by_hand(&path, "12.00");
    assert_eq!(tb.fetch(&tb.cdn, &path).price(), "11.00", "Varnish is old");

    let mut console = Console::start(state.path(), &config, &tb);
    console.wait_for("fresh_everywhere");
    console.press("c");
    let text = console.wait_for("Checks (done)");
    // The answer at a glance: the first line of the Details pane.
    let answer = text
        .lines()
        .skip_while(|l| !l.contains("Details"))
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(answer.contains('✗'), "a problem: {answer}\n{text}");
    assert!(
        answer.contains("CDN"),
        "the answer names the stale CDN: {answer}\n{text}"
    );
    assert!(!text.contains("✓ fresh_everywhere"), "{text}");
    console.press("q");
}
