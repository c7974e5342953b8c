//! What goes to history, decided in one place for every face:
//! - each revalidation that was sent or refused, as soon as it finishes
//!   (a crash loses at most the record in flight);
//! - never a cancelled one: it was not sent, and recording it would hide
//!   the target's last real revalidation;
//! - each verification; one a cancel cut short before its verdict as
//!   `stopped` (it proves nothing about the page, and says so);
//! - one "check" record per checked path;
//! - the index brought up to date when an operation ends, so the next
//!   start-up reads nothing twice;
//! - every record masked as the screen is: each known secret and
//!   credential-like URL part in its words, reason and target.

use super::event::EngineEvent;
use crate::engine::checks::Finding;
use crate::engine::verify::Verification;
use crate::history::{History, Record};
use crate::model::config::Site;
use crate::model::outcome::{Outcome, OutcomeKind};
use crate::model::purge::{PurgeKind, PurgeOutcome, item_target};
use crate::model::target::Target;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Clone)]
pub(crate) struct Recorder {
    history: Option<Arc<History>>,
    /// Where a failed write is reported (it never stops the work).
    events: UnboundedSender<EngineEvent>,
    /// Records that could not be written (a full disk): the faces say how
    /// many, and the command line exits non-zero.
    lost: Arc<std::sync::atomic::AtomicUsize>,
    /// Why the operator is doing this (`--reason`, the console's prompt):
    /// stamped on every record written while it is set.
    reason: Arc<std::sync::RwLock<Option<String>>>,
    /// Whether each written record is also sent as an event (the console's
    /// history view wants them; a bulk run on the command line does not).
    feed: Arc<std::sync::atomic::AtomicBool>,
    /// What was appended since the index was last brought up to date:
    /// the index is then updated without reading it back. Held through
    /// each append and each update, so none of ours slips between.
    appends: Arc<std::sync::Mutex<crate::history::Appends>>,
}

/// The outcome of a page the stale finder no longer finds stale.
pub(crate) const NOT_STALE: &str = "not_stale";

/// The longest reason kept: a ticket number and a few words.
const REASON_CAP: usize = 200;

/// One line, control characters gone, at most [`REASON_CAP`] characters;
/// nothing when nothing is left.
pub(crate) fn clean_reason(text: &str) -> Option<String> {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(REASON_CAP)
        .collect();
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then_some(line)
}

impl Recorder {
    pub(crate) fn new(history: Option<Arc<History>>, events: UnboundedSender<EngineEvent>) -> Self {
        Recorder {
            history,
            events,
            lost: Arc::default(),
            reason: Arc::default(),
            feed: Arc::default(),
            appends: Arc::default(),
        }
    }

    /// From now on, every record written is also an event.
    pub(crate) fn feed_events(&self) {
        self.feed.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn history(&self) -> Option<&Arc<History>> {
        self.history.as_ref()
    }

    pub(crate) fn set_reason(&self, reason: Option<&str>) {
        let mut held = self.reason.write().unwrap_or_else(|e| e.into_inner());
        *held = reason.and_then(clean_reason);
    }

    fn reason(&self) -> Option<String> {
        self.reason
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The site's newest revalidation record, read from the end of history.
    pub(crate) fn last_revalidation(&self, site: &str) -> Option<Record> {
        let history = self.history.as_ref()?;
        let wanted = |r: &Record| r.site == site && r.action == "revalidate";
        let (mut found, _) = history.newest(1, wanted).ok()?;
        found.pop()
    }

    pub(crate) fn revalidation(&self, site: &Site, target: &Target, outcome: &Outcome) {
        self.revalidations(site, [(target, outcome)]);
    }

    /// Several finished revalidations in one append (a bulk run records
    /// them in batches: one write, not one per result).
    pub(crate) fn revalidations<'a>(
        &self,
        site: &Site,
        finished: impl IntoIterator<Item = (&'a Target, &'a Outcome)>,
    ) {
        let records: Vec<Record> = finished
            .into_iter()
            .inspect(|(target, outcome)| log_revalidation(site, target, outcome))
            .filter(|(_, outcome)| outcome.kind != OutcomeKind::Cancelled)
            .map(|(target, outcome)| {
                crate::wire::revalidation::history_record(&site.name, target, outcome)
            })
            .collect();
        self.append(records);
    }

    /// Each verification, a stopped one as `stopped` (history and the
    /// screen agree that it was cut short, and says nothing of the page).
    pub(crate) fn verifications(&self, verifications: &[Verification]) {
        let records: Vec<Record> = verifications
            .iter()
            .map(Verification::history_record)
            .collect();
        self.append(records);
    }

    /// One record per item a purge call covered.
    pub(crate) fn purge(&self, site: &str, outcome: &PurgeOutcome) {
        tracing::info!(site, call = %outcome.call, outcome = outcome.kind.as_str(), "purge finished");
        if outcome.kind != PurgeKind::NotSent {
            self.append(purge_records(site, outcome));
        }
    }

    /// A probe of a page: its worst finding, and the conclusion that set it
    /// (a badge from before a restart comes back from this record).
    pub(crate) fn probe(&self, site: &str, page: &crate::engine::checks::cache_layers::ProbedPage) {
        let worst = page.worst();
        let said = page.worst_said().map(str::to_string);
        self.append(vec![Record {
            time: jiff::Timestamp::now(),
            operator: crate::history::operator(),
            site: site.to_string(),
            target: Target::path(&page.path),
            action: crate::history::PROBE.into(),
            outcome: worst.as_str().into(),
            status: None,
            latency_ms: None,
            message: said,
            reason: None,
            secret: None,
        }]);
    }

    /// One record per page the stale finder found probably stale (its
    /// worst reason), and one `not_stale` per page last recorded stale
    /// that no longer is: what `status` reads back.
    pub(crate) fn stale(&self, scan: &crate::engine::stale::StaleScan) {
        let record = |path: &str, outcome: &str, message: Option<String>| Record {
            time: scan.began,
            operator: crate::history::operator(),
            site: scan.site.clone(),
            target: Target::path(path),
            action: crate::history::STALE.into(),
            outcome: outcome.into(),
            status: None,
            latency_ms: None,
            message,
            reason: None,
            secret: None,
        };
        let found = scan.found.iter().map(|page| {
            let worst = page.reasons.first().map(|r| r.name()).unwrap_or_default();
            record(&page.path, worst, Some(page.why.join("; ")))
        });
        let cleared = scan
            .cleared
            .iter()
            .map(|path| record(path, NOT_STALE, None));
        self.append(found.chain(cleared).collect());
    }

    /// One record per path (its worst finding, site-wide ones included).
    pub(crate) fn checks(&self, site: &Site, paths: &[String], findings: &[Finding]) {
        let records: Vec<Record> = paths
            .iter()
            .filter_map(|path| crate::engine::checks::history_record(&site.name, path, findings))
            .collect();
        self.append(records);
    }

    /// How many records could not be written so far.
    pub(crate) fn lost(&self) -> usize {
        self.lost.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// At the end of an operation: the index covers everything appended.
    pub(crate) fn finish(&self) {
        let Some(history) = &self.history else { return };
        let mut appends = self.lock_appends();
        if let Err(e) = history.update_index_after(std::mem::take(&mut *appends)) {
            tracing::warn!("history index not updated: {e}");
        }
    }

    /// A poisoned lock (a panic elsewhere) loses only the shortcut: the
    /// appends noted so far are dropped and the index is read instead.
    fn lock_appends(&self) -> std::sync::MutexGuard<'_, crate::history::Appends> {
        self.appends.lock().unwrap_or_else(|poisoned| {
            let mut appends = poisoned.into_inner();
            *appends = crate::history::Appends::unusable();
            appends
        })
    }

    fn append(&self, mut records: Vec<Record>) {
        let Some(history) = &self.history else { return };
        if records.is_empty() {
            return;
        }
        if let Some(reason) = self.reason() {
            for r in &mut records {
                r.reason.get_or_insert_with(|| reason.clone());
            }
        }
        // Masked as the screen masks them, now (the secrets are read after
        // a reason is given, and a check's words quote what servers sent):
        // history keeps nothing that was shown as `***`.
        for r in &mut records {
            r.mask(crate::model::out::mask_known_secrets);
        }
        let feed = self.feed.load(std::sync::atomic::Ordering::Relaxed);
        let fed = feed.then(|| records.clone());
        let count = records.len();
        if let Err(e) = history.append_noted(records, &mut self.lock_appends()) {
            self.lost
                .fetch_add(count, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!("history append failed: {e}");
            let message = format!(
                "cannot write history at {}: {e}",
                history.file_path().display()
            );
            let _ = self.events.send(EngineEvent::Warning { message });
        } else if let Some(records) = fed {
            let _ = self.events.send(EngineEvent::Recorded { records });
        }
    }
}

/// The history records of one purge call, one per item it covered.
fn purge_records(site: &str, outcome: &PurgeOutcome) -> Vec<Record> {
    outcome
        .covers
        .iter()
        .map(|item| Record {
            time: jiff::Timestamp::now(),
            operator: crate::history::operator(),
            site: site.to_string(),
            target: item_target(item),
            action: "purge".into(),
            outcome: outcome.kind.as_str().into(),
            status: outcome.status,
            latency_ms: outcome.latency_ms,
            message: Some(purge_words(outcome)),
            reason: None,
            secret: None,
        })
        .collect()
}

/// "cloudfront: POST …", with the invalidation's id when there is one: a
/// wait cut short leaves it pending, to be looked up later.
fn purge_words(outcome: &PurgeOutcome) -> String {
    let words = format!("{}: {}", outcome.provider, outcome.call);
    match &outcome.invalidation {
        Some(id) => format!("{words} · invalidation {id}"),
        None => words,
    }
}

/// Failures go to the log at `info`; successes only at `debug`: history
/// already has every one, and a line each was a tenth of a bulk run's time.
fn log_revalidation(site: &Site, target: &Target, outcome: &Outcome) {
    let request = || crate::model::endpoint::masked_summary(&site.endpoint, target);
    if outcome.kind.is_success() {
        tracing::debug!(site = %site.name, %target, request = %request(), "revalidated");
    } else {
        tracing::info!(
            site = %site.name,
            %target,
            outcome = outcome.kind.as_str(),
            status = ?outcome.status,
            request = %request(),
            "revalidation failed"
        );
    }
}
