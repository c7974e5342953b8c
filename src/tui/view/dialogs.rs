//! Dialogs over the screen: help, confirmation, text input, tag picker.

use super::*;
use crate::tui::help::{HelpView, WHICH_KEY, explain};

pub(super) fn draw_modal(state: &State, frame: &mut Frame, area: Rect) {
    match &state.modal {
        None => {}
        Some(Modal::Help(view)) => draw_help(state, frame, below_header(area), view),
        Some(Modal::Confirm {
            action,
            site,
            targets,
            send_focused,
            reason,
        }) => draw_confirm(
            state,
            frame,
            area,
            (*action, *site, reason.as_deref()),
            targets,
            *send_focused,
        ),
        Some(Modal::Input { purpose, input }) => draw_input(state, frame, area, *purpose, input),
        Some(Modal::TagPicker { selected, input }) => {
            draw_tags(state, frame, area, *selected, input)
        }
        Some(Modal::History(view)) => super::history::draw(state, frame, below_header(area), view),
        Some(Modal::Reason { input, .. }) => draw_reason(state, frame, area, input),
    }
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

/// Every key with what it does, which of v, f and P to press, the
/// command line; `/` narrows it to the lines that mention a word.
fn draw_help(state: &State, frame: &mut Frame, area: Rect, view: &HelpView) {
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

fn draw_confirm(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    (action, site, reason): (SendAction, usize, Option<&str>),
    targets: &[crate::model::target::Target],
    send_focused: bool,
) {
    let t = &state.theme;
    let name = state.sites.get(site).map_or("?", |s| s.name.as_str());
    let verb = match action {
        SendAction::Revalidate => "Revalidate",
        SendAction::Verify => "Revalidate and verify",
        SendAction::Fresh => "Make fresh (every origin, then purge the CDN)",
        SendAction::Purge => "Purge at the CDN",
    };
    let what = match targets.len() {
        1 => "1 target".to_string(),
        n => format!("{n} targets"),
    };
    let mut lines = vec![Line::styled(
        format!("{verb} {what} on {name}?"),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    if let Some(reason) = reason {
        lines.extend(
            wrap(reason, 46)
                .into_iter()
                .map(|l| Line::styled(l, t.warning())),
        );
    }
    lines.push(Line::raw(""));
    for target in targets.iter().take(5) {
        lines.push(Line::raw(format!("  {target}")));
    }
    if targets.len() > 5 {
        lines.push(Line::styled(
            format!("  … and {} more", targets.len() - 5),
            t.dim(),
        ));
    }
    lines.push(Line::raw(""));
    let button = |label: &str, focused: bool| {
        let style = if focused {
            t.selected().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        Span::styled(format!("[ {label} ]"), style)
    };
    lines.push(Line::from(vec![
        Span::raw("   "),
        button("Cancel", !send_focused),
        Span::raw("   "),
        button(&format!("Send {}", targets.len()), send_focused),
    ]));
    lines.push(Line::styled(
        "tab switches · enter chooses · esc cancels",
        t.dim(),
    ));
    draw_dialog(state, frame, area, (50, "Confirm"), lines);
}

fn draw_input(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    purpose: InputPurpose,
    input: &tui_input::Input,
) {
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

/// Why? One line before the session's first send.
fn draw_reason(state: &State, frame: &mut Frame, area: Rect, input: &tui_input::Input) {
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

fn draw_tags(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    selected: usize,
    input: &tui_input::Input,
) {
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
