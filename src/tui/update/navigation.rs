//! Moving through the console: the selection in each pane, the details
//! pane's scroll, and marks.

use super::*;

pub(super) fn move_selection(state: &mut State, action: Action) {
    match state.focus {
        Pane::Sites => {
            let before = state.site_idx;
            state.site_idx = moved(state.site_idx, state.sites.len(), action);
            if state.site_idx != before {
                state.route_idx = 0;
                state.details_scroll = 0;
                state.refilter();
            }
        }
        Pane::Routes => {
            state.route_idx = moved(state.route_idx, state.visible.len(), action);
            state.details_scroll = 0;
        }
        Pane::Details => {
            // Up to the last screenful the view last drew (G stops there).
            let scroll = moved(
                usize::from(state.details_scroll),
                usize::from(state.details_max_scroll.get()) + 1,
                action,
            );
            state.details_scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
        }
    }
}

fn moved(index: usize, len: usize, action: Action) -> usize {
    let last = len.saturating_sub(1);
    match action {
        Action::Up => index.saturating_sub(1),
        Action::Down => (index + 1).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageUp => index.saturating_sub(PAGE),
        Action::PageDown => (index + PAGE).min(last),
        _ => index,
    }
}

pub(super) fn toggle_mark(state: &mut State) {
    let Some(route) = state.selected_route_index() else {
        return;
    };
    let key = (state.site_idx, route);
    if !state.marks.remove(&key) {
        state.marks.insert(key);
    }
    // Marking moves on, so Space Space Space marks a run of rows.
    state.route_idx = moved(state.route_idx, state.visible.len(), Action::Down);
}

pub(super) fn mark_all(state: &mut State) {
    let site = state.site_idx;
    let all_marked = state
        .visible
        .iter()
        .all(|r| state.marks.contains(&(site, *r)));
    for route in state.visible.clone() {
        if all_marked {
            state.marks.remove(&(site, route));
        } else {
            state.marks.insert((site, route));
        }
    }
}
