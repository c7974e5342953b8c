//! The routes table: columns that fit the width, one row per visible route.

use super::*;
use crate::engine::SiteId;

/// A column of the routes table.
#[derive(Clone, Copy, PartialEq)]
enum Col {
    Path,
    Tags,
    Last,
    Outcome,
    Verify,
    Lastmod,
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
            Col::Lastmod => "LASTMOD",
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
    // The path is what the operator reads first: on a narrow pane the
    // other columns go (LAST, then OUTCOME) before it has less than 16.
    let mut cols = match width {
        0..46 => vec![(Col::Verify, 10)],
        46..57 => vec![(Col::Outcome, 16), (Col::Verify, 10)],
        _ => vec![(Col::Last, 10), (Col::Outcome, 16), (Col::Verify, 10)],
    };
    if width >= 88 {
        cols.extend([(Col::Age, 10), (Col::Latency, 7)]);
    }
    if width >= 110 {
        cols.insert(0, (Col::Tags, 14));
    }
    // When the sitemap says the page changed, beside when it was last
    // revalidated: a page changed after its revalidation is stale.
    if width >= 130 {
        let at = cols.iter().position(|(c, _)| *c == Col::Last).unwrap_or(0);
        cols.insert(at, (Col::Lastmod, 10));
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

pub(super) fn draw_routes(state: &State, frame: &mut Frame, area: Rect) {
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
    let sort = state
        .sort
        .map(|by| {
            let turned = if state.sort_reversed { " reversed" } else { "" };
            format!(" by {}{turned}", by.column())
        })
        .unwrap_or_default();
    let sitemap = state
        .sitemaps
        .get(state.site_idx)
        .map(|s| s.title_words())
        .unwrap_or_default();
    let title = format!(
        " Routes: {} ({}/{}){filter}{sort}{sitemap} ",
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
    {
        let mut hits = state.hits.borrow_mut();
        hits.routes = Rect {
            y: inner.y + 1,
            height: inner.height - 1,
            ..inner
        };
        hits.routes_first = offset;
    }
    for (pos, &route_index) in state.visible.iter().enumerate().skip(offset).take(rows) {
        let route = &site.routes[route_index];
        let target = route.target();
        let marked = state.marks.contains(&(state.site_idx, route_index));
        let result = state.result_for(state.site_idx, &target);
        let pending = state.is_pending(state.site_idx, &target);
        let verdict = state.verdict_for(state.site_idx, &route.path);
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
    lines.extend(no_route_line(state));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// What the pane says when it lists no route: that a large config's
/// routes are still being read, or that none match.
fn no_route_line(state: &State) -> Option<Line<'static>> {
    let words = match state.routes_loading {
        Some(count) => format!("  reading {count} routes…"),
        None if state.visible.is_empty() => "  no routes match".to_string(),
        None => return None,
    };
    Some(Line::styled(words, state.theme.dim()))
}

fn route_cell(
    state: &State,
    route: &crate::model::config::Route,
    col: Col,
    result: Option<&TargetResult>,
    pending: bool,
    verdict: Option<&PageVerdict>,
) -> String {
    let site = state.site_idx;
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
        Col::Verify => verify_cell(state, site, route, verdict),
        Col::Lastmod => route.lastmod.map_or("-".to_string(), |t| ago(t, state.now)),
        Col::Age => state
            .probe_for(site, &route.path)
            .and_then(|p| p.page.public_age())
            .map_or("-".to_string(), crate::model::text::duration_words),
        Col::Latency => result
            .and_then(|r| r.latency_ms)
            .map_or("-".to_string(), |ms| format!("{ms} ms")),
    }
}

/// The page's latest word on freshness: its verdict, or a purge that came
/// after it ("purged", or "purge!" when the purge failed). A verdict older
/// than the page's last revalidation is marked `?`: it may no longer hold.
fn verify_cell(
    state: &State,
    site: SiteId,
    route: &crate::model::config::Route,
    verdict: Option<&PageVerdict>,
) -> String {
    let purge = state.purges.get(&(site, route.target()));
    // Revalidated since the verdict (its path, or a tag it carries): the
    // verdict is no longer known to hold.
    let revalidated_since = |v: &PageVerdict| {
        let by_tag = route.tags.iter().map(crate::model::target::Target::tag);
        std::iter::once(route.target())
            .chain(by_tag)
            .filter_map(|t| state.result_for(site, &t))
            .any(|r| r.ok && r.time > v.time)
    };
    if let Some(v) = verdict.filter(|v| revalidated_since(v))
        && purge.is_none_or(|(at, _)| v.time >= *at)
    {
        return format!("{}?", verdict_short(v.verdict));
    }
    match (verdict, purge) {
        (Some(v), Some((at, _))) if v.time >= *at => verdict_short(v.verdict).to_string(),
        (_, Some((_, outcome))) if outcome == "purged" => "purged".to_string(),
        (_, Some(_)) => "purge!".to_string(),
        (Some(v), None) => verdict_short(v.verdict).to_string(),
        (None, None) => "-".to_string(),
    }
}

/// A verdict in the few letters a table cell has.
fn verdict_short(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::FreshEverywhere => "fresh",
        Verdict::FreshAtOriginStaleAtCdn => "cdn stale",
        Verdict::StaleReplica => "replica",
        Verdict::Unchanged => "no-op!",
        Verdict::RegeneratedSameContent => "same data",
        Verdict::HtmlFreshRscStale => "rsc stale",
        Verdict::NotFound => "404",
        Verdict::Dynamic => "dynamic",
        Verdict::DevServer => "next dev",
        Verdict::Broken => "broken",
        Verdict::BrokenByRevalidation => "broke!",
        Verdict::NeedsCredentials => "auth",
        Verdict::Redirects => "redirect",
        Verdict::Soft404 => "soft 404",
        Verdict::CouldNotTell => "unknown",
    }
}

pub(super) fn route_label(route: &crate::model::config::Route) -> String {
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
