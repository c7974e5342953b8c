//! A site's badge in the Sites pane: how the site stands now, by the one
//! rule `isrctl status` uses (`model::standing`) — the worst of its targets
//! whose latest result failed, each page's latest judgement (a verdict, a
//! probe), pages revalidated and not verified since (unknown), and the
//! checks' findings. The same finding gives the same symbol from any key;
//! unknown is never ok. Kept up to date as things change, so the badge
//! costs nothing to draw.

use super::{State, TargetResult};
use crate::engine::SiteId;
use crate::model::standing::Standing;
use crate::model::target::{Target, TargetKind};
use std::collections::{HashMap, HashSet};

/// What a site's badge is made of.
#[derive(Clone, Debug, Default)]
pub struct SiteMarks {
    /// Targets whose latest result failed.
    pub failing: HashSet<Target>,
    /// Each page's latest standing: its verdict, its probe, or unknown
    /// once revalidated (by path or by a tag it carries) and not verified.
    pub pages: HashMap<String, Standing>,
}

impl State {
    /// A page's verdict, kept for the table and the details, and in its
    /// site's badge.
    pub fn set_verdict(&mut self, site: SiteId, page: &str, verdict: super::PageVerdict) {
        let standing = Standing::of_record("verify", verdict.verdict.as_str());
        self.mark_page(site, page, standing);
        self.verdicts.insert((site, page.to_string()), verdict);
    }

    /// A page's latest probe, in its site's badge.
    pub fn set_probed(&mut self, site: SiteId, page: &str, worst: crate::engine::checks::Severity) {
        self.mark_page(site, page, Some(Standing::of_severity(worst.as_str())));
    }

    /// A target's latest result: a failure marks the site; a success
    /// leaves the pages it covers unverified until they are verified.
    pub fn mark_result(&mut self, site: SiteId, target: &Target, ok: bool) {
        let covered = self.pages_covered(site, target);
        let Some(marks) = self.site_marks.get_mut(site) else {
            return;
        };
        if !ok {
            marks.failing.insert(target.clone());
            return;
        }
        marks.failing.remove(target);
        for page in covered {
            marks.pages.insert(page, Standing::Unknown);
        }
    }

    /// The pages a revalidation of `target` covers: a path itself; a tag,
    /// every route of the site that carries it.
    fn pages_covered(&self, site: SiteId, target: &Target) -> Vec<String> {
        match target.kind {
            TargetKind::Tag => self
                .sites
                .get(site)
                .map(|s| {
                    s.routes
                        .iter()
                        .filter(|r| r.page_type.is_none() && r.tags.contains(&target.value))
                        .map(|r| r.path.clone())
                        .collect()
                })
                .unwrap_or_default(),
            TargetKind::Path if target.page_type.is_none() => vec![target.value.clone()],
            _ => Vec::new(),
        }
    }

    pub(crate) fn mark_page(&mut self, site: SiteId, page: &str, standing: Option<Standing>) {
        if let (Some(marks), Some(standing)) = (self.site_marks.get_mut(site), standing) {
            marks.pages.insert(page.to_string(), standing);
        }
    }

    pub(super) fn marks_from_results(&self, site: usize) -> SiteMarks {
        let mine = self.results.iter().filter(|((s, _), _)| *s == site);
        let failing = mine.filter(|(_, r): &(_, &TargetResult)| !r.ok);
        SiteMarks {
            failing: failing.map(|((_, t), _)| t.clone()).collect(),
            pages: HashMap::new(),
        }
    }

    /// A site's badge: the worst of what is known of it now; unknown when
    /// nothing is.
    pub fn health(&self, site: usize) -> Standing {
        let Some(marks) = self.site_marks.get(site) else {
            return Standing::Unknown;
        };
        let name = self.sites.get(site).map(|s| s.name.as_str());
        let findings = self
            .checklist
            .as_ref()
            .filter(|l| Some(l.site.as_str()) == name)
            .into_iter()
            .flat_map(|l| l.findings.iter())
            .map(|f| Standing::of_severity(f.severity.as_str()));
        let failing = (!marks.failing.is_empty()).then_some(Standing::Stale);
        let known: Vec<Standing> = marks
            .pages
            .values()
            .copied()
            .chain(findings)
            .chain(failing)
            .collect();
        known.into_iter().max().unwrap_or(Standing::Unknown)
    }
}
