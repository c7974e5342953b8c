//! A data-defined purge request: one call per item, the URL, header values
//! and body filled from `{url}` (the page's public URL), `{path}`, `{tag}`,
//! `{host}` and `{token}`. Covers nginx `proxy_cache_purge`, Bunny, KeyCDN
//! and in-house purge endpoints.

use super::{PurgeCall, PurgeItem, public_host, public_page};
use crate::model::config::Site;

type Template<'a> = (&'a str, &'a str, &'a [(String, String)], Option<&'a str>);

pub(super) fn calls(
    site: &Site,
    (url, method, headers, body): Template,
    items: &[PurgeItem],
    token: &str,
) -> Result<Vec<PurgeCall>, String> {
    items
        .iter()
        .map(|item| {
            let (path, tag) = match item {
                PurgeItem::Path(p) | PurgeItem::Prefix(p) => (p.as_str(), ""),
                PurgeItem::Tag(t) => ("", t.as_str()),
                PurgeItem::Everything => {
                    return Err("the http purge provider purges one item per call, not everything: use --path or --prefix".to_string());
                }
            };
            let page = if path.is_empty() {
                String::new()
            } else {
                public_page(site, path).to_string()
            };
            let fill = |template: &str| {
                template
                    .replace("{url}", &page)
                    .replace("{path}", path)
                    .replace("{tag}", tag)
                    .replace("{host}", &public_host(site))
                    .replace("{token}", token)
            };
            Ok(PurgeCall {
                method: method.to_string(),
                url: fill(url),
                headers: headers.iter().map(|(n, v)| (n.clone(), fill(v))).collect(),
                body: body.map(fill),
                covers: vec![item.clone()],
            })
        })
        .collect()
}
