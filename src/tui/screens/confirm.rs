//! Confirm before sending more than one revalidation, or one that looks
//! like a typo (`reason` says why); Cancel is focused until moved.

use super::{Reply, draw_dialog, wrap};
use crate::model::target::Target;
use crate::tui::state::{Level, Modal, SendAction, State};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

pub fn key(
    state: &mut State,
    (action, site, targets, reason): (SendAction, usize, Vec<Target>, Option<String>),
    send_focused: bool,
    key: KeyEvent,
) -> Reply {
    let reopen = |state: &mut State, targets, send_focused| {
        state.modal = Some(Modal::Confirm {
            action,
            site,
            targets,
            send_focused,
            reason,
        });
        Reply::Done
    };
    match key.code {
        KeyCode::Tab
        | KeyCode::BackTab
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Char('h')
        | KeyCode::Char('l') => reopen(state, targets, !send_focused),
        KeyCode::Enter if send_focused => Reply::Send {
            action,
            site,
            targets,
        },
        KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('n') => {
            state.say(Level::Info, "cancelled: nothing sent");
            Reply::Done
        }
        _ => reopen(state, targets, send_focused),
    }
}

pub fn draw(
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
