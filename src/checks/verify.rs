//! Check 6, revalidate and verify (side effects: it revalidates). Fingerprint
//! the page at every layer, revalidate through the site's endpoint (the
//! job runner, within the site's limits), then poll every layer with
//! backoff until it changes or the deadline passes, and say when each
//! layer became fresh.
//!
//! What Next.js does after each kind of revalidation decides when polling
//! can stop early: after `revalidatePath` the next request is a MISS with
//! the new page, so an origin answering HIT with the old page was not
//! revalidated (a silent no-op, or another instance). After `revalidateTag`
//! the next request is served STALE once, so an unchanged STALE is "not
//! yet". A CDN copy whose remaining TTL outlasts the deadline will not
//! change in time either.

use super::{CheckContext, CheckId, Emitter, Finding, Severity, thousands};
use crate::cache_headers::CacheState;
use crate::config::Site;
use crate::fingerprint::Fingerprint;
use crate::job_runner::{self, Job};
use crate::outcome::Outcome;
use crate::path_lint;
use crate::probe::{self, Layer, LayerKind, LayerProbe, ProbeSettings};
use crate::target::{Target, TargetKind};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_secs(2);
/// Pages watched for one tag or pattern, at most.
const MAX_PAGES: usize = 3;

const REPLICA_FIX: &str = "revalidate on every instance (send the revalidation to each origin's endpoint), or configure a shared cacheHandler in next.config so the instances share one ISR cache";

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
            Verdict::CouldNotTell => "could_not_tell",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Verdict::FreshEverywhere => Severity::Ok,
            Verdict::CouldNotTell => Severity::CouldNotCheck,
            _ => Severity::Problem,
        }
    }
}

/// How one layer went from the old page to the new one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerFreshness {
    pub layer: LayerKind,
    pub label: String,
    pub url: String,
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
    before: Vec<LayerProbe>,
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
fn covers(pattern: &str, path: &str) -> bool {
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

/// Fingerprint every layer of every page, all at once.
pub async fn fingerprint(ctx: &CheckContext, pages: &[String]) -> Vec<Watch> {
    let watches = pages.iter().map(|page| async move {
        let settings = super::cache_layers::settings(ctx, page);
        let layers = watch_layers(&ctx.site, page);
        let before = probe::probe_all(&settings, &layers).await;
        Watch {
            settings,
            page: page.clone(),
            layers,
            before,
        }
    });
    futures::future::join_all(watches).await
}

/// A job to send revalidations with, or the finding that says why not.
pub fn job(ctx: &CheckContext, check: CheckId) -> Result<Arc<Job>, Finding> {
    let secret = ctx.secret.clone().map_err(|e| {
        Finding::new(
            check,
            Severity::CouldNotCheck,
            "not run: the secret cannot be read",
        )
        .evidence(e.to_string())
    })?;
    Job::new(&ctx.site, secret).map_err(|e| Finding::new(check, Severity::CouldNotCheck, e))
}

/// Fingerprint, revalidate, poll. No verification when the revalidation
/// itself failed (its outcome says why).
pub async fn revalidate_and_verify(
    ctx: &CheckContext,
    job: &Job,
    target: &Target,
    pages: &[String],
    deadline: Duration,
    cancel: &CancellationToken,
) -> (Outcome, Vec<Verification>) {
    let watches = fingerprint(ctx, pages).await;
    let outcome = job_runner::send_one(job, target, cancel).await;
    if !outcome.kind.is_success() {
        return (outcome, Vec::new());
    }
    let polls = watches
        .into_iter()
        .map(|w| poll(ctx, w, target, &outcome, deadline, cancel));
    let verifications = futures::future::join_all(polls).await;
    (outcome, verifications)
}

async fn poll(
    ctx: &CheckContext,
    w: Watch,
    target: &Target,
    outcome: &Outcome,
    deadline: Duration,
    cancel: &CancellationToken,
) -> Verification {
    let started = Instant::now();
    let mut layers: Vec<LayerFreshness> = w.before.iter().map(initial).collect();
    let mut wait = FIRST_POLL;
    loop {
        let pending: Vec<usize> = (0..layers.len())
            .filter(|&i| is_pending(&layers[i]))
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
            observe(&mut layers[i], p, target.kind, at, left);
        }
        wait = (wait * 8 / 5).min(MAX_POLL);
    }
    conclude(
        ctx,
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
        before: p.page().cloned(),
        after: None,
        fresh_after_ms: None,
        polls: 0,
        last: Some(p.summary()),
        settled: None,
    }
}

fn is_pending(l: &LayerFreshness) -> bool {
    l.before.is_some() && l.fresh_after_ms.is_none() && l.settled.is_none()
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

fn observe(l: &mut LayerFreshness, p: &LayerProbe, kind: TargetKind, at: Duration, left: Duration) {
    l.polls += 1;
    l.last = Some(p.summary());
    let (Some(before), Some(now)) = (&l.before, p.page()) else {
        return; // no page this time: keep trying until the deadline
    };
    if !now.same_render(before) {
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
                thousands(remaining as u64)
            )
        });
    }
    (kind == TargetKind::Path && cache.nextjs == Some(CacheState::Hit)).then(|| {
        "Next.js answered HIT with the old page; after revalidatePath the next request is a MISS, so this path was not revalidated here".to_string()
    })
}

/// The verdict from what each layer did.
pub fn verdict(layers: &[LayerFreshness]) -> Verdict {
    let origins: Vec<&LayerFreshness> = layers
        .iter()
        .filter(|l| l.layer != LayerKind::Public)
        .collect();
    let public = layers.iter().find(|l| l.layer == LayerKind::Public);
    let known = |l: &LayerFreshness| l.before.is_some() && l.after.is_some();
    if origins.is_empty() || !origins.iter().all(|l| known(l)) {
        return Verdict::CouldNotTell;
    }
    let fresh = origins
        .iter()
        .filter(|l| l.fresh_after_ms.is_some())
        .count();
    let public_fresh = public.is_some_and(|p| p.fresh_after_ms.is_some());
    match (fresh, public) {
        (0, _) if public_fresh => Verdict::CouldNotTell,
        (0, _) => Verdict::Unchanged,
        (n, _) if n < origins.len() => Verdict::StaleReplica,
        _ if public_fresh => Verdict::FreshEverywhere,
        (_, Some(p)) if known(p) => Verdict::FreshAtOriginStaleAtCdn,
        _ => Verdict::CouldNotTell,
    }
}

fn conclude(
    ctx: &CheckContext,
    page: String,
    target: &Target,
    outcome: &Outcome,
    layers: Vec<LayerFreshness>,
    elapsed: Duration,
    deadline: Duration,
) -> Verification {
    let verdict = verdict(&layers);
    let (explanation, fix) = words(verdict, &layers, target, ctx);
    Verification {
        site: ctx.site.name.clone(),
        target: target.clone(),
        page,
        verdict,
        explanation,
        fix,
        outcome: outcome.clone(),
        layers,
        elapsed_ms: elapsed.as_millis() as u64,
        deadline_ms: deadline.as_millis() as u64,
    }
}

fn when(l: &LayerFreshness) -> String {
    match l.fresh_after_ms {
        Some(ms) => format!("{} after {} ms", l.label, thousands(ms)),
        None => l.label.clone(),
    }
}

fn list(layers: &[LayerFreshness], fresh: bool) -> String {
    let names: Vec<String> = layers
        .iter()
        .filter(|l| l.fresh_after_ms.is_some() == fresh)
        .map(when)
        .collect();
    names.join(", ")
}

fn words(
    verdict: Verdict,
    layers: &[LayerFreshness],
    target: &Target,
    ctx: &CheckContext,
) -> (String, Option<String>) {
    match verdict {
        Verdict::FreshEverywhere => (format!("fresh everywhere: {}", list(layers, true)), None),
        Verdict::FreshAtOriginStaleAtCdn => {
            let public = layers.iter().find(|l| l.layer == LayerKind::Public);
            let why = public.and_then(|p| p.settled.clone()).unwrap_or_else(|| "until the deadline".into());
            let url = public.map(|p| p.url.as_str()).unwrap_or("the page");
            (
                format!("fresh at the origin ({}) but the CDN still serves the old page: {why}", list(layers, true)),
                Some(format!("purge {url} at the CDN (it does not hear about Next.js revalidations), or lower its TTL for HTML")),
            )
        }
        Verdict::StaleReplica => {
            let (explanation, fix) = replica_words(layers);
            (explanation, Some(fix))
        }
        Verdict::Unchanged => (
            "the endpoint answered revalidated: true but the page did not change (a silent no-op)".to_string(),
            Some(noop_fix(target, ctx)),
        ),
        Verdict::CouldNotTell => (
            "could not tell: some layer gave no page to compare before or after".to_string(),
            Some("see each layer's last answer; configure a marker for the route if the page has none of ETag or stable HTML".to_string()),
        ),
    }
}

/// A stale replica, and a CDN that is stale too when it is: the verdict
/// names the instance, but the CDN's copy needs its own fix.
fn replica_words(layers: &[LayerFreshness]) -> (String, String) {
    let origins: Vec<LayerFreshness> = layers
        .iter()
        .filter(|l| l.layer.is_origin())
        .cloned()
        .collect();
    let mut explanation = format!(
        "fresh on {} but {} still serves the old page: the ISR cache is per instance",
        list(layers, true),
        list(&origins, false)
    );
    let mut fix = REPLICA_FIX.to_string();
    let stale_public = layers.iter().find(|l| {
        l.layer == LayerKind::Public
            && l.before.is_some()
            && l.after.is_some()
            && l.fresh_after_ms.is_none()
    });
    if let Some(public) = stale_public {
        let why = public
            .settled
            .clone()
            .unwrap_or_else(|| "until the deadline".into());
        explanation.push_str(&format!("; the CDN still serves the old page too: {why}"));
        fix.push_str(&format!(
            "; then purge {} at the CDN (it does not hear about Next.js revalidations)",
            public.url
        ));
    }
    (explanation, fix)
}

fn noop_fix(target: &Target, ctx: &CheckContext) -> String {
    if target.kind == TargetKind::Tag {
        return format!(
            "check that the page's fetches carry the tag {:?} (next: {{ tags: [...] }}) and that the handler calls revalidateTag with it",
            target.value
        );
    }
    let lint = path_lint::lint_path(&target.value, target.page_type, &ctx.site.path_rules);
    match path_lint::first_refusal(&lint) {
        Some(refusal) => format!("{} (isrctl refuses this path unless --no-lint)", refusal.message),
        None => "check that the path is the page's route (leading slash, basePath, locale, a pattern with its type) and that the handler passes it to revalidatePath unchanged".to_string(),
    }
}

/// The finding that sums up a verification, for checklists.
pub fn finding(check: CheckId, v: &Verification) -> Finding {
    let mut f = Finding::new(check, v.verdict.severity(), v.explanation.clone()).evidence(format!(
        "{} → {} {}",
        v.target,
        v.outcome.status.map_or("-".to_string(), |s| s.to_string()),
        v.outcome.kind.as_str()
    ));
    for l in &v.layers {
        f = f.evidence(layer_line(l));
    }
    f.path = Some(v.page.clone());
    match &v.fix {
        Some(fix) => f.fix(fix.clone()),
        None => f,
    }
}

fn layer_line(l: &LayerFreshness) -> String {
    let state = match (l.fresh_after_ms, &l.settled) {
        (Some(ms), _) => format!("fresh after {} ms", thousands(ms)),
        (None, Some(why)) => format!("old page: {why}"),
        (None, None) if l.before.is_none() => "no page before the revalidation".to_string(),
        (None, None) => "old page at the deadline".to_string(),
    };
    let polls = match l.polls {
        1 => "1 poll".to_string(),
        n => format!("{n} polls"),
    };
    format!(
        "{}: {state} ({polls}; last {})",
        l.label,
        l.last.as_deref().unwrap_or("-")
    )
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
    ctx: &CheckContext,
    path: &str,
    deadline: Duration,
    out: &Emitter,
    cancel: &CancellationToken,
) {
    let job = match job(ctx, CheckId::Verify) {
        Ok(job) => job,
        Err(finding) => return out.emit(finding),
    };
    let target = Target::path(path);
    let pages = pages_for(&ctx.site, &target);
    let (outcome, verifications) =
        revalidate_and_verify(ctx, &job, &target, &pages, deadline, cancel).await;
    emit_results(CheckId::Verify, out, &outcome, verifications);
}

#[cfg(test)]
mod tests;
