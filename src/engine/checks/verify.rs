//! Check 6, revalidate and verify (side effects: it revalidates): the
//! engine's verification ([`crate::engine::verify`]) as findings for a checklist.

use super::{CheckId, Emitter, Finding, Severity};
use crate::engine::session::Session;
use crate::engine::verify::{self, LayerFreshness, Verdict, Verification};
use crate::model::outcome::Outcome;
use crate::model::target::Target;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How a verdict ranks among findings.
pub fn severity(verdict: Verdict) -> Severity {
    match verdict {
        Verdict::FreshEverywhere => Severity::Ok,
        Verdict::CouldNotTell => Severity::CouldNotCheck,
        Verdict::RegeneratedSameContent | Verdict::Dynamic | Verdict::NeedsCredentials => {
            Severity::Warning
        }
        _ => Severity::Problem,
    }
}

/// The finding that sums up a verification, for checklists.
pub fn finding(check: CheckId, v: &Verification) -> Finding {
    let mut f = Finding::new(check, severity(v.verdict), v.explanation.clone()).evidence(format!(
        "{} → {} {}",
        v.target,
        v.outcome.status.map_or("-".to_string(), |s| s.to_string()),
        v.outcome.kind.as_str()
    ));
    for l in v.layers.iter().chain(&v.rsc) {
        f = f.evidence(layer_line(l));
    }
    if let Some(topology) = &v.cache_topology {
        f = f.evidence(topology.clone());
    }
    f.path = Some(v.page.clone());
    match &v.fix {
        Some(fix) => f.fix(fix.clone()),
        None => f,
    }
}

fn layer_line(l: &LayerFreshness) -> String {
    let polls = match l.polls {
        1 => "1 poll".to_string(),
        n => format!("{n} polls"),
    };
    format!("{l} ({polls}; last {})", l.last.as_deref().unwrap_or("-"))
}

/// Report a failed revalidation, or each verification as a finding and an event.
pub fn emit_results(
    check: CheckId,
    out: &Emitter,
    outcome: &Outcome,
    verifications: Vec<Verification>,
) {
    if !outcome.kind.is_success() {
        let mut f = Finding::new(
            check,
            Severity::Problem,
            format!("the revalidation failed: {}", outcome.explanation),
        )
        .evidence(format!(
            "{} {}",
            outcome.status.map_or("-".to_string(), |s| s.to_string()),
            outcome.kind.as_str()
        ));
        if let Some(m) = &outcome.message {
            f = f.evidence(format!("server said: {m}"));
        }
        if let Some(fix) = &outcome.fix {
            f = f.fix(fix.clone());
        }
        out.emit(f);
        return;
    }
    for v in verifications {
        out.emit(finding(check, &v));
        out.verified(v);
    }
}

pub async fn run(
    session: &Session,
    path: &str,
    deadline: Duration,
    out: &Emitter,
    cancel: &CancellationToken,
) {
    let target = Target::path(path);
    let pages = verify::pages_for(&session.site, &target);
    match verify::revalidate_and_verify(session, &target, &pages, deadline, cancel).await {
        Ok((outcome, verifications)) => emit_results(CheckId::Verify, out, &outcome, verifications),
        Err(reason) => out.emit(not_run(CheckId::Verify, reason.to_string())),
    }
}

/// The finding of an active check that could not send (no secret).
pub fn not_run(check: CheckId, reason: String) -> Finding {
    Finding::new(
        check,
        Severity::CouldNotCheck,
        "not run: nothing can be sent",
    )
    .evidence(reason)
}
