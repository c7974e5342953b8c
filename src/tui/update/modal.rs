//! Keys while a screen is open: the screen answers (`tui::screens`), and
//! what its answer asks beyond the screen is done here — a send, a typed
//! target checked for typos, the `:` command line, quitting.

use super::*;
use crate::model::target::TargetKind;
use crate::tui::screens::{self, Reply};

pub(super) fn modal_key(state: &mut State, modal: Modal, key: KeyEvent) -> Vec<Command> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return quit(state);
    }
    match screens::key(state, modal, key) {
        Reply::Done => Vec::new(),
        Reply::Commands(commands) => commands,
        Reply::Send {
            action,
            site,
            targets,
        } => send(state, action, site, targets),
        Reply::SendTyped(target) => send_unless_typo(state, target),
        Reply::CommandLine(line) => run_command_line(state, &line),
        Reply::Quit => quit(state),
    }
}

/// Send one typed target, but ask first when it names no configured route
/// or tag, or one a letter or two from one: Next.js answers
/// revalidated:true for any path or tag, so a typo would go out silently
/// and revalidate nothing.
fn send_unless_typo(state: &mut State, target: Target) -> Vec<Command> {
    state.typed.insert((state.site_idx, target.clone()));
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

/// `:stale`: find the selected site's pages that are probably stale now;
/// they come back marked, so `f` makes them fresh.
fn find_stale(state: &mut State) -> Vec<Command> {
    let site = state.site_idx;
    let name = state.site_name(site);
    if state.sites.get(site).is_none_or(|s| s.sitemap.is_none()) {
        state.say(
            Level::Problem,
            format!("{name} has no sitemap: add sitemap = \"/sitemap.xml\" to [sites.{name}] (the finder compares each page's lastmod with its copies)"),
        );
        return Vec::new();
    }
    state.say(
        Level::Info,
        format!("{name}: reading every page of the sitemap at every layer…"),
    );
    vec![Command::FindStale { site }]
}

/// `:refresh`: read the selected site's sitemap again.
fn read_sitemap(state: &mut State) -> Vec<Command> {
    let site = state.site_idx;
    match state.sitemaps.get(site) {
        Some(crate::tui::state::SitemapState::NoSitemap) | None => {
            let name = state.site_name(site);
            state.say(
                Level::Problem,
                format!("{name} has no sitemap: add sitemap = \"/sitemap.xml\" to [sites.{name}]"),
            );
            Vec::new()
        }
        Some(_) => {
            state.sitemaps[site] = crate::tui::state::SitemapState::Reading;
            vec![Command::ReadSitemap { site }]
        }
    }
}

/// `:site NAME`, `:path /x`, `:tag NAME`, `:history …`, `:reason TEXT`,
/// `:refresh`, `:stale`, `:q`.
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
            let view = screens::history::from_words(state, arg);
            super::history::open(state, view)
        }
        "refresh" => read_sitemap(state),
        "stale" => find_stale(state),
        "path" | "tag" if state.read_only => {
            state.say(
                Level::Problem,
                "read-only: sending revalidations is disabled (--read-only)",
            );
            Vec::new()
        }
        "path" => match screens::input::submit_ad_hoc(state, Input::new(arg.to_string())) {
            Reply::SendTyped(target) => send_unless_typo(state, target),
            _ => Vec::new(),
        },
        "tag" if !arg.is_empty() => send_unless_typo(state, Target::tag(arg)),
        _ => {
            let hint = crate::model::text::closest(verb, crate::tui::state::VERBS)
                .map(|v| format!("did you mean :{v}? "))
                .unwrap_or_default();
            state.say(
                Level::Problem,
                format!("unknown command {line:?}: {hint}try :site NAME, :path /x, :tag NAME, :history [SITE ACTION OUTCOME problems 1h], :reason TEXT, :refresh, :stale, :q (tab completes)"),
            );
            Vec::new()
        }
    }
}
