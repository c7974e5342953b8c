//! Varnish: a `PURGE` (one URL) or a `BAN` (a regex in a header) to every
//! cache node, with the public URL's Host, which Varnish hashes with the
//! URL. Nodes trust their network (a VCL ACL), so there is no token.

use super::{PurgeCall, PurgeItem, public_host};
use crate::model::config::Site;
use url::Url;

pub(super) fn calls(
    site: &Site,
    nodes: &[Url],
    ban_header: Option<&str>,
    items: &[PurgeItem],
) -> Result<Vec<PurgeCall>, String> {
    let public = [site.public_url.clone()];
    let nodes = if nodes.is_empty() { &public[..] } else { nodes };
    let mut calls = Vec::new();
    for node in nodes {
        for item in items {
            calls.push(match ban_header {
                None => purge(site, node, item)?,
                Some(header) => ban(site, node, header, item)?,
            });
        }
    }
    Ok(calls)
}

fn purge(site: &Site, node: &Url, item: &PurgeItem) -> Result<PurgeCall, String> {
    let PurgeItem::Path(path) = item else {
        return Err(format!(
            "Varnish PURGE removes one URL and cannot purge {item}: set method = \"BAN\" in [sites.{}.purge] (with a VCL that bans on the header)",
            site.name
        ));
    };
    Ok(PurgeCall {
        method: "PURGE".into(),
        url: crate::model::paths::page_url(node, path).to_string(),
        headers: vec![("Host".into(), public_host(site))],
        body: None,
        covers: vec![item.clone()],
    })
}

fn ban(site: &Site, node: &Url, header: &str, item: &PurgeItem) -> Result<PurgeCall, String> {
    let expression = match item {
        // The page and its query variants (Next.js's `?_rsc=` payloads are
        // cached under their own URL).
        PurgeItem::Path(path) => format!("^{}(\\?.*)?$", regex::escape(path)),
        PurgeItem::Prefix(prefix) => format!("^{}", regex::escape(prefix)),
        PurgeItem::Everything => ".".to_string(),
        PurgeItem::Tag(tag) => {
            return Err(format!(
                "Varnish has no tag purge: no configured route carries the tag {tag:?}"
            ));
        }
    };
    Ok(PurgeCall {
        method: "BAN".into(),
        url: crate::model::paths::page_url(node, "/").to_string(),
        headers: vec![
            ("Host".into(), public_host(site)),
            (header.to_string(), expression),
        ],
        body: None,
        covers: vec![item.clone()],
    })
}
