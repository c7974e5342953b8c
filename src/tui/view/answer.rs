//! The answer first: two lines at the top of the details pane that say
//! what the last thing asked about the selected page found, and what to
//! do next (the key that does it). The evidence follows below them.

use super::*;
use crate::engine::checks::Finding;
use crate::tui::keys::Action;
use crate::tui::state::SeenProbe;

/// The answer laid out for `width` columns and at most `room` rows, and
/// the rows it takes: every line wrapped when all of it fits (a fix is
/// read whole, never cut at 80 columns); else the first line cut to one
/// row, so what to do stays in sight below it.
pub(super) fn answer_paragraph(state: &State, width: u16, room: u16) -> (Paragraph<'static>, u16) {
    let lines = answer_lines(state);
    let rows = |p: &Paragraph| u16::try_from(p.line_count(width)).unwrap_or(u16::MAX);
    let whole = Paragraph::new(lines.clone()).wrap(Wrap { trim: false });
    if rows(&whole) <= room {
        let used = rows(&whole);
        return (whole, used);
    }
    let mut lines = lines;
    if let Some(first) = lines.first_mut() {
        *first = cut_to(first, usize::from(width));
    }
    let cut = Paragraph::new(lines).wrap(Wrap { trim: false });
    let used = rows(&cut).min(room);
    (cut, used)
}

/// A line in at most `width` characters, its spans' styles kept.
fn cut_to(line: &Line<'static>, width: usize) -> Line<'static> {
    let mut left = width;
    let mut spans = Vec::new();
    for span in &line.spans {
        if left == 0 {
            break;
        }
        let text = crate::model::text::fit(&span.content, left);
        left = left.saturating_sub(text.chars().count());
        spans.push(Span::styled(text, span.style));
    }
    Line::from(spans).style(line.style)
}

/// What the newest of the page's verification, probe and revalidation
/// says, as (the finding, what to do): empty when nothing was asked yet.
pub(super) fn answer_lines(state: &State) -> Vec<Line<'static>> {
    let (Some(site), Some(route)) = (state.site(), state.selected_route()) else {
        return Vec::new();
    };
    let result = state.result_for(state.site_idx, &route.target());
    // The newest of the four; on a tie the verdict, then the checks, then
    // the probe, says more.
    let checked = state
        .checklist
        .as_ref()
        .filter(|l| l.site == site.name && l.paths.contains(&route.path))
        .filter(|l| l.findings.iter().any(|f| about(f, &route.path)));
    let newest = [
        checked.map(|l| (l.time, 3, Newest::Checks(l))),
        state
            .verdict_for(state.site_idx, &route.path)
            .map(|v| (v.time, 2, Newest::Verdict(v))),
        state
            .probe_for(state.site_idx, &route.path)
            .map(|p| (p.time, 1, Newest::Probe(p))),
        result.map(|r| (r.time, 0, Newest::Result(r))),
    ]
    .into_iter()
    .flatten()
    .max_by_key(|(time, rank, _)| (*time, *rank));
    let fixed_by_fresh = match &newest {
        Some((_, _, Newest::Verdict(v))) => {
            fresh_fixes(v.verdict) && result.is_none_or(|r| r.time <= v.time)
        }
        Some((_, _, Newest::Probe(p))) => p.page.judgement.remedies().iter().any(|r| {
            matches!(
                r,
                crate::model::judgement::Remedy::PurgeUrl
                    | crate::model::judgement::Remedy::RevalidateEachOrigin
            )
        }),
        _ => false,
    };
    let (first, second) = match newest {
        Some((_, _, Newest::Verdict(v))) => verdict_answer(state, v, result, site),
        Some((_, _, Newest::Probe(p))) => probe_answer(state, p),
        Some((_, _, Newest::Checks(l))) => checks_answer(state, l, &route.path),
        Some((_, _, Newest::Result(r))) => result_answer(state, r),
        None => return watch_line(state, &route.path).into_iter().collect(),
    };
    let mut lines = vec![first, second];
    if let Some(line) = watch_line(state, &route.path) {
        lines.push(line);
    }
    // The command line's own fix, to run from a shell or a runbook.
    if fixed_by_fresh {
        let run = format!(
            "run: isrctl fresh {} --path {}",
            crate::model::text::shell_word(&site.name),
            crate::model::text::shell_word(&route.path)
        );
        lines.push(Line::styled(run, state.theme.dim()));
    }
    lines
}

/// A watched page (`w`): the copy visitors get, how old, and when it
/// expires, as of the latest read.
fn watch_line(state: &State, path: &str) -> Option<Line<'static>> {
    if !state.is_watched(state.site_idx, path) {
        return None;
    }
    let every = crate::model::text::duration_words(crate::tui::update::WATCH_INTERVAL.as_secs());
    let Some(w) = state.watched(state.site_idx, path) else {
        return Some(Line::styled(
            format!("watching every {every} · reading…"),
            state.theme.dim(),
        ));
    };
    let mut text = format!(
        "watching every {every} · {} {}",
        w.standing.symbol(),
        w.standing.as_str()
    );
    if let Some(public) = w.layers.iter().find(|l| l.layer == "public") {
        if let Some(age) = public.age_s {
            text.push_str(&format!(
                " · the copy visitors get is {} old",
                crate::model::text::duration_words(age)
            ));
        }
        if let Some(left) = public.expires_in_s.filter(|s| *s >= 0) {
            let left = left as u64;
            let clock = crate::model::text::clock_after(left, w.time).unwrap_or_default();
            text.push_str(&format!(
                ", expires in {} ({clock})",
                crate::model::text::duration_words(left)
            ));
        }
    }
    Some(Line::styled(text, state.theme.dim()))
}

/// The verdicts `fresh` fixes (revalidate every origin, then purge).
fn fresh_fixes(verdict: Verdict) -> bool {
    matches!(
        verdict,
        Verdict::StaleReplica | Verdict::FreshAtOriginStaleAtCdn | Verdict::HtmlFreshRscStale
    )
}

/// What was last asked about the page.
enum Newest<'a> {
    Checks(&'a crate::tui::state::Checklist),
    Verdict(&'a PageVerdict),
    Probe(&'a SeenProbe),
    Result(&'a TargetResult),
}

fn key(state: &State, action: Action) -> String {
    state.keys.key_of(action).unwrap_or_default()
}

fn verdict_answer(
    state: &State,
    v: &PageVerdict,
    result: Option<&TargetResult>,
    site: &crate::model::config::Site,
) -> (Line<'static>, Line<'static>) {
    let t = &state.theme;
    let fresh = v.verdict == Verdict::FreshEverywhere;
    let mark = if fresh { "✓" } else { "✗" };
    let style = if fresh { t.ok() } else { t.problem() };
    let first = Line::from(vec![
        Span::styled(
            format!("{mark} {} ", v.verdict.as_str()),
            style.add_modifier(Modifier::BOLD),
        ),
        Span::raw(v.explanation.clone()),
    ]);
    // A revalidation after this verification: the verdict may be old news.
    let outdated = result.is_some_and(|r| r.time > v.time);
    let fixed_by_fresh = fresh_fixes(v.verdict);
    let second = if outdated {
        Line::styled(
            format!(
                "verified before the last revalidation · press {} to verify again",
                key(state, Action::Verify)
            ),
            t.warning(),
        )
    } else if fixed_by_fresh && !state.read_only {
        let words = match site.purge {
            Some(_) => "to make it fresh: every origin, then a purge of the CDN",
            None => "to revalidate every origin (add a [purge] to purge the CDN too)",
        };
        Line::styled(
            format!("press {} {words}", key(state, Action::Fresh)),
            t.warning(),
        )
    } else if let Some(fix) = &v.fix {
        Line::styled(format!("fix: {fix}"), t.warning())
    } else {
        Line::styled(format!("verified {}", ago(v.time, state.now)), t.dim())
    };
    (first, second)
}

fn probe_answer(state: &State, p: &SeenProbe) -> (Line<'static>, Line<'static>) {
    let when = format!("probed {}", ago(p.time, state.now));
    let all_ok = "✓ every layer answered; nothing looks stale";
    worst_answer(state, p.page.conclusions.iter(), when, all_ok)
}

/// A finding about this page (or the whole site).
fn about(f: &Finding, path: &str) -> bool {
    f.path.as_deref().is_none_or(|p| p == path)
}

/// The checks, newer than any verdict, probe or revalidation: their worst
/// finding about the page (the answer at a glance agrees with the list).
fn checks_answer(
    state: &State,
    list: &crate::tui::state::Checklist,
    path: &str,
) -> (Line<'static>, Line<'static>) {
    let when = format!("checked {}", ago(list.time, state.now));
    let about_page = list.findings.iter().filter(|f| about(f, path));
    worst_answer(state, about_page, when, "✓ the checks found nothing wrong")
}

/// The worst of some findings and its fix; `all_ok` and `when` when none
/// is worse than ok.
fn worst_answer<'a>(
    state: &State,
    findings: impl Iterator<Item = &'a Finding>,
    when: String,
    all_ok: &'static str,
) -> (Line<'static>, Line<'static>) {
    let t = &state.theme;
    match findings.max_by_key(|f| severity_rank(f.severity)) {
        Some(f) if f.severity != Severity::Ok => (
            Line::styled(format!("✗ {}", f.title), t.problem()),
            Line::styled(
                f.fix
                    .as_ref()
                    .map(|fix| format!("fix: {fix}"))
                    .unwrap_or(when),
                t.warning(),
            ),
        ),
        _ => (Line::styled(all_ok, t.ok()), Line::styled(when, t.dim())),
    }
}

fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Ok => 0,
        Severity::CouldNotCheck => 1,
        Severity::Warning => 2,
        Severity::Problem => 3,
    }
}

fn result_answer(state: &State, r: &TargetResult) -> (Line<'static>, Line<'static>) {
    let t = &state.theme;
    let status = r.status.map(|s| format!(" {s}")).unwrap_or_default();
    if r.ok {
        (
            Line::styled(
                format!("✓ {}{status} · {}", r.outcome, ago(r.time, state.now)),
                t.ok(),
            ),
            Line::styled(
                format!(
                    "the endpoint accepted it; press {} to see that every layer serves the new page",
                    key(state, Action::Verify)
                ),
                t.dim(),
            ),
        )
    } else {
        let fix = r
            .fix
            .clone()
            .map(|f| format!("fix: {f}"))
            .or_else(|| r.explanation.clone())
            .unwrap_or_default();
        (
            Line::styled(
                format!("✗ {}{status} · {}", r.outcome, ago(r.time, state.now)),
                t.problem(),
            ),
            Line::styled(fix, t.warning()),
        )
    }
}
