//! Fixtures: headers as each CDN sends them (hit, miss, stale, revalidated),
//! including duplicates and odd casing, and what a user should read from them.

use super::*;

fn read(pairs: &[(&str, &str)]) -> CacheReport {
    interpret(&HeaderList::from_pairs(pairs.iter().copied()), None)
}

/// What `next start` sends for a prerendered ISR page (measured on the testbed; DEVELOPING.md, "Testbed").
const NEXT: [(&str, &str); 4] = [
    ("x-nextjs-prerender", "1"),
    ("x-nextjs-prerender", "1"),
    ("x-nextjs-stale-time", "300"),
    (
        "Cache-Control",
        "s-maxage=3600, stale-while-revalidate=31532400",
    ),
];

fn with_next<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = NEXT.to_vec();
    all.extend_from_slice(extra);
    all
}

#[test]
fn nextjs_alone_reports_its_isr_state_and_s_maxage() {
    for (value, state) in [
        ("HIT", CacheState::Hit),
        ("MISS", CacheState::Miss),
        ("STALE", CacheState::Stale),
        ("REVALIDATED", CacheState::Revalidated),
    ] {
        let r = read(&with_next(&[("x-nextjs-cache", value)]));
        assert_eq!(r.nextjs, Some(state), "{value}");
        assert_eq!(r.edge, None, "no CDN in front: {r:?}");
        assert_eq!(r.cdn, None);
    }
    let r = read(&with_next(&[("x-nextjs-cache", "HIT")]));
    let ttl = r.ttl.unwrap();
    assert_eq!((ttl.seconds, ttl.source), (3600, TtlSource::SMaxage));
    assert_eq!(ttl.directive, "s-maxage=3600");
    assert_eq!(r.stale_while_revalidate, Some(31532400));
}

#[test]
fn vercel_states() {
    for (value, state) in [
        ("HIT", CacheState::Hit),
        ("MISS", CacheState::Miss),
        ("STALE", CacheState::Stale),
        ("PRERENDER", CacheState::Hit),
        ("REVALIDATED", CacheState::Revalidated),
        ("BYPASS", CacheState::Bypass),
    ] {
        let r = read(&[
            ("x-vercel-cache", value),
            ("x-vercel-id", "fra1::iad1::abcd"),
            ("server", "Vercel"),
            ("age", "12"),
        ]);
        assert_eq!(r.cdn, Some(Cdn::Vercel));
        assert_eq!(r.edge, Some(state), "{value}");
        assert_eq!(r.age, Some(12));
    }
}

#[test]
fn vercel_targeted_cdn_cache_control_wins_over_cache_control() {
    let r = read(&[
        ("x-vercel-cache", "HIT"),
        ("vercel-cdn-cache-control", "max-age=120"),
        ("cdn-cache-control", "max-age=60"),
        ("cache-control", "public, max-age=0, must-revalidate"),
    ]);
    let ttl = r.ttl.unwrap();
    assert_eq!((ttl.seconds, ttl.source), (120, TtlSource::Targeted));
}

#[test]
fn cloudflare_states() {
    for (value, state) in [
        ("HIT", CacheState::Hit),
        ("MISS", CacheState::Miss),
        ("EXPIRED", CacheState::Expired),
        ("STALE", CacheState::Stale),
        ("UPDATING", CacheState::Stale),
        ("REVALIDATED", CacheState::Revalidated),
        ("BYPASS", CacheState::Bypass),
        ("DYNAMIC", CacheState::Dynamic),
        ("NONE", CacheState::Dynamic),
    ] {
        let r = read(&[
            ("cf-cache-status", value),
            ("cf-ray", "8a1b2c3d4e5f6789-FRA"),
            ("server", "cloudflare"),
        ]);
        assert_eq!(r.cdn, Some(Cdn::Cloudflare));
        assert_eq!(r.edge, Some(state), "{value}");
    }
}

#[test]
fn cloudflare_cdn_cache_control_sets_the_ttl_over_s_maxage() {
    let r = read(&with_next(&[
        ("cf-cache-status", "HIT"),
        ("CDN-Cache-Control", "max-age=600"),
        ("age", "100"),
    ]));
    let ttl = r.ttl.unwrap();
    assert_eq!((ttl.seconds, ttl.source), (600, TtlSource::CdnCacheControl));
    assert_eq!(ttl.directive, "cdn-cache-control: max-age=600");
    assert_eq!(r.remaining, Some(500));
    let targeted = read(&[
        ("cf-cache-status", "HIT"),
        ("cloudflare-cdn-cache-control", "max-age=30"),
        ("cdn-cache-control", "max-age=600"),
    ]);
    assert_eq!(targeted.ttl.unwrap().source, TtlSource::Targeted);
}

#[test]
fn fastly_reads_the_last_node_and_treats_an_overdue_hit_as_stale() {
    let base = [
        (
            "x-served-by",
            "cache-iad-kiad7000025-IAD, cache-fra-eddf8230033-FRA",
        ),
        ("x-cache-hits", "0, 3"),
        ("via", "1.1 varnish, 1.1 varnish"),
        ("surrogate-control", "max-age=600"),
    ];
    for (x_cache, age, state) in [
        ("MISS, HIT", "30", CacheState::Hit),
        ("MISS, MISS", "0", CacheState::Miss),
        ("HIT, HIT", "900", CacheState::Stale),
    ] {
        let mut h = base.to_vec();
        h.push(("x-cache", x_cache));
        h.push(("age", age));
        let r = read(&h);
        assert_eq!(
            r.cdn,
            Some(Cdn::Fastly),
            "Via says varnish, but it is Fastly"
        );
        assert_eq!(r.edge, Some(state), "{x_cache} age {age}");
        assert_eq!(r.ttl.as_ref().unwrap().source, TtlSource::SurrogateControl);
    }
    let stale = read(&[
        ("x-served-by", "cache-fra-eddf8230033-FRA"),
        ("x-cache", "HIT"),
        ("age", "900"),
        ("surrogate-control", "max-age=600"),
    ]);
    assert!(
        stale.notes.iter().any(|n| n.contains("past its TTL")),
        "{:?}",
        stale.notes
    );
    assert_eq!(stale.remaining, Some(-300));
}

#[test]
fn fastly_x_cache_as_two_header_lines_reads_like_one() {
    let r = read(&[
        ("x-served-by", "cache-iad-1, cache-fra-2"),
        ("X-Cache", "HIT"),
        ("x-cache", "MISS"),
    ]);
    assert_eq!(r.edge, Some(CacheState::Miss), "the last node is the edge");
}

#[test]
fn cloudfront_states() {
    for (value, state) in [
        ("Hit from cloudfront", CacheState::Hit),
        ("RefreshHit from cloudfront", CacheState::Revalidated),
        ("Miss from cloudfront", CacheState::Miss),
        ("Error from cloudfront", CacheState::Error),
    ] {
        let r = read(&[
            ("x-cache", value),
            ("via", "1.1 0a1b2c3d.cloudfront.net (CloudFront)"),
            ("x-amz-cf-pop", "FRA56-P1"),
            ("x-amz-cf-id", "abc=="),
        ]);
        assert_eq!(r.cdn, Some(Cdn::Cloudfront));
        assert_eq!(r.edge, Some(state), "{value}");
    }
}

#[test]
fn akamai_states() {
    for (value, state) in [
        (
            "TCP_HIT from a23-45-67-89.deploy.akamaitechnologies.com",
            CacheState::Hit,
        ),
        ("TCP_MEM_HIT from a1", CacheState::Hit),
        ("TCP_MISS from a1", CacheState::Miss),
        ("TCP_REFRESH_HIT from a1", CacheState::Revalidated),
        ("TCP_REFRESH_MISS from a1", CacheState::Expired),
        ("TCP_REFRESH_FAIL_HIT from a1", CacheState::Stale),
        ("TCP_DENIED from a1", CacheState::Error),
    ] {
        let r = read(&[("X-Cache", value), ("x-cache-key", "S/L/1/…")]);
        assert_eq!(r.cdn, Some(Cdn::Akamai), "{value}");
        assert_eq!(r.edge, Some(state), "{value}");
    }
}

#[test]
fn varnish_two_ids_mean_a_hit() {
    let hit = read(&[
        ("x-varnish", "32770 3"),
        ("via", "1.1 varnish (Varnish/7.5)"),
        ("age", "1800"),
        ("cache-control", "s-maxage=3600"),
    ]);
    assert_eq!(hit.cdn, Some(Cdn::Varnish));
    assert_eq!(hit.edge, Some(CacheState::Hit));
    assert_eq!(hit.remaining, Some(1800));
    let miss = read(&[
        ("x-varnish", "32773"),
        ("via", "1.1 varnish (Varnish/7.5)"),
        ("age", "0"),
    ]);
    assert_eq!(miss.edge, Some(CacheState::Miss));
}

#[test]
fn varnish_vcl_x_cache_is_read_and_cross_checked_with_x_varnish() {
    for (x_cache, state) in [
        ("HIT", CacheState::Hit),
        ("MISS", CacheState::Miss),
        ("HIT (3)", CacheState::Hit),
        ("hit-for-pass", CacheState::Bypass),
        ("STALE", CacheState::Stale),
    ] {
        let r = read(&[("x-varnish", "5 2"), ("x-cache", x_cache)]);
        assert_eq!(r.cdn, Some(Cdn::Varnish));
        assert_eq!(r.edge, Some(state), "{x_cache}");
    }
    let conflict = read(&[("x-varnish", "5 2"), ("x-cache", "MISS")]);
    assert!(
        conflict
            .notes
            .iter()
            .any(|n| n.contains("headers disagree")),
        "{:?}",
        conflict.notes
    );
}

#[test]
fn nginx_upstream_cache_status() {
    for (value, state) in [
        ("HIT", CacheState::Hit),
        ("MISS", CacheState::Miss),
        ("EXPIRED", CacheState::Expired),
        ("STALE", CacheState::Stale),
        ("UPDATING", CacheState::Stale),
        ("REVALIDATED", CacheState::Revalidated),
        ("BYPASS", CacheState::Bypass),
    ] {
        let r = read(&[("X-Cache-Status", value), ("server", "nginx/1.27.0")]);
        assert_eq!(r.cdn, Some(Cdn::Nginx));
        assert_eq!(r.edge, Some(state), "{value}");
    }
}

#[test]
fn rfc9211_cache_status_last_member_is_the_edge() {
    for (value, state) in [
        (
            "OriginCache; hit, ExampleCDN; hit; ttl=300",
            CacheState::Hit,
        ),
        ("ExampleCDN; hit; ttl=-20", CacheState::Stale),
        ("ExampleCDN; fwd=uri-miss; stored", CacheState::Miss),
        (
            "ExampleCDN; fwd=stale; fwd-status=304",
            CacheState::Revalidated,
        ),
        ("ExampleCDN; fwd=stale; fwd-status=200", CacheState::Expired),
        ("ExampleCDN; fwd=bypass", CacheState::Bypass),
        ("ExampleCDN; hit, Edge; fwd=miss", CacheState::Miss),
    ] {
        let r = read(&[("Cache-Status", value)]);
        assert_eq!(r.cdn, Some(Cdn::Generic));
        assert_eq!(r.edge, Some(state), "{value}");
    }
}

#[test]
fn duplicate_headers_and_odd_casing_are_tolerated() {
    let r = read(&[
        ("AGE", "10"),
        ("age", "25"),
        ("Cache-Control", "public"),
        ("CACHE-CONTROL", "S-MaxAge=60"),
        ("cache-control", "s-maxage=3600"),
        ("X-NextJS-Cache", "hit"),
        ("CF-Cache-Status", "hit"),
    ]);
    assert_eq!(
        r.age,
        Some(25),
        "the copy is at least as old as the largest Age"
    );
    assert!(r.notes.iter().any(|n| n.contains("Age values")));
    let ttl = r.ttl.unwrap();
    assert_eq!(ttl.seconds, 60, "the first s-maxage counts (RFC 9111)");
    assert!(r.notes.iter().any(|n| n.contains("more than once")));
    assert_eq!(r.nextjs, Some(CacheState::Hit));
    assert_eq!(r.edge, Some(CacheState::Hit));
}

#[test]
fn private_or_no_store_means_a_shared_cache_keeps_nothing() {
    let r = read(&[(
        "cache-control",
        "private, no-cache, no-store, max-age=0, must-revalidate",
    )]);
    let ttl = r.ttl.unwrap();
    assert_eq!((ttl.seconds, ttl.source), (0, TtlSource::NotCacheable));
    let cdn_only = read(&[
        ("cdn-cache-control", "no-store"),
        ("cache-control", "s-maxage=3600"),
    ]);
    assert_eq!(cdn_only.ttl.unwrap().source, TtlSource::NotCacheable);
}

#[test]
fn a_miss_with_an_age_and_age_without_status_are_explained() {
    let r = read(&[("x-cache", "MISS"), ("age", "40")]);
    assert_eq!(r.edge, Some(CacheState::Miss));
    assert!(
        r.notes.iter().any(|n| n.contains("shield")),
        "{:?}",
        r.notes
    );
    let only_age = read(&[("age", "40"), ("cache-control", "max-age=60")]);
    assert_eq!(only_age.cdn, Some(Cdn::Generic));
    assert_eq!(only_age.edge, Some(CacheState::Hit));
    assert_eq!(only_age.remaining, Some(20));
}

#[test]
fn configured_cdn_wins_and_a_mismatch_is_noted() {
    let h = HeaderList::from_pairs([("cf-cache-status", "HIT")]);
    let r = interpret(&h, Some(Cdn::Fastly));
    assert_eq!(r.cdn, Some(Cdn::Fastly));
    assert!(r.notes.iter().any(|n| n.contains("look like Cloudflare")));
    assert_eq!(Cdn::from_config("CloudFront"), Some(Cdn::Cloudfront));
    assert_eq!(Cdn::from_config("nope"), None);
}

#[test]
fn cloudflare_in_front_of_vercel_uses_cloudflares_answer() {
    let r = read(&[
        ("cf-cache-status", "MISS"),
        ("x-vercel-cache", "HIT"),
        ("age", "0"),
    ]);
    assert_eq!(r.cdn, Some(Cdn::Cloudflare));
    assert_eq!(r.edge, Some(CacheState::Miss));
    assert!(r.notes.iter().any(|n| n.contains("disagree")));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const NAMES: &[&str] = &[
        "cache-control",
        "age",
        "x-cache",
        "x-nextjs-cache",
        "cf-cache-status",
        "x-vercel-cache",
        "via",
        "x-served-by",
        "x-cache-hits",
        "x-amz-cf-pop",
        "x-varnish",
        "cdn-cache-control",
        "surrogate-control",
        "expires",
        "date",
        "x-nextjs-stale-time",
        "server",
        "cache-status",
    ];

    proptest! {
        /// Whatever a server sends, interpreting it never panics, and the
        /// numbers it derives agree with each other.
        #[test]
        fn any_headers_are_interpreted_without_panic(
            pairs in proptest::collection::vec((0..NAMES.len(), ".{0,60}"), 0..12),
        ) {
            let pairs: Vec<(&str, &str)> =
                pairs.iter().map(|(n, v)| (NAMES[*n], v.as_str())).collect();
            let report = interpret(&HeaderList::from_pairs(pairs), None);
            if let (Some(ttl), Some(age), Some(remaining)) = (&report.ttl, report.age, report.remaining) {
                prop_assert_eq!(remaining, ttl.seconds as i64 - age as i64);
            }
        }
    }
}

#[test]
fn each_cdn_is_written_in_the_config_as_the_config_reads_it() {
    use Cdn::*;
    for cdn in [
        Vercel, Cloudflare, Fastly, Cloudfront, Akamai, Varnish, Nginx, Generic,
    ] {
        assert_eq!(Cdn::from_config(cdn.config_name()), Some(cdn));
    }
}

#[test]
fn netlify_is_recognised_with_its_durable_cache_said_apart() {
    let r = read(&[
        (
            "Cache-Status",
            "\"Netlify Durable\"; hit; ttl=-12, \"Netlify Edge\"; fwd=miss",
        ),
        (
            "Netlify-CDN-Cache-Control",
            "public, durable, s-maxage=3600, stale-while-revalidate=60",
        ),
        ("Cache-Control", "public, max-age=0, must-revalidate"),
    ]);
    assert_eq!(r.cdn, Some(Cdn::Netlify));
    assert_eq!(r.edge, Some(CacheState::Miss), "the edge fetched it");
    assert_eq!(
        r.durable,
        Some(CacheState::Stale),
        "from a stale durable copy"
    );
    let ttl = r.ttl.unwrap();
    assert_eq!((ttl.seconds, ttl.source), (3600, TtlSource::Targeted));
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("Netlify Durable serves a stale copy")),
        "{:?}",
        r.notes
    );
    let plain = read(&[("Cache-Status", "\"Netlify Edge\"; hit")]);
    assert_eq!((plain.edge, plain.durable), (Some(CacheState::Hit), None));
}

#[test]
fn an_adapters_cache_header_stands_for_nexts_and_its_absence_is_said() {
    let r = read(&[
        ("x-opennext-cache", "STALE"),
        (
            "cache-control",
            "s-maxage=60, stale-while-revalidate=2592000",
        ),
    ]);
    assert_eq!(
        r.nextjs,
        Some(CacheState::Stale),
        "OpenNext's word for the ISR cache"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("behind an adapter: x-opennext-cache: STALE")),
        "{:?}",
        r.notes
    );
    let minimal = read(&[
        ("x-opennext", "1"),
        ("cache-control", "private, no-cache, no-store"),
    ]);
    assert_eq!(minimal.nextjs, None);
    assert!(
        minimal
            .notes
            .iter()
            .any(|n| n.contains("the origin's cache state is not visible")),
        "{:?}",
        minimal.notes
    );
    let kind = crate::model::page_kind::PageKind::of(
        200,
        &HeaderList::from_pairs([
            ("x-opennext", "1"),
            ("cache-control", "private, no-cache, no-store"),
        ]),
        false,
    );
    assert_eq!(
        kind,
        crate::model::page_kind::PageKind::Page,
        "not called dynamic behind an adapter"
    );
}
