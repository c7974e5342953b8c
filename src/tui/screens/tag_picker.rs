//! `t`: pick one of the site's tags, or type one; Enter sends it.

use super::{Reply, draw_dialog};
use crate::model::target::Target;
use crate::tui::state::{Modal, State};
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub fn key(state: &mut State, selected: usize, mut input: Input, key: KeyEvent) -> Reply {
    let choices = state.tag_choices(input.value());
    match key.code {
        KeyCode::Esc => Reply::Done,
        KeyCode::Up => reopen_tags(state, selected.saturating_sub(1), input),
        KeyCode::Down => reopen_tags(
            state,
            (selected + 1).min(choices.len().saturating_sub(1)),
            input,
        ),
        KeyCode::Enter => {
            let typed = input.value().trim().to_string();
            let tag = choices.get(selected).cloned().unwrap_or(typed);
            if tag.is_empty() {
                return reopen_tags(state, selected, input);
            }
            Reply::SendTyped(Target::tag(tag))
        }
        _ => {
            input.handle_event(&Event::Key(key));
            reopen_tags(state, 0, input)
        }
    }
}

fn reopen_tags(state: &mut State, selected: usize, input: Input) -> Reply {
    state.modal = Some(Modal::TagPicker { selected, input });
    Reply::Done
}

/// `line` pasted after what was typed.
pub(super) fn paste(state: &mut State, input: Input, line: &str) {
    let input = Input::new(format!("{}{line}", input.value()));
    state.modal = Some(Modal::TagPicker { selected: 0, input });
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, selected: usize, input: &Input) {
    let t = &state.theme;
    let choices = state.tag_choices(input.value());
    let mut lines: Vec<Line> = choices
        .iter()
        .enumerate()
        .take(10)
        .map(|(i, tag)| {
            let style = if i == selected {
                t.selected()
            } else {
                Style::new()
            };
            Line::styled(format!("  {tag}"), style)
        })
        .collect();
    if choices.is_empty() {
        lines.push(Line::styled(
            "  no configured tag matches: enter sends what you typed",
            t.dim(),
        ));
    }
    lines.push(Line::raw(format!("tag: {}", input.value())));
    // What Enter sends, said before it is pressed: the selected tag, which
    // may be longer than what was typed ("post" selects "posts").
    let typed = input.value().trim();
    let sends = choices.get(selected).map_or(typed, String::as_str);
    if !sends.is_empty() {
        let note = match sends == typed {
            true => format!("enter sends {sends:?}"),
            false => format!("enter sends {sends:?} (the selected tag; ↑/↓ to choose)"),
        };
        lines.push(Line::styled(note, t.warning()));
    }
    draw_dialog(state, frame, area, (50, "Revalidate a tag"), lines);
}
