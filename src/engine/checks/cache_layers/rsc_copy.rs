//! The page's RSC payload as a layer of its own: a client-side navigation
//! fetches it (`RSC: 1`, `?_rsc…`), and a CDN that keys it apart from the
//! HTML can keep an old one after the HTML was purged — or, keyed without
//! the RSC header, serve one in place of the other (RSC poisoning).

use super::{CHECK, Finding, Severity, no_cdn_shows};
use crate::model::observation::{LayerKind, Observation};

const KEY_FIX: &str = "key the CDN's cache on the RSC header (honour Next.js's Vary: rsc, next-router-state-tree, next-router-prefetch, next-router-segment-prefetch), then purge the page with its queries";

/// What the RSC layers show, next to the HTML layers.
pub(super) fn conclusions(probes: &[Observation]) -> Vec<Finding> {
    let mut out: Vec<Finding> = probes
        .iter()
        .filter(|p| !p.layer.is_rsc() && p.status == Some(200) && p.is_rsc_payload())
        .map(|p| {
            Finding::new(CHECK, Severity::Problem, format!("{} answers a page request with an RSC payload (text/x-component): visitors get flight data instead of HTML", p.label))
                .evidence(p.summary())
                .fix(KEY_FIX)
        })
        .collect();
    let public = probes.iter().find(|p| p.layer == LayerKind::PublicRsc);
    let reference = probes
        .iter()
        .filter(|p| {
            matches!(
                p.layer,
                LayerKind::OriginRsc { .. } | LayerKind::CacheBustedRsc
            )
        })
        .find(|p| p.is_rsc_payload() && p.page().is_some());
    if let (Some(public), Some(reference)) = (public, reference) {
        out.extend(public_copy(public, reference));
    }
    out
}

fn public_copy(public: &Observation, reference: &Observation) -> Option<Finding> {
    if public.status == Some(200) && !public.is_rsc_payload() {
        return Some(
            Finding::new(CHECK, Severity::Problem, "the public URL answers a client-side navigation (RSC: 1) with HTML: the CDN keys the page without the RSC header")
                .evidence(public.summary())
                .fix(KEY_FIX),
        );
    }
    let (now, reference_page) = (public.page()?, reference.page()?);
    if no_cdn_shows(public, reference) {
        return None; // the HTML layers' conclusion names the instances
    }
    let evidence = [
        format!("{}: {}", public.label, now.summary()),
        format!("{}: {}", reference.label, reference_page.summary()),
    ];
    let finding = if now.same_render(reference_page) {
        Finding::new(
            CHECK,
            Severity::Ok,
            format!(
                "the CDN's copy of the page's RSC payload matches {}",
                whose(reference)
            ),
        )
    } else {
        Finding::new(CHECK, Severity::Problem, format!("the CDN serves another RSC payload than {}: client-side navigations show an old page", whose(reference)))
            .fix("purge what covers the page's RSC variants (?_rsc…): Varnish a BAN on the path with any query (method = \"BAN\"), Cloudflare a prefix or tag purge; isrctl fresh SITE --path P does it with such a purge")
    };
    Some(finding.evidence_all(evidence))
}

/// "origin 1's", "the origin's (seen through a cache-busted URL)".
fn whose(reference: &Observation) -> String {
    match reference.layer {
        LayerKind::OriginRsc { index } => format!("origin {index}'s"),
        _ => "the origin's (seen through a cache-busted URL)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cache_headers::{self, HeaderList};
    use crate::model::fingerprint::Fingerprint;

    fn answer(kind: LayerKind, content_type: &str, body: &str) -> Observation {
        let list = HeaderList::from_pairs([("x-varnish", "1 2"), ("age", "5")]);
        Observation {
            layer: kind,
            label: kind.label(),
            url: String::new(),
            status: Some(200),
            redirect: None,
            cache: Some(cache_headers::interpret(&list, None)),
            fingerprint: Some(Fingerprint::of(&list, body.as_bytes(), false, None)),
            kind: Some(crate::model::page_kind::PageKind::of(200, &list, false)),
            ttfb_ms: None,
            total_ms: None,
            error: None,
            headers: vec![("content-type".into(), content_type.into())],
        }
    }

    const FLIGHT: &str = "text/x-component";
    const ORIGIN_RSC: LayerKind = LayerKind::OriginRsc { index: 1 };

    fn titles(probes: &[Observation]) -> Vec<(Severity, String)> {
        conclusions(probes)
            .into_iter()
            .map(|f| (f.severity, f.title))
            .collect()
    }

    #[test]
    fn an_old_rsc_copy_at_the_cdn_is_a_problem_a_matching_one_is_not() {
        let old = [
            answer(LayerKind::PublicRsc, FLIGHT, "0:old"),
            answer(ORIGIN_RSC, FLIGHT, "0:new"),
        ];
        let found = titles(&old);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, Severity::Problem);
        assert!(
            found[0].1.contains("another RSC payload than origin 1's"),
            "{found:?}"
        );
        let same = [
            answer(LayerKind::PublicRsc, FLIGHT, "0:new"),
            answer(ORIGIN_RSC, FLIGHT, "0:new"),
        ];
        assert_eq!(titles(&same)[0].0, Severity::Ok);
    }

    #[test]
    fn rsc_poisoning_either_way_is_a_problem() {
        let flight_for_a_page = [answer(LayerKind::Public, FLIGHT, "0:x")];
        assert!(
            titles(&flight_for_a_page)[0]
                .1
                .contains("flight data instead of HTML")
        );
        let html_for_a_navigation = [
            answer(LayerKind::PublicRsc, "text/html; charset=utf-8", "<html>"),
            answer(ORIGIN_RSC, FLIGHT, "0:x"),
        ];
        assert!(titles(&html_for_a_navigation)[0].1.contains("with HTML"));
    }
}
