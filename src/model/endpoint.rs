//! Endpoint profiles: how a site's revalidation endpoint wants to be called.
//!
//! Real endpoints differ (method, where the secret goes, query parameters or
//! a JSON body, what success looks like), so a profile is data. `prepare`
//! turns a profile, a secret and a target into the request to send; its
//! `masked()` form is what people see.

use crate::model::redact::MASK;
use crate::model::secret::Secret;
use crate::model::signature::Signature;
use crate::model::target::{Target, TargetKind};
use crate::model::trouble::Trouble;
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// The route handler from the Next.js docs: POST, `secret` and `path`/`tag` query parameters.
    AppRouter,
    /// A Pages Router API route calling `res.revalidate(path)`: GET, paths only.
    PagesRouter,
}

/// The methods route handlers export (Next's `cms-wordpress` example
/// exports only `PUT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretPlacement {
    Query(String),
    Header(String),
    Bearer,
    /// The secret never leaves the machine: it signs the body.
    Hmac(Signature),
}

/// Where a path or a tag goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    Query(String),
    /// A JSON body template with `{path}`, `{slug}`, `{tag}`, `{type}` placeholders.
    Body(String),
    /// The endpoint cannot take this kind of target (Pages Router and tags).
    Unsupported,
}

/// What a successful answer looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuccessRule {
    /// 2xx with JSON `"revalidated": true` (the docs' handlers).
    RevalidatedTrue,
    /// 2xx with any JSON body.
    #[serde(rename = "json-2xx")]
    Json2xx,
    /// Any 2xx.
    #[serde(rename = "any-2xx")]
    Any2xx,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EndpointProfile {
    pub url: Url,
    pub method: Method,
    pub secret: SecretPlacement,
    pub path: Placement,
    pub tag: Placement,
    /// Query parameter carrying a pattern's type (`page`/`layout`).
    pub type_query: Option<String>,
    pub success: SuccessRule,
    /// The endpoint's path (and query) when it is relative to the site,
    /// so it can be sent to each origin instance too.
    pub relative: Option<String>,
    /// `each_origin = true`: revalidate on every origin by default.
    pub each_origin: bool,
    /// The handler renders the page before it answers: the Pages Router's
    /// `res.revalidate` requests the page from its own instance and throws
    /// unless it answered 200. Its `revalidated: true` is then evidence of
    /// a new render on the instance it reached, even when the page shows
    /// the same data (byte-identical HTML, same ETag, x-nextjs-cache HIT).
    pub renders_before_answering: bool,
}

impl EndpointProfile {
    pub fn preset(preset: Preset, public_url: &Url) -> EndpointProfile {
        // Under the public URL's path: the app's basePath covers API routes.
        let url = crate::model::paths::page_url(public_url, "/api/revalidate");
        match preset {
            Preset::AppRouter => EndpointProfile {
                url,
                method: Method::Post,
                secret: SecretPlacement::Query("secret".into()),
                path: Placement::Query("path".into()),
                tag: Placement::Query("tag".into()),
                type_query: Some("type".into()),
                success: SuccessRule::RevalidatedTrue,
                relative: Some("/api/revalidate".into()),
                each_origin: false,
                renders_before_answering: false,
            },
            Preset::PagesRouter => EndpointProfile {
                url,
                method: Method::Get,
                secret: SecretPlacement::Query("secret".into()),
                path: Placement::Query("path".into()),
                tag: Placement::Unsupported,
                type_query: None,
                success: SuccessRule::RevalidatedTrue,
                relative: Some("/api/revalidate".into()),
                each_origin: false,
                renders_before_answering: true,
            },
        }
    }

    /// On a site with Next's `trailingSlash: true`, API routes redirect
    /// too (`/api/revalidate` answers 308 to `/api/revalidate/`, measured
    /// on next 16.4.6), so an endpoint given as a path gets the slash. An
    /// absolute URL is taken as written.
    pub fn with_trailing_slash(mut self) -> EndpointProfile {
        let Some(relative) = self.relative.take() else {
            return self;
        };
        let (path, query) = relative.split_once('?').unwrap_or((&relative, ""));
        let slashed =
            match path.ends_with('/') || path.rsplit('/').next().is_some_and(|l| l.contains('.')) {
                true => path.to_string(),
                false => format!("{path}/"),
            };
        if !self.url.path().ends_with('/') && slashed != path {
            let url_path = format!("{}/", self.url.path());
            self.url.set_path(&url_path);
        }
        self.relative = Some(match query {
            "" => slashed,
            q => format!("{slashed}?{q}"),
        });
        self
    }

    /// Where an every-origin revalidation goes: the endpoint's path on each
    /// origin, or the endpoint alone when it cannot be (no origins, or an
    /// absolute endpoint URL).
    pub fn on_every_origin(&self, origins: &[Url]) -> Vec<EndpointProfile> {
        let places: Vec<EndpointProfile> =
            origins.iter().filter_map(|o| self.on_origin(o)).collect();
        if places.len() != origins.len() || places.is_empty() {
            return vec![self.clone()];
        }
        places
    }

    /// The same endpoint on one origin instance, if the endpoint is
    /// relative to the site (an absolute URL names one place only).
    pub fn on_origin(&self, origin: &Url) -> Option<EndpointProfile> {
        let relative = self.relative.as_deref()?;
        let mut url = crate::model::paths::page_url(origin, "/");
        let (path, query) = relative.split_once('?').unwrap_or((relative, ""));
        url = crate::model::paths::page_url(&url, path);
        url.set_query(Some(query).filter(|q| !q.is_empty()));
        Some(EndpointProfile {
            url,
            ..self.clone()
        })
    }

    /// The request for one target, with the secret in place (or, for a
    /// signed body, the signature made with it).
    pub fn prepare(&self, target: &Target, secret: &Secret) -> Result<PreparedRequest, Trouble> {
        let mut request = self
            .build(target, secret.expose())
            .map_err(Trouble::refused)?;
        if let SecretPlacement::Hmac(kind) = self.secret {
            let body = request.body.as_deref().unwrap_or_default().as_bytes();
            let now = jiff::Timestamp::now().as_millisecond();
            request.headers.push(crate::model::signature::header(
                kind,
                secret.expose(),
                body,
                now,
            ));
        }
        Ok(request)
    }

    /// The same request with the secret replaced by `stand_in` (e.g. `***` or `$BLOG_TOKEN`).
    pub fn prepare_masked(
        &self,
        target: &Target,
        stand_in: &str,
    ) -> Result<PreparedRequest, Trouble> {
        let mut request = self.build(target, stand_in).map_err(Trouble::refused)?;
        if let SecretPlacement::Hmac(kind) = self.secret {
            let now = jiff::Timestamp::now().as_millisecond();
            request
                .headers
                .push(crate::model::signature::shown(kind, now));
        }
        Ok(request)
    }

    /// A request carrying the secret and nothing else: no path, no tag, no
    /// body. Handlers check the secret, then ask for a path (400), so this
    /// tells whether the secret is accepted without revalidating anything.
    pub fn prepare_secret_only(&self, secret: &Secret) -> PreparedRequest {
        let (url, mut headers) = self.with_secret(secret.expose());
        if let SecretPlacement::Hmac(kind) = self.secret {
            let now = jiff::Timestamp::now().as_millisecond();
            headers.push(crate::model::signature::header(
                kind,
                secret.expose(),
                b"",
                now,
            ));
        }
        PreparedRequest {
            method: self.method,
            url,
            headers,
            body: None,
        }
    }

    fn with_secret(&self, secret: &str) -> (Url, Vec<(String, String)>) {
        let mut url = self.url.clone();
        let mut headers = Vec::new();
        match &self.secret {
            SecretPlacement::Query(name) => {
                url.query_pairs_mut().append_pair(name, secret);
            }
            SecretPlacement::Header(name) => headers.push((name.clone(), secret.to_string())),
            SecretPlacement::Bearer => {
                headers.push(("authorization".into(), format!("Bearer {secret}")))
            }
            // Signed once the body is known (`build`).
            SecretPlacement::Hmac(_) => {}
        }
        (url, headers)
    }

    fn build(&self, target: &Target, secret: &str) -> Result<PreparedRequest, String> {
        let (mut url, mut headers) = self.with_secret(secret);
        let mut body = None;
        let placement = match target.kind {
            TargetKind::Path => &self.path,
            TargetKind::Tag => &self.tag,
        };
        match placement {
            Placement::Query(name) => {
                url.query_pairs_mut().append_pair(name, &target.value);
            }
            Placement::Body(template) => {
                let (path, tag) = match target.kind {
                    TargetKind::Path => (target.value.as_str(), None),
                    TargetKind::Tag => ("", Some(target.value.as_str())),
                };
                let page_type = target.page_type.map(|t| t.as_str());
                body = Some(fill_template(template, path, tag, page_type));
                headers.push(("content-type".into(), "application/json".into()));
            }
            Placement::Unsupported => {
                return Err(format!(
                    "this endpoint cannot revalidate a {}: a Pages Router endpoint revalidates paths only",
                    match target.kind {
                        TargetKind::Path => "path",
                        TargetKind::Tag => "tag",
                    }
                ));
            }
        }
        if let (Some(page_type), Some(name), Placement::Query(_)) =
            (target.page_type, &self.type_query, placement)
        {
            url.query_pairs_mut().append_pair(name, page_type.as_str());
        }
        Ok(PreparedRequest {
            method: self.method,
            url,
            headers,
            body,
        })
    }
}

/// Fill a JSON body template. Each value is JSON-escaped, so a template
/// writes placeholders inside quotes: `{"entry":{"slug":"{slug}"}}`.
pub fn fill_template(
    template: &str,
    path: &str,
    tag: Option<&str>,
    page_type: Option<&str>,
) -> String {
    let slug = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let escape = |s: &str| {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        quoted[1..quoted.len().saturating_sub(1).max(1)].to_string()
    };
    template
        .replace("{path}", &escape(path))
        .replace("{slug}", &escape(slug))
        .replace("{tag}", &escape(tag.unwrap_or("")))
        .replace("{type}", &escape(page_type.unwrap_or("")))
}

#[derive(Clone, Debug, PartialEq)]
pub struct PreparedRequest {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl PreparedRequest {
    /// One line such as `POST https://x/api/revalidate?secret=***&path=%2Fa`.
    pub fn summary(&self) -> String {
        format!("{} {}", self.method.as_str(), self.url)
    }
}

/// Shown form of a request built with `prepare_masked(…, MASK)`.
pub fn masked_summary(profile: &EndpointProfile, target: &Target) -> String {
    match profile.prepare_masked(target, MASK) {
        Ok(req) => {
            let mut line = req.summary();
            for (name, value) in &req.headers {
                line.push_str(&format!(" -H '{name}: {value}'"));
            }
            if let Some(body) = &req.body {
                line.push_str(&format!(" -d '{body}'"));
            }
            line
        }
        Err(reason) => reason.to_string(),
    }
}

/// Stands in for the secret while a curl command is built; replaced by a
/// shell expression afterwards. Letters only, so URL-encoding keeps it whole.
const CURL_PLACEHOLDER: &str = "ISRCTLSECRETPLACEHOLDER";

/// The curl command equivalent to a revalidation, with the secret as a
/// shell expression (`${BLOG_TOKEN}`, `$(cat file)`, `$(pass show x)`),
/// never its value. Safe to paste: every word is single-quoted, so a `'`,
/// `$(…)` or backtick in a path, URL or argument stays text; only the
/// secret's expression is expanded, in double quotes.
pub fn curl_command(
    profile: &EndpointProfile,
    target: &Target,
    source: &crate::model::secret::SecretSource,
) -> Result<String, Trouble> {
    if let SecretPlacement::Hmac(_) = profile.secret {
        return Err(Trouble::refused(
            "a signed body cannot be copied as curl: its signature is made for each request (isrctl revalidate sends it)",
        ));
    }
    let req = profile.prepare_masked(target, CURL_PLACEHOLDER)?;
    let secret_expr = format!("'\"{}\"'", shell_secret(source));
    let word = |text: &str| shell_quote(text).replace(CURL_PLACEHOLDER, &secret_expr);
    let mut parts = vec![format!("curl -sS -X {}", shell_quote(req.method.as_str()))];
    for (name, value) in &req.headers {
        parts.push(format!("-H {}", word(&format!("{name}: {value}"))));
    }
    if let Some(body) = &req.body {
        parts.push(format!("--data {}", word(body)));
    }
    parts.push(word(req.url.as_str()));
    Ok(parts.join(" "))
}

/// One shell word, single-quoted (`'` written as `'\''`).
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A shell expression that yields the secret where the user runs curl;
/// a file's path and a command's arguments each quoted as one word.
fn shell_secret(source: &crate::model::secret::SecretSource) -> String {
    use crate::model::secret::SecretSource;
    match source {
        SecretSource::Env(name) => format!("${{{name}}}"),
        SecretSource::File(path) => {
            format!("$(cat {})", shell_quote(&path.to_string_lossy()))
        }
        SecretSource::Command(argv) => {
            let words: Vec<String> = argv.iter().map(|a| shell_quote(a)).collect();
            format!("$({})", words.join(" "))
        }
        SecretSource::Plain(_) => "${REVALIDATE_SECRET}".to_string(),
    }
}

#[cfg(test)]
mod tests;
