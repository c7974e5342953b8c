//! What a page is, before anyone judges its freshness. A page rendered per
//! request cannot be stale in the ISR cache; `next dev` renders every
//! request; a 500 is broken, not stale; a 401 needs credentials; a 308
//! names another page; Next's error page inside a 200 is a soft 404.
//! Verdicts that ignore this send the operator to purge a CDN that holds
//! no copy (measured on real Next.js 16.4.6 apps).

use crate::model::cache_headers::HeaderList;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// Kept by Next.js's ISR cache: an `x-nextjs-cache` state (or
    /// `x-nextjs-prerender`) and a shared-cache lifetime.
    Isr,
    /// Rendered per request: no ISR header, `private` or `no-store`.
    Dynamic,
    /// `next dev`: `x-nextjs-cache` together with `Cache-Control: no-store`.
    Dev,
    /// 5xx: the page fails to render.
    Broken,
    /// 401/403: the page needs credentials to read.
    NeedsCredentials,
    /// 3xx: the page is elsewhere.
    Redirect,
    /// Next's error page inside a 200.
    #[serde(rename = "soft_404")]
    Soft404,
    NotFound,
    /// A 200 page with nothing that says how it is rendered (a CDN that
    /// strips Next's headers, another framework): judged as a page.
    Page,
}

impl PageKind {
    /// What an answer says the page is.
    pub fn of(status: u16, headers: &HeaderList, error_page: bool) -> PageKind {
        let cache_control = headers
            .items("cache-control")
            .join(",")
            .to_ascii_lowercase();
        let no_store = cache_control.contains("no-store");
        let private = cache_control.contains("private");
        let isr_header = !headers.all("x-nextjs-cache").is_empty()
            || !headers.all("x-nextjs-prerender").is_empty()
            || !headers.all("x-opennext-cache").is_empty();
        // Behind an adapter (minimal mode) Next's headers are not sent:
        // their absence is no sign of a page rendered per request.
        let adapter = crate::model::cache_headers::behind_an_adapter(headers);
        match status {
            404 | 410 => PageKind::NotFound,
            401 | 403 => PageKind::NeedsCredentials,
            300..=399 => PageKind::Redirect,
            500..=599 => PageKind::Broken,
            200..=299 if error_page => PageKind::Soft404,
            200..=299 if isr_header && no_store => PageKind::Dev,
            200..=299 if isr_header => PageKind::Isr,
            200..=299 if (private || no_store) && !adapter => PageKind::Dynamic,
            _ => PageKind::Page,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Isr => "isr",
            PageKind::Dynamic => "dynamic",
            PageKind::Dev => "dev",
            PageKind::Broken => "broken",
            PageKind::NeedsCredentials => "needs_credentials",
            PageKind::Redirect => "redirect",
            PageKind::Soft404 => "soft_404",
            PageKind::NotFound => "not_found",
            PageKind::Page => "page",
        }
    }

    /// A page whose freshness can be judged: one the ISR cache (or an
    /// unknown renderer) keeps.
    pub fn is_cacheable_page(self) -> bool {
        matches!(self, PageKind::Isr | PageKind::Page)
    }

    /// What this kind means and what to do, when it is not a cached page.
    pub fn words(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            PageKind::Dynamic => (
                "the page is rendered per request (no x-nextjs-cache, Cache-Control private or no-store): revalidation does not apply, and the ISR cache holds nothing to be stale",
                "if it should be cached, remove what makes it dynamic (cookies(), headers(), a no-store fetch, dynamic = 'force-dynamic', getServerSideProps) and export revalidate",
            ),
            PageKind::Dev => (
                "this is next dev (x-nextjs-cache with Cache-Control: no-store): every request renders the page, ISR and revalidation do not apply",
                "run next build && next start to see ISR as production does",
            ),
            PageKind::Broken => (
                "the page fails to render (5xx): broken, not stale",
                "read the app's server log for the error (a missing record, a data source that fails); fix it, then revalidate",
            ),
            PageKind::NeedsCredentials => (
                "the page needs credentials to read (401/403): the revalidation may well have worked, but isrctl cannot see the page",
                "probe an origin behind the gate (origins = [...]), or open the gate for isrctl's requests",
            ),
            PageKind::Redirect => (
                "the page redirects (3xx): the page visitors get is the one it points to",
                "revalidate and verify the page the Location names",
            ),
            PageKind::Soft404 => (
                "Next.js serves its error page with status 200 (a soft 404): the record behind the page is gone, and caches keep the error page as if it were the page",
                "make the page answer 404 when its data is missing (notFound() in the App Router, { notFound: true } from getStaticProps), then revalidate",
            ),
            PageKind::NotFound => (
                "this page does not exist (404)",
                "check the path (basePath, locale, trailing slash); a new page needs its route deployed and, with dynamicParams = false, listed by generateStaticParams",
            ),
            PageKind::Isr | PageKind::Page => return None,
        })
    }
}

/// Next.js's error page: the `next-error-h1` heading it renders, or the
/// Pages Router's `"page":"/_error"` in `__NEXT_DATA__`. The rendered
/// `<h1 class=…>` only: every App Router page carries the class name in
/// its flight data and styles (measured on 16.4.6).
pub fn is_next_error_page(body: &[u8]) -> bool {
    let has = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    has(br#"<h1 class="next-error-h1""#) || has(br#""page":"/_error""#)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(status: u16, headers: &[(&str, &str)], body: &str) -> PageKind {
        let list = HeaderList::from_pairs(headers.iter().copied());
        PageKind::of(status, &list, is_next_error_page(body.as_bytes()))
    }

    const ISR_CC: (&str, &str) = (
        "cache-control",
        "s-maxage=3600, stale-while-revalidate=31532400",
    );

    #[test]
    fn what_next_16_answers_is_read_as_it_means() {
        assert_eq!(
            kind(200, &[("x-nextjs-cache", "HIT"), ISR_CC], "<p>x</p>"),
            PageKind::Isr
        );
        // next dev: HIT together with no-store (measured on 16.4.6).
        let dev = [
            ("x-nextjs-cache", "HIT"),
            ("cache-control", "no-store, must-revalidate"),
        ];
        assert_eq!(kind(200, &dev, "<p>x</p>"), PageKind::Dev);
        let dynamic = [(
            "cache-control",
            "private, no-cache, no-store, max-age=0, must-revalidate",
        )];
        assert_eq!(kind(200, &dynamic, "<p>x</p>"), PageKind::Dynamic);
        assert_eq!(kind(500, &[], ""), PageKind::Broken);
        assert_eq!(kind(401, &[], ""), PageKind::NeedsCredentials);
        assert_eq!(kind(308, &[("location", "/a/")], ""), PageKind::Redirect);
        assert_eq!(
            kind(404, &[("x-nextjs-cache", "HIT")], ""),
            PageKind::NotFound
        );
        assert_eq!(kind(200, &[], "<html>"), PageKind::Page, "nothing says how");
    }

    #[test]
    fn json_names_are_the_documented_ones() {
        for kind in [
            PageKind::Soft404,
            PageKind::NeedsCredentials,
            PageKind::NotFound,
        ] {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str(), "serde and as_str agree");
        }
    }

    #[test]
    fn nexts_error_page_in_a_200_is_a_soft_404() {
        let app = r#"<h1 class="next-error-h1" style="display:inline-block">404</h1>"#;
        assert_eq!(kind(200, &[ISR_CC], app), PageKind::Soft404);
        let pages =
            r#"<script id="__NEXT_DATA__">{"props":{},"page":"/_error","query":{}}</script>"#;
        assert_eq!(
            kind(200, &[("x-nextjs-cache", "HIT")], pages),
            PageKind::Soft404
        );
        assert_eq!(kind(404, &[], app), PageKind::NotFound, "an honest 404");
        // Every App Router page has the class in its styles and flight data.
        let normal =
            r#"<style>.next-error-h1{border-right:1px}</style>{\"className\":\"next-error-h1\"}"#;
        assert_eq!(
            kind(200, &[("x-nextjs-cache", "HIT"), ISR_CC], normal),
            PageKind::Isr
        );
    }
}
