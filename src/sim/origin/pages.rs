//! Serving the ISR pages: HIT, MISS after a path revalidation, STALE once
//! after a tag revalidation, the prerendered not-found page, the 308 on a
//! trailing slash.

use super::*;

/// `/blog/hello/` → `/blog/hello`; `/` stays `/`.
pub(super) fn normalize(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/" } else { trimmed }
}

/// When the simulated `next build` ran: generation 0 is the build output,
/// identical on every instance (they share it), as real replicas do.
const BUILD_TIME: jiff::Timestamp = jiff::Timestamp::constant(1_767_225_600, 0);

pub(super) fn render_html(path: &str, generation: u64) -> String {
    let now = if generation == 0 {
        BUILD_TIME
    } else {
        jiff::Timestamp::now()
    };
    let millis = now.as_millisecond();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"isr-rendered-at\" content=\"{generation}-{millis}\">\
         <title>{path}</title></head><body><main><h1>{path}</h1>\
         <p id=\"marker\">rendered generation {generation} at {now}</p>\
         </main></body></html>"
    )
}

/// A strong ETag derived from the body, as Next.js does.
pub(super) fn etag_of(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!("\"{}\"", &hex(&digest)[..32])
}

/// GET of anything that is not an API route: an ISR page or a 404.
pub(super) async fn serve_page(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
) -> Response {
    tokio::time::sleep(shared.answer_delay).await;
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    // `next start` (trailingSlash: false) redirects `/about/` to `/about`.
    if uri.path() != "/" && uri.path().ends_with('/') {
        let mut location = normalize(uri.path()).to_string();
        if let Some(query) = uri.query() {
            location = format!("{location}?{query}");
        }
        let refresh = format!("0;url={location}");
        return (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location), (header::REFRESH, refresh)],
        )
            .into_response();
    }
    // The query string plays no part in finding the page.
    let path = normalize(uri.path());
    let served = shared.pages().get_mut(path).map(|page| serve(path, page));
    match served {
        Some((cache, body, etag)) => {
            let etag = if shared.etags { etag } else { String::new() };
            page_response(cache, body, &etag)
        }
        None => not_found(),
    }
}

/// Advance one page's lifecycle for a GET; returns what to send.
pub(super) fn serve(path: &str, page: &mut PageState) -> (&'static str, String, String) {
    match page.next {
        NextServe::Hit => ("HIT", page.body.clone(), page.etag.clone()),
        NextServe::Render => {
            page.regenerate(path);
            page.next = NextServe::Hit;
            ("MISS", page.body.clone(), page.etag.clone())
        }
        NextServe::Stale => {
            let old = (page.body.clone(), page.etag.clone());
            // The background regeneration, done before the lock is released
            // so the next request sees its result.
            page.regenerate(path);
            page.next = NextServe::Hit;
            ("STALE", old.0, old.1)
        }
    }
}

pub(super) fn page_response(cache: &'static str, body: String, etag: &str) -> Response {
    let mut response = (
        [
            ("x-nextjs-cache", cache),
            ("x-nextjs-prerender", "1"),
            ("x-nextjs-stale-time", "300"),
            (
                header::CACHE_CONTROL.as_str(),
                "s-maxage=3600, stale-while-revalidate=31532400",
            ),
            (header::CONTENT_TYPE.as_str(), "text/html; charset=utf-8"),
        ],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    if !etag.is_empty()
        && let Ok(value) = HeaderValue::from_str(etag)
    {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&http_date()) {
        headers.insert(header::DATE, value);
    }
    response
}

/// The app's prerendered not-found page, as `next start` serves it.
pub(super) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            (header::HeaderName::from_static("x-nextjs-cache"), "HIT"),
            (header::HeaderName::from_static("x-nextjs-prerender"), "1"),
            (
                header::HeaderName::from_static("x-nextjs-stale-time"),
                "300",
            ),
            (
                header::CACHE_CONTROL,
                "private, no-cache, no-store, max-age=0, must-revalidate",
            ),
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        ],
        "<!DOCTYPE html><html><head><title>404: This page could not be found.</title></head>\
         <body><h1>404</h1><h2>This page could not be found.</h2></body></html>",
    )
        .into_response()
}

pub(super) fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// The decoded query string as a map (last value of a repeated key wins).
pub(super) fn query_map(raw: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}
