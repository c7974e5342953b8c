//! Varnish: a `PURGE` (one URL) or a `BAN` to every cache node, with the
//! public URL's Host, which Varnish hashes with the URL. A BAN is shaped as
//! the VCL reads it ([`BanShape`]: the testbed's `X-Ban-Url`, the Varnish
//! documentation's ban of the request's own URL, FOSHttpCache's
//! `X-Host`/`X-Url`, the lurker-friendly `X-Ban-Url`/`X-Ban-Host`), or
//! varnish-modules' xkey for tags. Nodes trust their network (a VCL ACL),
//! so there is no token.

use super::{Calls, ProviderCalls, PurgeCall, PurgeItem, public_host};
use crate::model::config::Site;
use crate::model::purge::varnish::{BanShape, Varnish, VarnishMethod};
use url::Url;

fn calls(
    site: &Site,
    nodes: &[Url],
    method: &VarnishMethod,
    items: &[PurgeItem],
) -> Result<Vec<PurgeCall>, String> {
    let public = [site.public_url.clone()];
    let nodes = if nodes.is_empty() { &public[..] } else { nodes };
    let mut calls = Vec::new();
    for node in nodes {
        for item in items {
            calls.push(match (method, item) {
                (VarnishMethod::Ban(shape), _) => ban_call(site, node, shape, item)?,
                (VarnishMethod::Xkey { soft }, PurgeItem::Tag(tag)) => xkey(site, node, *soft, tag),
                _ => purge(site, node, item)?,
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

/// varnish-modules' documented VCL: `xkey.purge(req.http.xkey-purge)` on
/// a PURGE, answering "Invalidated N objects".
fn xkey(site: &Site, node: &Url, soft: bool, tag: &str) -> PurgeCall {
    let header = if soft { "xkey-softpurge" } else { "xkey-purge" };
    PurgeCall {
        method: "PURGE".into(),
        url: crate::model::paths::page_url(node, "/").to_string(),
        headers: vec![
            ("Host".into(), public_host(site)),
            (header.into(), tag.to_string()),
        ],
        body: None,
        covers: vec![PurgeItem::Tag(tag.to_string())],
    }
}

fn ban_call(
    site: &Site,
    node: &Url,
    shape: &BanShape,
    item: &PurgeItem,
) -> Result<PurgeCall, String> {
    let (regex, path) = match item {
        // The page and its query variants (Next.js's `?_rsc=` payloads are
        // cached under their own URL).
        PurgeItem::Path(path) => (format!("^{}(\\?.*)?$", regex::escape(path)), path.as_str()),
        PurgeItem::Prefix(prefix) => (format!("^{}", regex::escape(prefix)), prefix.as_str()),
        PurgeItem::Everything => (".".to_string(), "/"),
        PurgeItem::Tag(tag) => {
            return Err(format!(
                "Varnish has no tag purge: no configured route carries the tag {tag:?}"
            ));
        }
    };
    if shape.url.contains("{path}") && !matches!(item, PurgeItem::Path(_)) {
        return Err(format!(
            "this BAN bans the request's own URL (ban_url = \"{{path}}\", the Varnish documentation's VCL): it cannot ban {item}; use a VCL that bans on a header (ban_preset = \"lurker\")"
        ));
    }
    let host = public_host(site);
    let fill = |template: &str| {
        template
            .replace("{regex}", &regex)
            .replace("{path}", path)
            .replace("{host_regex}", &format!("^{}$", regex::escape(&host)))
            .replace("{host}", &host)
    };
    let mut headers = vec![("Host".to_string(), host.clone())];
    headers.extend(shape.headers.iter().map(|(n, v)| (n.clone(), fill(v))));
    Ok(PurgeCall {
        method: "BAN".into(),
        url: crate::model::paths::page_url(node, &fill(&shape.url)).to_string(),
        headers,
        body: None,
        covers: vec![item.clone()],
    })
}

impl ProviderCalls for Varnish {
    fn calls(&self, site: &Site, items: &[PurgeItem], _token: &str) -> Calls {
        calls(site, &self.nodes, &self.method, items)
    }

    /// varnish-modules' documented VCL answers "Invalidated N objects".
    fn found_nothing(&self, body: &[u8]) -> bool {
        let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_lowercase();
        matches!(self.method, VarnishMethod::Xkey { .. })
            && (text.contains("invalidated 0 objects") || text.contains("purged 0 objects"))
    }

    fn not_found_means_not_cached(&self) -> bool {
        true
    }

    /// The node the call went to, keyed like the public URL.
    fn read_back_at(
        &self,
        site: &Site,
        call: &PurgeCall,
        path: &str,
    ) -> Option<(String, Option<String>)> {
        let mut node = Url::parse(&call.url).ok()?;
        node.set_path("/");
        node.set_query(None);
        let page = crate::model::paths::page_url(&node, path).to_string();
        Some((page, Some(public_host(site))))
    }

    fn likely_cause(&self, site: &Site, call: &PurgeCall) -> String {
        match &self.method {
            VarnishMethod::Xkey { .. } => "no cached copy of the page carries the tag in its xkey header: the app (or the VCL) must send `xkey: <tag>` with the page".into(),
            VarnishMethod::Ban(_) => "the VCL's ban() matched nothing: shape the BAN as your VCL reads it — ban_preset = \"varnish-docs\" (it bans the request's own req.url, as the Varnish documentation's example), \"foshttpcache\" (X-Host, X-Url) or \"lurker\" (X-Ban-Url, X-Ban-Host) — or spell it out with ban_url and ban_headers; or use PURGE".into(),
            VarnishMethod::Purge => format!(
                "the copy is cached under another key than {} with Host {}: a VCL that normalises the URL or Host, hashes more than both (a cookie, a device), or a Vary the purge does not cover",
                call.url,
                public_host(site)
            ),
        }
    }
}
