//! One line of text: the routes filter (`/`, narrowing as typed), a typed
//! path (`a`, linted as typed; Tab takes the linter's suggestion) or the
//! `:` command line (Tab completes).

use super::{Reply, modal_block, wrap};
use crate::model::paths::LintLevel;
use crate::tui::state::{InputPurpose, Level, Modal, State, tab_complete};
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub fn key(state: &mut State, purpose: InputPurpose, mut input: Input, key: KeyEvent) -> Reply {
    match key.code {
        KeyCode::Esc => {
            if purpose == InputPurpose::Filter {
                state.filter.clear();
                state.refilter();
            }
            Reply::Done
        }
        KeyCode::Enter => submit_input(state, purpose, input),
        KeyCode::Tab if purpose == InputPurpose::CommandLine => {
            let line = input.value().to_string();
            let completed = tab_complete(&line, &state.command_completions(&line));
            state.modal = Some(Modal::Input {
                purpose,
                input: Input::new(completed),
            });
            Reply::Done
        }
        KeyCode::Tab if purpose == InputPurpose::AdHoc => {
            let accepted = state
                .ad_hoc_lint(input.value())
                .into_iter()
                .find_map(|f| f.suggestion)
                .map_or(input, Input::new);
            state.modal = Some(Modal::Input {
                purpose,
                input: accepted,
            });
            Reply::Done
        }
        _ => {
            input.handle_event(&Event::Key(key));
            if purpose == InputPurpose::Filter {
                state.filter = input.value().to_string();
                state.route_idx = 0;
                state.refilter();
            }
            state.modal = Some(Modal::Input { purpose, input });
            Reply::Done
        }
    }
}

fn submit_input(state: &mut State, purpose: InputPurpose, input: Input) -> Reply {
    let value = input.value().trim().to_string();
    match purpose {
        InputPurpose::Filter => Reply::Done,
        InputPurpose::AdHoc => submit_ad_hoc(state, input),
        InputPurpose::CommandLine => Reply::CommandLine(value),
    }
}

/// Send a typed path unless the linter refuses it; then keep the input open.
pub fn submit_ad_hoc(state: &mut State, input: Input) -> Reply {
    let target = crate::tui::state::ad_hoc_target(input.value());
    if let Some(reason) = state.ad_hoc_refusal(input.value()) {
        state.say(Level::Problem, reason);
        state.modal = Some(Modal::Input {
            purpose: InputPurpose::AdHoc,
            input,
        });
        return Reply::Done;
    }
    Reply::SendTyped(target)
}

/// `line` pasted at the cursor.
pub(super) fn paste(state: &mut State, purpose: InputPurpose, input: Input, line: &str) {
    let mut value = input.value().to_string();
    let cursor = input.cursor();
    let at = value
        .char_indices()
        .nth(cursor)
        .map_or(value.len(), |(i, _)| i);
    value.insert_str(at, line);
    let input = Input::new(value).with_cursor(cursor + line.chars().count());
    if purpose == InputPurpose::Filter {
        state.filter = input.value().to_string();
        state.route_idx = 0;
        state.refilter();
    }
    state.modal = Some(Modal::Input { purpose, input });
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, purpose: InputPurpose, input: &Input) {
    let t = &state.theme;
    let (title, prompt) = match purpose {
        InputPurpose::Filter => ("Filter routes", "/"),
        InputPurpose::AdHoc => ("Revalidate a path", "path "),
        InputPurpose::CommandLine => ("Command", ":"),
    };
    let mut lines = vec![Line::raw(format!("{prompt}{}", input.value()))];
    let room = usize::from(area.width.saturating_sub(2)).max(10);
    match purpose {
        // The linter's words in full: its suggestion is what to type.
        InputPurpose::AdHoc => {
            let lint = ad_hoc_lint_line(state, input.value());
            let style = lint.style;
            let text: String = lint.spans.iter().map(|s| s.content.as_ref()).collect();
            let wrapped = wrap(&text, room);
            lines.extend(wrapped.into_iter().take(3).map(|l| Line::styled(l, style)));
        }
        InputPurpose::CommandLine => lines.push(completions_line(state, input.value())),
        InputPurpose::Filter => {}
    }
    let height = lines.len() as u16 + 2;
    // Above the footer and the message line: what the last Enter said
    // stays in sight.
    let below = 1 + u16::from(state.status.is_some());
    let rect = Rect {
        x: area.x,
        y: area.y + area.height.saturating_sub(height + below),
        width: area.width,
        height: height.min(area.height),
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(modal_block(state, title)), rect);
    let cursor_x = rect.x + 1 + (prompt.chars().count() + input.visual_cursor()) as u16;
    frame.set_cursor_position((cursor_x.min(rect.right().saturating_sub(2)), rect.y + 1));
    let _ = t;
}

/// What Tab can complete the command line to, as it is typed.
fn completions_line(state: &State, line: &str) -> Line<'static> {
    let candidates = state.command_completions(line);
    let text = match candidates.as_slice() {
        [] if line.is_empty() => "site, path, tag, history, reason, q · tab completes".to_string(),
        [] => "enter runs it".to_string(),
        some => {
            let words: Vec<&str> = some
                .iter()
                .map(|c| c.trim_end().rsplit(' ').next().unwrap_or(c))
                .collect();
            format!("tab: {}", words.join("  "))
        }
    };
    Line::styled(text, state.theme.dim())
}

/// The linter's verdict on a path as it is typed.
fn ad_hoc_lint_line(state: &State, path: &str) -> Line<'static> {
    let t = &state.theme;
    if path.trim().is_empty() {
        return Line::styled(
            "type a path such as /blog/hello (a pattern with its type: /blog/[slug] page); enter sends",
            t.dim(),
        );
    }
    let lint = state.ad_hoc_lint(path);
    // The key first: a long message is cut at the right edge.
    let tab = lint
        .iter()
        .find_map(|f| f.suggestion.as_deref())
        .map(|s| format!("[tab: {s}] "))
        .unwrap_or_default();
    match lint.first() {
        Some(f) if f.level == LintLevel::Refused => {
            Line::styled(format!("✗ {tab}{}", f.message), t.problem())
        }
        Some(f) => Line::styled(format!("! {tab}{}", f.message), t.warning()),
        None => Line::styled("✓ ok: enter sends", t.ok()),
    }
}
