//! A data-defined purge request: one call per item, the URL, header values
//! and body filled from `{url}` (the page's public URL), `{path}`, `{tag}`,
//! `{prefix}`, `{host}` and `{token}`. Covers nginx `proxy_cache_purge`,
//! varnish-modules' xkey (`headers = { "xkey-purge" = "{tag}" }`), Bunny,
//! KeyCDN and in-house purge endpoints. Each value is encoded for where it
//! stands (`template.rs`): it can never add syntax or another placeholder.
//! What the templates cannot express
//! (a prefix without `{prefix}`, a tag without `{tag}` and no route
//! carrying it, everything) is refused before anything is sent.

use super::template::{self, Part};
use super::{Calls, ProviderCalls, PurgeCall, PurgeItem, public_host, public_page};
use crate::model::config::Site;
use crate::model::endpoint::SuccessRule;
use crate::model::purge::http::HttpPurge;

type Template<'a> = (&'a str, &'a str, &'a [(String, String)], Option<&'a str>);

fn calls(
    site: &Site,
    (url, method, headers, body): Template,
    items: &[PurgeItem],
    token: &str,
) -> Result<Vec<PurgeCall>, String> {
    items
        .iter()
        .map(|item| {
            let mentions = |p: &str| {
                url.contains(p)
                    || headers.iter().any(|(_, v)| v.contains(p))
                    || body.is_some_and(|b| b.contains(p))
            };
            let (path, tag, prefix) = match item {
                PurgeItem::Path(p) => (p.as_str(), "", ""),
                PurgeItem::Prefix(p) if mentions("{prefix}") => ("", "", p.as_str()),
                PurgeItem::Prefix(p) => {
                    return Err(format!("the http purge has no {{prefix}} in its url, headers or body: it cannot purge every URL under {p} (sending {p} as one path would purge that page only)"));
                }
                PurgeItem::Tag(t) => ("", t.as_str(), ""),
                PurgeItem::Everything => {
                    return Err("the http purge provider purges one item per call, not everything: use --path or --prefix".to_string());
                }
            };
            let page = if path.is_empty() {
                String::new()
            } else {
                public_page(site, path).to_string()
            };
            let value_of = |name: &str| -> Option<String> {
                Some(match name {
                    "url" => page.clone(),
                    "path" => path.to_string(),
                    "tag" => tag.to_string(),
                    "prefix" => prefix.to_string(),
                    "host" => public_host(site),
                    "token" => token.to_string(),
                    _ => return None,
                })
            };
            let fill = |template: &str, part: Part| template::fill(template, part, &value_of);
            let headers = headers
                .iter()
                .map(|(n, v)| Ok((n.clone(), fill(v, Part::Header)?)))
                .collect::<Result<_, String>>()?;
            Ok(PurgeCall {
                method: method.to_string(),
                url: fill(url, Part::Url)?,
                headers,
                body: body.map(|b| fill(b, Part::JsonBody)).transpose()?,
                covers: vec![item.clone()],
            })
        })
        .collect()
}

impl ProviderCalls for HttpPurge {
    fn calls(&self, site: &Site, items: &[PurgeItem], token: &str) -> Calls {
        let template = (
            self.url.as_str(),
            self.method.as_str(),
            &self.headers[..],
            self.body.as_deref(),
        );
        calls(site, template, items, token)
    }

    fn succeeded(&self, body: &[u8]) -> bool {
        self.success == SuccessRule::Any2xx
            || serde_json::from_slice::<serde_json::Value>(body).is_ok()
    }

    /// ngx_cache_purge answers 404 for a key it does not hold.
    fn not_found_means_not_cached(&self) -> bool {
        true
    }
}
