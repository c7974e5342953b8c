//! The history view's keys, `:history`'s words, and history read at start
//! (its verdicts shown as before the restart).

use super::*;
use crate::history::Record;
use crate::tui::state::{ACTIONS, HistoryView, Window};

/// `H`: every action recorded, newest first.
pub(super) fn open(state: &mut State, view: HistoryView) -> Vec<Command> {
    state.modal = Some(Modal::History(view));
    Vec::new()
}

/// `:history [SITE] [ACTION] [OUTCOME] [problems] [1h|24h|7d]`, words in
/// any order; a word that is none of these searches the text.
pub(super) fn from_words(state: &State, words: &str) -> HistoryView {
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

pub(super) fn key(state: &mut State, mut view: HistoryView, key: KeyEvent) -> Vec<Command> {
    if view.searching {
        return search_key(state, view, key);
    }
    let rows = state.history_rows(&view).count();
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('H') => return Vec::new(),
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
    open(state, view)
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

fn search_key(state: &mut State, mut view: HistoryView, key: KeyEvent) -> Vec<Command> {
    view.searching = type_search(&mut view.search, key);
    view.selected = 0;
    open(state, view)
}

/// A key typed into a view's `/` search (history, help): every key
/// narrows at once; Enter ends typing, Esc ends it and clears the search.
/// Whether typing goes on.
pub(super) fn type_search(search: &mut String, key: KeyEvent) -> bool {
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

/// History read at start: kept for the view, and each page's newest
/// verdict shown again, so a restart forgets nothing the operator saw.
pub(super) fn loaded(state: &mut State, records: Vec<Record>) {
    for record in &records {
        match record.action.as_str() {
            "verify" => restore_verdict(state, record),
            crate::history::PROBE => restore_probe(state, record),
            _ => {}
        }
    }
    state.remember(records);
}

/// A probe's worst finding, back in its site's badge.
fn restore_probe(state: &mut State, record: &Record) {
    use crate::engine::checks::Severity;
    let severity = match record.outcome.as_str() {
        "problem" => Severity::Problem,
        "warning" => Severity::Warning,
        "ok" => Severity::Ok,
        _ => return,
    };
    state.set_probed(&record.site, &record.target.value, severity);
}

/// A verify record's verdict, unless the console has a newer one.
fn restore_verdict(state: &mut State, record: &Record) {
    let Some(verdict) = crate::engine::checks::Verdict::from_name(&record.outcome) else {
        return;
    };
    // "PAGE: explanation", as `Verification::history_record` writes it.
    let message = record.message.as_deref().unwrap_or_default();
    let Some((page, explanation)) = message.split_once(": ") else {
        return;
    };
    let key = (record.site.clone(), page.to_string());
    if state
        .verdicts
        .get(&key)
        .is_some_and(|v| v.time >= record.time)
    {
        return;
    }
    let verdict = PageVerdict {
        verdict,
        explanation: explanation.to_string(),
        fix: None,
        layers: Vec::new(),
        time: record.time,
    };
    state.set_verdict(&record.site, page, verdict);
}
