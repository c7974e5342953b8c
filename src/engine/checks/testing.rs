//! Helpers for the checks' unit tests.

use super::{CheckEvent, Emitter, Finding};
use crate::model::config::Site;
use tokio::sync::mpsc;

/// A site from config text, for the checks' unit tests.
pub(crate) fn test_site(public_url: &str, extra: &str) -> Site {
    let text = format!(
        "[sites.t]\npublic_url = \"{public_url}\"\n{extra}\n[sites.t.secret]\nvalue = \"tok\"\n"
    );
    let config = crate::model::config::parse(&text, std::path::Path::new("t.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    config.sites[0].clone()
}

/// Run a synchronous check body and collect what it emitted.
pub(crate) fn collect(f: impl FnOnce(&Emitter)) -> Vec<Finding> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    f(&Emitter::new(tx, None));
    let mut out = Vec::new();
    while let Ok(CheckEvent::Finding(finding)) = rx.try_recv() {
        out.push(finding);
    }
    out
}

/// Run an async check body and collect what it emitted.
pub(crate) async fn collect_async<F, Fut>(f: F) -> Vec<Finding>
where
    F: FnOnce(Emitter) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    f(Emitter::new(tx, None)).await;
    let mut out = Vec::new();
    while let Ok(event) = rx.try_recv() {
        if let CheckEvent::Finding(finding) = event {
            out.push(finding);
        }
    }
    out
}

/// A session on a site, as the engine would open it (secret resolved).
pub(crate) fn session(site: &Site) -> crate::engine::session::Session {
    crate::engine::session::Session::open(site, crate::wire::job_runner::ignore_pauses())
        .unwrap_or_else(|e| panic!("{e}"))
}
