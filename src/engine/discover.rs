//! Looking at a site the way a visitor's browser would, before there is a
//! config for it (`isrctl init`): its page's headers (which CDN, whether
//! Next.js), its usual revalidate paths asked with GET and no secret, its
//! sitemap. Nothing is revalidated and no secret exists yet to send.

use crate::model::cache_headers::{Cdn, HeaderList, interpret};
use crate::model::trouble::{CLIENT_FIX, Trouble};
use reqwest::{Client, StatusCode};
use url::Url;

/// Where route handlers for revalidation usually live, in the order tried.
pub const ENDPOINT_PATHS: [&str; 3] = [
    "/api/revalidate",
    "/api/revalidation",
    "/api/revalidate-path",
];

/// What looking at the site found.
pub struct Discovery {
    pub public_url: Url,
    pub name: String,
    /// The CDN and the headers that named it.
    pub cdn: Option<(Cdn, Vec<String>)>,
    /// `x-nextjs-cache` or `x-powered-by: Next.js` on the page.
    pub nextjs: Option<String>,
    /// An endpoint path and what it answered without a secret.
    pub endpoint: Option<(String, u16)>,
    /// The endpoint answered 308 to its own path with a slash: Next.js's
    /// `trailingSlash: true` (it applies to API routes too).
    pub trailing_slash: bool,
    pub sitemap: bool,
    /// The page answered (with anything): there is a site to describe.
    pub answered: bool,
    /// What could not be looked at.
    pub notes: Vec<String>,
}

/// Look at the site at `public_url`; `name` is what the config will call it.
pub async fn discover(public_url: Url, name: String) -> Result<Discovery, Trouble> {
    let client = crate::wire::http::client(&Default::default(), true).map_err(|e| {
        Trouble::unavailable(format!("cannot build the HTTP client: {e}")).with_fix(CLIENT_FIX)
    })?;
    Ok(look(&client, public_url, name).await)
}

async fn look(client: &Client, public_url: Url, name: String) -> Discovery {
    let mut found = Discovery {
        public_url,
        name,
        cdn: None,
        nextjs: None,
        endpoint: None,
        trailing_slash: false,
        sitemap: false,
        answered: false,
        notes: Vec::new(),
    };
    match client.get(found.public_url.clone()).send().await {
        Ok(page) => {
            found.answered = true;
            let headers = HeaderList::from_map(page.headers());
            let report = interpret(&headers, None);
            found.cdn = report.cdn.map(|cdn| (cdn, report.cdn_evidence.clone()));
            found.nextjs = headers
                .first("x-nextjs-cache")
                .map(|v| format!("x-nextjs-cache: {v}"))
                .or_else(|| {
                    headers
                        .first("x-powered-by")
                        .filter(|v| v.contains("Next.js"))
                        .map(|v| format!("x-powered-by: {v}"))
                });
        }
        Err(e) => found.notes.push(format!("the page did not answer: {e}")),
    }
    (found.endpoint, found.trailing_slash) = find_endpoint(client, &found.public_url).await;
    found.sitemap = has_sitemap(client, &found.public_url).await;
    found
}

/// The first usual path that exists: any answer but 404 (a 401 without
/// the secret, a 405 for GET on a POST handler), and whether it lives at
/// its slash form. Asked with GET and no secret: a handler that checks its
/// secret does nothing, and a POST-only one is not run at all.
async fn find_endpoint(client: &Client, base: &Url) -> (Option<(String, u16)>, bool) {
    for path in ENDPOINT_PATHS {
        let Some(status) = answer_to_get(client, base, path).await else {
            continue;
        };
        if status.is_redirection() {
            let slashed = format!("{path}/");
            if let Some(status) = answer_to_get(client, base, &slashed).await
                && exists(status)
            {
                // Written without the slash: trailing_slash = true adds it.
                return (Some((path.to_string(), status.as_u16())), true);
            }
        }
        if exists(status) {
            return (Some((path.to_string(), status.as_u16())), false);
        }
    }
    (None, false)
}

fn exists(status: StatusCode) -> bool {
    status != StatusCode::NOT_FOUND && !status.is_server_error() && !status.is_redirection()
}

async fn answer_to_get(client: &Client, base: &Url, path: &str) -> Option<StatusCode> {
    let url = under(base, path).ok()?;
    client.get(url).send().await.ok().map(|a| a.status())
}

async fn has_sitemap(client: &Client, base: &Url) -> bool {
    let Ok(url) = under(base, "/sitemap.xml") else {
        return false;
    };
    match client.get(url).send().await {
        Ok(answer) if answer.status().is_success() => answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("xml")),
        _ => false,
    }
}

/// `path` under the public URL's own path (a basePath).
fn under(base: &Url, path: &str) -> Result<Url, url::ParseError> {
    let prefix = base.path().trim_end_matches('/');
    base.join(&format!("{prefix}{path}"))
}
