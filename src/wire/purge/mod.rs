//! Purging the CDN: Next.js revalidation never reaches a CDN, so a page
//! revalidated at the origin stays stale there for the CDN's TTL. A purge
//! removes the CDN's copy.
//!
//! Each provider turns what to purge ([`PurgeItem`]s) into the exact HTTP
//! calls its documentation describes ([`PurgeCall`]), batched at its
//! limit, and reads its answers; sending, retrying after a 429 and
//! masking are shared. The purge token is a secret under every rule the
//! revalidation secret is: masked in everything shown or stored.

mod answer;
pub mod cloudflare;
pub mod cloudfront;
pub mod fastly;
mod http_purge;
mod proof;
mod send;
mod varnish;
pub mod vercel;

pub use crate::model::purge::{
    CloudflareMode, Provider, PurgeCall, PurgeConfig, PurgeItem, PurgeKind, PurgeOutcome,
    item_target,
};
pub use send::{INVALIDATION_WAIT, PurgeCredentials, PurgeWatch, Purger, cost};

use crate::model::config::Site;
use url::Url;

/// The calls that purge `items` on `site`'s CDN, with `token` in place
/// (the real one to send, `***` to show). Tags become route URLs where the
/// provider has no tag purge; what cannot be purged at all is an error.
pub fn calls(
    site: &Site,
    config: &PurgeConfig,
    items: &[PurgeItem],
    token: &str,
) -> Result<Vec<PurgeCall>, String> {
    let items = expand_tags(site, &config.provider, items)?;
    match &config.provider {
        Provider::Varnish { nodes, method } => varnish::calls(site, nodes, method, &items),
        Provider::Cloudflare {
            api_url,
            zone_id,
            mode,
            files_per_request,
        } => cloudflare::calls(
            site,
            (api_url, zone_id, *mode, *files_per_request),
            &items,
            token,
        ),
        Provider::Fastly {
            api_url,
            service_id,
            soft,
        } => fastly::calls(site, (api_url, service_id, *soft), &items, token),
        Provider::Vercel {
            api_url,
            project_id,
            team_id,
            hard,
        } => vercel::calls(
            (api_url, project_id, team_id.as_deref(), *hard),
            &items,
            token,
        ),
        Provider::CloudFront {
            api_url,
            distribution_id,
        } => cloudfront::calls(api_url, distribution_id, &items),
        Provider::Http {
            url,
            method,
            headers,
            body,
            ..
        } => http_purge::calls(site, (url, method, headers, body.as_deref()), &items, token),
    }
}

/// A tag, for a CDN without tag purge: the configured routes carrying it;
/// a tag no route carries cannot be purged there, and says so.
fn expand_tags(
    site: &Site,
    provider: &Provider,
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
