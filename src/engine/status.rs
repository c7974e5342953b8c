//! How each site stands now (`isrctl status`): its key pages read now at
//! every layer (a probe: nothing revalidated, nothing sent with a secret),
//! and what history last said of its other pages — a verification, a
//! probe, the stale finder, a revalidation that failed. The site stands as
//! its worst finding (`model::standing`).

use crate::history::{LastStates, Record};
use crate::model::config::Site;
use crate::model::standing::Standing;
use crate::model::target::{Target, TargetKind};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashSet;

/// One thing known of one page.
#[derive(Clone, Debug, Serialize)]
pub struct StatusFinding {
    pub standing: Standing,
    /// A path, or `#tag` for a tag's failed revalidation.
    pub page: String,
    pub words: String,
    /// When it was seen.
    pub seen: Timestamp,
    /// `probe` (read now) or the history record's action.
    pub from: String,
}

/// How one site stands.
#[derive(Clone, Debug, Serialize)]
pub struct SiteStatus {
    pub site: String,
    pub standing: Standing,
    /// Worst first, then the newest.
    pub findings: Vec<StatusFinding>,
}

impl SiteStatus {
    /// The finding that sets the site's standing.
    pub fn worst(&self) -> Option<&StatusFinding> {
        self.findings.first()
    }
}

/// Read the site's key pages now, and add what history says of the rest.
pub async fn site_status(site: &Site, history: &LastStates) -> SiteStatus {
    let mut findings = Vec::new();
    let mut probed = HashSet::new();
    for path in site.key_pages() {
        // One page after another: a gentle look, within the site's limits.
        findings.push(probe_finding(site, &path).await);
        probed.insert(path);
    }
    findings.extend(from_history(site, history, &probed));
    findings.sort_by_key(|f| std::cmp::Reverse((f.standing, f.seen)));
    let standing = match findings.first() {
        Some(worst) => worst.standing,
        None => Standing::Unknown,
    };
    SiteStatus {
        site: site.name.clone(),
        standing,
        findings,
    }
}

async fn probe_finding(site: &Site, path: &str) -> StatusFinding {
    let seen = Timestamp::now();
    let (standing, words) = match super::probe::probe_path(site, path).await {
        Ok(page) => {
            let said = page.worst_said().unwrap_or("every layer answered");
            (
                Standing::of_severity(page.worst().as_str()),
                said.to_string(),
            )
        }
        Err(trouble) => (Standing::Unknown, trouble.to_string()),
    };
    StatusFinding {
        standing,
        page: path.to_string(),
        words,
        seen,
        from: "probe".into(),
    }
}

/// The site's latest judgement of each page not read now, and each
/// target whose last revalidation failed and was not judged since.
fn from_history(site: &Site, history: &LastStates, probed: &HashSet<String>) -> Vec<StatusFinding> {
    let mine = |key: &(String, Target)| key.0 == site.name && !probed.contains(&key.1.value);
    let seen = history.seen.iter().filter(|(k, _)| mine(k));
    let judged: Vec<StatusFinding> = seen.filter_map(|(_, r)| finding_of(r)).collect();
    let failed = history
        .last
        .iter()
        .filter(|(k, _)| mine(k))
        .filter(|(k, r)| history.seen.get(k).is_none_or(|s| s.time < r.time))
        .filter_map(|(_, r)| finding_of(r));
    judged.into_iter().chain(failed).collect()
}

fn finding_of(record: &Record) -> Option<StatusFinding> {
    let standing = Standing::of_record(&record.action, &record.outcome)?;
    let page = match record.target.kind {
        TargetKind::Tag => format!("#{}", record.target.value),
        _ => record.target.value.clone(),
    };
    // A failed revalidation says what the server said after its outcome;
    // a judgement's words say it all (the first of several is the worst).
    let words = match (&record.message, record.action.as_str()) {
        (Some(message), crate::history::REVALIDATE) => format!("{}: {message}", record.outcome),
        (Some(message), _) => message.split("; ").next().unwrap_or(message).to_string(),
        (None, _) => record.outcome.replace('_', " "),
    };
    Some(StatusFinding {
        standing,
        page,
        words,
        seen: record.time,
        from: record.action.clone(),
    })
}
