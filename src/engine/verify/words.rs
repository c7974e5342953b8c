//! The verdict on a verification and the words that explain it: what each
//! layer did becomes fresh everywhere, stale at the CDN, a stale replica,
//! a silent no-op, or "could not tell", with the fix for each.

use super::{LayerFreshness, Verdict, Verification};
use crate::engine::session::Session;
use crate::model::outcome::Outcome;
use crate::model::paths;
use crate::model::target::{Target, TargetKind};
use crate::model::text::thousands;
use crate::wire::probe::LayerKind;
use std::time::Duration;

const REPLICA_FIX: &str = "revalidate on every instance (send the revalidation to each origin's endpoint), or configure a shared cacheHandler in next.config so the instances share one ISR cache";

/// The verdict from what each layer did.
pub fn verdict(layers: &[LayerFreshness]) -> Verdict {
    let origins: Vec<&LayerFreshness> = layers
        .iter()
        .filter(|l| l.layer != LayerKind::Public)
        .collect();
    let public = layers.iter().find(|l| l.layer == LayerKind::Public);
    let known = |l: &LayerFreshness| l.before.is_some() && l.after.is_some();
    let missing = |l: &&LayerFreshness| l.status == Some(404) && l.after.is_none();
    if !origins.is_empty() && origins.iter().all(missing) {
        return Verdict::NotFound;
    }
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

pub(super) fn conclude(
    session: &Session,
    page: String,
    target: &Target,
    outcome: &Outcome,
    layers: Vec<LayerFreshness>,
    elapsed: Duration,
    deadline: Duration,
) -> Verification {
    let verdict = verdict(&layers);
    let (explanation, fix) = words(verdict, &layers, target, session);
    Verification {
        site: session.site.name.clone(),
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

/// "origin 1 answers 404", "origin 1, origin 2 answer 404".
fn names_answer_404(layers: &[LayerFreshness]) -> String {
    let names: Vec<&str> = layers
        .iter()
        .filter(|l| l.layer != LayerKind::Public)
        .map(|l| l.label.as_str())
        .collect();
    let verb = if names.len() == 1 {
        "answers"
    } else {
        "answer"
    };
    format!("{} {verb} 404", names.join(", "))
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
    session: &Session,
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
            Some(noop_fix(target, session)),
        ),
        Verdict::NotFound => (
            format!("this page does not exist: {}", names_answer_404(layers)),
            Some("check the path (basePath, locale, trailing slash) or, for a new page, that its route is deployed and, with dynamicParams = false, listed by generateStaticParams".to_string()),
        ),
        Verdict::CouldNotTell => (
            "could not tell: some layer gave no page to compare before or after".to_string(),
            Some("see each layer's last answer; configure a marker for the route if the page has none of ETag or stable HTML".to_string()),
        ),
    }
}

/// A stale replica, and a CDN that is stale too when it is: the verdict
/// names the instance, but the CDN's copy needs its own fix.
pub(super) fn replica_words(layers: &[LayerFreshness]) -> (String, String) {
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

fn noop_fix(target: &Target, session: &Session) -> String {
    if target.kind == TargetKind::Tag {
        return format!(
            "check that the page's data carries the tag {:?} (cacheTag() in a 'use cache' function, unstable_cache's tags, or fetch(…, {{ next: {{ tags: [...] }} }})) and that the handler calls revalidateTag with it",
            target.value
        );
    }
    let lint = paths::lint_path(&target.value, target.page_type, &session.site.path_rules);
    match paths::first_refusal(&lint) {
        Some(refusal) => format!("{} (isrctl refuses this path unless --no-lint)", refusal.message),
        None => "check that the path is the page's route (leading slash, basePath, locale, a pattern with its type) and that the handler passes it to revalidatePath unchanged".to_string(),
    }
}
