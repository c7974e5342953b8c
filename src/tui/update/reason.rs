//! The reason prompt: before the first send of a session the console asks
//! why (one line, recorded in history with everything sent afterwards).
//! Enter with nothing typed sends without a reason; Esc sends nothing.
//! Asked once: `:reason` changes it later.

use super::*;
use crate::tui::state::Activity;

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

pub(super) fn key(
    state: &mut State,
    (mut input, pending, activity, marks): (Input, Vec<Command>, Vec<Activity>, Marks),
    key: KeyEvent,
) -> Vec<Command> {
    match key.code {
        KeyCode::Enter => {
            for entry in activity.into_iter().rev() {
                state.activity.push_front(entry);
            }
            let why = input.value().trim().to_string();
            let mut commands = Vec::new();
            if !why.is_empty() {
                state.say(Level::Info, format!("reason recorded: {why}"));
                commands.push(Command::SetReason(Some(why)));
            }
            commands.extend(pending);
            commands
        }
        KeyCode::Esc => {
            // Nothing sent: the marks the send cleared are back.
            state.marks.extend(marks);
            state.say(Level::Info, "cancelled: nothing sent");
            Vec::new()
        }
        _ => {
            input.handle_event(&Event::Key(key));
            state.modal = Some(Modal::Reason {
                input,
                pending,
                activity,
                marks,
            });
            Vec::new()
        }
    }
}
