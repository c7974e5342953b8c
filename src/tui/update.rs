//! `update(state, message) -> commands`: every change of the console's
//! state happens here, without a terminal and without the network, so
//! each behaviour is a unit test.

mod events;
mod history;
mod inspect;
mod modal;
mod mouse;
mod navigation;
mod purge;
mod reason;
mod stale;
mod watch;
pub use watch::WATCH_INTERVAL;

use super::keys::{self, Action};
use super::message::{Command, EngineEvent, Message};
use super::state::{
    Checklist, InputPurpose, Level, Modal, PageVerdict, Pane, SeenProbe, SendAction, State,
    TargetResult,
};
use crate::engine::Planned;
use crate::engine::checks::{CheckEvent, Verification};
use crate::model::endpoint;
use crate::model::outcome::Outcome;
use crate::model::target::Target;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use events::engine_event;
use inspect::{copy_curl, probe_selected, run_checks};
use modal::modal_key;
use navigation::{mark_all, move_selection, toggle_mark};
use tui_input::Input;

const PAGE: usize = 10;

pub fn update(state: &mut State, message: Message) -> Vec<Command> {
    match message {
        Message::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Message::Key(key) => {
            // The next action ends an informational message; its own
            // message (if any) comes after.
            state.message_seen();
            let before = reason::Before::take(state);
            let commands = match state.modal.take() {
                Some(modal) => modal_key(state, modal, key),
                None => normal_key(state, key),
            };
            let released = reason::ask_first(state, commands, before);
            count_work(state, &released);
            released
        }
        Message::Paste(text) => {
            super::screens::paste(state, &text);
            Vec::new()
        }
        Message::Resize => Vec::new(),
        Message::Mouse(mouse) => {
            state.message_seen();
            let before = reason::Before::take(state);
            let commands = mouse::mouse(state, mouse);
            let released = reason::ask_first(state, commands, before);
            count_work(state, &released);
            released
        }
        Message::Tick(now) => {
            state.now = now;
            state.expire_message();
            if state.in_flight > 0 {
                state.spinner = state.spinner.wrapping_add(1);
            }
            Vec::new()
        }
        Message::Engine(EngineEvent::Watched { site, watched }) => {
            watch::watched(state, site, *watched)
        }
        Message::Engine(event) => {
            engine_event(state, event);
            Vec::new()
        }
        Message::Copied(said) => {
            state.say(Level::Info, said.clone());
            state.push_activity(Level::Info, said);
            Vec::new()
        }
    }
}

fn normal_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    match state.keys.action_for(&key) {
        Some(action) => act(state, action),
        None => Vec::new(),
    }
}

/// What a key (or a click on it in the footer) does.
fn act(state: &mut State, action: Action) -> Vec<Command> {
    if state.read_only && keys::sends(action) {
        state.say(
            Level::Problem,
            "read-only: sending revalidations is disabled (--read-only)",
        );
        return Vec::new();
    }
    if state.focus == Pane::Sites && acts_on_a_route(action) {
        return show_routes_first(state);
    }
    match action {
        Action::Up
        | Action::Down
        | Action::Top
        | Action::Bottom
        | Action::PageUp
        | Action::PageDown
        | Action::NextPane
        | Action::PrevPane
        | Action::Open
        | Action::Mark
        | Action::MarkAll => {
            navigate(state, action);
            Vec::new()
        }
        Action::Revalidate => send_selection(state, SendAction::Revalidate),
        Action::Verify => send_selection(state, SendAction::Verify),
        Action::Fresh => send_selection(state, SendAction::Fresh),
        Action::Purge => send_selection(state, SendAction::Purge),
        Action::Checks => run_checks(state),
        Action::Probe => probe_selected(state),
        Action::Watch => watch::toggle(state),
        Action::RevalidateTag => {
            state.modal = Some(Modal::TagPicker {
                selected: 0,
                input: Input::default(),
            });
            Vec::new()
        }
        Action::AdHoc => open_input(state, InputPurpose::AdHoc, ""),
        Action::Filter => {
            // The index is built now, so the first letter typed is quick.
            let _ = state.search();
            let current = state.filter.clone();
            open_input(state, InputPurpose::Filter, &current)
        }
        Action::CommandLine => open_input(state, InputPurpose::CommandLine, ""),
        Action::CopyCurl => copy_curl(state),
        Action::Help => {
            state.modal = Some(Modal::Help(Default::default()));
            Vec::new()
        }
        Action::Zoom => {
            state.zoomed = !state.zoomed;
            if state.zoomed {
                state.focus = Pane::Details;
            }
            Vec::new()
        }
        Action::History => history::open(state, Default::default()),
        Action::Sort => {
            state.sort = crate::tui::state::SortBy::next(state.sort);
            state.sort_reversed &= state.sort.is_some();
            sorted(state)
        }
        Action::SortReverse => {
            state.sort_reversed = !state.sort_reversed;
            state.sort = state.sort.or(Some(crate::tui::state::SortBy::Path));
            sorted(state)
        }
        Action::Cancel => cancel(state),
        Action::Quit => quit(state),
    }
}

/// Keys that move around or mark: nothing is sent.
fn navigate(state: &mut State, action: Action) {
    match action {
        Action::NextPane => {
            state.focus = match state.focus {
                Pane::Sites => Pane::Routes,
                Pane::Routes => Pane::Details,
                Pane::Details => Pane::Sites,
            }
        }
        Action::PrevPane => {
            state.focus = match state.focus {
                Pane::Sites => Pane::Details,
                Pane::Routes => Pane::Sites,
                Pane::Details => Pane::Routes,
            }
        }
        Action::Open if state.focus == Pane::Sites => state.focus = Pane::Routes,
        Action::Open => {}
        Action::Mark => toggle_mark(state),
        Action::MarkAll => mark_all(state),
        _ => move_selection(state, action),
    }
}

fn send_selection(state: &mut State, action: SendAction) -> Vec<Command> {
    let targets = selection_targets(state);
    request_send(state, action, targets)
}

/// Work that goes out is counted here, in one place, when `update` hands
/// it over (a send held by the why? prompt is not, until it is answered):
/// the header's "in flight", and the rows' "sending…". The engine's events
/// count it down.
fn count_work(state: &mut State, commands: &[Command]) {
    for command in commands {
        match command {
            Command::Revalidate { site, targets }
            | Command::Verify { site, targets }
            | Command::Fresh { site, targets } => {
                for p in targets {
                    state.pending.insert((*site, p.target.clone()));
                }
                state.in_flight += targets.len();
            }
            // Until `PurgeDone` (or `NotStarted` naming each item): a
            // CloudFront invalidation polls for minutes.
            Command::Purge { items, .. } => state.in_flight += items.len(),
            Command::RunChecks { .. } | Command::Probe { .. } | Command::FindStale { .. } => {
                state.in_flight += 1
            }
            // The Routes title says "reading the sitemap…" until it is read.
            Command::Copy(_)
            | Command::CancelAll
            | Command::SetReason(_)
            | Command::ReadSitemap { .. }
            | Command::Watch { .. }
            | Command::Unwatch { .. }
            | Command::Bell => {}
        }
    }
}

/// Redo the order and say what it is now.
fn sorted(state: &mut State) -> Vec<Command> {
    state.refilter();
    let text = match state.sort {
        None => "routes in config order".to_string(),
        Some(by) => format!(
            "routes sorted by {}{} (s: next column, S: reverse)",
            by.column(),
            if state.sort_reversed {
                ", reversed"
            } else {
                ""
            }
        ),
    };
    state.say(Level::Info, text);
    Vec::new()
}

/// Keys that act on the selected route (or the marked ones).
fn acts_on_a_route(action: Action) -> bool {
    matches!(
        action,
        Action::Revalidate
            | Action::Verify
            | Action::Fresh
            | Action::Purge
            | Action::Checks
            | Action::Probe
            | Action::CopyCurl
    )
}

/// From the Sites pane the selected route is not in view: a route key
/// opens the site's routes instead of acting on one the operator cannot see.
fn show_routes_first(state: &mut State) -> Vec<Command> {
    state.focus = Pane::Routes;
    let site = state.site().map(|s| s.name.clone()).unwrap_or_default();
    state.say(
        Level::Info,
        format!("the routes of {site}: select one (or mark several), then press the key again"),
    );
    Vec::new()
}

fn open_input(state: &mut State, purpose: InputPurpose, value: &str) -> Vec<Command> {
    state.modal = Some(Modal::Input {
        purpose,
        input: Input::new(value.to_string()),
    });
    Vec::new()
}

fn quit(state: &mut State) -> Vec<Command> {
    state.quit = true;
    let mut commands = Vec::new();
    if state.in_flight > 0 {
        commands.push(Command::CancelAll);
    }
    commands
}

/// Esc: clear the filter, else stop sending, else clear the notice.
fn cancel(state: &mut State) -> Vec<Command> {
    if !state.filter.is_empty() {
        state.filter.clear();
        state.refilter();
        return Vec::new();
    }
    if state.in_flight > 0 {
        state.say(
            Level::Info,
            "stopping: no new requests; those in flight finish",
        );
        state.start_stopping();
        return vec![Command::CancelAll];
    }
    state.status = None;
    Vec::new()
}

/// The marked routes, else the selected one.
fn selection_targets(state: &State) -> Vec<Target> {
    let Some(site) = state.site() else {
        return Vec::new();
    };
    let marked = state.marked_routes();
    let routes: Vec<usize> = if marked.is_empty() {
        state.selected_route_index().into_iter().collect()
    } else {
        marked
    };
    routes
        .iter()
        .filter_map(|&r| site.routes.get(r))
        .map(|route| route.target())
        .collect()
}

/// Send at once for one target; ask first for more.
fn request_send(state: &mut State, action: SendAction, targets: Vec<Target>) -> Vec<Command> {
    match targets.len() {
        0 => {
            state.say(Level::Info, "nothing selected");
            Vec::new()
        }
        1 => send(state, action, state.site_idx, targets),
        _ => {
            state.modal = Some(Modal::Confirm {
                action,
                site: state.site_idx,
                targets,
                send_focused: false,
                reason: None,
            });
            Vec::new()
        }
    }
}

fn send(state: &mut State, action: SendAction, site: usize, targets: Vec<Target>) -> Vec<Command> {
    if state.read_only {
        state.say(Level::Problem, "read-only: nothing sent");
        return Vec::new();
    }
    if action == SendAction::Purge {
        return purge::purge(state, site, targets);
    }
    let Some(config) = state.sites.get(site) else {
        return Vec::new();
    };
    let name = config.name.clone();
    let (refused, planned): (Vec<Planned>, Vec<Planned>) =
        crate::engine::plan(config, targets, false)
            .into_iter()
            .partition(Planned::is_refused);
    for p in &refused {
        let why = p.refusal.as_ref().map_or("", |o| o.explanation.as_str());
        state.say(Level::Problem, format!("not sent: {}: {why}", p.target));
        state.push_activity(
            Level::Problem,
            format!("{name}: not sent: {}: {why}", p.target),
        );
    }
    if planned.is_empty() {
        return Vec::new();
    }
    state.marks.retain(|(s, _)| *s != site);
    let what = match planned.as_slice() {
        [one] => one.target.to_string(),
        many => format!("{} targets", many.len()),
    };
    match action {
        SendAction::Revalidate => {
            state.push_activity(Level::Info, format!("{name}: sending {what}"));
            vec![Command::Revalidate {
                site,
                targets: planned,
            }]
        }
        SendAction::Verify => {
            state.push_activity(
                Level::Info,
                format!("{name}: revalidating and verifying {what}"),
            );
            vec![Command::Verify {
                site,
                targets: planned,
            }]
        }
        SendAction::Fresh => {
            state.push_activity(
                Level::Info,
                format!("{name}: making {what} fresh: every origin, then the CDN"),
            );
            vec![Command::Fresh {
                site,
                targets: planned,
            }]
        }
        SendAction::Purge => Vec::new(),
    }
}
