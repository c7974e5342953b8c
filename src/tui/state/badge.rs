//! A site's badge in the Sites pane: the worst of what is known about it
//! now — failed latest results, pages not fresh everywhere, the checks'
//! findings — kept up to date as they change.

use super::{State, TargetResult};
use crate::engine::SiteId;
use crate::model::target::Target;
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Unknown,
    Ok,
    /// Something to look at: a page not fresh everywhere, a warning found.
    Warning,
    Failing,
}

/// What a site's badge is made of: its targets whose latest result
/// failed and its pages whose latest verdict is not fresh everywhere
/// (kept as they change, so the badge costs nothing to draw).
#[derive(Clone, Debug, Default)]
pub struct SiteMarks {
    pub known: bool,
    pub failing: HashSet<Target>,
    pub not_fresh: HashSet<String>,
    /// Pages whose latest probe found something, and how bad it was.
    pub probed: std::collections::HashMap<String, crate::engine::checks::Severity>,
}

impl State {
    /// A page's verdict, kept for the table and the details, and in its
    /// site's badge (a page not fresh everywhere is a warning).
    pub fn set_verdict(&mut self, site: SiteId, page: &str, verdict: super::PageVerdict) {
        let fresh = verdict.verdict == crate::engine::checks::Verdict::FreshEverywhere;
        if let Some(marks) = self.marks_of(site) {
            match fresh {
                true => marks.not_fresh.remove(page),
                false => marks.not_fresh.insert(page.to_string()),
            };
        }
        self.verdicts.insert((site, page.to_string()), verdict);
    }

    /// A page's latest probe, in its site's badge: how bad what it found was.
    pub fn set_probed(&mut self, site: SiteId, page: &str, worst: crate::engine::checks::Severity) {
        if let Some(marks) = self.marks_of(site) {
            marks.probed.insert(page.to_string(), worst);
        }
    }

    /// The badge's marks of `site`, now known.
    fn marks_of(&mut self, site: SiteId) -> Option<&mut SiteMarks> {
        let marks = self.site_marks.get_mut(site)?;
        marks.known = true;
        Some(marks)
    }

    pub(super) fn marks_from_results(&self, site: usize) -> SiteMarks {
        let mine: Vec<(&Target, &TargetResult)> = self
            .results
            .iter()
            .filter(|((s, _), _)| *s == site)
            .map(|((_, t), r)| (t, r))
            .collect();
        SiteMarks {
            known: !mine.is_empty(),
            failing: mine
                .iter()
                .filter(|(_, r)| !r.ok)
                .map(|(t, _)| (*t).clone())
                .collect(),
            not_fresh: HashSet::new(),
            probed: Default::default(),
        }
    }

    /// A site's badge: the worst of its latest results, verdicts and (for
    /// the site the checks last ran on) findings.
    pub fn health(&self, site: usize) -> Health {
        use crate::engine::checks::Severity;
        let Some(marks) = self.site_marks.get(site) else {
            return Health::Unknown;
        };
        let name = self.sites.get(site).map(|s| s.name.as_str());
        let worst_finding = self
            .checklist
            .as_ref()
            .filter(|l| Some(l.site.as_str()) == name)
            .and_then(|l| {
                l.findings
                    .iter()
                    .map(|f| f.severity)
                    .max_by_key(|s| match s {
                        Severity::Ok | Severity::CouldNotCheck => 0,
                        Severity::Warning => 1,
                        Severity::Problem => 2,
                    })
            });
        let worst_probe = marks.probed.values().copied().max_by_key(|s| match s {
            Severity::Ok | Severity::CouldNotCheck => 0,
            Severity::Warning => 1,
            Severity::Problem => 2,
        });
        let found = |severity| worst_finding == Some(severity) || worst_probe == Some(severity);
        if !marks.failing.is_empty() || found(Severity::Problem) {
            Health::Failing
        } else if !marks.not_fresh.is_empty() || found(Severity::Warning) {
            Health::Warning
        } else if marks.known || worst_finding.is_some() {
            Health::Ok
        } else {
            Health::Unknown
        }
    }
}
