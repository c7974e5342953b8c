//! A data-defined purge request (nginx cache purge, Bunny, KeyCDN,
//! varnish-modules' xkey, in-house): one call per item, templates with
//! {url} {path} {tag} {prefix} {host} {token}.
//!
//! Keys: `url`, `method` (default POST), `headers`, `body`, `success`
//! ("any-2xx", "json-2xx"); a token if a template says `{token}`.

use super::{Keys, Provider, Refused, Registered};
use crate::model::endpoint::SuccessRule;
use std::sync::Arc;

pub const REGISTERED: Registered = Registered { name: "http", read };

#[derive(Clone, Debug, PartialEq)]
pub struct HttpPurge {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub success: SuccessRule,
}

impl HttpPurge {
    /// Whether the URL, headers or body use `placeholder`.
    pub fn template_mentions(&self, placeholder: &str) -> bool {
        self.url.contains(placeholder)
            || self
                .headers
                .iter()
                .any(|(n, v)| n.contains(placeholder) || v.contains(placeholder))
            || self
                .body
                .as_deref()
                .is_some_and(|b| b.contains(placeholder))
    }
}

impl Provider for HttpPurge {
    fn name(&self) -> &'static str {
        "http"
    }

    fn rsc_coverage(&self) -> Option<&'static str> {
        Some(
            "an http purge removes the URL it names: ?_rsc= variants stay cached unless the purge endpoint covers them (nginx: a key without the query, or one purge per variant)",
        )
    }

    /// xkey, Bunny, Netlify: the request names the tag.
    fn purges_tags(&self) -> bool {
        self.template_mentions("{tag}")
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn read(keys: &mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused> {
    let url = keys.required(
        "url",
        "add url = \"https://cdn.example.com/purge?url={url}\" ({url} {path} {tag} {host} {token} are filled in)".into(),
    )?;
    // `?token={token}` is the way to send it; a value written out is not.
    let template = url.get_ref().replace("{token}", "");
    let shown = crate::model::redact::mask_url_secrets(&template);
    if shown != template {
        keys.warn(
            url.span().start,
            format!("url: the purge URL carries a secret ({shown})"),
            "write {token} in its place and put the value in [purge.token] (env, file or command); outputs mask it either way",
        );
    }
    let method = match keys.string("method")? {
        None => "POST".to_string(),
        Some(m) if reqwest::Method::from_bytes(m.get_ref().as_bytes()).is_ok() => m.into_inner(),
        Some(m) => {
            return Err(keys.error(
                m.span().start,
                format!("method {:?} is not an HTTP method", m.get_ref()),
                "write e.g. method = \"PURGE\"",
            ));
        }
    };
    let success = keys.choice("success", &["any-2xx", "json-2xx"], |s| match s {
        "any-2xx" => Some(SuccessRule::Any2xx),
        "json-2xx" => Some(SuccessRule::Json2xx),
        _ => None,
    })?;
    Ok(Arc::new(HttpPurge {
        url: url.into_inner(),
        method,
        headers: keys.headers("headers")?,
        body: keys.string("body")?.map(|b| b.into_inner()),
        success: success.unwrap_or(SuccessRule::Any2xx),
    }))
}
