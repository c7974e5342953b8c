//! Check 4, auth without side effects: catch an endpoint that accepts any
//! secret, or is missing, without revalidating a page.
//!
//! The passive check sends a **made-up secret only**, with no path or tag:
//! it must be refused (401/403). The configured secret is never sent by a
//! passive check: many real handlers (Vercel's cms-contentful example, many
//! Sanity starters) ignore path and tag and regenerate every page of a tag
//! whenever the secret matches — even with no path at all. A handler that
//! asks for the path before it checks the secret answers the made-up one
//! 400; only then the made-up secret goes with a page that does not exist
//! (then a tag no page carries): accepted means it accepts any secret.
//!
//! With `--active`, the configured secret goes too, with no path: 400 proves
//! the token is accepted; `revalidated: true` proves the handler ignores
//! what it is told to revalidate — a finding of its own.

use super::{CheckId, Emitter, Finding, Session, Severity};
use crate::model::endpoint::{Placement, PreparedRequest};
use crate::model::outcome::{Outcome, OutcomeKind};
use crate::model::redact::MASK;
use crate::model::secret::Secret;
use crate::model::target::Target;
use crate::wire::revalidation;
use tokio_util::sync::CancellationToken;

const CHECK: CheckId = CheckId::Auth;

/// What the endpoint did with a made-up secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wrong {
    Refused,
    Accepted,
    /// 400/422 (it wants a path first, or it accepts anything), or 5xx
    /// (a handler that throws without one): only a target tells.
    AsksForPath,
    Missing,
    MethodNotAllowed,
    Other,
}

/// What the endpoint did with the configured secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Right {
    /// 400/422: past the secret check, asking for a path.
    TokenAccepted,
    /// `revalidated: true` with no path or tag: it revalidates something
    /// else than what it is told.
    IgnoresTarget,
    Refused,
    Missing,
    MethodNotAllowed,
    /// 2xx without a path, or anything else this check cannot read.
    Inconclusive,
    NoAnswer,
}

fn judge_wrong(o: &Outcome) -> Wrong {
    match (o.kind, o.status) {
        (OutcomeKind::Unauthorized, _) => Wrong::Refused,
        (_, Some(200..=299)) => Wrong::Accepted,
        (_, Some(400 | 422 | 500..=599)) => Wrong::AsksForPath,
        (_, Some(404)) => Wrong::Missing,
        (_, Some(405)) => Wrong::MethodNotAllowed,
        _ => Wrong::Other,
    }
}

/// With a harmless target, anything past the secret check means accepted:
/// a 2xx, or a 5xx from trying to revalidate a page that does not exist.
fn judge_wrong_with_target(o: &Outcome) -> Wrong {
    match (o.kind, o.status) {
        (OutcomeKind::Unauthorized, _) => Wrong::Refused,
        (_, Some(200..=299 | 500..=599)) => Wrong::Accepted,
        _ => Wrong::Other,
    }
}

fn judge_right(o: &Outcome) -> Right {
    match (o.kind, o.status) {
        (OutcomeKind::Unauthorized, _) => Right::Refused,
        (_, Some(400 | 422)) => Right::TokenAccepted,
        (OutcomeKind::Revalidated, _) => Right::IgnoresTarget,
        (_, Some(404)) => Right::Missing,
        (_, Some(405)) => Right::MethodNotAllowed,
        (_, None) => Right::NoAnswer,
        _ => Right::Inconclusive,
    }
}

/// The passive part always; the configured secret only with `--active`.
pub async fn run(ctx: &Session, out: &Emitter, plan: &super::Plan) {
    let active = plan.active;
    let made_up = Secret::new(made_up_secret(), "made up by isrctl");
    let wrong = send(ctx, ctx.site.endpoint.prepare_secret_only(&made_up)).await;
    let mut wrong_verdict = judge_wrong(&wrong);
    let mut wrong_evidence = vec![line("made-up secret, no path", &wrong)];
    if wrong_verdict == Wrong::AsksForPath {
        let (verdict, evidence) = wrong_with_harmless_target(ctx, &made_up).await;
        wrong_verdict = verdict;
        wrong_evidence.extend(evidence);
    }
    if !active {
        wrong_evidence.push("the configured secret is not sent by passive checks (a handler may ignore the path and revalidate everything); --active sends it".into());
    }
    out.emit(wrong_finding(ctx, wrong_verdict, wrong_evidence));
    if let Some(f) = plan
        .last_revalidation
        .as_ref()
        .and_then(|r| refused_last_time(ctx, r))
    {
        out.emit(f);
    }
    if active && !matches!(wrong_verdict, Wrong::Missing | Wrong::MethodNotAllowed) {
        let right = right_check(ctx, wrong_verdict).await;
        // Any secret is accepted: what the configured one gets without a
        // path adds nothing unless it is news (a refusal, ignored targets).
        let moot = wrong_verdict == Wrong::Accepted && right.severity == Severity::CouldNotCheck;
        if !moot {
            out.emit(right);
        }
    }
}

/// The configured secret, no path: with `--active` only.
async fn right_check(ctx: &Session, wrong: Wrong) -> Finding {
    match ctx.secret() {
        Ok(secret) => {
            let o = send(ctx, ctx.site.endpoint.prepare_secret_only(secret)).await;
            right_finding(ctx, judge_right(&o), &o, wrong)
        }
        Err(_) => Finding::new(
            CHECK,
            Severity::CouldNotCheck,
            "the configured secret was not tried: it cannot be read",
        )
        .fix("see the config and secret check"),
    }
}

/// Through the site's job when there is one, so these probes count
/// against its concurrency and rate and wait out its 429 pause like any
/// revalidation (the suite is cancelled by dropping this future).
async fn send(ctx: &Session, request: PreparedRequest) -> Outcome {
    match ctx.job() {
        Ok(job) => job.send_prepared(request, &CancellationToken::new()).await,
        Err(_) => {
            let success = ctx.site.endpoint.success;
            revalidation::send(&ctx.client, request, success, &ctx.redactor()).await
        }
    }
}

/// Try the made-up secret with a harmless target: a page that does not
/// exist, then a tag no page carries. A handler that demands one of them
/// before it looks at the secret answers the other 400 again.
async fn wrong_with_harmless_target(ctx: &Session, made_up: &Secret) -> (Wrong, Vec<String>) {
    let mut evidence = Vec::new();
    for target in harmless_targets(ctx) {
        let Ok(request) = ctx.site.endpoint.prepare(&target, made_up) else {
            continue;
        };
        let outcome = send(ctx, request).await;
        let what = format!("made-up secret, {target} (nothing carries it)");
        evidence.push(line(&what, &outcome));
        let verdict = judge_wrong_with_target(&outcome);
        if verdict != Wrong::Other || !matches!(outcome.status, Some(400 | 422)) {
            return (verdict, evidence);
        }
    }
    if evidence.is_empty() {
        evidence.push("no harmless target can be expressed for this endpoint".into());
    }
    (Wrong::Other, evidence)
}

/// A page that does not exist (revalidating it regenerates nothing), and
/// a tag no page carries, as far as the endpoint can express them.
fn harmless_targets(ctx: &Session) -> Vec<Target> {
    let name = format!("isrctl-auth-check-{}", unique());
    let endpoint = &ctx.site.endpoint;
    let mut targets = Vec::new();
    if !matches!(endpoint.path, Placement::Unsupported) {
        targets.push(Target::path(format!("/__{name}")));
    }
    if !matches!(endpoint.tag, Placement::Unsupported) {
        targets.push(Target::tag(name));
    }
    targets
}

fn wrong_finding(ctx: &Session, verdict: Wrong, evidence: Vec<String>) -> Finding {
    let url = ctx.site.endpoint.url.as_str();
    let f = match verdict {
        Wrong::Missing => missing(url),
        Wrong::MethodNotAllowed => wrong_method(ctx),
        Wrong::Refused => Finding::new(CHECK, Severity::Ok, "a wrong secret is refused"),
        Wrong::Accepted => Finding::new(CHECK, Severity::Problem, "the endpoint accepts any secret: anyone can revalidate (and load) the site")
            .fix("compare the secret first in the handler and answer 401 when it differs (if (secret !== process.env.REVALIDATE_SECRET) return 401), then redeploy"),
        Wrong::AsksForPath | Wrong::Other => Finding::new(CHECK, Severity::CouldNotCheck, "inconclusive: could not tell whether a wrong secret is refused")
            .fix("read the answers below; the handler should answer 401 to a wrong secret"),
    };
    f.evidence_all(evidence)
}

fn right_finding(ctx: &Session, verdict: Right, o: &Outcome, wrong: Wrong) -> Finding {
    let source = source(ctx);
    let evidence = vec![
        line("configured secret, no path", o),
        format!("secret: {source}"),
    ];
    let url = ctx.site.endpoint.url.as_str();
    let f = match verdict {
        Right::TokenAccepted => Finding::new(CHECK, Severity::Ok, "the token is accepted (the endpoint asked for a path; nothing was revalidated)"),
        Right::Refused if wrong == Wrong::Accepted => Finding::new(CHECK, Severity::CouldNotCheck, "the configured secret is refused although a made-up one was not: read the answers"),
        Right::Refused => Finding::new(CHECK, Severity::Problem, "token mismatch: the endpoint refuses the configured secret")
            .fix(mismatch_fix(ctx)),
        Right::IgnoresTarget => Finding::new(CHECK, Severity::Problem, "this endpoint ignores path and tag: a call with no path at all answered revalidated: true, so each call regenerates every page it covers")
            .fix("make the handler revalidate the path or tag it is given, and answer 400 when there is none; until then every revalidation regenerates all those pages (and verification cannot tell which page a call was for)"),
        Right::Missing => missing(url),
        Right::MethodNotAllowed => wrong_method(ctx),
        Right::NoAnswer => Finding::new(CHECK, Severity::CouldNotCheck, "the endpoint did not answer")
            .fix("see the reachability check"),
        Right::Inconclusive => Finding::new(CHECK, Severity::CouldNotCheck, "inconclusive: the endpoint does not answer a request without a path with 400")
            .fix("run the active check, which revalidates the path and verifies the page changed: isrctl check SITE --path P --active"),
    };
    f.evidence_all(evidence)
}

/// The last real revalidation was refused: a token mismatch, told from
/// history without sending the configured secret again.
fn refused_last_time(ctx: &Session, last: &crate::history::Record) -> Option<Finding> {
    if last.outcome != "unauthorized" {
        return None;
    }
    // Refused with another secret than the configured one (a one-off
    // override): that refusal says nothing of the configured secret.
    if let (Some(sent), Ok(configured)) = (&last.secret, ctx.secret())
        && *sent != configured.fingerprint()
    {
        return None;
    }
    let status = last.status.map_or("refused".to_string(), |s| s.to_string());
    let when = last.time.strftime("%Y-%m-%d %H:%M:%S UTC");
    Some(
        Finding::new(
            CHECK,
            Severity::Problem,
            "token mismatch: the last revalidation was refused",
        )
        .evidence(format!("{} → {status}, at {when} (history)", last.target))
        .evidence(format!("secret: {}", source(ctx)))
        .fix(mismatch_fix(ctx)),
    )
}

fn source(ctx: &Session) -> String {
    match ctx.secret() {
        Ok(secret) => secret.fingerprint(),
        Err(_) => ctx.site.secret.describe(),
    }
}

fn mismatch_fix(ctx: &Session) -> String {
    format!(
        "the app's secret env var differs from {}: compare lengths and the sha256 prefix with the deployment's value (no trailing newline), set it, redeploy; isrctl check --active tries the configured secret without a path",
        source(ctx)
    )
}

fn missing(url: &str) -> Finding {
    Finding::new(CHECK, Severity::Problem, format!("the endpoint is missing: {url} answers 404"))
        .fix("check the endpoint url in the config and that the route handler is deployed at that path (and that the CDN passes /api/ to the origin)")
}

fn wrong_method(ctx: &Session) -> Finding {
    let method = ctx.site.endpoint.method.as_str();
    Finding::new(CHECK, Severity::Problem, format!("the endpoint does not accept {method} (405)"))
        .fix("set method in the site's [endpoint] to the one the handler exports (GET, POST, PUT, PATCH or DELETE)")
}

/// `→ 401 Invalid token (POST https://…/api/revalidate?secret=***)`.
fn line(what: &str, o: &Outcome) -> String {
    let status = o
        .status
        .map_or_else(|| o.kind.as_str().to_string(), |s| s.to_string());
    let said = o
        .message
        .as_deref()
        .map(|m| format!(" {m:?}"))
        .unwrap_or_default();
    format!("{what} → {status}{said}")
}

fn made_up_secret() -> String {
    format!("isrctl-wrong-secret-{}", unique())
}

fn unique() -> String {
    let nanos = jiff::Timestamp::now().as_nanosecond();
    format!("{nanos:x}")
}

/// The masked form of the secret-only request, for people.
pub fn shown_request(ctx: &Session) -> String {
    ctx.site
        .endpoint
        .prepare_secret_only(&Secret::new(MASK, "mask"))
        .summary()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(kind: OutcomeKind, status: Option<u16>) -> Outcome {
        let mut o = Outcome::new(kind, "x");
        o.status = status;
        o
    }

    #[test]
    fn wrong_secret_answers() {
        assert_eq!(
            judge_wrong(&outcome(OutcomeKind::Unauthorized, Some(401))),
            Wrong::Refused
        );
        assert_eq!(
            judge_wrong(&outcome(OutcomeKind::Revalidated, Some(200))),
            Wrong::Accepted
        );
        assert_eq!(
            judge_wrong(&outcome(OutcomeKind::Rejected, Some(400))),
            Wrong::AsksForPath
        );
        assert_eq!(
            judge_wrong(&outcome(OutcomeKind::Timeout, None)),
            Wrong::Other
        );
        let pages_router_500 = outcome(OutcomeKind::ServerError, Some(500));
        assert_eq!(judge_wrong_with_target(&pages_router_500), Wrong::Accepted);
        assert_eq!(
            judge_wrong_with_target(&outcome(OutcomeKind::Unauthorized, Some(403))),
            Wrong::Refused
        );
    }

    #[test]
    fn right_secret_answers() {
        assert_eq!(
            judge_right(&outcome(OutcomeKind::Rejected, Some(400))),
            Right::TokenAccepted
        );
        assert_eq!(
            judge_right(&outcome(OutcomeKind::Unauthorized, Some(401))),
            Right::Refused
        );
        assert_eq!(
            judge_right(&outcome(OutcomeKind::Rejected, Some(404))),
            Right::Missing
        );
        assert_eq!(
            judge_right(&outcome(OutcomeKind::Revalidated, Some(200))),
            Right::IgnoresTarget,
            "revalidated: true with no path: it revalidates what it likes"
        );
        assert_eq!(
            judge_right(&outcome(OutcomeKind::Rejected, Some(200))),
            Right::Inconclusive
        );
        assert_eq!(
            judge_right(&outcome(OutcomeKind::ConnectionFailed, None)),
            Right::NoAnswer
        );
    }

    #[test]
    fn mismatch_finding_names_the_source_never_the_value() {
        let site = crate::engine::checks::testing::test_site("https://x.com", "");
        let ctx = crate::engine::checks::testing::session(&site);
        let o = outcome(OutcomeKind::Unauthorized, Some(401));
        let f = right_finding(&ctx, Right::Refused, &o, Wrong::Refused);
        assert_eq!(f.severity, Severity::Problem);
        assert!(f.title.starts_with("token mismatch"));
        assert!(
            f.evidence.iter().any(|e| e.contains("3 chars · sha256")),
            "{f:?}"
        );
        assert_eq!(
            shown_request(&ctx),
            "POST https://x.com/api/revalidate?secret=***"
        );
    }
}
