//! The why? prompt, before the session's first send: Enter sends (with the
//! reason, if one was typed), Esc sends nothing and gives the marks back.

use super::{Reply, modal_block};
use crate::tui::message::Command;
use crate::tui::state::{Activity, Level, Modal, State};
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

type Marks = std::collections::HashSet<(usize, usize)>;

pub fn key(
    state: &mut State,
    (mut input, pending, activity, marks): (Input, Vec<Command>, Vec<Activity>, Marks),
    key: KeyEvent,
) -> Reply {
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
            Reply::Commands(commands)
        }
        KeyCode::Esc => {
            // Nothing sent: the marks the send cleared are back.
            state.marks.extend(marks);
            state.say(Level::Info, "cancelled: nothing sent");
            Reply::Done
        }
        _ => {
            input.handle_event(&Event::Key(key));
            state.modal = Some(Modal::Reason {
                input,
                pending,
                activity,
                marks,
            });
            Reply::Done
        }
    }
}

/// Why? One line before the session's first send.
pub fn draw(state: &State, frame: &mut Frame, area: Rect, input: &tui_input::Input) {
    let t = &state.theme;
    let prompt = "why? ";
    let lines = vec![
        Line::raw(format!("{prompt}{}", input.value())),
        Line::styled(
            "recorded in history with what you send this session (:reason changes it) · enter sends (empty: no reason) · esc sends nothing",
            t.dim(),
        ),
    ];
    let rect = Rect {
        x: area.x,
        y: area.y + area.height.saturating_sub(5),
        width: area.width,
        height: 4.min(area.height),
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(modal_block(state, "Reason")),
        rect,
    );
    let cursor_x = rect.x + 1 + (prompt.chars().count() + input.visual_cursor()) as u16;
    frame.set_cursor_position((cursor_x.min(rect.right().saturating_sub(2)), rect.y + 1));
}
