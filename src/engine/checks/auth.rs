//! Check 4, auth without side effects: tell "token mismatch" from "endpoint
//! missing" and catch an endpoint that accepts any secret, without
//! revalidating a page.
//!
//! Two requests carry a secret and no path or tag: a made-up secret must
//! be refused (401/403); the configured one should get the handler's
//! "missing path" answer (400), which proves the token is accepted while
//! nothing is revalidated. A handler that asks for the path before it
//! checks the secret also answers the made-up one 400; only then the
//! made-up secret goes with a page that does not exist (then a tag no page
//! carries), which regenerates nothing either way: accepted means the
//! endpoint accepts any secret.

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
    /// 400/422: it wants a path first, or it accepts anything.
    AsksForPath,
    Other,
}

/// What the endpoint did with the configured secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Right {
    /// 400/422: past the secret check, asking for a path.
    TokenAccepted,
    Refused,
    Missing,
    WrongMethod,
    /// 2xx without a path, or anything else this check cannot read.
    Inconclusive,
    NoAnswer,
}

fn judge_wrong(o: &Outcome) -> Wrong {
    match (o.kind, o.status) {
        (OutcomeKind::Unauthorized, _) => Wrong::Refused,
        (_, Some(200..=299)) => Wrong::Accepted,
        (_, Some(400 | 422)) => Wrong::AsksForPath,
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
        (_, Some(404)) => Right::Missing,
        (_, Some(405)) => Right::WrongMethod,
        (_, None) => Right::NoAnswer,
        _ => Right::Inconclusive,
    }
}

pub async fn run(ctx: &Session, out: &Emitter) {
    let made_up = Secret::new(made_up_secret(), "made up by isrctl");
    let wrong_req = ctx.site.endpoint.prepare_secret_only(&made_up);
    let right = async {
        match ctx.secret() {
            Ok(secret) => Some(send(ctx, ctx.site.endpoint.prepare_secret_only(secret)).await),
            Err(_) => None,
        }
    };
    let (wrong, right) = tokio::join!(send(ctx, wrong_req), right);
    let mut wrong_verdict = judge_wrong(&wrong);
    let mut wrong_evidence = vec![line("made-up secret, no path", &wrong)];
    if wrong_verdict == Wrong::AsksForPath {
        let (verdict, evidence) = wrong_with_harmless_target(ctx, &made_up).await;
        wrong_verdict = verdict;
        wrong_evidence.extend(evidence);
    }
    let right_verdict = right.as_ref().map(judge_right);
    if right_verdict != Some(Right::Missing) {
        out.emit(wrong_finding(wrong_verdict, wrong_evidence));
    }
    match (right, right_verdict) {
        (Some(o), Some(v)) => out.emit(right_finding(ctx, v, &o, wrong_verdict)),
        _ => out.emit(
            Finding::new(
                CHECK,
                Severity::CouldNotCheck,
                "the configured secret was not tried: it cannot be read",
            )
            .fix("see the config and secret check"),
        ),
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

fn wrong_finding(verdict: Wrong, evidence: Vec<String>) -> Finding {
    let f = match verdict {
        Wrong::Refused => Finding::new(CHECK, Severity::Ok, "a wrong secret is refused"),
        Wrong::Accepted => Finding::new(CHECK, Severity::Problem, "the endpoint accepts any secret: anyone can revalidate (and load) the site")
            .fix("compare the secret first in the handler and answer 401 when it differs (if (secret !== process.env.REVALIDATE_SECRET) return 401), then redeploy"),
        Wrong::AsksForPath | Wrong::Other => Finding::new(CHECK, Severity::CouldNotCheck, "inconclusive: could not tell whether a wrong secret is refused")
            .fix("read the answers below; the handler should answer 401 to a wrong secret"),
    };
    f.evidence_all(evidence)
}

fn right_finding(ctx: &Session, verdict: Right, o: &Outcome, wrong: Wrong) -> Finding {
    let source = match ctx.secret() {
        Ok(secret) => secret.fingerprint(),
        Err(_) => ctx.site.secret.describe(),
    };
    let evidence = vec![
        line("configured secret, no path", o),
        format!("secret: {source}"),
    ];
    let url = ctx.site.endpoint.url.as_str();
    let f = match verdict {
        Right::TokenAccepted => Finding::new(CHECK, Severity::Ok, "the token is accepted (the endpoint asked for a path; nothing was revalidated)"),
        Right::Refused if wrong == Wrong::Accepted => Finding::new(CHECK, Severity::CouldNotCheck, "the configured secret is refused although a made-up one was not: read the answers"),
        Right::Refused => Finding::new(CHECK, Severity::Problem, "token mismatch: the endpoint refuses the configured secret")
            .fix(format!("the app's secret env var differs from {source}: compare lengths and the sha256 prefix with the deployment's value (no trailing newline), set it, redeploy")),
        Right::Missing => Finding::new(CHECK, Severity::Problem, format!("the endpoint is missing: {url} answers 404"))
            .fix("check the endpoint url in the config and that the route handler is deployed at that path (and that the CDN passes /api/ to the origin)"),
        Right::WrongMethod => Finding::new(CHECK, Severity::Problem, "the endpoint does not accept this method (405)")
            .fix("set method = \"GET\" or \"POST\" in the site's [endpoint] to what the handler exports"),
        Right::NoAnswer => Finding::new(CHECK, Severity::CouldNotCheck, "the endpoint did not answer")
            .fix("see the reachability check"),
        Right::Inconclusive => Finding::new(CHECK, Severity::CouldNotCheck, "inconclusive: the endpoint does not answer a request without a path with 400")
            .fix("run the active check, which revalidates the path and verifies the page changed: isrctl check SITE --path P --active"),
    };
    f.evidence_all(evidence)
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
