//! The page's RSC variant as a layer. A client-side navigation fetches the
//! page's RSC payload (`RSC: 1`, `?_rsc=…`), which a CDN keys apart from
//! the HTML: purging the HTML can leave it serving the old data to every
//! visitor who clicks through from another page.
//!
//! Read only once the public HTML serves what the origins serve, so the
//! origins serve the new page: a GET through a CDN that holds no copy
//! caches what it gets, and that is then the new payload (the same rule as
//! the HTML). The reference is an origin's payload read at that moment.

use super::LayerFreshness;
use super::watch::{Watching, kept_twice, settled};
use crate::model::fingerprint::Fingerprint;
use crate::model::observation::{LayerKind, Observation};
use crate::model::target::TargetKind;
use crate::wire::probe::{self, Layer};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The public RSC variant, polled until it serves the origins' payload,
/// settles, or the deadline passes. `None` when the public HTML is not
/// fresh (its own verdict says so) or the page has no RSC variant.
pub(crate) async fn watch_rsc(
    watching: &Watching,
    kind: TargetKind,
    deadline: Duration,
    cancel: &CancellationToken,
) -> Option<LayerFreshness> {
    let public = watching
        .layers
        .iter()
        .find(|l| l.layer == LayerKind::Public)?;
    public.fresh_after_ms?;
    let reference = origin_payload(watching).await?;
    let layer = watching
        .watch
        .layers
        .iter()
        .find(|l| l.kind == LayerKind::Public)?;
    let mut rsc = LayerFreshness::unread(
        LayerKind::PublicRsc,
        LayerKind::PublicRsc.label(),
        layer.url.to_string(),
    );
    rsc.before = Some(reference.clone());
    // The first read is at once; the pauses after it grow.
    let mut pauses = super::pauses().skip(1);
    loop {
        let answer = probe::probe_rsc(&watching.watch.settings, layer).await;
        let left = deadline.saturating_sub(watching.started.elapsed());
        observe_rsc(
            &mut rsc,
            answer.as_ref(),
            &reference,
            kind,
            watching.started.elapsed(),
            left,
        );
        if rsc.fresh_after_ms.is_some() || rsc.settled.is_some() || left.is_zero() {
            return Some(rsc);
        }
        let wait = pauses.next().unwrap_or(super::MAX_POLL);
        tokio::select! {
            _ = cancel.cancelled() => return Some(rsc),
            _ = tokio::time::sleep(wait.min(left)) => {}
        }
    }
}

/// Whether the CDN serves another RSC payload than the origins now (`fresh`,
/// before its purge, once the origins serve the page).
pub(crate) async fn public_payload_differs(watching: &Watching) -> bool {
    let Some(reference) = origin_payload(watching).await else {
        return false;
    };
    let Some(layer) = watching
        .watch
        .layers
        .iter()
        .find(|l| l.kind == LayerKind::Public)
    else {
        return false;
    };
    let answer = probe::probe_rsc(&watching.watch.settings, layer).await;
    answer
        .as_ref()
        .and_then(|p| p.page().filter(|_| p.is_rsc_payload()))
        .is_some_and(|now| !now.same_render(&reference))
}

/// An origin's RSC payload, read once per watch (the origins already
/// serve the new page whenever it is asked for).
async fn origin_payload(watching: &Watching) -> Option<Fingerprint> {
    watching
        .origin_rsc
        .get_or_init(|| read_origin_payload(watching))
        .await
        .clone()
}

/// An origin's RSC payload now, from the first origin that answers one.
async fn read_origin_payload(watching: &Watching) -> Option<Fingerprint> {
    for layer in watching
        .watch
        .layers
        .iter()
        .filter(|l| l.kind != LayerKind::Public)
    {
        // A new cache-busted URL: the one read before the revalidation may
        // now be a CDN copy (a CDN that ignores Vary keeps its HTML).
        let layer = match layer.kind {
            LayerKind::CacheBusted => Layer {
                kind: layer.kind,
                url: probe::cache_busted(&without_query(&layer.url)),
            },
            _ => layer.clone(),
        };
        let answer = probe::probe_rsc(&watching.watch.settings, &layer).await?;
        if let Some(page) = answer.page().filter(|_| answer.is_rsc_payload()) {
            return Some(page.clone());
        }
    }
    None
}

fn without_query(url: &url::Url) -> url::Url {
    let mut url = url.clone();
    url.set_query(None);
    url
}

fn observe_rsc(
    rsc: &mut LayerFreshness,
    answer: Option<&Observation>,
    reference: &Fingerprint,
    kind: TargetKind,
    at: Duration,
    left: Duration,
) {
    rsc.polls += 1;
    let Some(p) = answer else {
        rsc.last = Some("no RSC payload: the public URL answered HTML to RSC: 1".into());
        return;
    };
    rsc.last = Some(p.summary());
    rsc.status = p.status;
    rsc.url = p.url.clone();
    let Some(now) = p.page().filter(|_| p.is_rsc_payload()) else {
        return;
    };
    if now.same_render(reference) {
        rsc.fresh_after_ms = Some(at.as_millis() as u64);
    } else {
        rsc.settled = settled(p, kind, (at, left)).filter(|_| kept_twice(rsc.polls, p));
    }
    rsc.after = Some(now.clone());
}
