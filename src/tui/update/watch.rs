//! `w`: watch the selected page — re-read at every layer every 30 s until
//! `w` again — and ring the bell when it turns fresh.

use super::*;
use crate::engine::SiteId;
use crate::engine::watcher::Watched;
use crate::model::standing::Standing;

/// How often a watched page is read again.
pub const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

pub(super) fn toggle(state: &mut State) -> Vec<Command> {
    let Some(route) = state.selected_route() else {
        return Vec::new();
    };
    if route.page_type.is_some() {
        state.say(
            Level::Problem,
            "a pattern names no page to watch: pick a page",
        );
        return Vec::new();
    }
    let (site, path) = (state.site_idx, route.path.clone());
    if state.watching.remove(&(site, path.clone())).is_some() {
        state.say(Level::Info, format!("stopped watching {path}"));
        return vec![Command::Unwatch { site, path }];
    }
    state.watching.insert((site, path.clone()), None);
    let every = crate::model::text::duration_words(WATCH_INTERVAL.as_secs());
    state.say(
        Level::Info,
        format!("watching {path} every {every}: w again stops"),
    );
    vec![Command::Watch { site, path }]
}

/// A watched page read again: kept, in the badge, and said when it turned;
/// the bell when it turned fresh.
pub(super) fn watched(state: &mut State, site: SiteId, w: Watched) -> Vec<Command> {
    let key = (site, w.path.clone());
    let Some(before) = state
        .watching
        .get(&key)
        .map(|r| r.as_ref().map(|p| p.standing))
    else {
        // Unwatched meanwhile: a read already on its way.
        return Vec::new();
    };
    state.mark_page(site, &w.path, Some(w.standing));
    let turned = before.filter(|b| *b != w.standing);
    if turned.is_some() {
        let level = match w.standing {
            Standing::Fresh => Level::Ok,
            _ => Level::Problem,
        };
        let text = format!(
            "{}: {} turned {}",
            state.site_name(site),
            w.path,
            w.standing.as_str()
        );
        state.say(level, text.clone());
        state.push_activity(level, text);
    }
    let rang = turned.is_some() && w.standing == Standing::Fresh;
    state.watching.insert(key, Some(w));
    match rang {
        true => vec![Command::Bell],
        false => Vec::new(),
    }
}
