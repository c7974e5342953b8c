//! The troubleshooting checks: "why is this page still stale?".
//!
//! Each check is a small unit that says whether it has side effects and
//! streams [`Finding`]s as soon as it has them. [`run`] starts a suite for
//! a site and some paths: every check is its own tokio task, so the suite
//! takes about as long as its slowest network step, not the sum. Events
//! come back over an mpsc channel; a `CancellationToken` stops the suite.
//! Nothing here knows about the terminal: the CLI prints the events, the
//! console shows them as a checklist.
//!
//! Passive checks (no side effects): config and secret, path lint,
//! reachability, auth, cache layers. Active checks (they revalidate, so
//! they run only when asked): revalidate-and-verify, webhook dry run.

pub mod auth;
pub mod cache_layers;
pub mod config_secret;
pub mod reachability;
pub mod route_paths;
pub mod verify;
pub mod webhook;

#[cfg(test)]
pub(crate) mod testing;

pub use crate::engine::session::Session;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use crate::engine::verify::{Verdict, Verification};

/// How bad a finding is. Ordered: the worst of a list is its `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Ok,
    /// The check could not reach a conclusion (no answer, inconclusive).
    CouldNotCheck,
    Warning,
    Problem,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::CouldNotCheck => "could_not_check",
            Severity::Warning => "warning",
            Severity::Problem => "problem",
        }
    }
}

/// The catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    ConfigSecret,
    PathLint,
    Reachability,
    Auth,
    CacheLayers,
    Verify,
    Webhook,
}

impl CheckId {
    pub const ALL: [CheckId; 7] = [
        CheckId::ConfigSecret,
        CheckId::PathLint,
        CheckId::Reachability,
        CheckId::Auth,
        CheckId::CacheLayers,
        CheckId::Verify,
        CheckId::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::ConfigSecret => "config_secret",
            CheckId::PathLint => "path_lint",
            CheckId::Reachability => "reachability",
            CheckId::Auth => "auth",
            CheckId::CacheLayers => "cache_layers",
            CheckId::Verify => "verify",
            CheckId::Webhook => "webhook",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            CheckId::ConfigSecret => "config and secret",
            CheckId::PathLint => "path lint",
            CheckId::Reachability => "reachability",
            CheckId::Auth => "auth without side effects",
            CheckId::CacheLayers => "cache layers",
            CheckId::Verify => "revalidate and verify",
            CheckId::Webhook => "webhook dry run",
        }
    }

    /// Whether running the check revalidates anything.
    pub fn has_side_effects(self) -> bool {
        matches!(self, CheckId::Verify | CheckId::Webhook)
    }
}

/// One result of a check: what was found, the evidence, what to do.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub check: CheckId,
    pub severity: Severity,
    /// The path the finding is about; `None` for site-wide findings.
    pub path: Option<String>,
    pub title: String,
    /// Status lines, headers, timings: what the title is based on.
    pub evidence: Vec<String>,
    pub fix: Option<String>,
    /// Seconds the CDN may keep the copy the finding is about (its TTL
    /// minus its age), when that is what the title tells in words.
    pub remaining_s: Option<u64>,
}

impl Finding {
    pub fn new(check: CheckId, severity: Severity, title: impl Into<String>) -> Finding {
        Finding {
            check,
            severity,
            path: None,
            title: title.into(),
            evidence: Vec::new(),
            fix: None,
            remaining_s: None,
        }
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Finding {
        self.evidence.push(line.into());
        self
    }

    pub fn evidence_all(mut self, lines: impl IntoIterator<Item = String>) -> Finding {
        self.evidence.extend(lines);
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }

    pub fn remaining_s(mut self, seconds: Option<u64>) -> Finding {
        self.remaining_s = seconds;
        self
    }
}

/// What a running suite reports, in the order it happens.
#[derive(Clone, Debug)]
pub enum CheckEvent {
    Started {
        check: CheckId,
        path: Option<String>,
    },
    Finding(Finding),
    /// An active check's verdict (also summarised as a finding).
    Verified(Box<Verification>),
    Finished {
        check: CheckId,
        path: Option<String>,
    },
}

/// Sends one check's findings, stamped with its path.
#[derive(Clone)]
pub struct Emitter {
    tx: mpsc::UnboundedSender<CheckEvent>,
    path: Option<String>,
}

impl Emitter {
    pub fn new(tx: mpsc::UnboundedSender<CheckEvent>, path: Option<String>) -> Emitter {
        Emitter { tx, path }
    }

    pub fn emit(&self, mut finding: Finding) {
        if finding.path.is_none() {
            finding.path = self.path.clone();
        }
        // A closed channel means nobody listens any more: nothing to do.
        let _ = self.tx.send(CheckEvent::Finding(finding));
    }

    pub fn verified(&self, verification: Verification) {
        let _ = self.tx.send(CheckEvent::Verified(Box::new(verification)));
    }

    fn send(&self, event: CheckEvent) {
        let _ = self.tx.send(event);
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Paths to check (per-path checks run for each).
    pub paths: Vec<String>,
    /// Also run the checks with side effects (verify, webhook).
    pub active: bool,
    /// How long the active checks wait for the page to change.
    pub deadline: Duration,
    /// The site's last revalidation in history, if any: the passive auth
    /// check reads a token mismatch from it instead of sending the secret.
    /// The engine fills it in.
    pub last_revalidation: Option<crate::history::Record>,
}

/// Start the suite. Events arrive on `events` as checks progress; the
/// handle completes when every check has finished or `cancel` fired.
pub fn run(
    ctx: Arc<Session>,
    plan: Plan,
    events: mpsc::UnboundedSender<CheckEvent>,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for check in [CheckId::ConfigSecret, CheckId::Reachability, CheckId::Auth] {
            let steps = vec![check];
            tasks.spawn(run_steps(
                ctx.clone(),
                steps,
                None,
                plan.clone(),
                events.clone(),
                cancel.clone(),
            ));
        }
        for path in &plan.paths {
            let lint = vec![CheckId::PathLint];
            // Cache layers before the active checks: they revalidate, and
            // the passive view must be of the page as it was.
            let mut layers = vec![CheckId::CacheLayers];
            if plan.active {
                layers.extend([CheckId::Verify, CheckId::Webhook]);
            }
            for steps in [lint, layers] {
                let path = Some(path.clone());
                tasks.spawn(run_steps(
                    ctx.clone(),
                    steps,
                    path,
                    plan.clone(),
                    events.clone(),
                    cancel.clone(),
                ));
            }
        }
        while tasks.join_next().await.is_some() {}
    })
}

/// Run checks one after the other, each announced and closed by events.
async fn run_steps(
    ctx: Arc<Session>,
    steps: Vec<CheckId>,
    path: Option<String>,
    plan: Plan,
    events: mpsc::UnboundedSender<CheckEvent>,
    cancel: CancellationToken,
) {
    let out = Emitter::new(events, path.clone());
    for check in steps {
        if cancel.is_cancelled() {
            return;
        }
        out.send(CheckEvent::Started {
            check,
            path: path.clone(),
        });
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = run_one(&ctx, check, path.as_deref(), &plan, &out, &cancel) => {}
        }
        out.send(CheckEvent::Finished {
            check,
            path: path.clone(),
        });
    }
}

async fn run_one(
    ctx: &Session,
    check: CheckId,
    path: Option<&str>,
    plan: &Plan,
    out: &Emitter,
    cancel: &CancellationToken,
) {
    let path = path.unwrap_or("/");
    match check {
        CheckId::ConfigSecret => config_secret::run(ctx, out),
        CheckId::PathLint => route_paths::run(ctx, path, out),
        CheckId::Reachability => reachability::run(ctx, out).await,
        CheckId::Auth => auth::run(ctx, out, plan).await,
        CheckId::CacheLayers => cache_layers::run(ctx, path, out).await,
        CheckId::Verify => verify::run(ctx, path, plan.deadline, out, cancel).await,
        CheckId::Webhook => webhook::run(ctx, path, plan.deadline, out, cancel).await,
    }
}

/// The "check" history record of one path: its worst finding, site-wide
/// findings included; `None` when nothing was found.
pub fn history_record(
    site: &str,
    path: &str,
    findings: &[Finding],
) -> Option<crate::history::Record> {
    let worst = findings
        .iter()
        .filter(|f| f.path.as_deref().is_none_or(|p| p == path))
        .max_by_key(|f| f.severity)?;
    Some(crate::history::Record {
        time: jiff::Timestamp::now(),
        operator: crate::history::operator(),
        site: site.to_string(),
        target: crate::model::target::Target::path(path),
        action: "check".into(),
        outcome: worst.severity.as_str().into(),
        status: None,
        latency_ms: None,
        message: Some(worst.title.clone()),
        reason: None,
        secret: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_worst_last() {
        let worst = [Severity::Ok, Severity::Problem, Severity::Warning]
            .into_iter()
            .max();
        assert_eq!(worst, Some(Severity::Problem));
        assert!(Severity::Warning > Severity::CouldNotCheck);
    }

    #[test]
    fn only_active_checks_have_side_effects() {
        let active: Vec<_> = CheckId::ALL
            .into_iter()
            .filter(|c| c.has_side_effects())
            .collect();
        assert_eq!(active, vec![CheckId::Verify, CheckId::Webhook]);
    }
}
