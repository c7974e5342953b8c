//! A progress line on stderr for bulk runs, only when stderr is a terminal.

use std::io::{IsTerminal, Write};

pub struct Progress {
    total: usize,
    done: usize,
    failed: usize,
    enabled: bool,
    started: std::time::Instant,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            done: 0,
            failed: 0,
            enabled: total > 1 && std::io::stderr().is_terminal(),
            started: std::time::Instant::now(),
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// `done` finished so far, none failed (a scan's progress).
    pub fn set_done(&mut self, done: usize) {
        self.done = done;
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
            errout!("{} ", self.line(self.started.elapsed()));
            let _ = std::io::stderr().flush();
        }
    }

    /// `[120/500] 2 failed · 10.0/s · ~38 s left`: the rate so far, and
    /// the time left at that rate.
    fn line(&self, elapsed: std::time::Duration) -> String {
        let mut line = format!("[{}/{}] {} failed", self.done, self.total, self.failed);
        let secs = elapsed.as_secs_f64();
        if self.done > 0 && secs > 0.0 {
            let rate = self.done as f64 / secs;
            let left = (self.total - self.done.min(self.total)) as f64 / rate;
            line.push_str(&format!(
                " · {rate:.1}/s · ~{} left",
                crate::model::text::span(left)
            ));
        }
        line
    }

    pub fn clear(&self) {
        if self.enabled {
            crate::model::out::stderr_control("\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_the_rate_and_the_time_left() {
        let mut p = Progress::new(500);
        for _ in 0..120 {
            p.finished(true);
        }
        p.finished(false);
        p.finished(false);
        let line = p.line(std::time::Duration::from_secs(12));
        assert_eq!(line, "[122/500] 2 failed · 10.2/s · ~37 s left");
        assert_eq!(
            Progress::new(5).line(std::time::Duration::ZERO),
            "[0/5] 0 failed"
        );
    }
}
