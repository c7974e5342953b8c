//! The verdict on a verification and the words that explain it: what each
//! layer did becomes fresh everywhere, stale at the CDN, a stale replica,
//! a silent no-op, or "could not tell", with the fix for each.

use super::{LayerFreshness, Verdict, Verification};
use crate::engine::session::Session;
use crate::model::observation::LayerKind;
use crate::model::outcome::Outcome;
use crate::model::page_kind::PageKind;
use crate::model::paths;
use crate::model::target::{Target, TargetKind};
use crate::model::text::thousands;
use std::time::Duration;

const REPLICA_FIX: &str = "revalidate on every instance (send the revalidation to each origin's endpoint), or configure a shared cacheHandler in next.config so the instances share one ISR cache";

/// What a verification saw: every layer, the public RSC variant, and
/// whether `fresh` found the CDN stale before it purged.
pub(super) struct Evidence {
    pub layers: Vec<LayerFreshness>,
    pub rsc: Option<LayerFreshness>,
    pub cdn_was_stale: bool,
    pub sent_to: super::SentTo,
}

/// The verdict from what each layer did (no RSC variant, nothing purged).
#[cfg(test)]
pub fn verdict(layers: &[LayerFreshness]) -> Verdict {
    verdict_from(layers, None, false)
}

/// The verdict: did every origin re-render the page, do they agree, does
/// the CDN (and its RSC copy) serve what they serve, did the content change?
pub fn verdict_from(
    layers: &[LayerFreshness],
    rsc: Option<&LayerFreshness>,
    cdn_was_stale: bool,
) -> Verdict {
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
    if let Some(kind) = page_kind_verdict(&origins) {
        return kind;
    }
    if origins.is_empty() || !origins.iter().all(|l| known(l)) {
        return Verdict::CouldNotTell;
    }
    if several_instances(layers).is_some() {
        return Verdict::StaleReplica;
    }
    let fresh = origins
        .iter()
        .filter(|l| l.fresh_after_ms.is_some())
        .count();
    let public_fresh = public.is_some_and(|p| p.fresh_after_ms.is_some());
    // A cold page's first read rendered it: no old page to compare with.
    let changed = origins.iter().any(|l| content_changed(l) || l.cold_before);
    match (fresh, public) {
        (0, _) => Verdict::Unchanged,
        (n, _) if n < origins.len() => Verdict::StaleReplica,
        (_, Some(p)) if !public_fresh && known(p) => Verdict::FreshAtOriginStaleAtCdn,
        _ if !public_fresh => Verdict::CouldNotTell,
        _ if rsc.is_some_and(|r| r.fresh_after_ms.is_none()) => Verdict::HtmlFreshRscStale,
        _ if changed || cdn_was_stale => Verdict::FreshEverywhere,
        _ => Verdict::RegeneratedSameContent,
    }
}

/// What the page is decides first: a page that broke, one rendered per
/// request or by next dev, an error page, a gate, a redirect.
fn page_kind_verdict(origins: &[&LayerFreshness]) -> Option<Verdict> {
    if origins.iter().any(|l| broke(l)) {
        return Some(Verdict::BrokenByRevalidation);
    }
    let all_before =
        |kind: PageKind| !origins.is_empty() && origins.iter().all(|l| l.kind_before == Some(kind));
    let verdict = match () {
        _ if all_before(PageKind::Dev) => Verdict::DevServer,
        _ if all_before(PageKind::Dynamic) => Verdict::Dynamic,
        _ if origins.iter().any(|l| l.kind == Some(PageKind::Soft404)) => Verdict::Soft404,
        _ if all_before(PageKind::Broken) => Verdict::Broken,
        _ if all_before(PageKind::NeedsCredentials) => Verdict::NeedsCredentials,
        _ if all_before(PageKind::Redirect) => Verdict::Redirects,
        _ => return None,
    };
    Some(verdict)
}

/// A 308 between a page's slash and slash-less forms is Next's
/// trailingSlash policy: say which form the site wants.
fn slash_policy(l: &LayerFreshness) -> Option<String> {
    let to = l.redirect.as_deref()?;
    let path = url::Url::parse(&l.url).ok()?.path().to_string();
    let target = to.split('?').next().unwrap_or(to);
    let ends = |form: &str| target == form || target.ends_with(form);
    match path.strip_suffix('/') {
        Some(bare) if !bare.is_empty() && ends(bare) => Some(format!(
            "the site has no trailingSlash: its pages live at {bare}; revalidate and verify that path (trailing_slash = false in the site's config)"
        )),
        None if ends(&format!("{path}/")) => Some(format!(
            "the site has Next's trailingSlash: set trailing_slash = true in the site's config, and revalidate and verify {path}/"
        )),
        _ => None,
    }
}

/// Served the page before the revalidation, and an error after it.
fn broke(l: &LayerFreshness) -> bool {
    l.before.is_some() && matches!(l.kind, Some(PageKind::Broken | PageKind::NotFound))
}

/// Without origins, what shows several instances behind the URL: the
/// cache-busted view served the old page again after the new one, or the
/// public URL kept the old page while no CDN shows in its headers (so no
/// CDN copy explains it: another instance answered).
fn several_instances(layers: &[LayerFreshness]) -> Option<String> {
    if let Some(seen) = layers.iter().find_map(|l| l.alternated.clone()) {
        return Some(seen);
    }
    let busted_only = layers
        .iter()
        .filter(|l| l.layer != LayerKind::Public)
        .all(|l| l.layer == LayerKind::CacheBusted);
    let public = layers.iter().find(|l| l.layer == LayerKind::Public)?;
    let fresh_view = layers
        .iter()
        .any(|l| l.layer == LayerKind::CacheBusted && l.fresh_after_ms.is_some());
    let old_without_cdn =
        public.after.is_some() && public.fresh_after_ms.is_none() && !public.cdn_seen;
    (busted_only && fresh_view && old_without_cdn).then(|| {
        "the cache-busted request got the new page, the public URL the old one, and no CDN shows in the headers".to_string()
    })
}

/// The origin serves a page other than the one it served before.
fn content_changed(l: &LayerFreshness) -> bool {
    match (&l.before, &l.after) {
        (Some(before), Some(after)) => !after.same_render(before),
        _ => true,
    }
}

pub(super) fn conclude(
    session: &Session,
    page: String,
    target: &Target,
    outcome: &Outcome,
    evidence: Evidence,
    elapsed: Duration,
    deadline: Duration,
) -> Verification {
    let Evidence {
        layers,
        rsc,
        cdn_was_stale,
        sent_to,
    } = evidence;
    let cache_topology = super::topology::said(&layers, sent_to, session.site.cache);
    let verdict = verdict_from(&layers, rsc.as_ref(), cdn_was_stale);
    let (explanation, fix) = words(verdict, &layers, rsc.as_ref(), target, session);
    Verification {
        site: session.site.name.clone(),
        target: target.clone(),
        page,
        verdict,
        explanation,
        fix,
        outcome: outcome.clone(),
        layers,
        rsc,
        cdn_was_stale,
        cache_topology,
        elapsed_ms: elapsed.as_millis() as u64,
        deadline_ms: deadline.as_millis() as u64,
        stopped: false,
    }
}

/// The words of a verdict that comes from what the page is.
fn page_kind_words(
    verdict: Verdict,
    layers: &[LayerFreshness],
    locales: &[String],
) -> Option<(String, Option<String>)> {
    let origins = || layers.iter().filter(|l| l.layer != LayerKind::Public);
    if verdict == Verdict::BrokenByRevalidation {
        let l = origins().find(|l| broke(l))?;
        let what = match l.kind {
            Some(PageKind::NotFound) => "vanish",
            _ => "break",
        };
        return Some((
            format!("the revalidation made this page {what}: {} served it before and answers {} now", l.label, l.status.unwrap_or(0)),
            Some("read the app's server log: the page's data is gone or fails (a deleted CMS entry makes a page throw unless it calls notFound()); fix the data or the page, then revalidate again — the CDN may still hold the working copy, so do not purge it yet".to_string()),
        ));
    }
    let kind = match verdict {
        Verdict::Dynamic => PageKind::Dynamic,
        Verdict::DevServer => PageKind::Dev,
        Verdict::Broken => PageKind::Broken,
        Verdict::NeedsCredentials => PageKind::NeedsCredentials,
        Verdict::Redirects => PageKind::Redirect,
        Verdict::Soft404 => PageKind::Soft404,
        _ => return None,
    };
    if verdict == Verdict::Redirects
        && let Some(words) = origins().find_map(|l| redirect_words(l, locales))
    {
        return Some(words);
    }
    let (meaning, fix) = kind.words()?;
    let last = origins().find_map(|l| l.last.clone()).unwrap_or_default();
    let fix = origins()
        .find_map(slash_policy)
        .unwrap_or_else(|| fix.to_string());
    Some((format!("{meaning} ({last})"), Some(fix)))
}

/// A redirect named: to the page itself (a loop: nothing to revalidate or
/// verify there), to its locale-prefixed page (the locale rule), or
/// elsewhere. `None` for the trailingSlash 308s `slash_policy` words.
fn redirect_words(l: &LayerFreshness, locales: &[String]) -> Option<(String, Option<String>)> {
    if slash_policy(l).is_some() {
        return None;
    }
    let to = l.redirect.as_deref()?;
    let page = url::Url::parse(&l.url).ok()?;
    let target = page.join(to).ok()?;
    let status = l.status.unwrap_or(0);
    if (target.path(), target.query()) == (page.path(), page.query()) {
        return Some((
            format!("redirect loop: {} answers {status} to the page itself ({to}), so no layer can serve it", l.label),
            Some("fix the redirect in the app (proxy/middleware, next.config redirects, i18n locale detection): revalidating or purging will not help".into()),
        ));
    }
    let shown = match target.query() {
        Some(q) => format!("{}?{q}", target.path()),
        None => target.path().to_string(),
    };
    let words = match crate::model::paths::locale_prefix(to, &l.url, locales) {
        Some(locale) => (
            format!(
                "the page redirects ({status}) to {shown}, its page in the {locale} locale: that is the page visitors get"
            ),
            format!(
                "revalidate and verify {shown} (and each locale's path): revalidatePath with the unprefixed path does not reach the localized page"
            ),
        ),
        None => (
            format!("the page redirects ({status}) to {shown}: that is the page visitors get"),
            format!("revalidate and verify {shown}"),
        ),
    };
    Some((words.0, Some(words.1)))
}

/// "origin 1: x-nextjs-cache MISS: rendered for this request; origin 2: new content".
fn regenerated(layers: &[LayerFreshness]) -> String {
    let evidence: Vec<String> = layers
        .iter()
        .filter_map(|l| l.regenerated.as_ref().map(|r| format!("{}: {r}", l.label)))
        .collect();
    evidence.join("; ")
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
    rsc: Option<&LayerFreshness>,
    target: &Target,
    session: &Session,
) -> (String, Option<String>) {
    if let Some(words) = page_kind_words(verdict, layers, &session.site.path_rules.locales) {
        return words;
    }
    match verdict {
        Verdict::RegeneratedSameContent => (
            format!("Next.js re-rendered the page ({}) but its content did not change: its data source was not yet consistent (a CMS CDN, eventual consistency), or an inner cache does not carry the tag", regenerated(layers)),
            Some("revalidate again once the data source has settled (--retry-after 5s does it: a second revalidation and verification); if it persists, check that the data fetch carries the tag or path being revalidated".to_string()),
        ),
        Verdict::HtmlFreshRscStale => {
            let rsc = rsc.map(|r| r.state()).unwrap_or_default();
            (
                format!("the HTML is fresh everywhere, but the CDN still serves the page's old RSC payload to client-side navigations: {rsc}"),
                Some("purge what covers the page's RSC variants too (Varnish: a BAN on the path with any query, ban_preset; Cloudflare: purge by prefix or tag; or key the CDN's cache so it does not keep RSC payloads)".to_string()),
            )
        }
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
        Verdict::StaleReplica if several_instances(layers).is_some() => (
            format!("this URL is served by several Next.js instances, each with its own ISR cache: {}", several_instances(layers).unwrap_or_default()),
            Some("list the instances as the site's origins (origins = [\"http://10.0.0.1:3000\", …]) so isrctl revalidates and reads each, or configure a shared cacheHandler in next.config".to_string()),
        ),
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
        // Every other verdict is a page kind (page_kind_words above); this
        // is what is left when its words cannot be made.
        _ => (
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
