//! What a stop (Esc with work in flight) cut short, counted until the last
//! piece of work ends and then said in one line: "2 not sent, 3
//! verifications stopped" — never a result "just now" for what was not
//! sent, nor a verdict for a watch that was cut short.

use super::{Level, State};

/// Counted since the stop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stopping {
    pub not_sent: usize,
    pub stopped: usize,
}

impl State {
    /// Esc stopped the work in flight: count what it cuts short from now.
    pub fn start_stopping(&mut self) {
        self.stopping.get_or_insert_with(Stopping::default);
    }

    pub fn count_not_sent(&mut self) {
        if let Some(s) = self.stopping.as_mut() {
            s.not_sent += 1;
        }
    }

    pub fn count_stopped(&mut self) {
        if let Some(s) = self.stopping.as_mut() {
            s.stopped += 1;
        }
    }

    /// When the last work has ended: say what the stop cut short.
    pub fn settle_stopping(&mut self) {
        if self.in_flight > 0 {
            return;
        }
        let Some(s) = self.stopping.take() else {
            return;
        };
        let text = format!(
            "stopped: {} not sent, {} verification(s) stopped before a verdict",
            s.not_sent, s.stopped
        );
        self.say(Level::Info, text.clone());
        self.push_activity(Level::Info, text);
    }
}
