//! The details pane: the verdict, the probe, the checklist, the last
//! request and its answer, and the activity log.

use super::routes::route_label;
use super::*;

pub(super) fn draw_details(state: &State, frame: &mut Frame, area: Rect) {
    let block = pane_block(state, " Details ".into(), Pane::Details);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    state.hits.borrow_mut().details = area;
    // The answer stays put on top; the evidence below it scrolls.
    // Half the pane at most (three rows at least), so evidence shows too.
    let room = (inner.height / 2)
        .max(3)
        .min(inner.height.saturating_sub(1));
    let (answer, answer_rows) = super::answer::answer_paragraph(state, inner.width, room);
    let [answer_area, inner] =
        Layout::vertical([Constraint::Length(answer_rows), Constraint::Min(0)]).areas(inner);
    frame.render_widget(answer, answer_area);
    // The newest of the route's result, verification, probe and checks
    // comes first: it answers what was just asked.
    let mut result = details_lines(state);
    let header = if result.is_empty() {
        None
    } else {
        Some(result.remove(0))
    };
    let mut sections = vec![
        (section_time(state, Section::Result), result),
        (section_time(state, Section::Verdict), verdict_lines(state)),
        (section_time(state, Section::Probe), probe_lines(state)),
        (section_time(state, Section::Checks), checklist_lines(state)),
    ];
    sections.sort_by_key(|(time, _)| std::cmp::Reverse(*time));
    let mut lines: Vec<Line> = header.into_iter().collect();
    lines.extend(sections.into_iter().flat_map(|(_, lines)| lines));
    lines.push(Line::styled(
        "Activity",
        state.theme.dim().add_modifier(Modifier::BOLD),
    ));
    for entry in state.activity.iter().take(50) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} ", state.local(entry.time, "%H:%M:%S")),
                state.theme.dim(),
            ),
            Span::styled(entry.text.clone(), level_style(state, entry.level)),
        ]));
    }
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let rows = u16::try_from(paragraph.line_count(inner.width)).unwrap_or(u16::MAX);
    let max_scroll = rows.saturating_sub(inner.height);
    state.details_max_scroll.set(max_scroll);
    frame.render_widget(
        paragraph.scroll((state.details_scroll.min(max_scroll), 0)),
        inner,
    );
}

/// The selected page's last verification.
fn verdict_lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(route) = state.selected_route() else {
        return Vec::new();
    };
    let Some(v) = state.verdict_for(state.site_idx, &route.path) else {
        return Vec::new();
    };
    let style = if v.verdict == Verdict::FreshEverywhere {
        t.ok()
    } else {
        t.problem()
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("verified: {}", v.verdict.as_str()), style),
        Span::raw(format!(" · {}", ago(v.time, state.now))),
    ])];
    lines.push(Line::raw(v.explanation.clone()));
    lines.extend(
        v.layers
            .iter()
            .map(|l| Line::styled(format!("  {l}"), t.dim())),
    );
    if let Some(fix) = &v.fix {
        lines.push(Line::styled(format!("fix: {fix}"), t.warning()));
    }
    lines
}

/// The selected page as each layer serves it, and what that means.
fn probe_lines(state: &State) -> Vec<Line<'static>> {
    let Some(route) = state.selected_route() else {
        return Vec::new();
    };
    let Some(probe) = state.probe_for(state.site_idx, &route.path) else {
        return Vec::new();
    };
    let mut lines = vec![Line::styled(
        format!("probe · {}", ago(probe.time, state.now)),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    for layer in &probe.page.layers {
        lines.push(Line::raw(format!("  {}: {}", layer.label, layer.summary())));
    }
    for finding in &probe.page.conclusions {
        lines.extend(finding_lines(state, finding));
    }
    lines
}

#[derive(Clone, Copy)]
enum Section {
    Result,
    Verdict,
    Probe,
    Checks,
}

/// When a section of the details pane was last updated, if it has content.
fn section_time(state: &State, section: Section) -> Option<jiff::Timestamp> {
    let (site, route) = (state.site()?, state.selected_route()?);
    match section {
        Section::Result => state
            .result_for(state.site_idx, &route.target())
            .map(|r| r.time),
        Section::Verdict => state
            .verdict_for(state.site_idx, &route.path)
            .map(|v| v.time),
        Section::Probe => state.probe_for(state.site_idx, &route.path).map(|p| p.time),
        Section::Checks => state
            .checklist
            .as_ref()
            .filter(|l| l.site == site.name)
            .map(|l| l.time),
    }
}

/// The last check suite of this site, as a checklist.
fn checklist_lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(list) = state
        .checklist
        .as_ref()
        .filter(|l| state.site().is_some_and(|s| s.name == l.site))
    else {
        return Vec::new();
    };
    let status = if list.done { "done" } else { "running…" };
    let mut lines = vec![Line::styled(
        format!("Checks ({status})"),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    let mut findings: Vec<_> = list.findings.iter().collect();
    // Worst first, so the problem is what the eye meets.
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for finding in findings {
        lines.extend(finding_lines(state, finding));
    }
    if list.done && list.findings.is_empty() {
        lines.push(Line::styled("  no findings", t.dim()));
    }
    lines
}

fn finding_lines(state: &State, finding: &crate::engine::checks::Finding) -> Vec<Line<'static>> {
    let t = &state.theme;
    let (mark, style) = match finding.severity {
        Severity::Ok => ("✓", t.ok()),
        Severity::CouldNotCheck => ("?", t.dim()),
        Severity::Warning => ("!", t.warning()),
        Severity::Problem => ("✗", t.problem()),
    };
    let path = finding
        .path
        .as_deref()
        .map(|p| format!("{p}: "))
        .unwrap_or_default();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{mark} "), style),
        Span::styled(format!("{path}{}", finding.title), style),
    ])];
    for evidence in &finding.evidence {
        lines.push(Line::styled(format!("    {evidence}"), t.dim()));
    }
    if let Some(fix) = &finding.fix {
        lines.push(Line::styled(format!("    fix: {fix}"), t.warning()));
    }
    lines
}

fn details_lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let (Some(site), Some(route)) = (state.site(), state.selected_route()) else {
        return vec![Line::styled("no route selected", t.dim())];
    };
    let target = route.target();
    let mut lines = Vec::new();
    let mut head = vec![Span::styled(
        route_label(route),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    if !route.tags.is_empty() {
        head.push(Span::styled(
            format!("  tags {}", route.tags.join(", ")),
            t.dim(),
        ));
    }
    if let Some((time, outcome)) = state.purges.get(&(state.site_idx, target.clone())) {
        let words = match outcome.as_str() {
            "purged" => format!("  purged {}", ago(*time, state.now)),
            failed => format!("  purge {failed} {}", ago(*time, state.now)),
        };
        head.push(Span::styled(words, t.dim()));
    }
    lines.push(Line::from(head));
    let Some(result) = state.result_for(state.site_idx, &target) else {
        lines.push(Line::raw("not revalidated yet · would send"));
        for request in would_send(site, &target) {
            lines.push(Line::raw(format!("  {request}")));
        }
        return lines;
    };
    let style = if result.ok { t.ok() } else { t.problem() };
    lines.push(Line::from(vec![
        Span::styled(
            format!(
                "{} {}",
                result.outcome,
                result.status.map(|s| s.to_string()).unwrap_or_default()
            ),
            style,
        ),
        Span::raw(format!(
            " · {} · {}",
            result
                .latency_ms
                .map_or("-".into(), |ms| format!("{ms} ms")),
            ago(result.time, state.now)
        )),
    ]));
    if let Some(explanation) = &result.explanation {
        lines.push(Line::raw(explanation.clone()));
    }
    if let Some(message) = &result.message {
        lines.push(Line::raw(format!("server said: {message}")));
    }
    if let Some(fix) = &result.fix {
        lines.push(Line::styled(format!("fix: {fix}"), t.warning()));
    }
    if let Some(request) = &result.request {
        lines.push(Line::styled(request.clone(), t.dim()));
    }
    for (name, value) in result
        .headers
        .iter()
        .filter(|(n, _)| is_interesting_header(n))
    {
        lines.push(Line::styled(format!("{name}: {value}"), t.dim()));
    }
    if let Some(body) = &result.body_excerpt {
        lines.push(Line::styled(
            format!("body: {}", body.replace('\n', " ")),
            t.dim(),
        ));
    }
    lines
}

fn is_interesting_header(name: &str) -> bool {
    matches!(
        name,
        "content-type"
            | "cache-control"
            | "retry-after"
            | "location"
            | "x-nextjs-cache"
            | "age"
            | "x-cache"
            | "cf-cache-status"
            | "x-vercel-cache"
    )
}

/// The requests a revalidation of this target sends: one per origin when
/// the endpoint says `each_origin`.
fn would_send(
    site: &crate::model::config::Site,
    target: &crate::model::target::Target,
) -> Vec<String> {
    let places = match site.endpoint.each_origin {
        true => site.endpoint.on_every_origin(&site.origins),
        false => vec![site.endpoint.clone()],
    };
    places.iter().map(|p| masked_summary(p, target)).collect()
}
