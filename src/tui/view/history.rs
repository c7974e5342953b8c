//! The history view (`H`): every recorded action, newest first, in the
//! operator's time zone, with the selected record's words below.

use super::*;
use crate::history::Record;
use crate::model::safe_text::escape_controls;
use crate::model::text::fit;
use crate::tui::state::{HistoryView, went_well};

/// Keys of the view, as its last line shows them.
const KEYS: &str = "a action  s this site  p problems  t time  o outcome  / search  esc close";

pub(super) fn draw(state: &State, frame: &mut Frame, area: Rect, view: &HistoryView) {
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
    let widths = Widths::of(&rows);
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
        }
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
