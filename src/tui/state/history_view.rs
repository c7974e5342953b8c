//! The console's history view (`H`, `:history`): every action recorded,
//! newest first, narrowed by site, action, outcome, time and text.

use super::State;
use crate::history::Record;
use jiff::Timestamp;

/// Records the console keeps in memory; older ones stay in the file
/// (`isrctl history` reads all of them).
pub const HISTORY_KEPT: usize = 5_000;

/// The actions a record can have, in the order `a` cycles through them.
pub const ACTIONS: [&str; 6] = ["revalidate", "verify", "check", "probe", "purge", "stale"];

/// How far back the view looks, in the order `t` cycles through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Window {
    #[default]
    All,
    Hour,
    Day,
    Week,
}

impl Window {
    pub fn next(self) -> Window {
        match self {
            Window::All => Window::Hour,
            Window::Hour => Window::Day,
            Window::Day => Window::Week,
            Window::Week => Window::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::All => "any time",
            Window::Hour => "last hour",
            Window::Day => "last 24 h",
            Window::Week => "last 7 days",
        }
    }

    fn seconds(self) -> Option<i64> {
        match self {
            Window::All => None,
            Window::Hour => Some(3_600),
            Window::Day => Some(86_400),
            Window::Week => Some(7 * 86_400),
        }
    }

    /// A duration word of `:history` (`1h`, `24h`, `7d`).
    pub fn from_word(word: &str) -> Option<Window> {
        match word {
            "1h" | "hour" => Some(Window::Hour),
            "24h" | "1d" | "day" => Some(Window::Day),
            "7d" | "week" => Some(Window::Week),
            _ => None,
        }
    }
}

/// What the history view shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryView {
    /// Only this site.
    pub site: Option<String>,
    /// Only this action.
    pub action: Option<&'static str>,
    /// Only records that did not go well.
    pub problems_only: bool,
    /// Only this outcome (`:history unauthorized`).
    pub outcome: Option<String>,
    pub window: Window,
    /// Text the target, outcome, message or reason contains.
    pub search: String,
    /// `/` is typing into `search`.
    pub searching: bool,
    /// Index into the shown rows.
    pub selected: usize,
}

impl HistoryView {
    /// The next action filter: all → revalidate → … → purge → all.
    pub fn cycle_action(&mut self) {
        let at = self
            .action
            .and_then(|a| ACTIONS.iter().position(|x| *x == a));
        self.action = match at {
            None => ACTIONS.first().copied(),
            Some(i) => ACTIONS.get(i + 1).copied(),
        };
        self.selected = 0;
    }

    pub fn shows(&self, record: &Record, now: Timestamp) -> bool {
        let recent = self
            .window
            .seconds()
            .is_none_or(|s| now.as_second() - record.time.as_second() <= s);
        let search = self.search.to_lowercase();
        recent
            && self.site.as_ref().is_none_or(|s| &record.site == s)
            && self.action.is_none_or(|a| record.action == a)
            && self.outcome.as_ref().is_none_or(|o| &record.outcome == o)
            && (!self.problems_only || !went_well(record))
            && (search.is_empty() || mentions(record, &search))
    }

    /// What the filters are, in a line for the view's title.
    pub fn describe(&self) -> String {
        let mut parts = vec![
            self.site.clone().unwrap_or_else(|| "every site".into()),
            self.action.unwrap_or("every action").to_string(),
        ];
        if let Some(outcome) = &self.outcome {
            parts.push(outcome.clone());
        }
        if self.problems_only {
            parts.push("problems only".into());
        }
        parts.push(self.window.label().into());
        if !self.search.is_empty() {
            parts.push(format!("\"{}\"", self.search));
        }
        parts.join(" · ")
    }
}

/// Whether a record's outcome is what the operator hoped for.
pub fn went_well(record: &Record) -> bool {
    match record.action.as_str() {
        "revalidate" => record.outcome == "revalidated",
        "verify" => record.outcome == "fresh_everywhere",
        "check" | "probe" => matches!(record.outcome.as_str(), "ok" | "could_not_check"),
        "purge" => matches!(record.outcome.as_str(), "purged" | "not_cached"),
        _ => true,
    }
}

fn mentions(record: &Record, needle: &str) -> bool {
    let fields = [
        Some(record.target.value.as_str()),
        Some(record.outcome.as_str()),
        record.message.as_deref(),
        record.reason.as_deref(),
        Some(record.operator.as_str()),
    ];
    fields
        .into_iter()
        .flatten()
        .any(|f| f.to_lowercase().contains(needle))
}

impl State {
    /// Records the view shows, newest first.
    pub fn history_rows<'a>(&'a self, view: &'a HistoryView) -> impl Iterator<Item = &'a Record> {
        self.history.iter().filter(move |r| view.shows(r, self.now))
    }

    /// Records written now or read at start, kept newest first; a record
    /// seen twice (read from the file and also fed as written) is kept once.
    /// Records for the history view, newest first (masked before they
    /// come: at write, or by the engine when it reads history).
    pub fn remember(&mut self, records: Vec<Record>) {
        for record in records {
            let seen = self
                .history
                .iter()
                .take_while(|r| r.time >= record.time)
                .any(|r| r == &record);
            if seen {
                continue;
            }
            let at = self.history.partition_point(|r| r.time > record.time);
            self.history.insert(at, record);
        }
        self.history.truncate(HISTORY_KEPT);
    }
}
