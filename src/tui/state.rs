//! Everything the console shows, and nothing about how it is drawn.

use super::theme::Theme;
use crate::engine::SiteId;
use crate::engine::checks::{Finding, Verdict};
use crate::history::LastStates;
use crate::model::config::{Config, Route, Site};
use crate::model::route_search::RouteSearch;
use crate::model::target::Target;
use jiff::Timestamp;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use tui_input::Input;

/// Activity entries kept; older ones scroll away.
const ACTIVITY_KEPT: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Sites,
    Routes,
    Details,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Problem,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub time: Timestamp,
    pub level: Level,
    pub text: String,
}

/// What a confirmed send does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendAction {
    Revalidate,
    /// Revalidate, then watch every layer until the page changes.
    Verify,
    /// Revalidate on every origin, wait, purge the CDN, verify.
    Fresh,
    /// Purge the CDN's copy.
    Purge,
}

/// The latest verification of a page.
#[derive(Clone, Debug, PartialEq)]
pub struct PageVerdict {
    pub verdict: Verdict,
    pub explanation: String,
    pub fix: Option<String>,
    /// Per layer: "origin 1 fresh after 40 ms", "public still old".
    pub layers: Vec<String>,
    pub time: Timestamp,
}

/// A probe of a page, and when the console got it.
#[derive(Clone, Debug, PartialEq)]
pub struct SeenProbe {
    pub page: crate::engine::checks::cache_layers::ProbedPage,
    pub time: Timestamp,
}

/// The findings of the last check suite, streaming in.
#[derive(Clone, Debug, PartialEq)]
pub struct Checklist {
    /// When the suite started.
    pub time: Timestamp,
    pub site: String,
    pub paths: Vec<String>,
    pub findings: Vec<Finding>,
    pub done: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputPurpose {
    Filter,
    AdHoc,
    CommandLine,
}

#[derive(Clone, Debug)]
pub enum Modal {
    /// What each key does; `/` searches it.
    Help(crate::tui::help::HelpView),
    /// Sending more than one revalidation, or one that looks like a typo
    /// (`reason` says why); Cancel is focused until moved.
    Confirm {
        action: SendAction,
        site: usize,
        targets: Vec<Target>,
        send_focused: bool,
        reason: Option<String>,
    },
    Input {
        purpose: InputPurpose,
        input: Input,
    },
    /// Pick one of the site's tags, or type one.
    TagPicker {
        selected: usize,
        input: Input,
    },
    /// Every recorded action, filtered (`H`, `:history`).
    History(HistoryView),
    /// Why? Asked before the session's first send; `pending` goes out
    /// when it is answered (or skipped with an empty Enter).
    Reason {
        input: Input,
        pending: Vec<super::message::Command>,
        /// What the held sends wrote to the activity log, shown once sent.
        activity: Vec<Activity>,
        /// The marks before the send cleared them: back on Esc.
        marks: HashSet<(usize, usize)>,
    },
}

/// A site's badge: how it stands now.
mod badge;
mod completion;
mod history_view;
mod hits;
pub use completion::{VERBS, tab_complete};
pub use hits::{Hit, Hits};
mod message_line;
mod target_result;
pub use target_result::TargetResult;
mod sitemap_state;
mod stopping;
mod watching;
pub use stopping::Stopping;
pub use watching::Watching;
mod sort;
pub use badge::SiteMarks;
pub use history_view::{ACTIONS, HISTORY_KEPT, HistoryView, Window, went_well};
pub use message_line::MESSAGE_LIFETIME;
pub use sitemap_state::SitemapState;
pub use sort::SortBy;

pub struct State {
    pub config_file: String,
    pub sites: Vec<Site>,
    pub site_idx: usize,
    /// Index into `visible`.
    pub route_idx: usize,
    /// Indices of the current site's routes that pass the filter.
    pub visible: Vec<usize>,
    /// The filter's index of each site's routes: sent by the engine after
    /// the first frame, or built on first use.
    searches: HashMap<usize, Arc<RouteSearch>>,
    pub filter: String,
    /// (site, route) pairs marked with Space.
    pub marks: HashSet<(usize, usize)>,
    pub focus: Pane,
    pub modal: Option<Modal>,
    pub read_only: bool,
    pub results: HashMap<(SiteId, Target), TargetResult>,
    /// Targets with a request under way.
    pub pending: HashSet<(SiteId, Target)>,
    /// Targets typed in (`a`, `t`, `:path`, `:tag`) whose result is still
    /// to come: said on the message line, as they may have no row.
    pub typed: HashSet<(SiteId, Target)>,
    pub site_marks: Vec<SiteMarks>,
    /// Each site's sitemap: read or not (the Routes title says it).
    pub sitemaps: Vec<SitemapState>,
    /// What Esc cut short, counted until the work in flight has ended.
    pub stopping: Option<Stopping>,
    /// Pages `w` watches, with their latest read.
    pub watching: Watching,
    /// Keyed by (site, page path).
    pub verdicts: HashMap<(SiteId, String), PageVerdict>,
    /// The last purge per (site, purged item): when, and its outcome.
    pub purges: HashMap<(SiteId, Target), (Timestamp, String)>,
    pub probes: HashMap<(SiteId, String), SeenProbe>,
    pub checklist: Option<Checklist>,
    /// How many routes a large config is still reading (its sites shown).
    pub routes_loading: Option<usize>,
    pub activity: VecDeque<Activity>,
    /// History, newest first: read at start, then each record as written.
    pub history: VecDeque<crate::history::Record>,
    pub in_flight: usize,
    pub spinner: usize,
    /// The message line (the last refusal, a copy…): a problem stays
    /// until Esc; anything else goes at the next key or after a few seconds.
    pub status: Option<(Level, String)>,
    /// When the message line was last set.
    pub status_since: Timestamp,
    pub details_scroll: u16,
    /// How far the details pane can scroll, as the view last laid it out
    /// (the view's one write, like a ratatui widget's state: G and j stop
    /// at the last screenful).
    pub details_max_scroll: std::cell::Cell<u16>,
    pub now: Timestamp,
    /// The operator's time zone (honours `TZ`): times on screen are local.
    pub zone: jiff::tz::TimeZone,
    pub theme: Theme,
    pub keys: super::keys::KeyMap,
    pub quit: bool,
    /// The details pane has the whole body (`z`).
    pub zoomed: bool,
    /// Where the last frame drew the panes, rows and footer keys (the
    /// view writes it; a mouse click is read against it).
    pub hits: std::cell::RefCell<Hits>,
    /// The routes table's order (`s`); config order when `None`.
    pub sort: Option<SortBy>,
    /// `S`: the sort turned round.
    pub sort_reversed: bool,
    /// The reason prompt has been shown (or `:reason` given): it is asked
    /// once a session.
    pub reason_asked: bool,
}

impl State {
    pub fn new(config: &Config, last: &LastStates, read_only: bool, theme: Theme) -> State {
        let id = |name: &str| config.sites.iter().position(|s| s.name == name);
        let results: HashMap<(SiteId, Target), TargetResult> = last
            .last
            .iter()
            .filter_map(|((site, target), record)| {
                Some((
                    (id(site)?, target.clone()),
                    TargetResult::from_record(record),
                ))
            })
            .collect();
        let mut state = State {
            config_file: config.file.display().to_string(),
            sites: config.sites.clone(),
            site_idx: 0,
            route_idx: 0,
            visible: Vec::new(),
            searches: HashMap::new(),
            filter: String::new(),
            marks: HashSet::new(),
            focus: Pane::Routes,
            modal: None,
            read_only,
            results,
            pending: HashSet::new(),
            typed: HashSet::new(),
            site_marks: Vec::new(),
            sitemaps: Vec::new(),
            stopping: None,
            watching: Default::default(),
            verdicts: HashMap::new(),
            purges: last
                .purged
                .iter()
                .filter_map(|((site, target), r)| {
                    Some(((id(site)?, target.clone()), (r.time, r.outcome.clone())))
                })
                .collect(),
            probes: HashMap::new(),
            checklist: None,
            routes_loading: None,
            activity: VecDeque::new(),
            history: VecDeque::new(),
            in_flight: 0,
            spinner: 0,
            status: None,
            status_since: Timestamp::UNIX_EPOCH,
            details_scroll: 0,
            details_max_scroll: std::cell::Cell::new(0),
            now: Timestamp::now(),
            zone: jiff::tz::TimeZone::system(),
            theme,
            // The console checks [keys] before it starts; defaults otherwise.
            keys: super::keys::KeyMap::from_config(config).unwrap_or_default(),
            quit: false,
            zoomed: false,
            sort: None,
            sort_reversed: false,
            hits: Default::default(),
            reason_asked: false,
        };
        state.site_marks = (0..state.sites.len())
            .map(|i| state.marks_from_results(i))
            .collect();
        state.sitemaps = state
            .sites
            .iter()
            .map(|s| match s.sitemap {
                Some(_) => SitemapState::NotRead,
                None => SitemapState::NoSitemap,
            })
            .collect();
        state.refilter();
        state
    }

    /// `time` on the operator's clock, in `format` (strftime).
    pub fn local(&self, time: Timestamp, format: &str) -> String {
        time.to_zoned_datetime(self.zone.clone())
            .strftime(format)
            .to_string()
    }

    pub fn site(&self) -> Option<&Site> {
        self.sites.get(self.site_idx)
    }

    /// The selected route's index in its site, if any.
    pub fn selected_route_index(&self) -> Option<usize> {
        self.visible.get(self.route_idx).copied()
    }

    pub fn selected_route(&self) -> Option<&Route> {
        let site = self.site()?;
        site.routes.get(self.selected_route_index()?)
    }

    /// Recompute which routes pass the filter; keep the selection in range.
    pub fn refilter(&mut self) {
        let needle = self.filter.to_lowercase();
        self.visible = match self.site().map(|site| site.routes.len()) {
            None => Vec::new(),
            Some(all) if needle.is_empty() => (0..all).collect(),
            Some(_) => self.search().map_or_else(Vec::new, |s| s.matching(&needle)),
        };
        self.route_idx = self.route_idx.min(self.visible.len().saturating_sub(1));
        self.sort_visible();
    }

    /// The filter's index for the current site's routes: the engine's,
    /// or built now when it has not come yet or the routes changed since.
    pub fn search(&mut self) -> Option<&RouteSearch> {
        let routes = self.site()?.routes.clone();
        let search = self
            .searches
            .entry(self.site_idx)
            .or_insert_with(|| Arc::new(RouteSearch::new(routes.clone())));
        if !search.is_for(&routes) {
            *search = Arc::new(RouteSearch::new(routes));
        }
        Some(search)
    }

    /// An index from the engine, kept if it is for the routes shown now.
    pub fn adopt_search(&mut self, site: usize, search: Arc<RouteSearch>) {
        if self
            .sites
            .get(site)
            .is_some_and(|s| search.is_for(&s.routes))
        {
            self.searches.insert(site, search);
        }
    }

    pub fn result_for(&self, site: SiteId, target: &Target) -> Option<&TargetResult> {
        self.results.get(&(site, target.clone()))
    }

    pub fn verdict_for(&self, site: SiteId, path: &str) -> Option<&PageVerdict> {
        self.verdicts.get(&(site, path.to_string()))
    }

    pub fn probe_for(&self, site: SiteId, path: &str) -> Option<&SeenProbe> {
        self.probes.get(&(site, path.to_string()))
    }

    /// The site called `name`, by its place in the config (what events and
    /// every per-site map use).
    pub fn site_id(&self, name: &str) -> Option<SiteId> {
        self.sites.iter().position(|s| s.name == name)
    }

    /// What the planner says of a typed path, refusals first.
    pub fn ad_hoc_lint(&self, text: &str) -> Vec<crate::model::paths::LintFinding> {
        match self.site() {
            Some(site) => crate::engine::plan_one(site, ad_hoc_target(text), false).lint,
            None => Vec::new(),
        }
    }

    /// Why a typed path must not be sent, if it must not.
    pub fn ad_hoc_refusal(&self, text: &str) -> Option<String> {
        let site = self.site()?;
        let planned = crate::engine::plan_one(site, ad_hoc_target(text), false);
        planned.refusal.map(|o| o.explanation)
    }

    /// The site's tags that contain what was typed.
    pub fn tag_choices(&self, typed: &str) -> Vec<String> {
        let typed = typed.trim().to_lowercase();
        self.site()
            .map(|s| {
                s.tags
                    .iter()
                    .filter(|t| t.to_lowercase().contains(&typed))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The name of the site at `index` (events carry the index).
    pub fn site_name(&self, index: usize) -> String {
        self.sites
            .get(index)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    pub fn is_pending(&self, site: SiteId, target: &Target) -> bool {
        self.pending.contains(&(site, target.clone()))
    }

    pub fn push_activity(&mut self, level: Level, text: String) {
        self.activity.push_front(Activity {
            time: self.now,
            level,
            text,
        });
        self.activity.truncate(ACTIVITY_KEPT);
    }

    /// Marked routes of the current site, in route order.
    pub fn marked_routes(&self) -> Vec<usize> {
        let mut marked: Vec<usize> = self
            .marks
            .iter()
            .filter(|(s, _)| *s == self.site_idx)
            .map(|(_, r)| *r)
            .collect();
        marked.sort_unstable();
        marked
    }
}

/// A typed path, or a pattern followed by its type: `/blog/[slug] page`.
pub fn ad_hoc_target(text: &str) -> Target {
    let text = text.trim();
    let typed = text.rsplit_once(' ').and_then(|(path, kind)| match kind {
        "page" => Some(Target::pattern(
            path.trim(),
            crate::model::target::PageType::Page,
        )),
        "layout" => Some(Target::pattern(
            path.trim(),
            crate::model::target::PageType::Layout,
        )),
        _ => None,
    });
    typed.unwrap_or_else(|| Target::path(text))
}
