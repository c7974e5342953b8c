//! History (`H`, `:history …`): every action recorded, newest first, with
//! filters a (action) s (site) p (problems) t (time) o (outcome) and `/`
//! (text); the selected record's words below.

use super::{PAGE, Reply, type_search};
use crate::history::Record;
use crate::model::safe_text::escape_controls;
use crate::model::text::fit;
use crate::tui::state::{ACTIONS, HistoryView, Modal, State, Window, went_well};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Keys of the view, as its last line shows them.
const KEYS: &str = "a action  s this site  p problems  t time  o outcome  / search  esc close";

/// `:history [SITE] [ACTION] [OUTCOME] [problems] [1h|24h|7d]`, words in
/// any order; a word that is none of these searches the text.
pub fn from_words(state: &State, words: &str) -> HistoryView {
    let mut view = HistoryView::default();
    for word in words.split_whitespace() {
        if state.sites.iter().any(|s| s.name == word) {
            view.site = Some(word.to_string());
        } else if let Some(action) = ACTIONS.iter().find(|a| **a == word) {
            view.action = Some(action);
        } else if word == "problems" {
            view.problems_only = true;
        } else if let Some(window) = Window::from_word(word) {
            view.window = window;
        } else if state.history.iter().any(|r| r.outcome == word) {
            view.outcome = Some(word.to_string());
        } else {
            view.search = word.to_string();
        }
    }
    view
}

pub fn key(state: &mut State, mut view: HistoryView, key: KeyEvent) -> Reply {
    if view.searching {
        return search_key(state, view, key);
    }
    let rows = state.history_rows(&view).count();
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('H') => return Reply::Done,
        KeyCode::Char('j') | KeyCode::Down => view.selected += 1,
        KeyCode::Char('k') | KeyCode::Up => view.selected = view.selected.saturating_sub(1),
        KeyCode::Char('g') | KeyCode::Home => view.selected = 0,
        KeyCode::Char('G') | KeyCode::End => view.selected = rows,
        KeyCode::PageDown => view.selected += PAGE,
        KeyCode::PageUp => view.selected = view.selected.saturating_sub(PAGE),
        KeyCode::Char('a') => view.cycle_action(),
        KeyCode::Char('s') => {
            let current = state.site().map(|s| s.name.clone());
            view.site = if view.site.is_some() { None } else { current };
            view.selected = 0;
        }
        KeyCode::Char('p') => {
            view.problems_only = !view.problems_only;
            view.selected = 0;
        }
        KeyCode::Char('t') => {
            view.window = view.window.next();
            view.selected = 0;
        }
        KeyCode::Char('o') => {
            view.outcome = next_outcome(state, &view);
            view.selected = 0;
        }
        KeyCode::Char('/') => view.searching = true,
        _ => {}
    }
    let rows = state.history_rows(&view).count();
    view.selected = view.selected.min(rows.saturating_sub(1));
    state.modal = Some(Modal::History(view));
    Reply::Done
}

/// The outcome after the current one among those the other filters leave
/// (sorted), then none again: `o` cycles through what is there.
fn next_outcome(state: &State, view: &HistoryView) -> Option<String> {
    let any_outcome = HistoryView {
        outcome: None,
        ..view.clone()
    };
    let mut outcomes: Vec<&str> = state
        .history_rows(&any_outcome)
        .map(|r| r.outcome.as_str())
        .collect();
    outcomes.sort_unstable();
    outcomes.dedup();
    let next = match &view.outcome {
        None => outcomes.first(),
        Some(now) => outcomes.iter().skip_while(|o| *o != now).nth(1),
    };
    next.map(|o| o.to_string())
}

fn search_key(state: &mut State, mut view: HistoryView, key: KeyEvent) -> Reply {
    view.searching = type_search(&mut view.search, key);
    view.selected = 0;
    state.modal = Some(Modal::History(view));
    Reply::Done
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, view: &HistoryView) {
    let t = &state.theme;
    let rows: Vec<&Record> = state.history_rows(view).collect();
    let title = format!(
        " History: {} · {} of {} ",
        view.describe(),
        rows.len(),
        state.history.len()
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [head, list, words, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(3),
        Constraint::Length(1),
    ])
    .areas(inner);
    let zone = state.local(state.now, "%Z");
    let widths = Widths::of(&rows).within(usize::from(inner.width));
    let header = format!(
        " {:11}  {:site$}  {:action$}  {:outcome$}  TARGET  (REASON)",
        format!("TIME ({zone})"),
        "SITE",
        "ACTION",
        "OUTCOME",
        site = widths.site,
        action = widths.action,
        outcome = widths.outcome,
    );
    frame.render_widget(Paragraph::new(Line::styled(header, t.dim())), head);
    draw_rows(state, frame, list, (&rows, view.selected, widths));
    draw_words(state, frame, words, rows.get(view.selected).copied());
    let keys_line = match view.searching {
        true => format!("search: {}▏  enter done  esc clear", view.search),
        false => KEYS.to_string(),
    };
    frame.render_widget(Paragraph::new(Line::styled(keys_line, t.dim())), keys);
}

/// Column widths: as wide as the longest value shown, up to a cap, so a
/// short site name leaves the target room.
#[derive(Clone, Copy)]
struct Widths {
    site: usize,
    action: usize,
    outcome: usize,
    /// The room TARGET wants: its longest value shown, up to 24.
    target: usize,
}

impl Widths {
    fn of(rows: &[&Record]) -> Widths {
        let widest = |field: fn(&Record) -> &str, title: &str, cap: usize| {
            rows.iter()
                .map(|r| field(r).chars().count())
                .chain([title.chars().count()])
                .max()
                .unwrap_or(0)
                .min(cap)
        };
        Widths {
            site: widest(|r| &r.site, "SITE", 16),
            action: widest(|r| &r.action, "ACTION", 10),
            outcome: widest(|r| &r.outcome, "OUTCOME", 28),
            target: rows
                .iter()
                .map(|r| r.target.to_string().chars().count())
                .max()
                .unwrap_or(0)
                .clamp(6, 24),
        }
    }

    /// On a narrow screen the columns give way so TARGET keeps room to be
    /// read: OUTCOME first (to 10), then SITE (to 7), then ACTION (to 6).
    fn within(mut self, width: usize) -> Widths {
        let wanted = self.target;
        // The marker, the time and the gaps between columns.
        let fixed = 1 + 11 + 2 * 4;
        let target = |w: &Widths| width.saturating_sub(fixed + w.site + w.action + w.outcome);
        for (column, least) in [(2, 10), (0, 7), (1, 6)] {
            let short = wanted.saturating_sub(target(&self));
            let field = match column {
                0 => &mut self.site,
                1 => &mut self.action,
                _ => &mut self.outcome,
            };
            *field = field.saturating_sub(short).max(least.min(*field));
        }
        self
    }
}

/// The rows around the selected one.
fn draw_rows(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    (rows, selected, widths): (&[&Record], usize, Widths),
) {
    if rows.is_empty() {
        let empty = match state.history.is_empty() {
            true => {
                "nothing recorded yet: what you revalidate, verify, check, probe or purge shows here"
            }
            false => "nothing matches: p, a, s, t and o widen the view",
        };
        frame.render_widget(Paragraph::new(Line::styled(empty, state.theme.dim())), area);
        return;
    }
    let height = usize::from(area.height);
    let first = selected.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, r)| row(state, r, i == selected, widths))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn row(state: &State, record: &Record, selected: bool, widths: Widths) -> Line<'static> {
    let t = &state.theme;
    let outcome_style = match went_well(record) {
        true => t.ok(),
        false => t.problem(),
    };
    // History is a file anyone may have edited: its text is escaped.
    let reason = record
        .reason
        .as_deref()
        .map(|why| format!("  ({})", escape_controls(why)))
        .unwrap_or_default();
    let marker = if selected { "▶" } else { " " };
    let line = Line::from(vec![
        Span::raw(format!(
            "{marker}{}  {:site$}  {:action$}  ",
            state.local(record.time, "%m-%d %H:%M"),
            fit(&escape_controls(&record.site), widths.site),
            fit(&escape_controls(&record.action), widths.action),
            site = widths.site,
            action = widths.action,
        )),
        Span::styled(
            format!(
                "{:outcome$}",
                fit(&escape_controls(&record.outcome), widths.outcome),
                outcome = widths.outcome
            ),
            outcome_style,
        ),
        Span::raw(format!(
            "  {}{reason}",
            escape_controls(&record.target.to_string())
        )),
    ]);
    match selected {
        true => line.style(t.selected()),
        false => line,
    }
}

/// The selected record's own words: what the server or check said, who
/// did it and when, to the second.
fn draw_words(state: &State, frame: &mut Frame, area: Rect, record: Option<&Record>) {
    let Some(r) = record else { return };
    let reason = r
        .reason
        .as_deref()
        .map(|why| format!(" · why: {why}"))
        .unwrap_or_default();
    let said = format!(
        "{}{reason} · {}",
        r.target,
        r.message.as_deref().unwrap_or("no message")
    );
    let who = format!(
        "{} by {}{}",
        state.local(r.time, "%Y-%m-%d %H:%M:%S %Z"),
        escape_controls(&r.operator),
        r.status.map(|s| format!(" · HTTP {s}")).unwrap_or_default()
    );
    let [said_area, who_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let said = Paragraph::new(escape_controls(&said).into_owned()).wrap(Wrap { trim: false });
    frame.render_widget(said, said_area);
    frame.render_widget(
        Paragraph::new(Line::styled(who, state.theme.dim())),
        who_area,
    );
}
