//! A progress line on stderr for bulk runs, only when stderr is a terminal.

use std::io::{IsTerminal, Write};

pub struct Progress {
    total: usize,
    done: usize,
    failed: usize,
    enabled: bool,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            done: 0,
            failed: 0,
            enabled: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    pub fn finished(&mut self, ok: bool) {
        self.done += 1;
        if !ok {
            self.failed += 1;
        }
    }

    pub fn show(&self) {
        if self.enabled {
            crate::model::out::stderr_control("\r");
            errout!("[{}/{}] {} failed ", self.done, self.total, self.failed);
            let _ = std::io::stderr().flush();
        }
    }

    pub fn clear(&self) {
        if self.enabled {
            crate::model::out::stderr_control("\r\x1b[2K");
        }
    }
}
