//! Revalidate and verify: did the page really change, at each origin and at
//! the CDN, and after how long? Fingerprint the page at every layer,
//! revalidate through the site's job (within its limits), then poll every
//! layer with backoff until it changes or the deadline passes, and give a
//! [`Verdict`] with the evidence. The engine runs it for `revalidate
//! --verify` and the console's `v`; the `verify` and `webhook` checks adapt
//! it into findings.
//!
//! What Next.js does after each kind of revalidation decides when polling
//! can stop early: after `revalidatePath` the next request is a MISS with
//! the new page, so an origin answering HIT with the old page was not
//! revalidated (a silent no-op, or another instance). After `revalidateTag`
//! the next request is served STALE once, so an unchanged STALE is "not
//! yet". A CDN copy whose remaining TTL outlasts the deadline will not
//! change in time either.

mod words;

use crate::cache_headers::CacheState;
use crate::config::Site;
use crate::fingerprint::Fingerprint;
use crate::job_runner::{self, Job};
use crate::outcome::Outcome;
use crate::path_lint;
use crate::probe::{self, Layer, LayerKind, LayerProbe, ProbeSettings};
use crate::session::Session;
use crate::target::{Target, TargetKind};
use serde::Serialize;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use words::conclude;
#[cfg(test)]
use words::verdict;

/// How long a verification watches the page unless told otherwise: the
/// command line's `--deadline` default and the console's `v`.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_secs(2);
/// Pages watched for one tag or pattern, at most.
const MAX_PAGES: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every layer serves the new page.
    FreshEverywhere,
    /// The origin(s) serve the new page; the CDN still serves the old copy.
    FreshAtOriginStaleAtCdn,
    /// Some origin instances serve the new page, others the old one.
    StaleReplica,
    /// The endpoint said yes, and no layer changed: a silent no-op.
    Unchanged,
    /// Every origin answers 404, before and until the deadline.
    NotFound,
    /// No fingerprint before or after at some layer.
    CouldNotTell,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::FreshEverywhere => "fresh_everywhere",
            Verdict::FreshAtOriginStaleAtCdn => "fresh_at_origin_stale_at_cdn",
            Verdict::StaleReplica => "stale_replica",
            Verdict::Unchanged => "unchanged",
            Verdict::NotFound => "not_found",
            Verdict::CouldNotTell => "could_not_tell",
        }
    }
}

/// How one layer went from the old page to the new one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerFreshness {
    pub layer: LayerKind,
    pub label: String,
    pub url: String,
    /// The last HTTP status this layer answered.
    pub status: Option<u16>,
    /// The page before the revalidation. The public layer is not fetched
    /// before (see [`fingerprint`]): its "before" is the origin's old page.
    pub before: Option<Fingerprint>,
    pub after: Option<Fingerprint>,
    /// Milliseconds after the endpoint's answer when this layer first served the new page.
    pub fresh_after_ms: Option<u64>,
    pub polls: u32,
    /// The last fetch, in one line.
    pub last: Option<String>,
    /// Why polling this layer stopped early without a change.
    pub settled: Option<String>,
}

impl LayerFreshness {
    /// How this layer ended, in words: "fresh after 120 ms", "old page: …".
    pub fn state(&self) -> String {
        match (self.fresh_after_ms, &self.settled) {
            (Some(ms), _) => format!("fresh after {} ms", crate::checks::thousands(ms)),
            (None, Some(why)) => format!("old page: {why}"),
            (None, None) if self.before.is_none() => "no page before the revalidation".into(),
            // The public layer is read only once an origin serves the new page.
            (None, None) if self.polls == 0 && self.layer == LayerKind::Public => {
                "not read: no origin served the new page".into()
            }
            (None, None) => "old page at the deadline".into(),
        }
    }
}

/// The verdict on one page after one revalidation, with the evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verification {
    pub site: String,
    pub target: Target,
    /// The page watched (a tag or pattern maps to the routes it covers).
    pub page: String,
    pub verdict: Verdict,
    pub explanation: String,
    pub fix: Option<String>,
    /// The revalidation's own outcome.
    pub outcome: Outcome,
    pub layers: Vec<LayerFreshness>,
    pub elapsed_ms: u64,
    pub deadline_ms: u64,
}

impl Verification {
    /// The history record of this verification (action "verify", outcome
    /// the verdict), as `revalidate --verify` and `check --active` write it.
    pub fn history_record(&self) -> crate::history::Record {
        crate::history::Record {
            time: jiff::Timestamp::now(),
            operator: crate::history::operator(),
            site: self.site.clone(),
            target: self.target.clone(),
            action: "verify".into(),
            outcome: self.verdict.as_str().into(),
            status: self.outcome.status,
            latency_ms: Some(self.elapsed_ms),
            message: Some(format!("{}: {}", self.page, self.explanation)),
        }
    }
}

/// A page and its layers as they were before the revalidation.
pub struct Watch {
    settings: ProbeSettings,
    page: String,
    layers: Vec<Layer>,
    before: Vec<LayerFreshness>,
}

/// The pages a target should change: the path itself (with the slash a
/// user meant, so a silent no-op shows), the configured routes a pattern
/// covers, or the configured routes carrying a tag.
pub fn pages_for(site: &Site, target: &Target) -> Vec<String> {
    let plain = site.routes.iter().filter(|r| r.page_type.is_none());
    let pages: Vec<String> = match target.kind {
        TargetKind::Tag => plain
            .filter(|r| r.tags.contains(&target.value))
            .map(|r| r.path.clone())
            .collect(),
        TargetKind::Path if path_lint::is_dynamic_pattern(&target.value) => plain
            .filter(|r| covers(&target.value, &r.path))
            .map(|r| r.path.clone())
            .collect(),
        TargetKind::Path if target.value.starts_with('/') => vec![target.value.clone()],
        TargetKind::Path => vec![format!("/{}", target.value)],
    };
    pages.into_iter().take(MAX_PAGES).collect()
}

/// Whether a pattern such as `/blog/[slug]` covers a concrete path.
pub(crate) fn covers(pattern: &str, path: &str) -> bool {
    let segs = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !(s.is_empty() || s.starts_with('(') && s.ends_with(')')))
            .map(str::to_string)
            .collect()
    };
    let (pat, path) = (segs(pattern), segs(path));
    if pat
        .last()
        .is_some_and(|s| s.starts_with("[...") || s.starts_with("[[..."))
    {
        return path.len() >= pat.len() - 1
            && pat
                .iter()
                .zip(&path)
                .all(|(a, b)| a.starts_with('[') || a == b);
    }
    pat.len() == path.len()
        && pat
            .iter()
            .zip(&path)
            .all(|(a, b)| a.starts_with('[') || a == b)
}

/// Layers to watch: public and each origin, or public and a cache-busted
/// public URL (the origin's view) when no origins are configured.
fn watch_layers(site: &Site, page: &str) -> Vec<Layer> {
    let has_origins = !site.origins.is_empty();
    probe::site_layers(site, page)
        .into_iter()
        .filter(|l| !(has_origins && l.kind == LayerKind::CacheBusted))
        .collect()
}

/// Fingerprint every page before the revalidation, all at once: at the
/// origins (or a cache-busted URL), never through the CDN. A GET through a
/// CDN that holds no copy makes it cache the page it gets; fetched before
/// the revalidation, that is the old page, kept for the CDN's whole TTL:
/// the verification would create the staleness it looks for. The public
/// layer is first read once an origin serves the new page.
pub async fn fingerprint(session: &Session, pages: &[String]) -> Vec<Watch> {
    let watches = pages.iter().map(|page| async move {
        let settings = session.probe_settings(page);
        let layers = watch_layers(&session.site, page);
        let behind_cdn: Vec<Layer> = layers
            .iter()
            .filter(|l| l.kind != LayerKind::Public)
            .cloned()
            .collect();
        let probes = probe::probe_all(&settings, &behind_cdn).await;
        let old_page = probes.iter().find_map(LayerProbe::page).cloned();
        let mut probes = probes.iter();
        let before = layers
            .iter()
            .map(|l| match l.kind {
                LayerKind::Public => unread_public(l, old_page.clone()),
                _ => probes
                    .next()
                    .map_or_else(|| unread_public(l, None), initial),
            })
            .collect();
        Watch {
            settings,
            page: page.clone(),
            layers,
            before,
        }
    });
    futures::future::join_all(watches).await
}

/// What a revalidate-and-verify produced: the revalidation's outcome and a
/// verification per watched page (none when the revalidation failed).
pub type Verified = (Outcome, Vec<Verification>);

/// Fingerprint, revalidate, poll. No verification when the revalidation
/// itself failed (its outcome says why); `Err` when nothing can be sent
/// (the secret cannot be read).
pub async fn revalidate_and_verify(
    session: &Session,
    target: &Target,
    pages: &[String],
    deadline: Duration,
    cancel: &CancellationToken,
) -> Result<Verified, String> {
    let job = session.job()?;
    Ok(verify_with(session, job, target, pages, deadline, cancel).await)
}

async fn verify_with(
    session: &Session,
    job: &Job,
    target: &Target,
    pages: &[String],
    deadline: Duration,
    cancel: &CancellationToken,
) -> Verified {
    let watches = fingerprint(session, pages).await;
    let outcome = job_runner::send_one(job, target, cancel).await;
    if !outcome.kind.is_success() {
        return (outcome, Vec::new());
    }
    let polls = watches
        .into_iter()
        .map(|w| poll(session, w, target, &outcome, deadline, cancel));
    let verifications = futures::future::join_all(polls).await;
    (outcome, verifications)
}

async fn poll(
    session: &Session,
    w: Watch,
    target: &Target,
    outcome: &Outcome,
    deadline: Duration,
    cancel: &CancellationToken,
) -> Verification {
    let started = Instant::now();
    let mut layers = w.before;
    let mut wait = FIRST_POLL;
    loop {
        let new_page = new_origin_page(&layers);
        let pending: Vec<usize> = (0..layers.len())
            .filter(|&i| is_pending(&layers[i], new_page.is_some()))
            .collect();
        let left = deadline.saturating_sub(started.elapsed());
        if pending.is_empty() || left.is_zero() {
            break;
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(wait.min(left)) => {}
        }
        let fetches = pending
            .iter()
            .map(|&i| fetch_again(&w.settings, &w.layers[i]));
        let probes = futures::future::join_all(fetches).await;
        let at = started.elapsed();
        let left = deadline.saturating_sub(at);
        for (&i, p) in pending.iter().zip(&probes) {
            observe(&mut layers[i], p, new_page.as_ref(), target.kind, at, left);
        }
        wait = (wait * 8 / 5).min(MAX_POLL);
    }
    conclude(
        session,
        w.page,
        target,
        outcome,
        layers,
        started.elapsed(),
        deadline,
    )
}

fn initial(p: &LayerProbe) -> LayerFreshness {
    LayerFreshness {
        layer: p.layer,
        label: p.label.clone(),
        url: p.url.clone(),
        status: p.status,
        before: p.page().cloned(),
        after: None,
        fresh_after_ms: None,
        polls: 0,
        last: Some(p.summary()),
        settled: None,
    }
}

/// The public layer before the revalidation: not fetched; the page it
/// should stop serving is the origin's old one.
fn unread_public(layer: &Layer, old_page: Option<Fingerprint>) -> LayerFreshness {
    LayerFreshness {
        layer: layer.kind,
        label: layer.kind.label(),
        url: layer.url.to_string(),
        status: None,
        before: old_page,
        after: None,
        fresh_after_ms: None,
        polls: 0,
        last: None,
        settled: None,
    }
}

/// The new page, once some origin (or the cache-busted view) serves it.
fn new_origin_page(layers: &[LayerFreshness]) -> Option<Fingerprint> {
    layers
        .iter()
        .filter(|l| l.layer != LayerKind::Public && l.fresh_after_ms.is_some())
        .find_map(|l| l.after.clone())
}

/// Still worth fetching: a page to compare (or a 404 that may yet become
/// one), not fresh, not settled; the public layer only once an origin
/// serves the new page.
fn is_pending(l: &LayerFreshness, origin_fresh: bool) -> bool {
    let comparable = l.before.is_some() || l.status == Some(404);
    let readable = l.layer != LayerKind::Public || origin_fresh;
    comparable && readable && l.fresh_after_ms.is_none() && l.settled.is_none()
}

/// A cache-busted layer gets a new unique URL each time.
async fn fetch_again(settings: &ProbeSettings, layer: &Layer) -> LayerProbe {
    let layer = match layer.kind {
        LayerKind::CacheBusted => {
            let mut base = layer.url.clone();
            base.set_query(None);
            Layer {
                kind: layer.kind,
                url: probe::cache_busted(&base),
            }
        }
        _ => layer.clone(),
    };
    probe::probe(settings, &layer).await
}

/// One more fetch of a layer. An origin is fresh when its page differs
/// from before (or a page appears where there was a 404); the public layer
/// when it serves the origin's new page.
fn observe(
    l: &mut LayerFreshness,
    p: &LayerProbe,
    new_page: Option<&Fingerprint>,
    kind: TargetKind,
    at: Duration,
    left: Duration,
) {
    l.polls += 1;
    l.last = Some(p.summary());
    l.status = p.status;
    let Some(now) = p.page() else {
        return; // no page this time: keep trying until the deadline
    };
    let fresh = match (&l.before, l.layer, new_page) {
        (_, LayerKind::Public, Some(new)) => now.same_render(new),
        (Some(before), _, _) => !now.same_render(before),
        (None, _, _) => true,
    };
    if fresh {
        l.fresh_after_ms = Some(at.as_millis() as u64);
    } else {
        l.settled = settled(p, kind, left);
    }
    l.after = Some(now.clone());
}

/// Why an unchanged layer will not change before the deadline, if it will not.
fn settled(p: &LayerProbe, kind: TargetKind, left: Duration) -> Option<String> {
    let cache = p.cache.as_ref()?;
    if cache.edge.is_some_and(CacheState::served_from_cache) {
        let remaining = cache.remaining?;
        let directive = cache
            .ttl
            .as_ref()
            .map(|t| t.directive.as_str())
            .unwrap_or("");
        return (remaining > left.as_secs() as i64).then(|| {
            format!(
                "the CDN keeps its copy {} s more ({directive}), beyond the deadline",
                crate::checks::thousands(remaining as u64)
            )
        });
    }
    (kind == TargetKind::Path && cache.nextjs == Some(CacheState::Hit)).then(|| {
        "Next.js answered HIT with the old page; after revalidatePath the next request is a MISS, so this path was not revalidated here".to_string()
    })
}

#[cfg(test)]
mod tests;
