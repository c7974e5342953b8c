//! The message line: what the last action said, until it is seen.

use super::{Level, State};

/// How long an informational message stays on the message line.
pub const MESSAGE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(5);

impl State {
    /// Put a message on the message line.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some((level, text.into()));
        self.status_since = self.now;
    }

    /// An informational message ends with the next action; a problem
    /// stays until acknowledged (Esc).
    pub fn message_seen(&mut self) {
        if self
            .status
            .as_ref()
            .is_some_and(|(level, _)| *level != Level::Problem)
        {
            self.status = None;
        }
    }

    /// An informational message older than [`MESSAGE_LIFETIME`] goes.
    pub fn expire_message(&mut self) {
        let age = self.now.duration_since(self.status_since);
        let old = age.unsigned_abs() >= MESSAGE_LIFETIME;
        if old {
            self.message_seen();
        }
    }
}
