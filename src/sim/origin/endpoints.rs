//! The revalidation endpoints: the App Router route handler, the Pages
//! Router API route and the CMS webhook, with what Next.js 16 does for each
//! kind of path.

use super::*;

/// What every endpoint does first: count the request as in flight for as
/// long as it is handled, answer 429 while rate limiting, then take its
/// configured time to answer.
async fn admit(shared: &Shared) -> Result<InFlight<'_>, Response> {
    let in_flight = InFlight::enter(&shared.counters);
    if let Some(too_many) = shared.rate_limited() {
        return Err(too_many);
    }
    tokio::time::sleep(shared.endpoint_delay + shared.answer_delay).await;
    Ok(in_flight)
}

/// The query of a request the secret in it authorizes (noted either way),
/// or the docs' handler's 401.
fn authorized_query(
    shared: &Shared,
    raw: Option<String>,
) -> Result<std::collections::HashMap<String, String>, Box<Response>> {
    let query = query_map(raw);
    shared.note_target(&query);
    if !shared.authorized(&query) {
        let refusal = serde_json::json!({"message": "Invalid token"});
        return Err(Box::new(json(StatusCode::UNAUTHORIZED, refusal)));
    }
    Ok(query)
}

/// [`admit`], for a handler that takes POST only (405 otherwise, with `Allow`).
async fn admit_post<'a>(shared: &'a Shared, method: &Method) -> Result<InFlight<'a>, Response> {
    let in_flight = admit(shared).await?;
    if *method != Method::POST {
        return Err((StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "POST")]).into_response());
    }
    Ok(in_flight)
}

/// The App Router route handler from the Next.js docs:
/// `POST /api/revalidate?secret=S&path=P[&type=page|layout]` or `&tag=T`.
pub(super) async fn app_router_revalidate(
    State(shared): State<Arc<Shared>>,
    method: Method,
    RawQuery(raw): RawQuery,
) -> Response {
    let _in_flight = match admit_post(&shared, &method).await {
        Ok(in_flight) => in_flight,
        Err(refused) => return refused,
    };
    let query = match authorized_query(&shared, raw) {
        Ok(query) => query,
        Err(refused) => return *refused,
    };
    let path = query.get("path");
    let tag = query.get("tag");
    if path.is_none() && tag.is_none() {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"message": "Path is required"}),
        );
    }
    if let Some(path) = path {
        revalidate_path(&shared, path, query.get("type").map(String::as_str));
    }
    if let Some(tag) = tag {
        revalidate_tag(&shared, tag);
    }
    json(
        StatusCode::OK,
        serde_json::json!({"revalidated": true, "now": now_millis()}),
    )
}

/// `revalidatePath(path, type)`, including its silent no-ops.
pub(super) fn revalidate_path(shared: &Shared, path: &str, kind: Option<&str>) {
    if !path.starts_with('/') {
        return; // Next.js accepts it and revalidates nothing.
    }
    let dynamic = segments(path).any(is_dynamic_segment);
    let as_layout = match kind {
        Some("layout") => true,
        Some("page") => false,
        _ if dynamic => return, // a pattern without a type matches nothing
        _ => false,
    };
    let pattern: Vec<&str> = segments(path).collect();
    for (page_path, page) in shared.pages().iter_mut() {
        let page_segments: Vec<&str> = segments(page_path).collect();
        if matches(&pattern, &page_segments, as_layout) {
            page.next = NextServe::Render;
        }
    }
}

/// `revalidateTag(tag, 'max')`: serve stale once, regenerate behind it.
pub(super) fn revalidate_tag(shared: &Shared, tag: &str) {
    for page in shared.pages().values_mut() {
        // A pending path revalidation already makes the next GET fresh.
        if page.tags.iter().any(|t| t == tag) && page.next != NextServe::Render {
            page.next = NextServe::Stale;
        }
    }
}

pub(super) fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

pub(super) fn is_dynamic_segment(segment: &str) -> bool {
    segment.starts_with('[') && segment.ends_with(']')
}

/// Whether a route pattern covers a page. With `prefix` (type `layout`)
/// the pattern also covers every page nested below it.
pub(super) fn matches(pattern: &[&str], path: &[&str], prefix: bool) -> bool {
    let Some((&head, rest)) = pattern.split_first() else {
        return path.is_empty() || prefix;
    };
    if head.starts_with('(') && head.ends_with(')') {
        return matches(rest, path, prefix); // route groups are not in URLs
    }
    if head.starts_with("[[...") {
        return true; // optional catch-all: any rest, even none
    }
    if head.starts_with("[...") {
        return !path.is_empty();
    }
    let Some((&first, path_rest)) = path.split_first() else {
        return false;
    };
    (is_dynamic_segment(head) || head == first) && matches(rest, path_rest, prefix)
}

/// Header carrying the secret of the CMS webhook.
pub const WEBHOOK_SECRET_HEADER: &str = "x-webhook-secret";

/// A CMS webhook: `POST /api/webhook`, the secret in `x-webhook-secret`, a
/// JSON body `{"entry":{"slug":S}}`; calls `revalidatePath('/blog/' + S)`.
/// 401 for a wrong secret, 400 when the body has no slug.
pub(super) async fn cms_webhook(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _in_flight = match admit_post(&shared, &method).await {
        Ok(in_flight) => in_flight,
        Err(refused) => return refused,
    };
    let slug = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["entry"]["slug"].as_str().map(str::to_string))
        .filter(|slug| !slug.is_empty());
    if slug.is_some() {
        shared.counters.targeted.fetch_add(1, Ordering::SeqCst);
    }
    let sent = headers
        .get(WEBHOOK_SECRET_HEADER)
        .and_then(|v| v.to_str().ok());
    if let Some(secret) = sent {
        shared.note_secret(secret);
    }
    if !(shared.accept_any_secret || sent == Some(shared.secret.as_str())) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"message": "Invalid token"}),
        );
    }
    let Some(slug) = slug else {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"message": "entry.slug is required"}),
        );
    };
    revalidate_path(&shared, &format!("/blog/{slug}"), None);
    json(
        StatusCode::OK,
        serde_json::json!({"revalidated": true, "now": now_millis()}),
    )
}

/// The Pages Router API route calling `res.revalidate(path)`:
/// `GET /api/pages-revalidate?secret=S&path=P`.
pub(super) async fn pages_router_revalidate(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let _in_flight = match admit(&shared).await {
        Ok(in_flight) => in_flight,
        Err(too_many) => return too_many,
    };
    let query = match authorized_query(&shared, raw) {
        Ok(query) => query,
        Err(refused) => return *refused,
    };
    let Some(path) = query.get("path") else {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"message": "Path is required"}),
        );
    };
    // res.revalidate throws on a path without a leading slash and when the
    // path is no ISR page (an API route, a slug its dynamic route did not
    // prerender); the usual handler turns that into a 500.
    let regenerated = path.starts_with('/') && regenerate_now(&shared, path);
    if !regenerated {
        return json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"message": "Error revalidating"}),
        );
    }
    json(StatusCode::OK, serde_json::json!({"revalidated": true}))
}

/// `res.revalidate(path)` for a path with a leading slash: regenerate the
/// page before answering. False where real Next.js throws: API routes, and
/// a path its dynamic route did not prerender. Any other unknown path is
/// served the prerendered not-found page, which is regenerated (nothing the
/// sim keeps), so it succeeds: a silent no-op.
pub(super) fn regenerate_now(shared: &Shared, path: &str) -> bool {
    let path = normalize(path);
    if path == "/api" || path.starts_with("/api/") {
        return false;
    }
    let mut pages = shared.pages();
    if let Some(page) = pages.get_mut(path) {
        page.regenerate(path);
        page.next = NextServe::Hit;
        return true;
    }
    !pages.keys().any(|known| same_dynamic_route(known, path))
}

/// Whether `path` would match the dynamic route a nested prerendered page
/// stands for: same parent below the root, same depth (`/blog/hello` and
/// `/blog/nope`). Root-level pages are static routes.
pub(super) fn same_dynamic_route(page: &str, path: &str) -> bool {
    match (page.rsplit_once('/'), path.rsplit_once('/')) {
        (Some((page_parent, _)), Some((path_parent, _))) => {
            !page_parent.is_empty() && page_parent == path_parent
        }
        _ => false,
    }
}
