//! A 5xx from a revalidation endpoint, read for its likely cause: the
//! messages Next.js 16's own revalidation functions throw, when the
//! handler passes them on, and the empty 500 a route handler gives when
//! it throws outside its try/catch (`updateTag` does, outside a Server
//! Action).

use crate::model::outcome::{Outcome, OutcomeKind};

/// `res.revalidate()` fetched the page and got this status (Next's
/// "Invalid response NNN"), with what that status means for the page.
fn invalid_response(message: &str) -> Option<(u16, &'static str)> {
    let rest = message.split("Invalid response ").nth(1)?;
    let status: u16 = rest.get(..3)?.parse().ok()?;
    let cause = match status {
        300..=399 => {
            "the page redirects (a trailing slash, the basePath, or a proxy.js redirect): send the path the page lives at"
        }
        401 | 403 => {
            "the page is behind an auth gate that res.revalidate's own request does not pass: let requests with the x-prerender-revalidate header through"
        }
        404 => {
            "no page at that path: check the slug, basePath and locale, and that the page is generated (getStaticPaths with fallback)"
        }
        _ => "the page itself failed to render: read the app's log",
    };
    Some((status, cause))
}

/// The outcome of a 5xx, with the cause its message (or its silence) tells.
pub(super) fn server_error(status: u16, message: Option<&str>) -> Outcome {
    let failed = format!("the endpoint failed ({status})");
    let message = message.unwrap_or("").trim();
    if message.contains("Invalid urlPath") {
        return Outcome::new(OutcomeKind::ServerError, format!("{failed}: res.revalidate() refused the path"))
            .with_fix("the Pages Router's res.revalidate() needs a path with a leading slash (/blog/hello), not a route pattern or a bare slug");
    }
    if let Some((page_status, cause)) = invalid_response(message) {
        return Outcome::new(
            OutcomeKind::ServerError,
            format!("{failed}: res.revalidate() fetched the page and got {page_status}"),
        )
        .with_fix(cause);
    }
    if message.is_empty() && status == 500 {
        return Outcome::new(OutcomeKind::ServerError, format!("{failed} with an empty body: the handler threw outside its try/catch"))
            .with_fix("read the app's log; updateTag() in a route handler throws like this (it works only in Server Actions): use revalidateTag(tag, 'max') or revalidateTag(tag, { expire: 0 }) there");
    }
    Outcome::new(OutcomeKind::ServerError, failed)
        .with_fix("read the server's message and the app's logs; a Pages Router res.revalidate() throws (500) for a path without a leading slash, an API route, or a slug its dynamic route did not prebuild")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_16s_own_messages_are_read_for_their_cause() {
        let urlpath = server_error(
            500,
            Some(
                "Invalid urlPath provided to revalidate(), must be a path e.g. /blog/post-1, received blog/hello",
            ),
        );
        assert!(urlpath.explanation.contains("refused the path"));
        assert!(urlpath.fix.unwrap().contains("leading slash"));
        let redirect = server_error(
            500,
            Some("Failed to revalidate /tweets: Invalid response 308"),
        );
        assert!(redirect.explanation.ends_with("got 308"));
        assert!(redirect.fix.unwrap().contains("trailing slash"));
        let gone = server_error(500, Some("Invalid response 404"));
        assert!(gone.fix.unwrap().contains("no page at that path"));
        let empty = server_error(500, None);
        assert!(empty.fix.unwrap().contains("updateTag()"));
        let other = server_error(502, Some("Bad gateway"));
        assert_eq!(other.explanation, "the endpoint failed (502)");
    }
}
