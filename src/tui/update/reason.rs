//! The reason prompt: before the first send of a session the console asks
//! why (one line, recorded in history with everything sent afterwards).
//! Enter with nothing typed sends without a reason; Esc sends nothing.
//! Asked once: `:reason` changes it later.

use super::*;

type Marks = std::collections::HashSet<(usize, usize)>;

/// Whether `command` sends something (a revalidation or a purge).
fn sends(command: &Command) -> bool {
    matches!(
        command,
        Command::Revalidate { .. }
            | Command::Verify { .. }
            | Command::Fresh { .. }
            | Command::Purge { .. }
    )
}

/// What a key may change that a held send must give back: the activity
/// log's length and (until the prompt has been shown) the marks, which a
/// send clears.
pub(super) struct Before {
    activity: usize,
    marks: Option<Marks>,
}

impl Before {
    pub(super) fn take(state: &State) -> Before {
        Before {
            activity: state.activity.len(),
            // Only before the session's first send: marks can be many.
            marks: (!state.reason_asked).then(|| state.marks.clone()),
        }
    }
}

/// The first send of the session waits for the prompt's answer; until
/// then nothing of it shows as sent (`update` counts work only once it is
/// released, and the activity it wrote is held back).
pub(super) fn ask_first(state: &mut State, commands: Vec<Command>, before: Before) -> Vec<Command> {
    if state.reason_asked || state.modal.is_some() || !commands.iter().any(sends) {
        return commands;
    }
    state.reason_asked = true;
    let said = state.activity.len().saturating_sub(before.activity);
    let held_activity = state.activity.drain(..said).collect();
    state.modal = Some(Modal::Reason {
        input: Input::default(),
        pending: commands,
        activity: held_activity,
        marks: before.marks.unwrap_or_default(),
    });
    Vec::new()
}
