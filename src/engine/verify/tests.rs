use super::watch::{Gate, is_pending, observe, settled, unread_public};
use super::*;
use crate::model::cache_headers::HeaderList;
use crate::model::observation::Observation;
use crate::wire::probe::Layer;

fn fp(etag: &str) -> Fingerprint {
    Fingerprint::of(
        &HeaderList::from_pairs([("etag", etag)]),
        etag.as_bytes(),
        false,
        None,
    )
}

fn layer(kind: LayerKind, before: bool, fresh: Option<u64>) -> LayerFreshness {
    LayerFreshness {
        status: Some(200),
        before: before.then(|| fp("\"old\"")),
        after: before.then(|| {
            fp(if fresh.is_some() {
                "\"new\""
            } else {
                "\"old\""
            })
        }),
        fresh_after_ms: fresh,
        polls: 1,
        ..LayerFreshness::unread(kind, kind.label(), String::new())
    }
}

const PUBLIC: LayerKind = LayerKind::Public;
const O1: LayerKind = LayerKind::Origin { index: 1 };
const O2: LayerKind = LayerKind::Origin { index: 2 };

#[test]
fn each_verdict_from_what_the_layers_did() {
    let v = |layers: &[LayerFreshness]| verdict(layers);
    assert_eq!(
        v(&[layer(PUBLIC, true, Some(5)), layer(O1, true, Some(3))]),
        Verdict::FreshEverywhere
    );
    assert_eq!(
        v(&[layer(PUBLIC, true, None), layer(O1, true, Some(3))]),
        Verdict::FreshAtOriginStaleAtCdn
    );
    assert_eq!(
        v(&[
            layer(PUBLIC, true, None),
            layer(O1, true, Some(3)),
            layer(O2, true, None)
        ]),
        Verdict::StaleReplica
    );
    assert_eq!(
        v(&[layer(PUBLIC, true, None), layer(O1, true, None)]),
        Verdict::Unchanged
    );
    assert_eq!(
        v(&[layer(PUBLIC, true, None), layer(O1, false, None)]),
        Verdict::CouldNotTell
    );
    assert_eq!(
        v(&[
            layer(PUBLIC, true, Some(1)),
            layer(LayerKind::CacheBusted, true, Some(1))
        ]),
        Verdict::FreshEverywhere,
        "without origins the cache-busted URL is the origin's view"
    );
    let mut missing = layer(O1, false, None);
    missing.status = Some(404);
    assert_eq!(
        v(&[layer(PUBLIC, false, None), missing.clone()]),
        Verdict::NotFound,
        "404 at every origin: the page does not exist"
    );
    let mut appeared = missing;
    appeared.after = Some(fp("\"new\""));
    appeared.fresh_after_ms = Some(2);
    assert_ne!(
        v(&[layer(PUBLIC, false, None), appeared]),
        Verdict::NotFound,
        "a page that appears after the revalidation exists"
    );
    use crate::engine::checks::{Severity, verify::severity};
    assert_eq!(severity(Verdict::NotFound), Severity::Problem);
    assert_eq!(severity(Verdict::Unchanged), Severity::Problem);
    assert_eq!(severity(Verdict::CouldNotTell), Severity::CouldNotCheck);
}

#[test]
fn a_stale_replica_behind_a_stale_cdn_names_both() {
    let mut public = layer(PUBLIC, true, None);
    public.url = "http://cdn.test/about".into();
    public.settled = Some(
        "the CDN keeps its copy ~59 min more (3,561 s left of s-maxage=3600), beyond the deadline"
            .into(),
    );
    let layers = [public, layer(O1, true, Some(120)), layer(O2, true, None)];
    assert_eq!(verdict(&layers), Verdict::StaleReplica);
    let (explanation, fix) = words::replica_words(&layers);
    assert_eq!(
        explanation,
        "fresh on origin 1 after 120 ms but origin 2 still serves the old page: the ISR cache is per instance; \
         the CDN still serves the old page too: the CDN keeps its copy ~59 min more (3,561 s left of s-maxage=3600), beyond the deadline"
    );
    assert!(fix.starts_with("revalidate on every instance"), "{fix}");
    assert!(fix.ends_with("then purge http://cdn.test/about at the CDN (it does not hear about Next.js revalidations)"), "{fix}");

    // A CDN that caught up is not mentioned.
    let layers = [
        layer(PUBLIC, true, Some(150)),
        layer(O1, true, Some(120)),
        layer(O2, true, None),
    ];
    let (explanation, fix) = words::replica_words(&layers);
    assert!(!explanation.contains("CDN"), "{explanation}");
    assert!(!fix.contains("purge"), "{fix}");
}

#[test]
fn pages_for_paths_patterns_and_tags() {
    let site = crate::engine::checks::testing::test_site(
        "https://x.com",
        "[[sites.t.routes]]\npath = \"/blog/hello\"\ntags = [\"posts\"]\n\
         [[sites.t.routes]]\npath = \"/about\"\n\
         [[sites.t.routes]]\npattern = \"/blog/[slug]\"\ntype = \"page\"\ntags = [\"posts\"]\n",
    );
    assert_eq!(
        pages_for(&site, &Target::path("blog/hello")),
        vec!["/blog/hello"]
    );
    assert_eq!(
        pages_for(&site, &Target::path("/blog/[slug]")),
        vec!["/blog/hello"]
    );
    assert_eq!(pages_for(&site, &Target::tag("posts")), vec!["/blog/hello"]);
    assert!(pages_for(&site, &Target::tag("none")).is_empty());
    assert!(covers("/docs/[...slug]", "/docs/a/b"));
    assert!(covers("/(site)/about", "/about"));
    assert!(!covers("/blog/[slug]", "/blog/a/b"));
}

fn probe_with(headers: &[(&str, &str)]) -> Observation {
    let list = HeaderList::from_pairs(headers.iter().copied());
    Observation {
        layer: PUBLIC,
        label: "public".into(),
        url: String::new(),
        status: Some(200),
        redirect: None,
        cache: Some(crate::model::cache_headers::interpret(&list, None)),
        fingerprint: Some(fp("\"old\"")),
        kind: Some(crate::model::page_kind::PageKind::of(200, &list, false)),
        ttfb_ms: None,
        total_ms: None,
        error: None,
        headers: Vec::new(),
    }
}

#[test]
fn polling_stops_early_only_when_the_layer_cannot_change_in_time() {
    let left = (Duration::from_secs(5), Duration::from_secs(30));
    let cdn = probe_with(&[
        ("x-cache", "HIT"),
        ("age", "10"),
        ("cache-control", "s-maxage=3600"),
    ]);
    let why = settled(&cdn, TargetKind::Path, left).unwrap();
    assert!(why.contains("~60 min more, until "), "{why}");
    assert!(why.contains("(3,590 s left of s-maxage=3600)"), "{why}");
    let expiring = probe_with(&[
        ("x-cache", "HIT"),
        ("age", "3590"),
        ("cache-control", "s-maxage=3600"),
    ]);
    assert_eq!(settled(&expiring, TargetKind::Path, left), None);
    let next_hit = probe_with(&[("x-nextjs-cache", "HIT")]);
    assert!(settled(&next_hit, TargetKind::Path, left).is_some());
    assert_eq!(
        settled(&next_hit, TargetKind::Tag, left),
        None,
        "a tag may still be regenerating"
    );
    let next_stale = probe_with(&[("x-nextjs-cache", "STALE")]);
    assert_eq!(settled(&next_stale, TargetKind::Path, left), None);
    // Right after the revalidation a HIT proves nothing yet: a host whose
    // wall clock was stepped ahead answers HIT for a moment.
    let right_after = (Duration::from_millis(50), Duration::from_secs(30));
    let mut origin_hit = next_hit.clone();
    origin_hit.layer = crate::model::observation::LayerKind::Origin { index: 1 };
    assert_eq!(settled(&origin_hit, TargetKind::Path, right_after), None);
    assert!(settled(&origin_hit, TargetKind::Path, left).is_some());
}

#[test]
fn the_public_layer_is_read_only_after_an_origin_serves_the_new_page() {
    let unread = unread_public(
        &Layer {
            kind: PUBLIC,
            url: url::Url::parse("http://cdn.test/a").unwrap(),
        },
        Some(fp("\"old\"")),
    );
    assert_eq!(unread.last, None, "nothing fetched through the CDN before");
    assert!(
        !is_pending(&unread, Gate::PublicAfterAnOrigin, false),
        "not while no origin is fresh"
    );
    assert!(
        !is_pending(&unread, Gate::OriginsOnly, true),
        "never before the purge"
    );
    assert!(is_pending(&unread, Gate::PublicAfterAnOrigin, true));

    // Fresh means the origin's new page, not merely "not the old one".
    let mut public = unread;
    let new = fp("\"new\"");
    let older = probe_with(&[]);
    let mut stale = older.clone();
    stale.fingerprint = Some(fp("\"older\""));
    observe(
        &mut public,
        &stale,
        std::slice::from_ref(&new),
        TargetKind::Path,
        Duration::ZERO,
        Duration::ZERO,
    );
    assert_eq!(
        public.fresh_after_ms, None,
        "a third render is not the new page"
    );
    let mut fresh = older;
    fresh.fingerprint = Some(new.clone());
    observe(
        &mut public,
        &fresh,
        std::slice::from_ref(&new),
        TargetKind::Path,
        Duration::from_millis(7),
        Duration::ZERO,
    );
    assert_eq!(public.fresh_after_ms, Some(7));
}

#[path = "model_tests.rs"]
mod model_tests;

/// Time-to-fresh waits for nothing it need not: the first read of a
/// watched layer comes at once (no fixed pause before it), then the pauses
/// grow while the answer is still coming, never past the longest.
#[test]
fn the_first_read_is_at_once_and_the_pauses_after_it_grow() {
    let schedule: Vec<Duration> = super::pauses().take(12).collect();
    assert_eq!(
        schedule[0],
        Duration::ZERO,
        "no pause before the first read"
    );
    assert!(schedule[1] > Duration::ZERO && schedule[1] <= Duration::from_millis(100));
    assert!(schedule.windows(2).all(|w| w[0] <= w[1]), "{schedule:?}");
    assert_eq!(schedule[11], super::MAX_POLL, "{schedule:?}");
}
