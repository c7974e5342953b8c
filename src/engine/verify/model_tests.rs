//! The verification model on pages that show data: regenerated and content
//! are two facts; the CDN is judged against the origins now.

use super::*;
use crate::engine::verify::SAMPLES;
use crate::engine::verify::words::verdict_from;

fn origin_answer(kind: LayerKind, cache: &str, etag: &str) -> Observation {
    let mut p = probe_with(&[("x-nextjs-cache", cache)]);
    p.layer = kind;
    p.fingerprint = Some(fp(etag));
    p
}

fn watched(kind: LayerKind) -> LayerFreshness {
    let mut l = LayerFreshness::unread(kind, kind.label(), String::new());
    l.before = Some(fp("\"same\""));
    l.status = Some(200);
    l
}

/// One answer, seen 5 s after the revalidation (past `HIT_PROVES_AFTER`).
fn see(l: &mut LayerFreshness, p: &Observation, kind: TargetKind) {
    observe(
        l,
        p,
        &[],
        kind,
        Duration::from_secs(5),
        Duration::from_secs(30),
    );
}

#[test]
fn a_miss_with_byte_identical_html_is_a_regeneration_not_a_silent_no_op() {
    let mut o1 = watched(O1);
    see(
        &mut o1,
        &origin_answer(O1, "MISS", "\"same\""),
        TargetKind::Path,
    );
    assert_eq!(o1.fresh_after_ms, Some(5000));
    assert!(o1.regenerated.as_deref().unwrap().contains("MISS"));
    let mut public = watched(PUBLIC);
    public.after = Some(fp("\"same\""));
    public.fresh_after_ms = Some(9);
    assert_eq!(
        verdict_from(&[public.clone(), o1.clone()], None, false),
        Verdict::RegeneratedSameContent,
        "the data did not change: say so, never fresh_everywhere"
    );
    assert_eq!(
        verdict_from(&[public, o1], None, true),
        Verdict::FreshEverywhere,
        "fresh found the CDN serving an older page and purged it"
    );
}

#[test]
fn stale_then_hit_is_a_new_render_even_with_the_same_content() {
    let mut o1 = watched(O1);
    see(
        &mut o1,
        &origin_answer(O1, "STALE", "\"same\""),
        TargetKind::Tag,
    );
    assert_eq!(o1.fresh_after_ms, None, "STALE serves the old page once");
    see(
        &mut o1,
        &origin_answer(O1, "HIT", "\"same\""),
        TargetKind::Tag,
    );
    assert!(o1.fresh_after_ms.is_some());
}

#[test]
fn one_hit_at_the_cache_busted_url_is_not_a_conclusion() {
    let mut busted = watched(LayerKind::CacheBusted);
    let hit = origin_answer(LayerKind::CacheBusted, "HIT", "\"same\"");
    see(&mut busted, &hit, TargetKind::Path);
    assert_eq!(busted.settled, None, "another instance may answer next");
    for _ in 1..SAMPLES {
        see(&mut busted, &hit, TargetKind::Path);
    }
    assert!(
        busted.settled.is_some(),
        "{SAMPLES} answers in a row settle it"
    );

    let mut o1 = watched(O1);
    see(
        &mut o1,
        &origin_answer(O1, "HIT", "\"same\""),
        TargetKind::Path,
    );
    assert!(o1.settled.is_some(), "a configured origin is one instance");
}

#[test]
fn the_old_page_after_the_new_one_means_several_instances() {
    let mut busted = watched(LayerKind::CacheBusted);
    busted.before = Some(fp("\"old\""));
    let miss_new = origin_answer(LayerKind::CacheBusted, "MISS", "\"new\"");
    let hit_old = origin_answer(LayerKind::CacheBusted, "HIT", "\"old\"");
    see(&mut busted, &miss_new, TargetKind::Path);
    assert!(busted.fresh_after_ms.is_some());
    assert!(
        is_pending(&busted, Gate::PublicAfterAnOrigin, true),
        "still sampling"
    );
    see(&mut busted, &hit_old, TargetKind::Path);
    assert!(busted.alternated.is_some());
    assert!(!is_pending(&busted, Gate::PublicAfterAnOrigin, true));
    let public = layer(PUBLIC, true, Some(3));
    assert_eq!(
        verdict_from(&[public, busted], None, false),
        Verdict::StaleReplica
    );
}

#[test]
fn the_rsc_variant_is_a_layer() {
    let layers = [layer(PUBLIC, true, Some(5)), layer(O1, true, Some(3))];
    let mut rsc = LayerFreshness::unread(PUBLIC, "public, RSC".into(), String::new());
    rsc.after = Some(fp("\"old-flight\""));
    assert_eq!(
        verdict_from(&layers, Some(&rsc), false),
        Verdict::HtmlFreshRscStale
    );
    rsc.fresh_after_ms = Some(8);
    assert_eq!(
        verdict_from(&layers, Some(&rsc), false),
        Verdict::FreshEverywhere
    );
}

#[test]
fn what_the_page_is_decides_before_freshness() {
    use crate::model::page_kind::PageKind;
    let with_kind = |before: Option<PageKind>, now: Option<PageKind>| {
        let mut l = layer(O1, true, None);
        (l.kind_before, l.kind) = (before, now);
        l
    };
    let public = layer(PUBLIC, true, None);
    let isr = Some(PageKind::Isr);
    let cases = [
        (
            with_kind(isr, Some(PageKind::Broken)),
            Verdict::BrokenByRevalidation,
        ),
        (
            with_kind(isr, Some(PageKind::NotFound)),
            Verdict::BrokenByRevalidation,
        ),
        (
            with_kind(Some(PageKind::Dynamic), Some(PageKind::Dynamic)),
            Verdict::Dynamic,
        ),
        (
            with_kind(Some(PageKind::Dev), Some(PageKind::Dev)),
            Verdict::DevServer,
        ),
        (with_kind(isr, Some(PageKind::Soft404)), Verdict::Soft404),
        (with_kind(isr, isr), Verdict::Unchanged),
    ];
    for (origin, expected) in cases {
        let kinds = (origin.kind_before, origin.kind);
        assert_eq!(
            verdict_from(&[public.clone(), origin], None, false),
            expected,
            "{kinds:?}"
        );
    }
    let mut gated = layer(O1, false, None);
    (gated.kind_before, gated.kind, gated.status) = (
        Some(PageKind::NeedsCredentials),
        Some(PageKind::NeedsCredentials),
        Some(401),
    );
    assert_eq!(
        verdict_from(&[public, gated], None, false),
        Verdict::NeedsCredentials
    );
}

#[test]
fn every_verdict_serializes_as_its_documented_name() {
    let all = [
        Verdict::FreshEverywhere,
        Verdict::FreshAtOriginStaleAtCdn,
        Verdict::StaleReplica,
        Verdict::Unchanged,
        Verdict::RegeneratedSameContent,
        Verdict::HtmlFreshRscStale,
        Verdict::NotFound,
        Verdict::Dynamic,
        Verdict::DevServer,
        Verdict::Broken,
        Verdict::BrokenByRevalidation,
        Verdict::NeedsCredentials,
        Verdict::Redirects,
        Verdict::Soft404,
        Verdict::CouldNotTell,
    ];
    for v in all {
        assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
    }
}

/// Issue 27, item 8: after a tag revalidation an origin may answer STALE
/// with content newer than before (its data cache was refreshed for
/// another page) and render again behind it. That answer is not the
/// origin's page; the render after it is.
#[test]
fn a_stale_answer_with_new_content_is_not_the_origins_page() {
    let mut o1 = watched(O1);
    see(
        &mut o1,
        &origin_answer(O1, "STALE", "\"newer\""),
        TargetKind::Tag,
    );
    assert_eq!(o1.fresh_after_ms, None, "STALE is not settled");
    assert_eq!(o1.settled, None, "and polling goes on");
    see(
        &mut o1,
        &origin_answer(O1, "HIT", "\"newest\""),
        TargetKind::Tag,
    );
    assert!(o1.fresh_after_ms.is_some());
    assert_eq!(o1.after, Some(fp("\"newest\"")));
}
