//! Opening the history screen, and history read at start (its verdicts
//! shown as before the restart). The screen itself is `screens::history`.

use super::*;
use crate::history::Record;
use crate::tui::state::HistoryView;

/// `H`: every action recorded, newest first.
pub(super) fn open(state: &mut State, view: HistoryView) -> Vec<Command> {
    state.modal = Some(Modal::History(view));
    Vec::new()
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
    if let Some(site) = state.site_id(&record.site) {
        state.set_probed(site, &record.target.value, severity);
    }
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
    let Some(site) = state.site_id(&record.site) else {
        return;
    };
    let key = (site, page.to_string());
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
    state.set_verdict(site, page, verdict);
}
