//! What the engine reports, folded into the state: results, verdicts,
//! findings, probes, the 429 wait and runs that could not start.

use super::*;
use crate::engine::checks::cache_layers::ProbedPage;
use crate::engine::{SiteId, StartError};
use crate::model::config::Route;
use crate::model::purge::PurgeOutcome;

pub(super) fn engine_event(state: &mut State, event: EngineEvent) {
    event_folded(state, event);
    state.settle_stopping();
}

fn event_folded(state: &mut State, event: EngineEvent) {
    match event {
        EngineEvent::Finished { .. } | EngineEvent::Verified { .. } => one_done(state, event),
        EngineEvent::Progress { site, message } => {
            let text = format!("{}: {message}", state.site_name(site));
            say_and_log(state, Level::Info, text);
        }
        EngineEvent::Waiting { site, wait } => {
            let text = format!(
                "{}: rate limited: every request waits {} s as the server asks (Retry-After)",
                state.site_name(site),
                wait.as_secs()
            );
            say_and_log(state, Level::Problem, text);
        }
        EngineEvent::FreshSent {
            site,
            target,
            request,
            outcome,
        } => record_outcome(state, site, target, request, &outcome),
        EngineEvent::Step { site, target, text } => {
            let line = format!("{}: {target}: {text}", state.site_name(site));
            state.push_activity(Level::Info, line);
        }
        EngineEvent::FreshDone {
            site,
            target,
            outcome,
            verifications,
        } => fresh_done(state, (site, target), &outcome, verifications),
        EngineEvent::SitemapRoutes { site, routes } => sitemap_routes(state, site, routes),
        EngineEvent::SitemapNotRead { site, why } => {
            if let Some(s) = state.sitemaps.get_mut(site) {
                *s = crate::tui::state::SitemapState::NotRead;
            }
            let text = format!("{}: sitemap not read: {why}", state.site_name(site));
            say_and_log(state, Level::Problem, text);
        }
        EngineEvent::RouteIndex { site, search } => state.adopt_search(site, search),
        EngineEvent::Purged { site, outcome, .. } => purged(state, site, &outcome),
        EngineEvent::HistoryLoaded { records } => super::history::loaded(state, records),
        EngineEvent::Recorded { records } => state.remember(records),
        EngineEvent::PurgeDone { items, .. } => {
            state.in_flight = state.in_flight.saturating_sub(items);
        }
        EngineEvent::Warning { message } => say_and_log(state, Level::Problem, message),
        EngineEvent::Check { site, event } => {
            let name = state.site_name(site);
            record_check_event(state, &name, event);
        }
        EngineEvent::ChecksDone { site } => {
            state.in_flight = state.in_flight.saturating_sub(1);
            checks_done(state, &state.site_name(site));
        }
        EngineEvent::Probed { site, page } => probed(state, site, page),
        EngineEvent::StaleProgress { site, done, total } => {
            let text = format!("{}: {done} of {total} pages read", state.site_name(site));
            state.say(Level::Info, text);
        }
        EngineEvent::StaleScanned { site, scan } => {
            state.in_flight = state.in_flight.saturating_sub(1);
            super::stale::scanned(state, site, *scan);
        }
        // Nor a watch: `isrctl watch`.
        EngineEvent::Watched { .. } => {}
        EngineEvent::NotStarted {
            site,
            targets,
            reason,
        } => not_started(state, site, targets, &reason),
    }
}

/// One revalidation ended (verified or not): one piece of work less.
fn one_done(state: &mut State, event: EngineEvent) {
    let (site, target, request, outcome, verifications) = match event {
        EngineEvent::Finished {
            site,
            target,
            request,
            outcome,
        } => (site, target, request, outcome, Vec::new()),
        EngineEvent::Verified {
            site,
            target,
            request,
            outcome,
            verifications,
        } => (site, target, request, outcome, verifications),
        _ => return,
    };
    state.in_flight = state.in_flight.saturating_sub(1);
    record_outcome(state, site, target, request, &outcome);
    for v in verifications {
        record_verification(state, v);
    }
}

/// On the message line now, and in the activity log.
fn say_and_log(state: &mut State, level: Level, text: String) {
    state.say(level, text.clone());
    state.push_activity(level, text);
}

fn fresh_done(
    state: &mut State,
    (site, target): (SiteId, Target),
    outcome: &Outcome,
    verifications: Vec<Verification>,
) {
    state.in_flight = state.in_flight.saturating_sub(1);
    if verifications.is_empty() {
        let line = format!(
            "{}: fresh {target}: not revalidated: {}",
            state.site_name(site),
            outcome.explanation
        );
        state.push_activity(Level::Problem, line);
    }
    for v in verifications {
        record_verification(state, v);
    }
}

fn sitemap_routes(state: &mut State, site: SiteId, routes: std::sync::Arc<[Route]>) {
    let added = routes.len();
    let from_sitemap = routes
        .iter()
        .filter(|r| r.labels.iter().any(|l| l == "sitemap"));
    if let Some(s) = state.sitemaps.get_mut(site) {
        *s = crate::tui::state::SitemapState::Read {
            pages: from_sitemap.count(),
        };
    }
    if let Some(config) = state.sites.get_mut(site) {
        let before = config.routes.len();
        config.routes = routes;
        let line = format!(
            "{}: {} route(s) from its sitemap",
            config.name,
            added.saturating_sub(before)
        );
        state.push_activity(Level::Info, line);
    }
    state.refilter();
}

fn purged(state: &mut State, site: SiteId, outcome: &PurgeOutcome) {
    let name = state.site_name(site);
    for item in &outcome.covers {
        let key = (site, crate::model::purge::item_target(item));
        let seen = (state.now, outcome.kind.as_str().to_string());
        state.purges.insert(key, seen);
    }
    let level = if outcome.kind.is_fine() {
        Level::Ok
    } else {
        Level::Problem
    };
    let text = format!(
        "{name}: {} {}: {}",
        outcome.provider,
        outcome.kind.as_str(),
        outcome.call
    );
    state.push_activity(level, text);
}

fn probed(state: &mut State, site: SiteId, page: ProbedPage) {
    state.in_flight = state.in_flight.saturating_sub(1);
    state.set_probed(site, &page.path, page.worst());
    let name = state.site_name(site);
    let path = page.path.clone();
    let line = page
        .layers
        .iter()
        .map(|p| format!("{}: {}", p.label, p.summary()))
        .next()
        .unwrap_or_default();
    state.push_activity(Level::Info, format!("{name}: probed {path}: {line}"));
    let probe = SeenProbe {
        page,
        time: state.now,
    };
    state.probes.insert((site, path), probe);
}

fn not_started(state: &mut State, site: SiteId, targets: Vec<Target>, reason: &StartError) {
    state.in_flight = state.in_flight.saturating_sub(targets.len().max(1));
    for target in targets {
        state.pending.remove(&(site, target));
    }
    let name = state.site_name(site);
    state.say(Level::Problem, format!("{name}: {reason}"));
    state.push_activity(Level::Problem, format!("{name}: not sent: {reason}"));
}

fn checks_done(state: &mut State, site: &str) {
    if let Some(list) = state.checklist.as_mut().filter(|l| l.site == site) {
        list.done = true;
        let worst = list.findings.iter().map(|f| f.severity).max();
        let text = format!(
            "{site}: checks done, {} finding(s), worst {}",
            list.findings.len(),
            worst.map_or("none", |w| w.as_str())
        );
        let problem = worst.is_some_and(|w| w >= crate::engine::checks::Severity::Warning);
        state.push_activity(if problem { Level::Problem } else { Level::Ok }, text);
    }
}

fn record_outcome(
    state: &mut State,
    site_id: usize,
    target: Target,
    request: String,
    outcome: &Outcome,
) {
    let site = state.site_name(site_id);
    let key = (site_id, target.clone());
    state.pending.remove(&key);
    // Never sent: the row keeps its last real result (no "just now").
    if outcome.kind == crate::model::outcome::OutcomeKind::Cancelled {
        state.typed.remove(&key);
        state.count_not_sent();
        state.push_activity(Level::Info, format!("{site}: {target} not sent (stopped)"));
        return;
    }
    let result = TargetResult::from_outcome(outcome, request, state.now);
    let level = if result.ok { Level::Ok } else { Level::Problem };
    let line = format!(
        "{site}: {target} {}{}",
        outcome.kind.as_str(),
        outcome.status.map(|s| format!(" {s}")).unwrap_or_default()
    );
    state.mark_result(site_id, &target, result.ok);
    // What was typed (`a`, `t`, `:path`, `:tag`) or sent on another site
    // has no row in sight to show its result: the message line does, the
    // moment it arrives.
    let typed = state.typed.remove(&key);
    state.results.insert(key, result);
    if typed || site_id != state.site_idx {
        state.say(level, line.clone());
    }
    state.push_activity(level, line);
}

fn record_verification(state: &mut State, v: Verification) {
    let site = v.site.clone();
    // Cut short: no verdict, so none is shown (nor "configure a marker").
    if v.stopped {
        state.count_stopped();
        let line = format!(
            "{site}: verification of {} stopped before a verdict",
            v.page
        );
        state.push_activity(Level::Info, line);
        return;
    }
    let layers: Vec<String> = v.layers.iter().map(ToString::to_string).collect();
    let ok = v.verdict == crate::engine::checks::Verdict::FreshEverywhere;
    state.push_activity(
        if ok { Level::Ok } else { Level::Problem },
        format!("{site}: verified {}: {}", v.page, v.verdict.as_str()),
    );
    if let Some(list) = state.checklist.as_mut().filter(|l| l.site == site) {
        list.findings.push(crate::engine::checks::verify::finding(
            crate::engine::checks::CheckId::Verify,
            &v,
        ));
    }
    // What the answers said of the origins' caches, under the layers.
    let layers = layers.into_iter().chain(v.cache_topology).collect();
    let verdict = PageVerdict {
        verdict: v.verdict,
        explanation: v.explanation,
        fix: v.fix,
        layers,
        time: state.now,
    };
    if let Some(id) = state.site_id(&site) {
        state.set_verdict(id, &v.page, verdict);
    }
}

fn record_check_event(state: &mut State, site: &str, event: CheckEvent) {
    match event {
        CheckEvent::Finding(finding) => {
            if let Some(list) = state.checklist.as_mut().filter(|l| l.site == site) {
                list.findings.push(finding);
            }
        }
        CheckEvent::Verified(v) => record_verification(state, *v),
        CheckEvent::Started { .. } | CheckEvent::Finished { .. } => {}
    }
}
