//! What the stale finder (`:stale`) found, folded into the state: each
//! page it found is stale in its site's badge, named in the activity log
//! with why, and marked, so `f` makes them all fresh.

use super::*;
use crate::engine::SiteId;
use crate::engine::stale::StaleScan;
use crate::model::standing::Standing;
use crate::model::trouble::Trouble;

pub(super) fn scanned(state: &mut State, site: SiteId, scan: Result<StaleScan, Trouble>) {
    let name = state.site_name(site);
    let scan = match scan {
        Ok(scan) => scan,
        Err(trouble) => {
            let text = format!("{name}: the stale finder could not look: {trouble}");
            state.say(Level::Problem, text.clone());
            state.push_activity(Level::Problem, text);
            return;
        }
    };
    for page in &scan.found {
        state.mark_stale(site, &page.path);
        let why = page.why.first().cloned().unwrap_or_default();
        state.push_activity(
            Level::Problem,
            format!("{name}: stale {}: {why}", page.path),
        );
    }
    let marked = mark_rows(state, site, &scan);
    let text = match scan.found.len() {
        0 => format!("{name}: none of {} pages looks stale", scan.pages),
        n => format!(
            "{name}: {n} of {} pages probably stale, {marked} marked: f makes them fresh",
            scan.pages
        ),
    };
    let level = if scan.found.is_empty() {
        Level::Ok
    } else {
        Level::Problem
    };
    state.say(level, text.clone());
    state.push_activity(level, text);
}

/// Mark the rows of the pages found (the site's marks replaced); how many.
fn mark_rows(state: &mut State, site: SiteId, scan: &StaleScan) -> usize {
    let Some(config) = state.sites.get(site) else {
        return 0;
    };
    let stale: std::collections::HashSet<&str> =
        scan.found.iter().map(|p| p.path.as_str()).collect();
    let rows: Vec<usize> = config
        .routes
        .iter()
        .enumerate()
        .filter(|(_, r)| stale.contains(r.path.as_str()))
        .map(|(i, _)| i)
        .collect();
    state.marks.retain(|(s, _)| *s != site);
    state.marks.extend(rows.iter().map(|i| (site, *i)));
    rows.len()
}

impl State {
    /// A page the stale finder found: stale in its site's badge.
    fn mark_stale(&mut self, site: SiteId, page: &str) {
        if let Some(marks) = self.site_marks.get_mut(site) {
            marks.pages.insert(page.to_string(), Standing::Stale);
        }
    }
}
