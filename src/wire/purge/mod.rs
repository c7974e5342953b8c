//! Purging the CDN: Next.js revalidation never reaches a CDN, so a page
//! revalidated at the origin stays stale there for the CDN's TTL. A purge
//! removes the CDN's copy.
//!
//! Each provider turns what to purge ([`PurgeItem`]s) into the exact HTTP
//! calls its documentation describes ([`PurgeCall`]), batched at its
//! limit, and reads its answers; sending, retrying after a 429 and
//! masking are shared. The purge token is a secret under every rule the
//! revalidation secret is: masked in everything shown or stored.

pub mod akamai;
mod answer;
pub mod cloudflare;
pub mod cloudfront;
pub mod edgegrid;
pub mod fastly;
mod http_purge;
pub mod netlify;
mod proof;
mod send;
mod settle;
mod template;
mod varnish;
pub mod vercel;

pub use crate::model::purge::{
    Provider, PurgeCall, PurgeConfig, PurgeItem, PurgeKind, PurgeOutcome, item_target,
};
pub use send::{INVALIDATION_WAIT, PurgeCredentials, PurgeWatch, Purger, cost};

use crate::model::config::Site;
use crate::model::purge as facts;
use crate::model::trouble::Trouble;
use std::any::Any;
use std::time::Duration;
use url::Url;

/// Each provider's calls, found by the type of its facts
/// (`model::purge::PROVIDERS`): one line a provider.
const CALLS: [Wired; 8] = [
    wired::<facts::varnish::Varnish>,
    wired::<facts::cloudflare::Cloudflare>,
    wired::<facts::fastly::Fastly>,
    wired::<facts::vercel::Vercel>,
    wired::<facts::cloudfront::CloudFront>,
    wired::<facts::netlify::Netlify>,
    wired::<facts::akamai::Akamai>,
    wired::<facts::http::HttpPurge>,
];

type Wired = for<'a> fn(&'a dyn Any) -> Option<&'a dyn ProviderCalls>;

fn wired<P: ProviderCalls + 'static>(facts: &dyn Any) -> Option<&dyn ProviderCalls> {
    facts.downcast_ref::<P>().map(|p| p as &dyn ProviderCalls)
}

/// The calls of `provider`; a provider with facts and no calls (a
/// registry line missing here) refuses every purge, and says so.
pub(crate) fn wire_of(provider: &dyn Provider) -> &dyn ProviderCalls {
    CALLS
        .iter()
        .find_map(|wired| wired(provider.as_any()))
        .unwrap_or(&Unwired)
}

/// A provider's calls for some items, or why it cannot make them.
pub(crate) type Calls = Result<Vec<PurgeCall>, String>;

/// How a provider's purge is sent and its answers read: the wire half of
/// a provider (the facts half is `model::purge::Provider`). Only `calls`
/// must be written; each default is what a plain cache endpoint does.
pub(crate) trait ProviderCalls: Sync {
    /// The calls that purge `items` (tags already turned into routes where
    /// the provider has no tag purge), with `token` in place (the real one
    /// to send, `***` to show); what it cannot express is an error.
    fn calls(
        &self,
        site: &Site,
        items: &[PurgeItem],
        token: &str,
    ) -> Result<Vec<PurgeCall>, String>;

    /// The provider's own words in an answer, and whether they say the
    /// request carried too many items.
    fn error(&self, _body: &[u8]) -> Option<(String, bool)> {
        None
    }

    /// Whether a 2xx answer confirms the purge (some APIs answer 200 with
    /// `"success": false`).
    fn succeeded(&self, _body: &[u8]) -> bool {
        true
    }

    /// An answer that is a rate limit whatever its status (Cloudflare's 1015).
    fn rate_limited(&self, _body: &[u8]) -> bool {
        false
    }

    /// A 2xx that says no cached copy matched (nothing to purge).
    fn found_nothing(&self, _body: &[u8]) -> bool {
        false
    }

    /// Whether a 404 means the cache held no copy (a cache's purge
    /// location), rather than a wrong address.
    fn not_found_means_not_cached(&self) -> bool {
        false
    }

    /// For a provider whose "too many" means too many at once in progress
    /// (not in one request): the explanation and fix of that rate limit.
    fn busy(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// How long to wait after a rate limit that names no wait.
    fn default_wait(&self, _message: Option<&str>) -> Option<Duration> {
        None
    }

    /// Where a purged page is read back: the public URL, or the node the
    /// call went to (URL and Host); `None` where it cannot be read back.
    fn read_back_at(
        &self,
        site: &Site,
        _call: &PurgeCall,
        path: &str,
    ) -> Option<(String, Option<String>)> {
        Some((
            crate::model::paths::page_url(&site.public_url, path).to_string(),
            None,
        ))
    }

    /// Why a cache may accept a purge and keep the page, for this shape.
    fn likely_cause(&self, _site: &Site, _call: &PurgeCall) -> String {
        "the purge endpoint accepted a key the page is not cached under: check the Host, scheme and query its cache key uses (nginx: proxy_cache_key), and that the template fills the tag or path the cache reads".into()
    }

    /// Whether its calls are signed with AWS's credentials (SigV4).
    fn signs_with_aws(&self) -> bool {
        false
    }

    /// Where its EdgeGrid credentials are, for a provider whose calls are
    /// signed with them (Akamai).
    fn edgegrid(&self) -> Option<&crate::model::purge::akamai::EdgeGridSource> {
        None
    }

    /// How long the provider says its accepted purge takes to reach every
    /// edge (Akamai's `estimatedSeconds`): the read-back waits that long.
    fn settles_after(&self, _body: &[u8]) -> Option<Duration> {
        None
    }

    /// What purging `paths` paths costs, where the provider charges for it.
    fn cost(&self, _paths: usize) -> Option<String> {
        None
    }
}

/// A provider whose calls nobody registered.
struct Unwired;

impl ProviderCalls for Unwired {
    fn calls(&self, _: &Site, _: &[PurgeItem], _: &str) -> Calls {
        Err("this purge provider has no calls registered (wire::purge::CALLS): report this".into())
    }
}

/// The calls that purge `items` on `site`'s CDN, with `token` in place
/// (the real one to send, `***` to show). Tags become route URLs where the
/// provider has no tag purge; what cannot be purged at all is an error.
pub fn calls(
    site: &Site,
    config: &PurgeConfig,
    items: &[PurgeItem],
    token: &str,
) -> Result<Vec<PurgeCall>, Trouble> {
    let items = expand_tags(site, config.provider.as_ref(), items).map_err(Trouble::refused)?;
    wire_of(config.provider.as_ref())
        .calls(site, &items, token)
        .map_err(Trouble::refused)
}

/// A tag, for a CDN without tag purge: the configured routes carrying it;
/// a tag no route carries cannot be purged there, and says so.
fn expand_tags(
    site: &Site,
    provider: &dyn Provider,
    items: &[PurgeItem],
) -> Result<Vec<PurgeItem>, String> {
    let mut out: Vec<PurgeItem> = Vec::new();
    for item in items {
        match item {
            PurgeItem::Tag(tag) if !provider.purges_tags() => {
                let before = out.len();
                out.extend(
                    site.routes
                        .iter()
                        .filter(|r| r.page_type.is_none() && r.tags.contains(tag))
                        .map(|r| PurgeItem::Path(r.path.clone())),
                );
                if out.len() == before {
                    return Err(format!(
                        "{} has no tag purge, and no configured route of {} carries the tag {tag:?}: nothing would be purged; purge with --path, or add the tag to the routes' tags",
                        provider.name(),
                        site.name
                    ));
                }
            }
            other => out.push(other.clone()),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| seen.insert(i.clone()));
    Ok(out)
}

/// The public URL of a path on the site (keeps a basePath).
fn public_page(site: &Site, path: &str) -> Url {
    crate::model::paths::page_url(&site.public_url, path)
}

/// `host[:port]` of the public URL: what a cache keys the page under.
fn public_host(site: &Site) -> String {
    let host = site.public_url.host_str().unwrap_or_default();
    match site.public_url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests;
