//! The screens over the main view: help, the confirmation, text input
//! (filter, a typed path, the `:` command line), the tag picker, history
//! and the why? prompt. Each is one module: its keys (the state and a key
//! in, a [`Reply`] out) and its drawing. A screen's data is a [`Modal`] in
//! `State::modal`; what a key leads to beyond its screen (a send, the
//! command line, quitting) is a [`Reply`] that `update` carries out.
//!
//! May use: `tui::state`, `tui::keys`, `tui::help`, `tui::theme`, and the
//! floors below `tui`. Screens do not import each other, nor `tui::update`
//! or `tui::view` (the architecture test holds it).

pub mod confirm;
pub mod help;
pub mod history;
pub mod input;
pub mod reason;
pub mod tag_picker;

use crate::model::target::Target;
use crate::tui::message::Command;
use crate::tui::state::{Modal, SendAction, State};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Rows a page key moves.
pub const PAGE: usize = 10;

/// What a key on a screen leads to beyond the screen itself (which it has
/// put back in `state.modal`, changed, or left closed).
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// Nothing more.
    Done,
    /// These commands go out as they are (the why? prompt's held sends).
    Commands(Vec<Command>),
    /// Send, confirmed.
    Send {
        action: SendAction,
        site: usize,
        targets: Vec<Target>,
    },
    /// Send one typed target, unless it looks like a typo (then confirm).
    SendTyped(Target),
    /// Run a `:` command line.
    CommandLine(String),
    Quit,
}

/// The open screen's answer to a key.
pub fn key(state: &mut State, modal: Modal, key: KeyEvent) -> Reply {
    match modal {
        Modal::Help(view) => help::key(state, view, key),
        Modal::Confirm {
            action,
            site,
            targets,
            send_focused,
            reason,
        } => confirm::key(state, (action, site, targets, reason), send_focused, key),
        Modal::Input { purpose, input } => input::key(state, purpose, input, key),
        Modal::TagPicker { selected, input } => tag_picker::key(state, selected, input, key),
        Modal::History(view) => history::key(state, view, key),
        Modal::Reason {
            input,
            pending,
            activity,
            marks,
        } => reason::key(state, (input, pending, activity, marks), key),
    }
}

/// Pasted text goes into the open input (one line: a newline in a paste
/// does not submit); with no input open, a paste does nothing.
pub fn paste(state: &mut State, text: &str) {
    let line: String = text.chars().filter(|c| !c.is_control()).collect();
    match state.modal.take() {
        Some(Modal::Input { purpose, input }) => input::paste(state, purpose, input, &line),
        Some(Modal::TagPicker { input, .. }) => tag_picker::paste(state, input, &line),
        other => state.modal = other,
    }
}

/// The open screen, drawn over `area` (the whole frame).
pub fn draw(state: &State, frame: &mut Frame, area: Rect) {
    match &state.modal {
        None => {}
        Some(Modal::Help(view)) => help::draw(state, frame, below_header(area), view),
        Some(Modal::Confirm {
            action,
            site,
            targets,
            send_focused,
            reason,
        }) => confirm::draw(
            state,
            frame,
            area,
            (*action, *site, reason.as_deref()),
            targets,
            *send_focused,
        ),
        Some(Modal::Input { purpose, input }) => input::draw(state, frame, area, *purpose, input),
        Some(Modal::TagPicker { selected, input }) => {
            tag_picker::draw(state, frame, area, *selected, input)
        }
        Some(Modal::History(view)) => history::draw(state, frame, below_header(area), view),
        Some(Modal::Reason { input, .. }) => reason::draw(state, frame, area, input),
    }
}

/// A key typed into a screen's `/` search (history, help): every key
/// narrows at once; Enter ends typing, Esc ends it and clears the search.
/// Whether typing goes on.
fn type_search(search: &mut String, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Enter => return false,
        KeyCode::Esc => {
            search.clear();
            return false;
        }
        KeyCode::Backspace => {
            search.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => search.push(c),
        _ => {}
    }
    true
}

/// The screen but its header: a full-screen view keeps READ-ONLY and the
/// work in flight in sight.
fn below_header(area: Rect) -> Rect {
    Rect {
        y: area.y.saturating_add(1),
        height: area.height.saturating_sub(1),
        ..area
    }
}

/// `text` in lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// A box of at most `width`×`height`, centred in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A titled dialog box over the screen, centred, sized to its lines.
fn draw_dialog(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    (width, title): (u16, &str),
    lines: Vec<Line>,
) {
    let rect = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(modal_block(state, title)), rect);
}

fn modal_block(state: &State, title: &str) -> Block<'static> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(state.theme.border(true))
        .title(format!(" {title} "))
}
