//! Sorting the routes table by a column (`s` cycles, `S` reverses). The
//! order is taken when asked (and when the filter or site changes), not at
//! every result: rows do not jump under the cursor while results arrive.

use super::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    /// A to Z.
    Path,
    /// Newest revalidation first; never revalidated last.
    Last,
    /// Failed results first, then by outcome.
    Outcome,
    /// Pages not fresh everywhere first; unverified last.
    Verified,
}

impl SortBy {
    /// The column after this one; `None` after the last (config order).
    pub fn next(current: Option<SortBy>) -> Option<SortBy> {
        match current {
            None => Some(SortBy::Path),
            Some(SortBy::Path) => Some(SortBy::Last),
            Some(SortBy::Last) => Some(SortBy::Outcome),
            Some(SortBy::Outcome) => Some(SortBy::Verified),
            Some(SortBy::Verified) => None,
        }
    }

    /// The column's header, as the table shows it.
    pub fn column(self) -> &'static str {
        match self {
            SortBy::Path => "PATH",
            SortBy::Last => "LAST",
            SortBy::Outcome => "OUTCOME",
            SortBy::Verified => "VERIFIED",
        }
    }
}

impl State {
    /// Order `visible` by the chosen column; the selected route stays
    /// selected wherever it moves.
    pub(super) fn sort_visible(&mut self) {
        let Some(by) = self.sort else { return };
        let Some(site) = self.site() else { return };
        let selected = self.visible.get(self.route_idx).copied();
        // Each key once (a sitemap site sorts 100,000 rows).
        let mut keyed: Vec<(Key, usize)> = self
            .visible
            .iter()
            .map(|&i| (self.sort_key(site, i, by), i))
            .collect();
        keyed.sort_unstable_by(|(a, _), (b, _)| match self.sort_reversed {
            true => b.cmp(a),
            false => a.cmp(b),
        });
        let visible: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
        self.route_idx = selected
            .and_then(|s| visible.iter().position(|&i| i == s))
            .unwrap_or(0);
        self.visible = visible;
    }

    fn sort_key(&self, site: &crate::model::config::Site, route: usize, by: SortBy) -> Key {
        let Some(route) = site.routes.get(route) else {
            return Key::default();
        };
        let result = self.result_for(self.site_idx, &route.target());
        let verdict = self.verdict_for(self.site_idx, &route.path);
        let rank = match by {
            SortBy::Path => 0,
            // Newest first: the negated time; never revalidated after all.
            SortBy::Last => result.map_or(i64::MAX, |r| -r.time.as_second()),
            SortBy::Outcome => match result {
                Some(r) if !r.ok => 0,
                Some(_) => 1,
                None => 2,
            },
            SortBy::Verified => match verdict {
                Some(v) if v.verdict != crate::engine::checks::Verdict::FreshEverywhere => 0,
                Some(_) => 1,
                None => 2,
            },
        };
        let word = match by {
            SortBy::Outcome => result.map(|r| r.outcome.clone()),
            SortBy::Verified => verdict.map(|v| v.verdict.as_str().to_string()),
            _ => None,
        };
        Key {
            rank,
            word: word.unwrap_or_default(),
            path: route.path.clone(),
        }
    }
}

/// What a row sorts by: rank, then a word, then its path.
#[derive(Default, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    rank: i64,
    word: String,
    path: String,
}
