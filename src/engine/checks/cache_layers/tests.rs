use super::*;
use crate::model::cache_headers::{self, HeaderList};
use crate::model::fingerprint::Fingerprint;
use regex::Regex;

fn layer(kind: LayerKind, headers: &[(&str, &str)], body: &str) -> Observation {
    let list = HeaderList::from_pairs(headers.iter().copied());
    let marker = Regex::new(r#"rendered-at" content="([^"]+)""#).unwrap();
    Observation {
        layer: kind,
        label: kind.label(),
        url: format!("http://x/{}", kind.label()),
        status: Some(200),
        redirect: None,
        cache: Some(cache_headers::interpret(&list, None)),
        fingerprint: Some(Fingerprint::of(
            &list,
            body.as_bytes(),
            false,
            Some(&marker),
        )),
        kind: Some(crate::model::page_kind::PageKind::of(200, &list, false)),
        ttfb_ms: Some(3),
        total_ms: Some(4),
        error: None,
        headers: Vec::new(),
    }
}

fn page(marker: &str) -> String {
    format!(r#"<meta name="rendered-at" content="{marker}">"#)
}

const NEXT_HIT: [(&str, &str); 2] = [
    ("x-nextjs-cache", "HIT"),
    (
        "cache-control",
        "s-maxage=3600, stale-while-revalidate=31532400",
    ),
];

fn varnish_hit(age: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut h = NEXT_HIT.to_vec();
    h.extend([
        ("x-varnish", "32770 3"),
        ("via", "1.1 varnish"),
        ("age", age),
    ]);
    h
}

fn findings_of(probes: &[Observation]) -> Vec<Finding> {
    findings(probes, CacheTopology::Unknown)
}

fn problems(findings: &[Finding]) -> Vec<&str> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Problem)
        .map(|f| f.title.as_str())
        .collect()
}

#[test]
fn a_cdn_copy_older_than_the_origin_says_how_old_and_how_much_longer() {
    let probes = [
        layer(LayerKind::Public, &varnish_hit("1800"), &page("old")),
        layer(LayerKind::Origin { index: 1 }, &NEXT_HIT, &page("new")),
    ];
    let f = findings_of(&probes);
    let [title] = problems(&f)[..] else {
        panic!("one problem: {f:?}")
    };
    // Words first, then the clock time it ends (in the operator's zone),
    // then the exact numbers.
    let title = regex::Regex::new(r"until \d\d:\d\d \S+ ")
        .unwrap()
        .replace(title, "until HH:MM ZONE ");
    assert_eq!(
        title,
        "the CDN serves a copy 30 min old and may keep it 30 min more, until HH:MM ZONE (age 1,800 s of s-maxage=3600)"
    );
    let stale = f.iter().find(|f| f.severity == Severity::Problem).unwrap();
    assert_eq!(stale.remaining_s, Some(1800), "the number beside the words");
    assert!(
        stale
            .fix
            .as_deref()
            .unwrap()
            .contains("purge http://x/public")
    );
    assert!(f[0].title.contains("Varnish HIT"), "{}", f[0].title);
}

#[test]
fn the_same_page_everywhere_is_ok() {
    let probes = [
        layer(LayerKind::Public, &varnish_hit("20"), &page("v1")),
        layer(LayerKind::Origin { index: 1 }, &NEXT_HIT, &page("v1")),
    ];
    let f = findings_of(&probes);
    assert!(problems(&f).is_empty(), "{f:?}");
    assert!(
        f.last()
            .unwrap()
            .title
            .starts_with("the CDN serves the same page as origin 1")
    );
}

#[test]
fn the_origin_instance_with_the_older_marker_is_named_stale() {
    let probes = [
        layer(LayerKind::Public, &NEXT_HIT, &page("1-1767225600999")),
        layer(
            LayerKind::Origin { index: 1 },
            &NEXT_HIT,
            &page("1-1767225600999"),
        ),
        layer(
            LayerKind::Origin { index: 2 },
            &NEXT_HIT,
            &page("0-1767225600000"),
        ),
    ];
    let f = findings_of(&probes);
    assert_eq!(
        problems(&f),
        vec!["origin 2 still serves the old page: the ISR cache is per instance"]
    );
}

#[test]
fn without_markers_nothing_tells_which_instance_is_older_so_none_is_named() {
    // Two of three agreeing says nothing of age: two instances may both
    // have missed the revalidation the third received.
    let etag = |e: &'static str| vec![("etag", e)];
    let three = [
        layer(LayerKind::Origin { index: 1 }, &etag("\"a\""), "a"),
        layer(LayerKind::Origin { index: 2 }, &etag("\"b\""), "b"),
        layer(LayerKind::Origin { index: 3 }, &etag("\"a\""), "a"),
    ];
    assert_eq!(
        problems(&findings_of(&three)),
        vec!["origin instances disagree: the ISR cache is per instance"]
    );
    let two = [
        layer(LayerKind::Origin { index: 1 }, &etag("\"a\""), "a"),
        layer(LayerKind::Origin { index: 2 }, &etag("\"b\""), "b"),
    ];
    assert_eq!(
        problems(&findings_of(&two)),
        vec!["origin instances disagree: the ISR cache is per instance"]
    );
}

#[test]
fn a_cache_busted_hit_warns_and_is_not_used_as_the_origin_view() {
    let probes = [
        layer(LayerKind::Public, &varnish_hit("5"), &page("old")),
        layer(LayerKind::CacheBusted, &varnish_hit("5"), &page("old")),
    ];
    let f = findings_of(&probes);
    assert!(
        f.iter().any(
            |f| f.severity == Severity::Warning && f.title.contains("ignores the query string")
        )
    );
    assert!(f.iter().any(|f| f.severity == Severity::CouldNotCheck));
}

#[test]
fn a_failed_layer_is_a_problem() {
    let mut down = layer(LayerKind::Origin { index: 1 }, &NEXT_HIT, "x");
    down.status = None;
    down.error = Some("the connection was refused".into());
    let f = findings_of(&[down]);
    assert_eq!(f[0].severity, Severity::Problem);
    assert!(f[0].title.contains("no answer: the connection was refused"));
}

#[test]
fn a_body_that_failed_after_the_headers_is_a_failed_layer() {
    let mut cut = layer(LayerKind::Public, &NEXT_HIT, "x");
    cut.fingerprint = None;
    cut.error = Some("the connection broke before a complete answer".into());
    let f = layer_finding(&cut);
    assert_eq!(f.severity, Severity::Problem);
    assert!(
        f.title.contains("200, but the body did not arrive whole"),
        "{}",
        f.title
    );
}

#[test]
fn a_page_that_answers_404_everywhere_does_not_exist() {
    let gone: Vec<Observation> = [LayerKind::Public, LayerKind::Origin { index: 1 }]
        .into_iter()
        .map(|kind| {
            let mut l = layer(kind, &[], "Not found");
            l.status = Some(404);
            l
        })
        .collect();
    let c = conclusions(&gone, CacheTopology::Unknown).1;
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].title,
        "this page does not exist: every layer answers 404"
    );
    assert!(!c[0].title.contains("marker"));
}

#[test]
fn a_redirect_to_the_locale_prefixed_page_is_named_so() {
    let redirect = |kind: LayerKind, to: &'static str| {
        let mut l = layer(kind, &[("location", to)], "");
        l.status = Some(307);
        l.redirect = Some(to.to_string());
        l.url = "http://10.0.0.1:3000/produkte/mug".into();
        l
    };
    let localized = [
        redirect(LayerKind::Origin { index: 1 }, "/de/produkte/mug"),
        redirect(LayerKind::Origin { index: 2 }, "/de/produkte/mug"),
    ];
    let found = conclusions(&localized, CacheTopology::Unknown).1;
    let f = found
        .iter()
        .find(|f| {
            f.title
                .starts_with("the page redirects to /de/produkte/mug")
        })
        .unwrap_or_else(|| panic!("{found:?}"));
    assert!(
        f.title.contains("its locale-prefixed path (de)"),
        "{}",
        f.title
    );
    assert!(f.fix.as_deref().unwrap().contains("default locale only"));
    let elsewhere = [redirect(LayerKind::Origin { index: 1 }, "/login")];
    let found = conclusions(&elsewhere, CacheTopology::Unknown).1;
    assert!(
        found.iter().any(|f| f.title == "the page redirects to /login at every origin: there is nothing to revalidate at this path"),
        "{found:?}"
    );
}

#[test]
fn a_stale_copy_in_netlifys_durable_cache_is_its_own_finding() {
    let durable = [
        (
            "cache-status",
            "\"Netlify Durable\"; hit, \"Netlify Edge\"; fwd=miss",
        ),
        (
            "netlify-cdn-cache-control",
            "public, durable, s-maxage=3600",
        ),
        ("age", "120"),
    ];
    let probes = [
        layer(LayerKind::Origin { index: 1 }, &NEXT_HIT, &page("new")),
        layer(LayerKind::Public, &durable, &page("old")),
    ];
    let found = findings_of(&probes);
    let titles = problems(&found);
    assert!(
        titles
            .iter()
            .any(|t| t
                .starts_with("stale in Netlify's durable cache: the CDN serves a copy 2 min old")),
        "{titles:#?}"
    );
    // The same copy from the edge alone is an ordinary stale copy.
    let edge_only = [("cache-status", "\"Netlify Edge\"; hit"), ("age", "120")];
    let probes = [
        layer(LayerKind::Origin { index: 1 }, &NEXT_HIT, &page("new")),
        layer(LayerKind::Public, &edge_only, &page("old")),
    ];
    let found = findings_of(&probes);
    assert!(problems(&found).iter().all(|t| !t.contains("durable")));
}
