//! Help: every key with what it does, which of v, f and P to press, the
//! command line; `/` narrows it to the lines that mention a word.

use super::{PAGE, Reply, modal_block, type_search, wrap};
use crate::tui::help::{HelpView, WHICH_KEY, explain};
use crate::tui::state::{Modal, State};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Help: j/k scroll, `/` searches, Esc, q or ? close.
pub fn key(state: &mut State, mut view: crate::tui::help::HelpView, key: KeyEvent) -> Reply {
    if view.searching {
        view.searching = type_search(&mut view.search, key);
        view.scroll = 0;
    } else {
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') => return Reply::Done,
            KeyCode::Char('j') | KeyCode::Down => view.scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => view.scroll = view.scroll.saturating_sub(1),
            KeyCode::PageDown => view.scroll += PAGE,
            KeyCode::PageUp => view.scroll = view.scroll.saturating_sub(PAGE),
            KeyCode::Char('g') | KeyCode::Home => view.scroll = 0,
            KeyCode::Char('/') => view.searching = true,
            _ => {}
        }
    }
    state.modal = Some(Modal::Help(view));
    Reply::Done
}

/// Every key with what it does, which of v, f and P to press, the
/// command line; `/` narrows it to the lines that mention a word.
pub fn draw(state: &State, frame: &mut Frame, area: Rect, view: &HelpView) {
    let t = &state.theme;
    let block = modal_block(state, "Keys");
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [body, keys] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let lines = help_lines(state, view, usize::from(body.width));
    let footer = match view.searching {
        true => format!("search: {}▏  enter done  esc clear", view.search),
        false if view.search.is_empty() => "j/k scroll  / search  esc close".to_string(),
        false => format!("/{}  j/k scroll  / search again  esc close", view.search),
    };
    let scroll = u16::try_from(view.scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), body);
    frame.render_widget(Paragraph::new(Line::styled(footer, t.dim())), keys);
}

/// Help's lines at `width`: each key, its label, and what it does wrapped
/// under it; only those that mention the search.
fn help_lines(state: &State, view: &HelpView, width: usize) -> Vec<Line<'static>> {
    const INDENT: usize = 13;
    let t = &state.theme;
    let needle = view.search.to_lowercase();
    let matches = |text: &str| needle.is_empty() || text.to_lowercase().contains(&needle);
    let mut lines: Vec<Line> = Vec::new();
    let which: Vec<&str> = WHICH_KEY.iter().copied().filter(|l| matches(l)).collect();
    if !which.is_empty() {
        lines.push(Line::styled("Which key fixes a stale page?", t.accent()));
        for line in which {
            lines.extend(
                wrap(line, width.saturating_sub(2))
                    .into_iter()
                    .map(|l| Line::raw(format!("  {l}"))),
            );
        }
        lines.push(Line::raw(""));
    }
    for (key, label, action) in state.keys.help(state.read_only) {
        let explanation = explain(action);
        if !matches(&format!("{key} {label} {explanation}")) {
            continue;
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{key:>11}  "), t.key()),
            Span::styled(label, Style::new().add_modifier(Modifier::BOLD)),
        ]));
        let words = wrap(explanation, width.saturating_sub(INDENT).max(10));
        lines.extend(
            words
                .into_iter()
                .map(|l| Line::styled(format!("{:INDENT$}{l}", ""), t.dim())),
        );
    }
    if state.read_only {
        lines.push(Line::styled(
            "  read-only: sending keys are disabled",
            t.warning(),
        ));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            format!("nothing mentions {:?}", view.search),
            t.dim(),
        ));
    }
    lines
}
