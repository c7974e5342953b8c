//! Check 7, webhook dry run (side effects: it revalidates). Send what the
//! CMS would send, a JSON payload built from the endpoint's body template
//! (e.g. `{"entry":{"slug":"{slug}"}}`), then verify the page the slug
//! maps to, as revalidate-and-verify does.

use super::{CheckId, Emitter, Finding, Session, Severity, verify};
use crate::model::endpoint::{Placement, masked_summary};
use crate::model::target::Target;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const CHECK: CheckId = CheckId::Webhook;

pub async fn run(
    ctx: &Session,
    path: &str,
    deadline: Duration,
    out: &Emitter,
    cancel: &CancellationToken,
) {
    if !matches!(ctx.site.endpoint.path, Placement::Body(_)) {
        out.emit(
            Finding::new(CHECK, Severity::Ok, "no webhook payload to dry-run: the endpoint takes the path as a query parameter")
                .fix("if a CMS calls a different handler with a JSON payload, describe it with path_body = '{\"entry\":{\"slug\":\"{slug}\"}}'"),
        );
        return;
    }
    let target = Target::path(path);
    out.emit(
        Finding::new(
            CHECK,
            Severity::Ok,
            format!("sending the CMS-shaped payload for {path}"),
        )
        .evidence(masked_summary(&ctx.site.endpoint, &target)),
    );
    let pages = crate::engine::verify::pages_for(&ctx.site, &target);
    match crate::engine::verify::revalidate_and_verify(ctx, &target, &pages, deadline, cancel).await
    {
        Ok((outcome, verifications)) => verify::emit_results(CHECK, out, &outcome, verifications),
        Err(reason) => out.emit(verify::not_run(CHECK, reason.to_string())),
    }
}
