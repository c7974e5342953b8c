use super::*;
use crate::model::cache_headers::{self, HeaderList};
use crate::model::fingerprint::natural_cmp;
use regex::Regex;

/// One read: `status`, these headers, a body with `marker` as its
/// render-time `<meta>` (none when empty).
fn read(layer: LayerKind, status: u16, headers: &[(&str, &str)], marker: &str) -> Observation {
    let list = HeaderList::from_pairs(headers.iter().copied());
    let re = Regex::new(r#"at" content="([^"]+)""#).unwrap();
    let body = format!(r#"<meta name="at" content="{marker}">"#);
    let url = match layer {
        LayerKind::Origin { index } => format!("http://10.0.0.{index}:3000/p"),
        LayerKind::CacheBusted => "https://shop.example/p?nxtPisrctl=1".to_string(),
        _ => "https://shop.example/p".to_string(),
    };
    Observation {
        layer,
        label: layer.label(),
        url,
        status: Some(status),
        redirect: list.first("location").map(str::to_string),
        cache: Some(cache_headers::interpret(&list, None)),
        fingerprint: Some(crate::model::fingerprint::Fingerprint::of(
            &list,
            body.as_bytes(),
            false,
            (!marker.is_empty()).then_some(&re),
        )),
        kind: Some(PageKind::of(status, &list, false)),
        ttfb_ms: None,
        total_ms: None,
        error: None,
        headers: Vec::new(),
    }
}

const ISR: &[(&str, &str)] = &[
    ("x-nextjs-cache", "HIT"),
    (
        "cache-control",
        "s-maxage=3600, stale-while-revalidate=31532400",
    ),
];
const ISR_MISS: &[(&str, &str)] = &[
    ("x-nextjs-cache", "MISS"),
    (
        "cache-control",
        "s-maxage=3600, stale-while-revalidate=31532400",
    ),
];
const ISR_STALE: &[(&str, &str)] = &[
    ("x-nextjs-cache", "STALE"),
    (
        "cache-control",
        "s-maxage=3600, stale-while-revalidate=31532400",
    ),
];
const VARNISH_HIT: &[(&str, &str)] = &[("x-varnish", "5 3"), ("age", "90"), ("x-cache", "HIT")];

fn origin(index: usize, status: u16, headers: &[(&str, &str)], marker: &str) -> Observation {
    read(LayerKind::Origin { index }, status, headers, marker)
}

fn public(status: u16, headers: &[(&str, &str)], marker: &str) -> Observation {
    read(LayerKind::Public, status, headers, marker)
}

fn judged(reads: &[Observation]) -> Judgement {
    judge(reads, CacheTopology::Unknown)
}

#[test]
fn the_same_page_everywhere_agrees() {
    let j = judged(&[
        public(200, VARNISH_HIT, "1"),
        origin(1, 200, ISR, "1"),
        origin(2, 200, ISR, "1"),
    ]);
    assert_eq!((j.origins, j.cdn), (Origins::Serve, Public::Same));
}

#[test]
fn an_old_copy_at_the_cdn_is_stale_old_content() {
    let j = judged(&[public(200, VARNISH_HIT, "1"), origin(1, 200, ISR, "2")]);
    assert_eq!(
        j.cdn,
        Public::Stale {
            copy: StaleCopy::OldContent
        }
    );
}

#[test]
fn status_is_compared_a_deleted_page_a_cached_404_and_a_stored_redirect() {
    let deleted = judged(&[public(200, VARNISH_HIT, "1"), origin(1, 404, ISR, "")]);
    assert_eq!(deleted.origins, Origins::Missing);
    assert_eq!(
        deleted.cdn,
        Public::Stale {
            copy: StaleCopy::DeletedPageServed
        }
    );
    let cached_404 = judged(&[public(404, VARNISH_HIT, ""), origin(1, 200, ISR, "1")]);
    assert_eq!(
        cached_404.cdn,
        Public::Stale {
            copy: StaleCopy::CachedNotFound
        }
    );
    let redirect = [
        ("location", "/p?_rsc=abc12"),
        ("x-varnish", "7 3"),
        ("age", "4"),
    ];
    let stored_307 = judged(&[public(307, &redirect, ""), origin(1, 200, ISR, "1")]);
    assert_eq!(
        stored_307.cdn,
        Public::Stale {
            copy: StaleCopy::CachedRedirect
        }
    );
    let cached_500 = judged(&[public(500, VARNISH_HIT, ""), origin(1, 200, ISR, "1")]);
    assert_eq!(
        cached_500.cdn,
        Public::Stale {
            copy: StaleCopy::CachedError
        }
    );
}

#[test]
fn the_public_copy_is_judged_against_every_origin_not_the_first() {
    let j = judged(&[
        public(200, VARNISH_HIT, "2"),
        origin(1, 200, ISR, "1"),
        origin(2, 200, ISR, "2"),
    ]);
    assert_eq!(
        j.origins,
        Origins::ReplicasDiffer {
            behind: vec![1],
            topology: CacheTopology::Unknown
        }
    );
    assert_eq!(j.cdn, Public::Same);
}

#[test]
fn replicas_without_an_order_name_no_one_behind() {
    let j = judged(&[origin(1, 200, ISR, "red"), origin(2, 200, ISR, "blue")]);
    assert_eq!(
        j.origins,
        Origins::ReplicasDiffer {
            behind: vec![],
            topology: CacheTopology::Unknown
        }
    );
}

#[test]
fn a_stale_answer_is_not_a_settled_page_and_the_cdn_is_not_judged_on_it() {
    let j = judged(&[
        public(200, VARNISH_HIT, "1"),
        origin(1, 200, ISR_STALE, "1"),
    ]);
    assert_eq!(j.origins, Origins::NotSettled { origin: 1 });
    assert_eq!(j.cdn, Public::NotJudged);
    // Read again after the render behind it: the new page is the origin's.
    let j = judged(&[
        public(200, VARNISH_HIT, "1"),
        origin(1, 200, ISR_STALE, "1"),
        origin(1, 200, ISR, "2"),
    ]);
    assert_eq!(
        (j.origins, j.cdn),
        (
            Origins::Serve,
            Public::Stale {
                copy: StaleCopy::OldContent
            }
        )
    );
}

#[test]
fn two_reads_of_one_origin_that_differ_are_a_render_per_request() {
    let reads = [
        origin(1, 200, ISR_MISS, "1"),
        origin(2, 200, ISR_MISS, "2"),
        origin(1, 200, ISR_MISS, "3"),
    ];
    let j = judge(&reads, CacheTopology::Shared);
    assert_eq!(
        j.origins,
        Origins::RendersPerRequest {
            origin: 1,
            why: PerRequest::NotCaching
        }
    );
    assert_eq!(j.cdn, Public::NotJudged);
    let dynamic = [(
        "cache-control",
        "private, no-cache, no-store, max-age=0, must-revalidate",
    )];
    let j = judged(&[origin(1, 200, &dynamic, "1")]);
    assert_eq!(
        j.origins,
        Origins::RendersPerRequest {
            origin: 1,
            why: PerRequest::Dynamic
        }
    );
}

#[test]
fn replicas_that_hold_on_a_second_read_are_replicas() {
    let reads = [
        origin(1, 200, ISR, "1"),
        origin(2, 200, ISR, "2"),
        origin(1, 200, ISR, "1"),
        origin(2, 200, ISR, "2"),
    ];
    let j = judge(&reads, CacheTopology::Shared);
    assert_eq!(
        j.origins,
        Origins::ReplicasDiffer {
            behind: vec![1],
            topology: CacheTopology::Shared
        }
    );
}

#[test]
fn redirects_end_in_a_finding() {
    let to_itself = [("location", "/p")];
    let j = judged(&[
        public(307, &to_itself, ""),
        origin(1, 307, &to_itself, ""),
        origin(2, 307, &to_itself, ""),
    ]);
    assert_eq!(
        j.origins,
        Origins::RedirectLoop {
            location: "/p".into()
        }
    );
    assert_eq!(
        j.cdn,
        Public::Same,
        "the same redirect at the CDN and the origins"
    );
    let to_locale = [("location", "/en/p")];
    let j = judged(&[public(307, &to_locale, ""), origin(1, 307, &to_locale, "")]);
    assert_eq!(
        j.origins,
        Origins::Redirect {
            location: "/en/p".into()
        }
    );
}

#[test]
fn without_origins_a_cache_busted_miss_stands_for_the_origin_and_a_hit_decides_nothing() {
    let busted_miss = read(
        LayerKind::CacheBusted,
        200,
        &[("x-cache", "MISS"), ("age", "0")],
        "2",
    );
    let j = judged(&[public(200, VARNISH_HIT, "1"), busted_miss]);
    assert_eq!(
        j.cdn,
        Public::Stale {
            copy: StaleCopy::OldContent
        }
    );
    let busted_hit = read(LayerKind::CacheBusted, 200, VARNISH_HIT, "1");
    let j = judged(&[public(200, VARNISH_HIT, "1"), busted_hit]);
    assert_eq!((j.origins, j.cdn), (Origins::Unseen, Public::Undecided));
    // No cache header anywhere, two pages: instances answering in turn.
    let j = judged(&[
        public(200, &[], "1"),
        read(LayerKind::CacheBusted, 200, &[], "2"),
    ]);
    assert_eq!(j.cdn, Public::InstancesInTurn);
}

#[test]
fn an_origin_without_an_answer_leaves_the_cdn_unjudged() {
    let mut down = origin(2, 200, ISR, "1");
    down.status = None;
    down.error = Some("connection refused".into());
    let j = judged(&[
        public(200, VARNISH_HIT, "1"),
        origin(1, 200, ISR, "1"),
        down,
    ]);
    assert_eq!(
        (j.origins, j.cdn),
        (Origins::NoAnswer { origin: 2 }, Public::NotJudged)
    );
}

#[test]
fn markers_compare_number_by_number_up_to_their_first_difference() {
    assert_eq!(natural_cmp("1-100", "0-999"), Some(Ordering::Greater));
    assert_eq!(
        natural_cmp("2026-01-02T10:00:00Z", "2026-01-02T09:59:59Z"),
        Some(Ordering::Greater)
    );
    assert_eq!(natural_cmp("v10", "v9"), Some(Ordering::Greater));
    assert_eq!(natural_cmp("abc", "abd"), None);
    assert_eq!(natural_cmp("1-2", "1.2"), None);
    // A render time then a random nonce (the testbed's marker): the time
    // decides, whatever shape the nonces have.
    assert_eq!(
        natural_cmp(
            "2026-11-24T03:02:04.441Z 910x2q3p",
            "2026-11-24T03:00:59.099Z t5qj8pni"
        ),
        Some(Ordering::Greater)
    );
    assert_eq!(
        natural_cmp("2026-01-02T10:00:00Z ab", "2026-01-02T10:00:00Z 9c"),
        None
    );
    assert_eq!(natural_cmp("7 x", "7 x"), Some(Ordering::Equal));
}
