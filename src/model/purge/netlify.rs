//! Netlify's CDN, purged through its API (`POST /api/v1/purge`): by cache
//! tag, or the whole site. Netlify has no purge by URL; the Next.js runtime
//! on Netlify tags each page it serves `_N_T_<path>` (and purges that tag
//! for `revalidatePath`), so a page is purged as that tag.
//!
//! Keys: `site_id` or `site_slug`, `deploy_alias`, `domain`, `api_url`; a
//! token (a personal access token, or the purge token Netlify gives a
//! function as `NETLIFY_PURGE_API_TOKEN`).

use super::{Keys, Provider, Refused, Registered};
use std::sync::Arc;
use url::Url;

pub const REGISTERED: Registered = Registered {
    name: "netlify",
    read,
};

const API: &str = "https://api.netlify.com";

/// The prefix of the tag the Next.js runtime on Netlify puts on a page.
pub const PAGE_TAG_PREFIX: &str = "_N_T_";

#[derive(Clone, Debug, PartialEq)]
pub struct Netlify {
    pub api_url: Url,
    /// The site, by id or by slug (its `*.netlify.app` name).
    pub site: NetlifySite,
    /// Purge only this deploy's copies (a branch deploy or preview alias).
    pub deploy_alias: Option<String>,
    /// Purge only copies served for this domain.
    pub domain: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NetlifySite {
    Id(String),
    Slug(String),
}

impl Provider for Netlify {
    fn name(&self) -> &'static str {
        "netlify"
    }

    fn needs_token(&self) -> bool {
        true
    }

    fn is_api(&self) -> bool {
        true
    }

    fn purges_tags(&self) -> bool {
        true
    }

    fn auth_fix(&self) -> &'static str {
        "check the token in [purge.token]: a Netlify personal access token of a team member of this site (or the site's NETLIFY_PURGE_API_TOKEN)"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn read(keys: &mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused> {
    let site_name = keys.site;
    let site = match keys.string("site_slug")? {
        Some(slug) if keys.string("site_id")?.is_none() => {
            NetlifySite::Slug(keys.id(&slug, "site_slug")?)
        }
        _ => {
            let id = keys.required(
                "site_id",
                format!("add site_id = \"…\" (Site configuration › Site details › Site ID) or site_slug = \"…\" to [sites.{site_name}.purge]"),
            )?;
            NetlifySite::Id(keys.id(&id, "site_id")?)
        }
    };
    Ok(Arc::new(Netlify {
        api_url: keys.api_url(API)?,
        site,
        deploy_alias: keys.string("deploy_alias")?.map(|t| t.into_inner()),
        domain: keys.string("domain")?.map(|t| t.into_inner()),
    }))
}
