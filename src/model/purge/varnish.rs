//! Varnish nodes, purged directly: `PURGE <path>` with the public URL's
//! Host (Varnish's cache key includes it), a `BAN` shaped as the VCL reads
//! it, or varnish-modules' xkey for tags. Nodes trust their network (a VCL
//! ACL), so there is no token.
//!
//! Keys: `nodes`, `method` ("PURGE", "BAN", "xkey"), `soft` (xkey),
//! `ban_preset`, `ban_header`, `ban_url`, `ban_headers`.

use super::{Keys, Provider, Refused, Registered};
use std::sync::Arc;
use url::Url;

pub const REGISTERED: Registered = Registered {
    name: "varnish",
    read,
};

#[derive(Clone, Debug, PartialEq)]
pub struct Varnish {
    /// The nodes to purge (none: the public URL's host is the node).
    pub nodes: Vec<Url>,
    pub method: VarnishMethod,
}

/// How a Varnish node is asked to purge.
#[derive(Clone, Debug, PartialEq)]
pub enum VarnishMethod {
    /// `PURGE <path>`: one URL (every Vary variant of it).
    Purge,
    /// A BAN: a regex, so prefixes, everything and a page's queries too.
    Ban(BanShape),
    /// varnish-modules' xkey, as its documentation's VCL reads it: `PURGE`
    /// with the tag in `xkey-purge` (`xkey-softpurge` when soft: the
    /// copies turn stale, served while refetched). Paths are PURGEd.
    Xkey { soft: bool },
}

/// How a VCL wants its BAN: where the request goes and which headers carry
/// what to ban. Templates: `{regex}` (the page and its query variants,
/// `^/a(\?.*)?$`; a prefix `^/blog/`; everything `.`), `{path}`, `{host}`
/// (the public URL's `host[:port]`) and `{host_regex}` (`^host$`).
#[derive(Clone, Debug, PartialEq)]
pub struct BanShape {
    /// `/`, or `{path}` for a VCL that bans the BAN request's own URL.
    pub url: String,
    pub headers: Vec<(String, String)>,
}

impl BanShape {
    /// The presets for the VCLs people copy.
    pub const PRESETS: [&'static str; 3] = ["varnish-docs", "foshttpcache", "lurker"];

    /// `X-Ban-Url: {regex}` to `/` (the testbed's VCL, and isrctl's default),
    /// or the same with another header name.
    pub fn header(name: &str) -> BanShape {
        BanShape {
            url: "/".into(),
            headers: vec![(name.to_string(), "{regex}".into())],
        }
    }

    pub fn preset(name: &str) -> Option<BanShape> {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        let shape = match name {
            // The Varnish documentation's example bans `req.url` of the BAN
            // request itself (with its Host): the BAN goes to the page.
            "varnish-docs" => BanShape {
                url: "{path}".into(),
                headers: Vec::new(),
            },
            // FOSHttpCache's VCL: X-Host, X-Url and X-Content-Type, each a
            // regex matched against the object's own headers.
            "foshttpcache" => BanShape {
                url: "/".into(),
                headers: pairs(&[
                    ("X-Host", "{host_regex}"),
                    ("X-Url", "{regex}"),
                    ("X-Content-Type", ".*"),
                ]),
            },
            // The lurker-friendly ban of the Varnish documentation:
            // obj.http.x-url ~ X-Ban-Url && obj.http.x-host ~ X-Ban-Host.
            "lurker" => BanShape {
                url: "/".into(),
                headers: pairs(&[("X-Ban-Url", "{regex}"), ("X-Ban-Host", "{host_regex}")]),
            },
            _ => return None,
        };
        Some(shape)
    }
}

impl Provider for Varnish {
    fn name(&self) -> &'static str {
        "varnish"
    }

    fn rsc_coverage(&self) -> Option<&'static str> {
        match &self.method {
            VarnishMethod::Ban(shape) if shape.url.contains("{path}") => Some(
                "this BAN bans the request's own URL (ban_preset = \"varnish-docs\"): ?_rsc= URLs stay cached; a header-based BAN (\"lurker\", \"foshttpcache\") covers them",
            ),
            VarnishMethod::Ban(_) => None,
            VarnishMethod::Purge | VarnishMethod::Xkey { .. } => Some(
                "Varnish PURGE drops this URL's copies (every Vary variant of it) but not ?_rsc= URLs, which are objects of their own: the page's RSC payload may stay stale; BAN (method = \"BAN\") covers the page with its queries",
            ),
        }
    }

    fn purges_softly(&self) -> bool {
        matches!(self.method, VarnishMethod::Xkey { soft: true })
    }

    fn hardened(&self) -> Option<Arc<dyn Provider>> {
        let hard = Varnish {
            method: VarnishMethod::Xkey { soft: false },
            ..self.clone()
        };
        self.purges_softly()
            .then(|| Arc::new(hard) as Arc<dyn Provider>)
    }

    fn names_its_objects(&self) -> bool {
        !matches!(self.method, VarnishMethod::Xkey { .. })
    }

    fn purges_tags(&self) -> bool {
        matches!(self.method, VarnishMethod::Xkey { .. })
    }

    fn auth_fix(&self) -> &'static str {
        "the node refuses purges from this address: add it to the VCL's purge ACL"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn read(keys: &mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused> {
    let mut nodes = Vec::new();
    for node in keys.strings("nodes")? {
        nodes.push(keys.check_url(&node, "nodes")?);
    }
    let soft = keys.boolean("soft")?.unwrap_or(false);
    let ban = ban_shape(keys)?;
    let method = match keys.string("method")? {
        None => VarnishMethod::Purge,
        Some(m) => match m.get_ref().as_str() {
            "PURGE" => VarnishMethod::Purge,
            "BAN" => VarnishMethod::Ban(ban),
            "xkey" => VarnishMethod::Xkey { soft },
            other => {
                return Err(keys.error(
                    m.span().start,
                    format!("method {other:?}: Varnish purges with PURGE, BAN or xkey"),
                    "write method = \"PURGE\" (one URL per call), \"BAN\" (prefixes and everything too) or \"xkey\" (tags, with varnish-modules)",
                ));
            }
        },
    };
    Ok(Arc::new(Varnish { nodes, method }))
}

/// The BAN request as the VCL reads it: a preset, or the default
/// `X-Ban-Url` (renamed by `ban_header`), with `ban_url` and
/// `ban_headers` overriding either.
fn ban_shape(keys: &mut Keys<'_>) -> Result<BanShape, Refused> {
    let preset = keys.string("ban_preset")?;
    let header = keys.string("ban_header")?;
    let mut shape = match (preset, header) {
        (Some(preset), _) => match BanShape::preset(preset.get_ref()) {
            Some(shape) => shape,
            None => {
                return Err(keys.error(
                    preset.span().start,
                    format!("ban_preset {:?} is not one isrctl knows", crate::model::safe_text::one_line(preset.get_ref())),
                    format!("write ban_preset = one of {}, or spell the request out with ban_url and ban_headers", BanShape::PRESETS.join(", ")),
                ));
            }
        },
        (None, Some(h)) => {
            keys.header(h.get_ref(), "", h.span().start)?;
            BanShape::header(h.get_ref())
        }
        (None, None) => BanShape::header("X-Ban-Url"),
    };
    if let Some(url) = keys.string("ban_url")? {
        // A path, or `{path}` (the page itself), which fills one in.
        if !(url.get_ref().starts_with('/') || url.get_ref().starts_with("{path}")) {
            return Err(keys.error(
                url.span().start,
                "ban_url is where the BAN goes on each node: a path",
                "write ban_url = \"/\" (the headers say what to ban) or \"{path}\" (a VCL that bans the request's own URL)",
            ));
        }
        shape.url = url.into_inner();
    }
    let headers = keys.headers("ban_headers")?;
    if !headers.is_empty() {
        shape.headers = headers;
    }
    Ok(shape)
}
