//! `view(state, frame)`: draws the state, changes nothing.
//!
//! Layout in the spirit of k9s: a header line, sites beside routes, the
//! details/activity pane below, a footer with the keys that work here, and
//! overlays for help, confirmation and input. Only the visible rows of the
//! routes table are built, so a sitemap-sized site draws as fast as a small one.

use super::keys;
use super::state::{
    Health, InputPurpose, Level, Modal, PageVerdict, Pane, SendAction, State, TargetResult,
    route_target,
};
use crate::checks::{Severity, Verdict};
use crate::endpoint::masked_summary;
use crate::path_lint::LintLevel;
use crate::relative_time::ago;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Below this the console cannot be laid out; it says so instead.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn view(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let details_height = (body.height * 2 / 5).max(6);
    let [top, details] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(details_height)]).areas(body);
    let sites_width = (top.width / 4).clamp(16, 28);
    let [sites, routes] =
        Layout::horizontal([Constraint::Length(sites_width), Constraint::Min(0)]).areas(top);
    draw_header(state, frame, header);
    draw_sites(state, frame, sites);
    draw_routes(state, frame, routes);
    draw_details(state, frame, details);
    draw_footer(state, frame, footer);
    draw_modal(state, frame, area);
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = format!("terminal too small: need {MIN_WIDTH}×{MIN_HEIGHT}");
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

fn draw_header(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let mut spans = vec![
        Span::styled(" isrctl ", t.accent().add_modifier(Modifier::BOLD)),
        Span::raw(format!(
            "│ {} │ {} sites │ ",
            state.config_file,
            state.sites.len()
        )),
    ];
    if state.in_flight > 0 {
        let spin = SPINNER[state.spinner % SPINNER.len()];
        spans.push(Span::styled(
            format!("{spin} {} in flight", state.in_flight),
            t.warning(),
        ));
    } else {
        spans.push(Span::styled("idle", t.dim()));
    }
    if state.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", t.banner()));
    }
    if let Some((level, text)) = &state.status {
        spans.push(Span::raw(" │ "));
        spans.push(Span::styled(text.clone(), level_style(state, *level)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn level_style(state: &State, level: Level) -> Style {
    match level {
        Level::Info => Style::new(),
        Level::Ok => state.theme.ok(),
        Level::Problem => state.theme.problem(),
    }
}

fn pane_block<'a>(state: &State, title: String, pane: Pane) -> Block<'a> {
    let focused = state.focus == pane && state.modal.is_none();
    Block::new()
        .borders(Borders::ALL)
        .border_style(state.theme.border(focused))
        .title(title)
}

fn draw_sites(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let block = pane_block(state, " Sites ".into(), Pane::Sites);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines: Vec<Line> = state
        .sites
        .iter()
        .enumerate()
        .take(usize::from(inner.height))
        .map(|(i, site)| {
            let (badge, style) = match state.site_health.get(i).copied().unwrap_or(Health::Unknown)
            {
                Health::Ok => ("●", t.ok()),
                Health::Failing => ("✗", t.problem()),
                Health::Unknown => ("○", t.dim()),
            };
            let mut line = Line::from(vec![
                Span::styled(badge, style),
                Span::raw(format!(" {}", site.name)),
            ]);
            if i == state.site_idx {
                line = line.style(if state.focus == Pane::Sites {
                    t.selected()
                } else {
                    Style::new().add_modifier(Modifier::BOLD)
                });
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A column of the routes table.
#[derive(Clone, Copy, PartialEq)]
enum Col {
    Path,
    Tags,
    Last,
    Outcome,
    Verify,
    Age,
    Latency,
}

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Path => "PATH",
            Col::Tags => "TAGS",
            Col::Last => "LAST",
            Col::Outcome => "OUTCOME",
            Col::Verify => "VERIFIED",
            Col::Age => "AGE",
            Col::Latency => "LATENCY",
        }
    }

    fn right_aligned(self) -> bool {
        matches!(self, Col::Age | Col::Latency)
    }
}

/// Which columns fit an inner width, and how wide each is; the path takes
/// what is left.
fn columns_for(width: usize) -> Vec<(Col, usize)> {
    let mut cols = vec![(Col::Last, 10), (Col::Outcome, 16), (Col::Verify, 9)];
    if width >= 88 {
        cols.extend([(Col::Age, 7), (Col::Latency, 7)]);
    }
    if width >= 110 {
        cols.insert(0, (Col::Tags, 14));
    }
    let fixed: usize = 2 + cols.iter().map(|(_, w)| w + 1).sum::<usize>();
    cols.insert(0, (Col::Path, width.saturating_sub(fixed).max(6)));
    cols
}

fn row_text(cols: &[(Col, usize)], mark: &str, cell: impl Fn(Col) -> String) -> String {
    let mut text = format!("{mark:1} ");
    for (i, (col, width)) in cols.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        let value = cell(*col);
        if col.right_aligned() {
            text.push_str(&format!(
                "{:>width$}",
                fit(value.trim_end(), *width).trim_end(),
                width = *width
            ));
        } else {
            text.push_str(&fit(&value, *width));
        }
    }
    text
}

fn draw_routes(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let Some(site) = state.site() else {
        frame.render_widget(pane_block(state, " Routes ".into(), Pane::Routes), area);
        return;
    };
    let filter = if state.filter.is_empty() {
        String::new()
    } else {
        format!(" /{}", state.filter)
    };
    let title = format!(
        " Routes: {} ({}/{}){filter} ",
        site.name,
        state.visible.len(),
        site.routes.len()
    );
    let block = pane_block(state, title, Pane::Routes);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 {
        return;
    }
    let cols = columns_for(usize::from(inner.width));
    let mut lines = vec![Line::styled(
        row_text(&cols, "", |c| c.header().to_string()),
        t.dim().add_modifier(Modifier::BOLD),
    )];
    let rows = usize::from(inner.height) - 1;
    let offset = (state.route_idx / rows.max(1)) * rows.max(1);
    for (pos, &route_index) in state.visible.iter().enumerate().skip(offset).take(rows) {
        let route = &site.routes[route_index];
        let target = route_target(route);
        let marked = state.marks.contains(&(state.site_idx, route_index));
        let result = state.result_for(&site.name, &target);
        let pending = state.is_pending(&site.name, &target);
        let verdict = state.verdict_for(&site.name, &route.path);
        let text = row_text(&cols, if marked { "*" } else { "" }, |col| {
            route_cell(state, route, col, result, pending, verdict)
        });
        let mut style = match result {
            _ if pending => t.warning(),
            Some(r) if !r.ok => t.problem(),
            _ if verdict.is_some_and(|v| v.verdict != Verdict::FreshEverywhere) => t.warning(),
            _ => Style::new(),
        };
        if marked {
            style = style.patch(t.marked());
        }
        if pos == state.route_idx {
            style = style.patch(t.selected());
        }
        lines.push(Line::styled(text, style));
    }
    if state.visible.is_empty() {
        lines.push(Line::styled("  no routes match", t.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn route_cell(
    state: &State,
    route: &crate::config::Route,
    col: Col,
    result: Option<&TargetResult>,
    pending: bool,
    verdict: Option<&PageVerdict>,
) -> String {
    let site = state.site().map_or("", |s| s.name.as_str());
    match col {
        Col::Path => route_label(route),
        Col::Tags => route.tags.join(","),
        Col::Last => result.map_or("never".to_string(), |r| ago(r.time, state.now)),
        Col::Outcome => match (pending, result) {
            (true, _) => "sending…".to_string(),
            (false, Some(r)) => match r.status {
                Some(status) => format!("{} {status}", r.outcome),
                None => r.outcome.clone(),
            },
            (false, None) => "-".to_string(),
        },
        Col::Verify => verdict.map_or("-".to_string(), |v| verdict_short(v.verdict).to_string()),
        Col::Age => state
            .probe_for(site, &route.path)
            .and_then(|p| p.public_age())
            .map_or("-".to_string(), |age| format!("{age} s")),
        Col::Latency => result
            .and_then(|r| r.latency_ms)
            .map_or("-".to_string(), |ms| format!("{ms} ms")),
    }
}

/// A verdict in the few letters a table cell has.
fn verdict_short(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::FreshEverywhere => "fresh",
        Verdict::FreshAtOriginStaleAtCdn => "cdn stale",
        Verdict::StaleReplica => "replica",
        Verdict::Unchanged => "no-op!",
        Verdict::CouldNotTell => "unknown",
    }
}

fn route_label(route: &crate::config::Route) -> String {
    match route.page_type {
        Some(t) => format!("{} ({})", route.path, t.as_str()),
        None => route.path.clone(),
    }
}

/// Pad or cut to exactly `width` characters, marking a cut with '…'.
fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text}{}", " ".repeat(width - count))
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn draw_details(state: &State, frame: &mut Frame, area: Rect) {
    let block = pane_block(state, " Details ".into(), Pane::Details);
    let inner = block.inner(area);
    frame.render_widget(block, area);
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
                format!("{} ", entry.time.strftime("%H:%M:%S")),
                state.theme.dim(),
            ),
            Span::styled(entry.text.clone(), level_style(state, entry.level)),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((state.details_scroll, 0)),
        inner,
    );
}

/// The selected page's last verification.
fn verdict_lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let (Some(site), Some(route)) = (state.site(), state.selected_route()) else {
        return Vec::new();
    };
    let Some(v) = state.verdict_for(&site.name, &route.path) else {
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
    let (Some(site), Some(route)) = (state.site(), state.selected_route()) else {
        return Vec::new();
    };
    let Some(probe) = state.probe_for(&site.name, &route.path) else {
        return Vec::new();
    };
    let mut lines = vec![Line::styled(
        format!("probe · {}", ago(probe.time, state.now)),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    for layer in &probe.layers {
        lines.push(Line::raw(format!("  {}: {}", layer.label, layer.summary())));
    }
    for finding in &probe.conclusions {
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
            .result_for(&site.name, &route_target(route))
            .map(|r| r.time),
        Section::Verdict => state.verdict_for(&site.name, &route.path).map(|v| v.time),
        Section::Probe => state.probe_for(&site.name, &route.path).map(|p| p.time),
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

fn finding_lines(state: &State, finding: &crate::checks::Finding) -> Vec<Line<'static>> {
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
    let target = route_target(route);
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
    lines.push(Line::from(head));
    let Some(result) = state.result_for(&site.name, &target) else {
        lines.push(Line::raw(format!(
            "not revalidated yet · would send {}",
            masked_summary(&site.endpoint, &target)
        )));
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

/// The keys of the focused pane, as many as fit; `? help` and `q quit`
/// always stay, since help lists the rest.
fn draw_footer(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let bindings: Vec<_> = state
        .keys
        .footer(state.focus == Pane::Routes, state.read_only)
        .collect();
    let width = |b: &keys::Binding| b.key.chars().count() + b.label.chars().count() + 3;
    let essential = |b: &keys::Binding| matches!(b.action, keys::Action::Help | keys::Action::Quit);
    let mut room = usize::from(area.width).saturating_sub(
        bindings
            .iter()
            .filter(|b| essential(b))
            .map(|b| width(b))
            .sum(),
    );
    let mut spans = Vec::new();
    for b in bindings {
        if !essential(b) {
            if width(b) > room {
                continue;
            }
            room -= width(b);
        }
        spans.push(Span::styled(format!(" {}", b.key), t.key()));
        spans.push(Span::raw(format!(" {} ", b.label)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_modal(state: &State, frame: &mut Frame, area: Rect) {
    match &state.modal {
        None => {}
        Some(Modal::Help) => draw_help(state, frame, area),
        Some(Modal::Confirm {
            action,
            site,
            targets,
            send_focused,
        }) => draw_confirm(state, frame, area, (*action, *site), targets, *send_focused),
        Some(Modal::Input { purpose, input }) => draw_input(state, frame, area, *purpose, input),
        Some(Modal::TagPicker { selected, input }) => {
            draw_tags(state, frame, area, *selected, input)
        }
    }
}

/// A box of at most `width`×`height`, centred in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A titled dialog box over the screen, centred, sized to its lines.
fn draw_dialog(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    (width, title): (u16, &str),
    lines: Vec<Line>,
) {
    let rect = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(modal_block(state, title)), rect);
}

fn modal_block(state: &State, title: &str) -> Block<'static> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(state.theme.border(true))
        .title(format!(" {title} "))
}

fn draw_help(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let mut lines: Vec<Line> = state
        .keys
        .help(state.read_only)
        .into_iter()
        .map(|(key, label)| {
            Line::from(vec![
                Span::styled(format!("{key:>10}  "), t.key()),
                Span::raw(label),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "  :site NAME  :path /x  :tag NAME  :q",
        t.dim(),
    ));
    if state.read_only {
        lines.push(Line::styled(
            "  read-only: sending keys are disabled",
            t.warning(),
        ));
    }
    lines.push(Line::styled("  any key closes this help", t.dim()));
    draw_dialog(state, frame, area, (56, "Keys"), lines);
}

fn draw_confirm(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    (action, site): (SendAction, usize),
    targets: &[crate::target::Target],
    send_focused: bool,
) {
    let t = &state.theme;
    let name = state.sites.get(site).map_or("?", |s| s.name.as_str());
    let verb = match action {
        SendAction::Revalidate => "Revalidate",
        SendAction::Verify => "Revalidate and verify",
    };
    let mut lines = vec![
        Line::styled(
            format!("{verb} {} targets on {name}?", targets.len()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
    ];
    for target in targets.iter().take(5) {
        lines.push(Line::raw(format!("  {target}")));
    }
    if targets.len() > 5 {
        lines.push(Line::styled(
            format!("  … and {} more", targets.len() - 5),
            t.dim(),
        ));
    }
    lines.push(Line::raw(""));
    let button = |label: &str, focused: bool| {
        let style = if focused {
            t.selected().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        Span::styled(format!("[ {label} ]"), style)
    };
    lines.push(Line::from(vec![
        Span::raw("   "),
        button("Cancel", !send_focused),
        Span::raw("   "),
        button(&format!("Send {}", targets.len()), send_focused),
    ]));
    lines.push(Line::styled(
        "tab switches · enter chooses · esc cancels",
        t.dim(),
    ));
    draw_dialog(state, frame, area, (50, "Confirm"), lines);
}

fn draw_input(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    purpose: InputPurpose,
    input: &tui_input::Input,
) {
    let t = &state.theme;
    let (title, prompt) = match purpose {
        InputPurpose::Filter => ("Filter routes", "/"),
        InputPurpose::AdHoc => ("Revalidate a path", "path "),
        InputPurpose::CommandLine => ("Command", ":"),
    };
    let mut lines = vec![Line::raw(format!("{prompt}{}", input.value()))];
    if purpose == InputPurpose::AdHoc {
        lines.push(ad_hoc_lint_line(state, input.value()));
    }
    let height = lines.len() as u16 + 2;
    let rect = Rect {
        x: area.x,
        y: area.y + area.height.saturating_sub(height + 1),
        width: area.width,
        height: height.min(area.height),
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(modal_block(state, title)), rect);
    let cursor_x = rect.x + 1 + (prompt.chars().count() + input.visual_cursor()) as u16;
    frame.set_cursor_position((cursor_x.min(rect.right().saturating_sub(2)), rect.y + 1));
    let _ = t;
}

/// The linter's verdict on a path as it is typed.
fn ad_hoc_lint_line(state: &State, path: &str) -> Line<'static> {
    let t = &state.theme;
    if path.trim().is_empty() {
        return Line::styled(
            "type a path such as /blog/hello (a pattern with its type: /blog/[slug] page); enter sends",
            t.dim(),
        );
    }
    match state.ad_hoc_lint(path).first() {
        Some(f) if f.level == LintLevel::Refused => {
            Line::styled(format!("✗ {}", f.message), t.problem())
        }
        Some(f) => Line::styled(format!("! {}", f.message), t.warning()),
        None => Line::styled("✓ ok: enter sends", t.ok()),
    }
}

fn draw_tags(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    selected: usize,
    input: &tui_input::Input,
) {
    let t = &state.theme;
    let choices = state.tag_choices(input.value());
    let mut lines: Vec<Line> = choices
        .iter()
        .enumerate()
        .take(10)
        .map(|(i, tag)| {
            let style = if i == selected {
                t.selected()
            } else {
                Style::new()
            };
            Line::styled(format!("  {tag}"), style)
        })
        .collect();
    if choices.is_empty() {
        lines.push(Line::styled(
            "  no configured tag matches: enter sends what you typed",
            t.dim(),
        ));
    }
    lines.push(Line::raw(format!("tag: {}", input.value())));
    draw_dialog(state, frame, area, (50, "Revalidate a tag"), lines);
}
