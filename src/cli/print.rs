//! Everything the command line prints for a person that more than one
//! command shows: a revalidation's result line, a verification, a
//! purge call's result, a check's finding.

use crate::engine::checks::{Finding, Severity};
use crate::engine::verify::Verification;
use crate::model::outcome::Outcome;
use crate::model::purge::PurgeOutcome;
use crate::model::redact::Redactor;
use crate::model::target::Target;
use crate::model::text::millis;
use crate::model::tone::Tone;

/// A line whose first part is coloured on a terminal.
fn toned(word: &str, tone: Tone, rest: &str) {
    crate::model::out::stdout_toned(word, tone, rest);
}

/// "just now", "5 min ago", "3 h ago".
pub fn ago(time: jiff::Timestamp) -> String {
    crate::model::text::ago(time, jiff::Timestamp::now())
}

pub fn print_result(target: &Target, outcome: &Outcome) {
    let tone = match outcome.kind.is_success() {
        true => Tone::Good,
        false => Tone::Bad,
    };
    toned(
        &format!("{:17}", outcome.kind.as_str()),
        tone,
        &format!(
            " {:>4} {:>8}  {target}\n",
            outcome
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            millis(outcome.latency_ms),
        ),
    );
    if outcome.kind.is_success() {
        return;
    }
    outln!("    {}", outcome.explanation);
    if let Some(message) = &outcome.message {
        outln!("    server said: {message}");
    }
    if let Some(fix) = &outcome.fix {
        outln!("    fix: {fix}");
    }
}

pub fn print_verifications(target: &Target, outcome: &Outcome, verifications: &[Verification]) {
    if outcome.kind.is_success() && verifications.is_empty() {
        outln!(
            "    verify: no page to watch for {target}: add routes with this tag to the config, or revalidate with --path"
        );
    }
    for v in verifications {
        let tone = match v.verdict == crate::engine::checks::Verdict::FreshEverywhere {
            true => Tone::Good,
            false => Tone::Bad,
        };
        toned(
            &format!("    verify {}: {}", v.page, v.explanation),
            tone,
            &format!(" ({})\n", v.verdict.as_str()),
        );
        for line in
            crate::engine::checks::verify::finding(crate::engine::checks::CheckId::Verify, v)
                .evidence
                .iter()
                .skip(1)
        {
            outln!("      {line}");
        }
        if let Some(fix) = &v.fix {
            outln!("    fix: {fix}");
        }
    }
}

pub fn print_purge_outcome(o: &PurgeOutcome) {
    let tone = match o.kind.is_fine() {
        true => Tone::Good,
        false => Tone::Bad,
    };
    toned(
        &format!("{:17}", o.kind.as_str()),
        tone,
        &format!(
            " {:>4} {:>8}  {}\n",
            o.status.map_or("-".to_string(), |s| s.to_string()),
            millis(o.latency_ms),
            o.call
        ),
    );
    // Also for a fine one: "proven: read back 2 page(s)", "invalidated 0
    // objects" say what the purge did.
    outln!("    {}", o.explanation);
    if o.kind.is_fine() {
        return;
    }
    if let Some(message) = &o.message {
        outln!("    {} said: {message}", o.provider);
    }
    if let Some(fix) = &o.fix {
        outln!("    fix: {fix}");
    }
}

/// `problem  cache_layers  /blog/hello: title`, evidence and fix indented.
pub fn print_finding(f: &Finding, verbose: bool, redactor: &Redactor) {
    let path = f
        .path
        .as_deref()
        .map(|p| format!("{p}: "))
        .unwrap_or_default();
    let tone = match f.severity {
        Severity::Ok => Tone::Good,
        Severity::Warning | Severity::CouldNotCheck => Tone::Warning,
        Severity::Problem => Tone::Bad,
    };
    let rest = format!(" {:<13} {path}{}\n", f.check.as_str(), f.title);
    toned(
        &format!("{:<15}", f.severity.as_str()),
        tone,
        &redactor.redact(&rest),
    );
    if f.severity != Severity::Ok || verbose {
        for e in &f.evidence {
            outln!("    {}", redactor.redact(e));
        }
    }
    if let Some(fix) = f
        .fix
        .as_ref()
        .filter(|_| f.severity != Severity::Ok || verbose)
    {
        outln!("    fix: {}", redactor.redact(fix));
    }
}
