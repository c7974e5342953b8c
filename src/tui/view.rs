//! `view(state, frame)`: draws the state, changes nothing.
//!
//! Layout in the spirit of k9s: a header line, sites beside routes, the
//! details/activity pane below, a footer with the keys that work here, and
//! overlays for help, confirmation and input. Only the visible rows of the
//! routes table are built, so a sitemap-sized site draws as fast as a small one.

mod answer;
mod details;
mod routes;

use super::keys;
use super::state::{Level, PageVerdict, Pane, State, TargetResult};
use crate::engine::checks::{Severity, Verdict};
use crate::model::endpoint::masked_summary;
use crate::model::standing::Standing;
use crate::model::text::ago;
use details::draw_details;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use routes::draw_routes;

/// Below this the console cannot be laid out; it says so instead.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn view(state: &State, frame: &mut Frame) {
    let area = frame.area();
    // Each frame says afresh where things are (a pane not drawn takes no click).
    *state.hits.borrow_mut() = Default::default();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    // The message line, above the footer, only while there is a message.
    let message_rows = u16::from(state.status.is_some());
    let [header, body, message, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(message_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(state, frame, header);
    if area.width < COMPACT_WIDTH || area.height < COMPACT_HEIGHT {
        draw_one_pane(state, frame, body);
    } else {
        draw_panes(state, frame, body);
    }
    draw_message(state, frame, message);
    draw_footer(state, frame, footer);
    super::screens::draw(state, frame, area);
}

/// Below this the panes take turns (Tab): one at a time.
const COMPACT_WIDTH: u16 = 60;
const COMPACT_HEIGHT: u16 = 16;

/// Sites beside routes, details below.
fn draw_panes(state: &State, frame: &mut Frame, body: Rect) {
    let details_height = details_height(state, body.height);
    let [top, details] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(details_height)]).areas(body);
    let sites_width = (top.width / 4).clamp(16, 28);
    let [sites, routes] =
        Layout::horizontal([Constraint::Length(sites_width), Constraint::Min(0)]).areas(top);
    if top.height > 0 {
        draw_sites(state, frame, sites);
        draw_routes(state, frame, routes);
    }
    draw_details(state, frame, details);
}

/// A small terminal: the focused pane alone (routes first), and under the
/// sites or routes the answer's two lines, so a verdict is never out of
/// sight.
fn draw_one_pane(state: &State, frame: &mut Frame, body: Rect) {
    if state.focus == Pane::Details || state.zoomed {
        draw_details(state, frame, body);
        return;
    }
    let (answer, rows) = answer::answer_paragraph(state, body.width, body.height / 2);
    let [pane, below] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(rows)]).areas(body);
    match state.focus {
        Pane::Sites => draw_sites(state, frame, pane),
        _ => draw_routes(state, frame, pane),
    }
    frame.render_widget(answer, below);
}

/// Two fifths of the body at least, and every row the sites and routes
/// do not need (borders and the table's header included); all of it
/// when zoomed.
fn details_height(state: &State, body: u16) -> u16 {
    if state.zoomed {
        return body;
    }
    let rows = state.visible.len().max(state.sites.len());
    let top_needs = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(3);
    body.saturating_sub(top_needs)
        .max(body * 2 / 5)
        .max(6.min(body))
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = format!("terminal too small: need {MIN_WIDTH}×{MIN_HEIGHT}");
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// `isrctl │ READ-ONLY │ ⠋ 2 in flight │ 3 sites │ ~/…/config.toml`: what
/// matters first, so a narrow terminal cuts the config path, never the
/// READ-ONLY banner or the work in flight.
fn draw_header(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let mut spans = vec![Span::styled(
        " isrctl ",
        t.accent().add_modifier(Modifier::BOLD),
    )];
    if state.read_only {
        spans.push(Span::styled(" READ-ONLY ", t.banner()));
    }
    spans.push(Span::raw("│ "));
    if state.in_flight > 0 {
        let spin = SPINNER[state.spinner % SPINNER.len()];
        spans.push(Span::styled(
            format!("{spin} {} in flight", state.in_flight),
            t.warning(),
        ));
    } else {
        spans.push(Span::styled("idle", t.dim()));
    }
    spans.push(Span::raw(format!(" │ {} sites │ ", state.sites.len())));
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = usize::from(area.width).saturating_sub(used);
    spans.push(Span::styled(
        crate::model::text::short_path(&state.config_file, room),
        t.dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The message line: the last notice, a problem marked as one (and how
/// to dismiss it).
fn draw_message(state: &State, frame: &mut Frame, area: Rect) {
    let Some((level, text)) = &state.status else {
        return;
    };
    let mut spans = Vec::new();
    if *level == Level::Problem {
        spans.push(Span::styled("✗ ", level_style(state, *level)));
    }
    spans.push(Span::styled(text.clone(), level_style(state, *level)));
    if *level == Level::Problem {
        spans.push(Span::styled("  (esc)", state.theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn level_style(state: &State, level: Level) -> Style {
    match level {
        Level::Info => Style::new(),
        Level::Ok => state.theme.ok(),
        Level::Problem => state.theme.problem(),
    }
}

/// A pane's frame; the focused one says so in its title (`▶`, bold), so
/// focus shows without colour too.
fn pane_block<'a>(state: &State, title: String, pane: Pane) -> Block<'a> {
    let focused = state.focus == pane && state.modal.is_none();
    let title = match focused {
        true => Span::styled(
            format!("▶{}", title.trim_start()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        false => Span::raw(title),
    };
    Block::new()
        .borders(Borders::ALL)
        .border_style(state.theme.border(focused))
        .title(title)
}

fn draw_sites(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let title = format!(" Sites {}", standing_counts(state));
    let block = pane_block(state, title, Pane::Sites);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    state.hits.borrow_mut().sites = inner;
    let lines: Vec<Line> = state
        .sites
        .iter()
        .enumerate()
        .take(usize::from(inner.height))
        .map(|(i, site)| {
            let standing = state.health(i);
            let style = match standing {
                Standing::Fresh => t.ok(),
                Standing::Attention => t.warning(),
                Standing::Stale => t.problem(),
                Standing::Unknown => t.dim(),
            };
            let mut line = Line::from(vec![
                Span::styled(standing.symbol(), style),
                Span::raw(format!(" {}", site.name)),
            ]);
            if i == state.site_idx {
                line = line.style(if state.focus == Pane::Sites {
                    t.selected()
                } else {
                    Style::new().add_modifier(Modifier::BOLD)
                });
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The keys an open dialog takes, as its footer lists them.
fn dialog_keys(modal: &crate::tui::state::Modal) -> &'static [(&'static str, &'static str)] {
    use crate::tui::state::Modal;
    match modal {
        Modal::Help(_) => &[("j/k", "scroll"), ("/", "search"), ("esc", "close")],
        Modal::Confirm { .. } => &[
            ("tab", "send / cancel"),
            ("enter", "choose"),
            ("esc", "cancel"),
        ],
        Modal::Input { .. } => &[("enter", "ok"), ("tab", "complete"), ("esc", "cancel")],
        Modal::TagPicker { .. } => &[("↑/↓", "tag"), ("enter", "send"), ("esc", "cancel")],
        Modal::History(_) => &[
            ("a", "action"),
            ("s", "site"),
            ("p", "problems"),
            ("t", "window"),
            ("o", "outcome"),
            ("/", "search"),
            ("esc", "close"),
        ],
        Modal::Reason { .. } => &[
            ("enter", "send (empty: without a reason)"),
            ("esc", "send nothing"),
        ],
    }
}

/// How many sites stand each way, worst first: "✗2 !1 ●4 " (what is not
/// in sight in a long list is counted all the same).
fn standing_counts(state: &State) -> String {
    let counts = crate::model::standing::counts((0..state.sites.len()).map(|i| state.health(i)));
    match counts.is_empty() {
        true => counts,
        false => format!("{counts} "),
    }
}

/// The keys of the focused pane, as many as fit; `? help` and `q quit`
/// always stay, since help lists the rest.
fn draw_footer(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    // A dialog takes the keys: the footer says its keys, not the pane's.
    if let Some(keys) = state.modal.as_ref().map(dialog_keys) {
        let spans: Vec<Span> = keys
            .iter()
            .flat_map(|(key, label)| {
                [
                    Span::styled(format!(" {key}"), t.key()),
                    Span::raw(format!(" {label} ")),
                ]
            })
            .collect();
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let bindings: Vec<_> = state
        .keys
        .footer(state.focus == Pane::Routes, state.read_only)
        .collect();
    let width = |b: &keys::Binding| b.key.chars().count() + b.label.chars().count() + 3;
    let essential = |b: &keys::Binding| matches!(b.action, keys::Action::Help | keys::Action::Quit);
    let mut room = usize::from(area.width).saturating_sub(
        bindings
            .iter()
            .filter(|b| essential(b))
            .map(|b| width(b))
            .sum(),
    );
    // What moving does in this pane, first.
    let hint = match state.focus {
        Pane::Sites => " j/k site  enter routes ",
        Pane::Details => " j/k scroll  G end ",
        Pane::Routes => "",
    };
    room = room.saturating_sub(hint.chars().count());
    let mut spans = vec![Span::styled(hint, t.dim())];
    let mut x = area
        .x
        .saturating_add(u16::try_from(hint.chars().count()).unwrap_or(0));
    let mut hits = state.hits.borrow_mut();
    for b in bindings {
        if !essential(b) {
            if width(b) > room {
                continue;
            }
            room -= width(b);
        }
        let w = u16::try_from(width(b)).unwrap_or(0);
        hits.footer.push((Rect::new(x, area.y, w, 1), b.action));
        x = x.saturating_add(w);
        spans.push(Span::styled(format!(" {}", b.key), t.key()));
        spans.push(Span::raw(format!(" {} ", b.label)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
