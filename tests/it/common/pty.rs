//! A program in a real pseudo-terminal, its output parsed as a terminal
//! shows it (vt100), for the tests that need a terminal: the console, the
//! watch's bell.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

/// The running program, its screen and its keyboard.
pub struct Pty<CB: vt100::Callbacks + Send + 'static> {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    pub parser: Arc<Mutex<vt100::Parser<CB>>>,
    pub keys: Box<dyn Write + Send>,
    /// Kept open so the terminal (and its settings) outlive the child.
    pub pair: portable_pty::PtyPair,
}

/// Open a `rows` × `cols` terminal and start `cmd` in it; `callbacks`
/// hear what the screen does not keep (the bell).
pub fn spawn<CB: vt100::Callbacks + Send + 'static>(
    cmd: CommandBuilder,
    (rows, cols): (u16, u16),
    callbacks: CB,
) -> Pty<CB> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let child = pair.slave.spawn_command(cmd).expect("the program starts");
    let size = |n| std::num::NonZeroU16::new(n).unwrap();
    let parser = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
        size(rows),
        size(cols),
        0,
        callbacks,
    )));
    let mut reader = pair.master.try_clone_reader().unwrap();
    let feed = parser.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.lock().unwrap().process(&buf[..n]);
        }
    });
    let keys = pair.master.take_writer().unwrap();
    Pty {
        child,
        parser,
        keys,
        pair,
    }
}

/// The screen's text once it shows `what`, read again and again for up to
/// `patience`; fails the test with the screen when it never does.
pub fn wait_for<CB: vt100::Callbacks>(
    parser: &Mutex<vt100::Parser<CB>>,
    what: &str,
    patience: std::time::Duration,
) -> String {
    let start = std::time::Instant::now();
    loop {
        let text = parser.lock().unwrap().screen().contents();
        if text.contains(what) {
            return text;
        }
        assert!(
            start.elapsed() < patience,
            "never saw {what:?} on screen:\n{text}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
