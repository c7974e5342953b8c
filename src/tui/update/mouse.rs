//! The mouse: a click selects the site or route under it (or runs the
//! footer key under it), the wheel moves the pane under the pointer.
//! Dialogs take no clicks: they are answered with keys.

use super::*;
use crate::tui::state::Hit;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

pub(super) fn mouse(state: &mut State, mouse: MouseEvent) -> Vec<Command> {
    if state.modal.is_some() {
        return Vec::new();
    }
    let hit = state.hits.borrow().at(mouse.column, mouse.row);
    match (mouse.kind, hit) {
        (MouseEventKind::Down(MouseButton::Left), Some(hit)) => click(state, hit),
        (MouseEventKind::ScrollUp, Some(hit)) => wheel(state, hit, Action::Up),
        (MouseEventKind::ScrollDown, Some(hit)) => wheel(state, hit, Action::Down),
        _ => Vec::new(),
    }
}

fn click(state: &mut State, hit: Hit) -> Vec<Command> {
    match hit {
        Hit::Site(i) if i < state.sites.len() => {
            state.focus = Pane::Sites;
            if i != state.site_idx {
                state.site_idx = i;
                state.route_idx = 0;
                state.details_scroll = 0;
                state.refilter();
            }
        }
        Hit::Route(i) if i < state.visible.len() => {
            state.focus = Pane::Routes;
            state.route_idx = i;
            state.details_scroll = 0;
        }
        Hit::Pane(pane) => state.focus = pane,
        Hit::Key(action) => return act(state, action),
        _ => {}
    }
    Vec::new()
}

/// Three rows a notch, as terminals scroll text.
fn wheel(state: &mut State, hit: Hit, direction: Action) -> Vec<Command> {
    let pane = match hit {
        Hit::Site(_) => Pane::Sites,
        Hit::Route(_) => Pane::Routes,
        Hit::Pane(pane) => pane,
        Hit::Key(_) => return Vec::new(),
    };
    let focus = std::mem::replace(&mut state.focus, pane);
    let steps = if pane == Pane::Details { 3 } else { 1 };
    for _ in 0..steps {
        navigation::move_selection(state, direction);
    }
    state.focus = focus;
    Vec::new()
}
