//! Keys while a dialog is open: confirm, text input, the command line
//! (`:site`, `:path`, `:tag`, `:q`) and the tag picker.

use super::*;
use crate::model::target::TargetKind;
use crate::tui::state::tab_complete;

pub(super) fn modal_key(state: &mut State, modal: Modal, key: KeyEvent) -> Vec<Command> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return quit(state);
    }
    match modal {
        Modal::Help(view) => help_key(state, view, key),
        Modal::Confirm {
            action,
            site,
            targets,
            send_focused,
            reason,
        } => confirm_key(state, (action, site, targets, reason), send_focused, key),
        Modal::Input { purpose, input } => input_key(state, purpose, input, key),
        Modal::TagPicker { selected, input } => tag_key(state, selected, input, key),
        Modal::History(view) => super::history::key(state, view, key),
        Modal::Reason {
            input,
            pending,
            activity,
            marks,
        } => super::reason::key(state, (input, pending, activity, marks), key),
    }
}

/// Help: j/k scroll, `/` searches, Esc, q or ? close.
fn help_key(
    state: &mut State,
    mut view: crate::tui::help::HelpView,
    key: KeyEvent,
) -> Vec<Command> {
    if view.searching {
        view.searching = super::history::type_search(&mut view.search, key);
        view.scroll = 0;
    } else {
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') => return Vec::new(),
            KeyCode::Char('j') | KeyCode::Down => view.scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => view.scroll = view.scroll.saturating_sub(1),
            KeyCode::PageDown => view.scroll += PAGE,
            KeyCode::PageUp => view.scroll = view.scroll.saturating_sub(PAGE),
            KeyCode::Char('g') | KeyCode::Home => view.scroll = 0,
            KeyCode::Char('/') => view.searching = true,
            _ => {}
        }
    }
    state.modal = Some(Modal::Help(view));
    Vec::new()
}

fn confirm_key(
    state: &mut State,
    (action, site, targets, reason): (SendAction, usize, Vec<Target>, Option<String>),
    send_focused: bool,
    key: KeyEvent,
) -> Vec<Command> {
    let reopen = |state: &mut State, targets, send_focused| {
        state.modal = Some(Modal::Confirm {
            action,
            site,
            targets,
            send_focused,
            reason,
        });
        Vec::new()
    };
    match key.code {
        KeyCode::Tab
        | KeyCode::BackTab
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Char('h')
        | KeyCode::Char('l') => reopen(state, targets, !send_focused),
        KeyCode::Enter if send_focused => send(state, action, site, targets),
        KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('n') => {
            state.say(Level::Info, "cancelled: nothing sent");
            Vec::new()
        }
        _ => reopen(state, targets, send_focused),
    }
}

fn input_key(
    state: &mut State,
    purpose: InputPurpose,
    mut input: Input,
    key: KeyEvent,
) -> Vec<Command> {
    match key.code {
        KeyCode::Esc => {
            if purpose == InputPurpose::Filter {
                state.filter.clear();
                state.refilter();
            }
            Vec::new()
        }
        KeyCode::Enter => submit_input(state, purpose, input),
        KeyCode::Tab if purpose == InputPurpose::CommandLine => {
            let line = input.value().to_string();
            let completed = tab_complete(&line, &state.command_completions(&line));
            state.modal = Some(Modal::Input {
                purpose,
                input: Input::new(completed),
            });
            Vec::new()
        }
        KeyCode::Tab if purpose == InputPurpose::AdHoc => {
            let accepted = state
                .ad_hoc_lint(input.value())
                .into_iter()
                .find_map(|f| f.suggestion)
                .map_or(input, Input::new);
            state.modal = Some(Modal::Input {
                purpose,
                input: accepted,
            });
            Vec::new()
        }
        _ => {
            input.handle_event(&Event::Key(key));
            if purpose == InputPurpose::Filter {
                state.filter = input.value().to_string();
                state.route_idx = 0;
                state.refilter();
            }
            state.modal = Some(Modal::Input { purpose, input });
            Vec::new()
        }
    }
}

/// Pasted text goes into the open input (one line: a newline in a paste
/// does not submit); with no input open, a paste does nothing.
pub(super) fn paste(state: &mut State, text: &str) {
    let line: String = text.chars().filter(|c| !c.is_control()).collect();
    match state.modal.take() {
        Some(Modal::Input { purpose, input }) => {
            let mut value = input.value().to_string();
            let cursor = input.cursor();
            let at = value
                .char_indices()
                .nth(cursor)
                .map_or(value.len(), |(i, _)| i);
            value.insert_str(at, &line);
            let input = Input::new(value).with_cursor(cursor + line.chars().count());
            if purpose == InputPurpose::Filter {
                state.filter = input.value().to_string();
                state.route_idx = 0;
                state.refilter();
            }
            state.modal = Some(Modal::Input { purpose, input });
        }
        Some(Modal::TagPicker { input, .. }) => {
            let input = Input::new(format!("{}{line}", input.value()));
            state.modal = Some(Modal::TagPicker { selected: 0, input });
        }
        other => state.modal = other,
    }
}

fn submit_input(state: &mut State, purpose: InputPurpose, input: Input) -> Vec<Command> {
    let value = input.value().trim().to_string();
    match purpose {
        InputPurpose::Filter => Vec::new(),
        InputPurpose::AdHoc => submit_ad_hoc(state, input),
        InputPurpose::CommandLine => run_command_line(state, &value),
    }
}

/// Send a typed path unless the linter refuses it; then keep the input open.
fn submit_ad_hoc(state: &mut State, input: Input) -> Vec<Command> {
    let target = crate::tui::state::ad_hoc_target(input.value());
    if let Some(reason) = state.ad_hoc_refusal(input.value()) {
        state.say(Level::Problem, reason);
        state.modal = Some(Modal::Input {
            purpose: InputPurpose::AdHoc,
            input,
        });
        return Vec::new();
    }
    send_unless_typo(state, target)
}

/// Send one typed target, but ask first when it names no configured route
/// or tag, or one a letter or two from one: Next.js answers
/// revalidated:true for any path or tag, so a typo would go out silently
/// and revalidate nothing.
fn send_unless_typo(state: &mut State, target: Target) -> Vec<Command> {
    let Some(name) = state.site().map(|s| s.name.clone()) else {
        return Vec::new();
    };
    state.typed.insert((name, target.clone()));
    let Some(site) = state.site() else {
        return Vec::new();
    };
    let near_miss = crate::engine::plan_one(site, target.clone(), false)
        .warnings()
        .find(|f| f.suggestion.is_some())
        .map(|f| f.message.clone());
    let reason = match target.kind {
        _ if near_miss.is_some() => near_miss,
        TargetKind::Tag if !site.tags.contains(&target.value) => Some(format!(
            "no route or site lists the tag {:?}: a typo? (Next.js accepts any tag and revalidates nothing)",
            target.value
        )),
        TargetKind::Path if !site.has_route_for(&target.value) => Some(format!(
            "{} matches no configured route: a typo? (Next.js answers revalidated:true for any path)",
            target.value
        )),
        _ => None,
    };
    match reason {
        None => send(state, SendAction::Revalidate, state.site_idx, vec![target]),
        Some(reason) => {
            state.modal = Some(Modal::Confirm {
                action: SendAction::Revalidate,
                site: state.site_idx,
                targets: vec![target],
                send_focused: false,
                reason: Some(reason),
            });
            Vec::new()
        }
    }
}

/// `:site NAME`, `:path /x`, `:tag NAME`, `:history …`, `:reason TEXT`, `:q`.
fn run_command_line(state: &mut State, line: &str) -> Vec<Command> {
    let (verb, arg) = line
        .split_once(' ')
        .map_or((line, ""), |(v, a)| (v, a.trim()));
    match verb {
        "q" | "quit" => quit(state),
        "reason" => {
            state.reason_asked = true;
            let reason = (!arg.is_empty()).then(|| arg.to_string());
            match &reason {
                Some(why) => state.say(
                    Level::Info,
                    format!("reason recorded with what you do from now on: {why}"),
                ),
                None => state.say(Level::Info, "no reason recorded from now on"),
            }
            vec![Command::SetReason(reason)]
        }
        "site" => {
            match state.sites.iter().position(|s| s.name == arg) {
                Some(i) => {
                    state.site_idx = i;
                    state.route_idx = 0;
                    state.focus = Pane::Routes;
                    state.refilter();
                }
                None => {
                    let names = state.sites.iter().map(|s| s.name.as_str());
                    let hint = crate::model::text::closest(arg, names)
                        .map(|n| format!(": did you mean :site {n}?"))
                        .unwrap_or_default();
                    state.say(Level::Problem, format!("no site named {arg:?}{hint}"))
                }
            }
            Vec::new()
        }
        "history" | "h" => {
            let view = super::history::from_words(state, arg);
            super::history::open(state, view)
        }
        "path" | "tag" if state.read_only => {
            state.say(
                Level::Problem,
                "read-only: sending revalidations is disabled (--read-only)",
            );
            Vec::new()
        }
        "path" => submit_ad_hoc(state, Input::new(arg.to_string())),
        "tag" if !arg.is_empty() => send_unless_typo(state, Target::tag(arg)),
        _ => {
            let hint = crate::model::text::closest(verb, crate::tui::state::VERBS)
                .map(|v| format!("did you mean :{v}? "))
                .unwrap_or_default();
            state.say(
                Level::Problem,
                format!("unknown command {line:?}: {hint}try :site NAME, :path /x, :tag NAME, :history [SITE ACTION OUTCOME problems 1h], :reason TEXT, :q (tab completes)"),
            );
            Vec::new()
        }
    }
}

fn tag_key(state: &mut State, selected: usize, mut input: Input, key: KeyEvent) -> Vec<Command> {
    let choices = state.tag_choices(input.value());
    match key.code {
        KeyCode::Esc => Vec::new(),
        KeyCode::Up => reopen_tags(state, selected.saturating_sub(1), input),
        KeyCode::Down => reopen_tags(
            state,
            (selected + 1).min(choices.len().saturating_sub(1)),
            input,
        ),
        KeyCode::Enter => {
            let typed = input.value().trim().to_string();
            let tag = choices.get(selected).cloned().unwrap_or(typed);
            if tag.is_empty() {
                return reopen_tags(state, selected, input);
            }
            send_unless_typo(state, Target::tag(tag))
        }
        _ => {
            input.handle_event(&Event::Key(key));
            reopen_tags(state, 0, input)
        }
    }
}

fn reopen_tags(state: &mut State, selected: usize, input: Input) -> Vec<Command> {
    state.modal = Some(Modal::TagPicker { selected, input });
    Vec::new()
}
