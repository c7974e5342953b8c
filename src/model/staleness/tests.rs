use super::*;
use crate::model::config::CacheTopology;

fn at(text: &str) -> Timestamp {
    text.parse().expect("a test instant")
}

fn judged(cdn: Public, origins: Origins) -> Option<Judgement> {
    Some(Judgement { origins, cdn })
}

#[test]
fn a_cdn_serving_what_no_origin_serves_is_stale_whatever_the_dates() {
    let known = Known {
        judgement: judged(
            Public::Stale {
                copy: StaleCopy::OldContent,
            },
            Origins::Serve,
        ),
        ..Known::default()
    };
    assert_eq!(
        reasons(&known),
        vec![Reason::CdnServesOldCopy {
            copy: StaleCopy::OldContent
        }]
    );
}

#[test]
fn a_change_after_the_last_revalidation_is_stale_and_says_when() {
    let known = Known {
        lastmod: Some(at("2026-12-07T10:00:00Z")),
        revalidated: Some(at("2026-12-07T09:00:00Z")),
        judgement: judged(Public::Same, Origins::Serve),
        ..Known::default()
    };
    assert_eq!(
        reasons(&known),
        vec![Reason::NotRevalidatedSinceLastmod {
            last: Some(at("2026-12-07T09:00:00Z"))
        }]
    );
}

#[test]
fn a_revalidation_after_the_change_leaves_nothing_to_say() {
    let known = Known {
        lastmod: Some(at("2026-12-07T10:00:00Z")),
        revalidated: Some(at("2026-12-07T10:05:00Z")),
        judgement: judged(Public::Same, Origins::Serve),
        ..Known::default()
    };
    assert!(reasons(&known).is_empty());
}

#[test]
fn a_cdn_copy_stored_before_the_change_is_older_than_lastmod() {
    let known = Known {
        lastmod: Some(at("2026-12-07T10:00:00Z")),
        revalidated: Some(at("2026-12-07T10:05:00Z")),
        public_stored: Some(at("2026-12-07T08:00:00Z")),
        judgement: judged(Public::Same, Origins::Serve),
        ..Known::default()
    };
    assert_eq!(
        reasons(&known),
        vec![Reason::CdnOlderThanLastmod {
            stored: at("2026-12-07T08:00:00Z")
        }]
    );
}

#[test]
fn a_render_since_the_change_outweighs_a_missing_revalidation() {
    let known = Known {
        lastmod: Some(at("2026-12-07T10:00:00Z")),
        origin_rendered: Some(at("2026-12-07T10:30:00Z")),
        judgement: judged(Public::Same, Origins::Serve),
        ..Known::default()
    };
    assert!(reasons(&known).is_empty());
    assert!(!undated(&known));
}

#[test]
fn a_render_before_the_change_never_revalidated_is_stale_at_the_origin() {
    let known = Known {
        lastmod: Some(at("2026-12-07T10:00:00Z")),
        origin_rendered: Some(at("2026-12-07T09:00:00Z")),
        ..Known::default()
    };
    assert_eq!(
        reasons(&known),
        vec![
            Reason::OriginOlderThanLastmod {
                rendered: at("2026-12-07T09:00:00Z")
            },
            Reason::NotRevalidatedSinceLastmod { last: None },
        ]
    );
}

#[test]
fn nothing_dated_and_never_revalidated_is_undated_not_stale() {
    let known = Known {
        lastmod: Some(at("2026-12-07T10:00:00Z")),
        judgement: judged(Public::Same, Origins::Serve),
        ..Known::default()
    };
    assert!(reasons(&known).is_empty());
    assert!(undated(&known));
}

#[test]
fn replicas_that_differ_are_a_reason_of_their_own() {
    let known = Known {
        judgement: judged(
            Public::Same,
            Origins::ReplicasDiffer {
                behind: vec![2],
                topology: CacheTopology::PerInstance,
            },
        ),
        ..Known::default()
    };
    assert_eq!(reasons(&known), vec![Reason::ReplicasDisagree]);
}

#[test]
fn within_the_clock_slack_a_copy_is_not_older_than_its_change() {
    let known = Known {
        lastmod: Some(at("2026-12-07T10:00:01Z")),
        revalidated: Some(at("2026-12-07T10:00:00Z")),
        public_stored: Some(at("2026-12-07T10:00:00Z")),
        ..Known::default()
    };
    assert!(reasons(&known).is_empty());
}

#[test]
fn lastmod_reads_the_w3c_forms_sitemaps_use() {
    assert_eq!(
        parse_lastmod("2026-12-07T10:00:00.123Z"),
        Some(at("2026-12-07T10:00:00.123Z"))
    );
    assert_eq!(
        parse_lastmod("2026-12-07T11:00:00+01:00"),
        Some(at("2026-12-07T10:00:00Z"))
    );
    assert_eq!(
        parse_lastmod("2026-12-07"),
        Some(at("2026-12-07T00:00:00Z"))
    );
    assert_eq!(parse_lastmod("yesterday"), None);
    assert_eq!(parse_lastmod(""), None);
}

#[test]
fn a_marker_that_starts_with_a_time_dates_the_render() {
    assert_eq!(
        marker_time("2026-12-07T10:00:00.000Z k3j4h5"),
        Some(at("2026-12-07T10:00:00Z"))
    );
    assert_eq!(marker_time("v42"), None);
}
