//! The judgement in words: one finding for what the origins serve, one
//! for what the public URL serves compared with them, each with its fix.

use super::{CHECK, Finding, Severity};
use crate::model::cache_headers::{CacheState, Cdn, Ttl};
use crate::model::config::CacheTopology;
use crate::model::judgement::{Judgement, Origins, PerRequest, Public, StaleCopy};
use crate::model::observation::{LayerKind, Observation};
use crate::model::text::{duration_words, thousands};

const REPLICA_FIX: &str = "revalidate on every instance (send the revalidation to each origin's endpoint), or configure a shared cacheHandler in next.config so the instances share one ISR cache";

/// The latest read of a layer.
fn latest(probes: &[Observation], layer: LayerKind) -> Option<&Observation> {
    probes.iter().rev().find(|p| p.layer == layer)
}

/// The origin views, each origin's latest read (or the cache-busted read
/// standing for the origin), in origin order.
fn origin_views(probes: &[Observation]) -> Vec<&Observation> {
    let mut views: Vec<&Observation> = Vec::new();
    for p in probes.iter().filter(|p| p.layer.is_origin()) {
        match views.iter_mut().find(|v| v.layer == p.layer) {
            Some(v) => *v = p,
            None => views.push(p),
        }
    }
    if views.is_empty() {
        views.extend(latest(probes, LayerKind::CacheBusted));
    }
    views
}

fn name(origin: usize) -> String {
    match origin {
        0 => "the origin (seen through a cache-busted URL)".to_string(),
        i => format!("origin {i}"),
    }
}

/// What the origins serve, in words (`None` when a layer's own finding or
/// the page-kind note already says it).
pub(super) fn origins(
    state: &Origins,
    probes: &[Observation],
    (kind_said, topology): (bool, CacheTopology),
) -> Option<Finding> {
    let views = origin_views(probes);
    let evidence: Vec<String> = views.iter().flat_map(|v| described(v)).collect();
    let finding = match state {
        Origins::Unseen | Origins::NoAnswer { .. } | Origins::Error { .. } => return None,
        Origins::Serve if views.len() > 1 => Finding::new(
            CHECK,
            Severity::Ok,
            format!("the {} origin instances serve the same page", views.len()),
        ),
        Origins::Serve => return None,
        Origins::Missing => return missing(probes),
        Origins::NotSettled { origin } => Finding::new(CHECK, Severity::Warning, format!("{} still answers STALE: it serves its old copy while it renders the page anew, so what it will serve is not known yet", name(*origin)))
            .fix("probe again in a few seconds: the render behind the STALE answer replaces the copy"),
        Origins::RendersPerRequest { why: PerRequest::Dynamic | PerRequest::Dev, .. } if kind_said => return None,
        Origins::RendersPerRequest { origin, why } => per_request(*origin, *why, topology),
        Origins::ReplicasDiffer { behind, topology } => replicas(behind, *topology),
        Origins::RedirectLoop { location } => Finding::new(CHECK, Severity::Problem, format!("redirect loop: the origins redirect the page to itself ({location})"))
            .fix("fix the redirect in the app (proxy/middleware, next.config redirects, i18n locale detection): no layer can serve this page; revalidating or purging will not help"),
        Origins::Redirect { location } => redirect(location, views.first().copied()),
    };
    Some(finding.evidence_all(evidence))
}

/// A redirect to elsewhere at every origin; a locale-prefixed target is
/// named as what it is (Next's i18n sends an unprefixed path there).
fn redirect(location: &str, origin: Option<&Observation>) -> Finding {
    let locale = origin.and_then(|o| crate::model::paths::locale_prefix(location, &o.url, &[]));
    let title = match locale {
        Some(locale) => format!(
            "the page redirects to {location}, its locale-prefixed path ({locale}), at every origin: Next's i18n sends a path without a locale prefix to the visitor's locale"
        ),
        None => format!(
            "the page redirects to {location} at every origin: there is nothing to revalidate at this path"
        ),
    };
    let fix = match locale {
        Some(_) => format!(
            "check, revalidate and purge {location} (and each locale's path); revalidatePath with the unprefixed path revalidates the default locale only"
        ),
        None => format!("check, revalidate and purge the page it redirects to ({location})"),
    };
    Finding::new(CHECK, Severity::Warning, title).fix(fix)
}

fn missing(probes: &[Observation]) -> Option<Finding> {
    let public_missing =
        latest(probes, LayerKind::Public).is_none_or(|p| matches!(p.status, Some(404 | 410)));
    public_missing.then(|| {
        Finding::new(CHECK, Severity::Problem, "this page does not exist: every layer answers 404")
            .fix("check the path (basePath, locale, trailing slash); a new page needs its route deployed and, with dynamicParams = false, listed by generateStaticParams")
    })
}

fn per_request(origin: usize, why: PerRequest, topology: CacheTopology) -> Finding {
    match why {
        PerRequest::NotCaching if topology == CacheTopology::Shared => Finding::new(CHECK, Severity::Problem, format!("the shared ISR cache is not caching: {} rendered the page anew on every read (is its store down?)", name(origin)))
            .fix("check the cacheHandler's store (reachable, credentials, memory): until it keeps pages every instance renders every request, and no copy compares with another"),
        PerRequest::NotCaching => Finding::new(CHECK, Severity::Problem, format!("{} rendered the page anew on every read although Next.js marks it an ISR page: its ISR cache keeps nothing (a cache handler whose store is down?)", name(origin)))
            .fix("check the cacheHandler's store (reachable, credentials, memory) or the .next/cache directory (writable); until it keeps pages every request renders, and no copy compares with another"),
        _ => Finding::new(CHECK, Severity::Warning, format!("{} renders a new page on every read: the page is rendered per request, so revalidation does not apply", name(origin)))
            .fix("make the page static (export const revalidate = N; no cookies()/headers() in it) if it should be cached"),
    }
}

fn replicas(behind: &[usize], topology: CacheTopology) -> Finding {
    let names: Vec<String> = behind.iter().map(|&i| name(i)).collect();
    match (topology, names.is_empty()) {
        (CacheTopology::Shared, _) => Finding::new(CHECK, Severity::Problem, format!("the origin instances serve different pages although their cache is shared (cache = \"shared\"){}: one of them is on a cache of its own", behind_words(&names)))
            .fix("check each instance's cacheHandler settings (the same store, the same key prefix and build id); then revalidate the page"),
        (_, true) => Finding::new(CHECK, Severity::Problem, "origin instances disagree: the ISR cache is per instance")
            .fix(REPLICA_FIX),
        (_, false) => Finding::new(CHECK, Severity::Problem, format!("{} still serve{} the old page: the ISR cache is per instance", names.join(", "), if names.len() == 1 { "s" } else { "" }))
            .fix(REPLICA_FIX),
    }
}

fn behind_words(names: &[String]) -> String {
    match names.is_empty() {
        true => String::new(),
        false => format!("; behind: {}", names.join(", ")),
    }
}

/// Whether the public URL serves what the origins serve now, in words.
pub(super) fn public(judgement: &Judgement, probes: &[Observation]) -> Option<Finding> {
    let public = latest(probes, LayerKind::Public)?;
    let views = origin_views(probes);
    let first = views.first().copied();
    match &judgement.cdn {
        Public::NotJudged | Public::NoAnswer => None,
        Public::Undecided => Some(
            Finding::new(CHECK, Severity::CouldNotCheck, "no view of the origin: cannot tell whether the public copy is stale")
                .fix("add origins = [\"http://10.0.0.5:3000\"] to the site so isrctl can fetch the page bypassing the CDN"),
        ),
        // The origins' finding says what the page is (gone, a redirect).
        Public::Same if !matches!(judgement.origins, Origins::Serve | Origins::ReplicasDiffer { .. }) => None,
        Public::Same => {
            let matching = views.iter().find(|v| same_status(public, v)).copied().or(first)?;
            Some(same(public, matching))
        }
        Public::InstancesInTurn => Some(
            Finding::new(CHECK, Severity::Problem, "two requests to this URL got two different pages and no CDN shows in the headers: several Next.js instances, each with its own ISR cache, probably answer it in turn (or the page is rendered per request)")
                .evidence_all(compared(public, first?))
                .fix("list the instances as the site's origins (origins = [\"http://10.0.0.1:3000\", …]) so isrctl reads and revalidates each, or configure a shared cacheHandler in next.config; there is no CDN copy to purge"),
        ),
        Public::Stale { copy } => Some(stale(*copy, public, first?)),
    }
}

fn same_status(a: &Observation, b: &Observation) -> bool {
    a.status == b.status
        && match (a.page(), b.page()) {
            (Some(x), Some(y)) => x.same_render(y),
            _ => true,
        }
}

/// A read's status line and its fingerprint, each named by its layer
/// (`origin 1: marker …`), whichever read of the layer it was.
fn described(read: &Observation) -> Vec<String> {
    let name = read.layer.label();
    let mut lines = vec![format!("{name}: {}", read.summary())];
    lines.extend(read.page().map(|fp| format!("{name}: {}", fp.summary())));
    lines
}

fn compared(public: &Observation, origin: &Observation) -> Vec<String> {
    let mut lines = described(public);
    lines.extend(described(origin));
    if let (Some(p), Some(o)) = (public.page(), origin.page()) {
        lines.push(format!("compared by {}", p.basis(o)));
    }
    lines
}

fn reference_name(origin: &Observation) -> String {
    match origin.layer {
        LayerKind::CacheBusted => "the origin (seen through a cache-busted URL)".to_string(),
        _ => origin.label.clone(),
    }
}

fn same(public: &Observation, origin: &Observation) -> Finding {
    let age = public.cache.as_ref().and_then(|c| c.age);
    let reference = reference_name(origin);
    let title = match (age, cdn_ttl(public, origin)) {
        (Some(a), Some(t)) => format!(
            "the CDN serves the same page as {reference} (copy {} old; it may keep a copy up to {}: {})",
            duration_words(a),
            duration_words(t.seconds),
            t.directive
        ),
        _ => format!("the public URL serves the same page as {reference}"),
    };
    Finding::new(CHECK, Severity::Ok, title).evidence_all(compared(public, origin))
}

fn stale(copy: StaleCopy, public: &Observation, origin: &Observation) -> Finding {
    let age = public.cache.as_ref().and_then(|c| c.age);
    let ttl = cdn_ttl(public, origin);
    let origin_status = origin.status.unwrap_or(0);
    let title = match copy {
        StaleCopy::OldContent => stale_title(public, age, ttl),
        StaleCopy::OldDeploy => format!(
            "the CDN serves a page from the previous deploy (build {}, the origins run {}): its scripts may 404{}",
            build(public),
            build(origin),
            kept(age)
        ),
        StaleCopy::DeletedPageServed => format!(
            "the CDN still serves a page the origins no longer have: they answer {origin_status}{}",
            kept(age)
        ),
        StaleCopy::CachedNotFound => format!(
            "the CDN serves a stored {} while the origins serve the page{}",
            public.status.unwrap_or(404),
            kept(age)
        ),
        StaleCopy::CachedRedirect => format!(
            "the CDN serves a stored redirect ({} to {}) the origins do not send{}",
            public.status.unwrap_or(0),
            public.redirect.as_deref().unwrap_or("?"),
            kept(age)
        ),
        StaleCopy::CachedError => format!(
            "the CDN serves a stored {} while the origins answer {origin_status}{}",
            public.status.unwrap_or(0),
            kept(age)
        ),
    };
    let remaining = match (ttl, age) {
        (Some(t), Some(a)) => Some(t.seconds.saturating_sub(a)),
        _ => None,
    };
    let title = match durable_copy(public) {
        Some(tier) => format!("stale in {tier}: {title}"),
        None => title,
    };
    Finding::new(CHECK, Severity::Problem, title)
        .remaining_s(remaining)
        .evidence_all(compared(public, origin))
        .fix(format!("purge {} at the CDN (it does not hear about Next.js revalidations), or lower the CDN's TTL for HTML (s-maxage / CDN-Cache-Control) so revalidations reach visitors sooner", public.url))
}

/// The build a page read names (see `model::fingerprint::build_id`).
fn build(read: &Observation) -> &str {
    read.page()
        .and_then(|fp| fp.build_id.as_deref())
        .unwrap_or("?")
}

/// The shared tier behind the edges that served the copy (Netlify's
/// durable cache): every edge fetches it from there again until it is
/// purged, so waiting for an edge's TTL does not help.
fn durable_copy(public: &Observation) -> Option<&'static str> {
    let cache = public.cache.as_ref()?;
    let kept = cache.durable.is_some_and(CacheState::served_from_cache);
    (kept && cache.cdn == Some(Cdn::Netlify)).then_some("Netlify's durable cache")
}

/// " (copy 5 min old)" when the age is known.
fn kept(age: Option<u64>) -> String {
    age.map(|a| format!(" (copy {} old)", duration_words(a)))
        .unwrap_or_default()
}

/// The CDN's TTL: the most specific source seen at either end (CDNs strip
/// Surrogate-Control and CDN-Cache-Control before the client).
fn cdn_ttl<'a>(public: &'a Observation, origin: &'a Observation) -> Option<&'a Ttl> {
    let seen = [public, origin]
        .into_iter()
        .filter_map(|p| p.cache.as_ref()?.ttl.as_ref());
    seen.min_by_key(|t| t.source)
}

fn stale_title(public: &Observation, age: Option<u64>, ttl: Option<&Ttl>) -> String {
    if public.cache.as_ref().and_then(|c| c.edge).is_none() && age.is_none() {
        return "the public URL serves a different page than the origin, and no cache header says why".into();
    }
    let old = age
        .map(|a| format!("a copy {} old", duration_words(a)))
        .unwrap_or_else(|| "an older copy".into());
    match (ttl, age) {
        // Words first; the exact age after them for whoever checks the sum.
        (Some(t), Some(a)) if t.seconds > a => format!(
            "the CDN serves {old} and may keep it {} (age {} s of {})",
            crate::model::text::more_until(t.seconds - a, jiff::Timestamp::now()),
            thousands(a),
            t.directive
        ),
        (Some(t), Some(_)) => format!(
            "the CDN serves {old}, past its TTL ({}): it should fetch anew soon",
            t.directive
        ),
        // nginx's proxy_cache sends no Age: how old the copy is cannot be
        // read, and the cache keeps it as long as its own settings say.
        (Some(t), None) => format!(
            "the CDN serves an older copy; it sends no Age, so its age is unknown: it may keep it up to {} s ({}), or as long as its own settings say (nginx: proxy_cache_valid)",
            thousands(t.seconds),
            t.directive
        ),
        (None, _) => format!("the CDN serves {old} than the origin (no TTL header seen)"),
    }
}
