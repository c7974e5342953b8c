//! The reason prompt: before the first send of a session the console asks
//! why (one line, recorded in history with everything sent afterwards).
//! Enter with nothing typed sends without a reason; Esc sends nothing.
//! Asked once: `:reason` changes it later.

use super::*;

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

/// The first send of the session waits for the prompt's answer.
pub(super) fn ask_first(state: &mut State, commands: Vec<Command>) -> Vec<Command> {
    if state.reason_asked || state.modal.is_some() || !commands.iter().any(sends) {
        return commands;
    }
    state.reason_asked = true;
    state.modal = Some(Modal::Reason {
        input: Input::default(),
        pending: commands,
    });
    Vec::new()
}

pub(super) fn key(
    state: &mut State,
    mut input: Input,
    pending: Vec<Command>,
    key: KeyEvent,
) -> Vec<Command> {
    match key.code {
        KeyCode::Enter => {
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
            take_back(state, &pending);
            state.say(Level::Info, "cancelled: nothing sent");
            Vec::new()
        }
        _ => {
            input.handle_event(&Event::Key(key));
            state.modal = Some(Modal::Reason { input, pending });
            Vec::new()
        }
    }
}

/// Undo what preparing the sends counted: nothing went out.
fn take_back(state: &mut State, pending: &[Command]) {
    for command in pending {
        let (site, targets): (usize, Vec<Target>) = match command {
            Command::Revalidate { site, targets }
            | Command::Verify { site, targets }
            | Command::Fresh { site, targets } => {
                (*site, targets.iter().map(|p| p.target.clone()).collect())
            }
            Command::Purge { items, .. } => {
                state.in_flight = state.in_flight.saturating_sub(items.len());
                continue;
            }
            _ => continue,
        };
        let name = state.site_name(site);
        state.in_flight = state.in_flight.saturating_sub(targets.len());
        for target in targets {
            state.pending.remove(&(name.clone(), target));
        }
    }
}
