//! Cloudflare's cache, purged through its API v4 ("Purge Cached Content").
//!
//! Keys: `zone_id`, `mode` ("files", "prefixes", "tags", "hosts",
//! "everything"), `files_per_request` (1 to 500), `soft`, `api_url`; a
//! token.

use super::{Keys, Provider, Refused, Registered};
use std::sync::Arc;
use url::Url;

pub const REGISTERED: Registered = Registered {
    name: "cloudflare",
    read,
};

const API: &str = "https://api.cloudflare.com/client/v4";

/// Cloudflare URLs per purge-by-URL request unless configured: accounts
/// below Enterprise are reported to be refused past 30 (the documentation
/// says 100), so 30 works everywhere.
pub const FILES_PER_REQUEST: usize = 30;
/// The most any Cloudflare plan takes (Enterprise).
pub const MOST_PER_REQUEST: usize = 500;

/// `POST {api_url}/zones/{zone_id}/purge_cache`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cloudflare {
    pub api_url: Url,
    pub zone_id: String,
    pub mode: CloudflareMode,
    /// URLs per purge-by-URL request (`files_per_request`).
    pub files_per_request: usize,
    /// `invalidate_cache` instead of `purge_cache`: copies are marked
    /// stale and revalidated with the origin (`soft = true`).
    pub soft: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudflareMode {
    /// Purge by URL (`files`), tags and prefixes as asked.
    Files,
    /// Paths become prefixes (covers the RSC variant and query strings).
    Prefixes,
    Tags,
    /// Purge the whole host.
    Hosts,
    Everything,
}

impl CloudflareMode {
    const NAMES: [&'static str; 5] = ["files", "prefixes", "tags", "hosts", "everything"];

    fn parse(name: &str) -> Option<CloudflareMode> {
        Some(match name {
            "files" => CloudflareMode::Files,
            "prefixes" => CloudflareMode::Prefixes,
            "tags" => CloudflareMode::Tags,
            "hosts" => CloudflareMode::Hosts,
            "everything" => CloudflareMode::Everything,
            _ => return None,
        })
    }
}

impl Provider for Cloudflare {
    fn name(&self) -> &'static str {
        "cloudflare"
    }

    fn needs_token(&self) -> bool {
        true
    }

    fn rsc_coverage(&self) -> Option<&'static str> {
        (self.mode == CloudflareMode::Files).then_some(
            "a URL purge leaves the ?_rsc= variants of the page: purge by prefix or cache tag to cover them",
        )
    }

    fn is_api(&self) -> bool {
        true
    }

    fn purges_softly(&self) -> bool {
        self.soft
    }

    fn hardened(&self) -> Option<Arc<dyn Provider>> {
        let hard = Cloudflare {
            soft: false,
            ..self.clone()
        };
        self.soft.then(|| Arc::new(hard) as Arc<dyn Provider>)
    }

    fn purges_tags(&self) -> bool {
        true
    }

    fn auth_fix(&self) -> &'static str {
        "check the token in [purge.token]: it needs the Zone › Cache Purge permission for this zone"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn read(keys: &mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused> {
    let site = keys.site;
    let zone_id = keys.required(
        "zone_id",
        format!("add zone_id = \"…\" to [sites.{site}.purge] (the zone's overview page shows it)"),
    )?;
    Ok(Arc::new(Cloudflare {
        api_url: keys.api_url(API)?,
        zone_id: keys.id(&zone_id, "zone_id")?,
        mode: keys
            .choice("mode", &CloudflareMode::NAMES, CloudflareMode::parse)?
            .unwrap_or(CloudflareMode::Files),
        files_per_request: files_per_request(keys)?,
        soft: keys.boolean("soft")?.unwrap_or(false),
    }))
}

/// Cloudflare's URLs per request: 30 unless said (1 to 500).
fn files_per_request(keys: &mut Keys<'_>) -> Result<usize, Refused> {
    let Some(n) = keys.integer("files_per_request")? else {
        return Ok(FILES_PER_REQUEST);
    };
    match usize::try_from(*n.get_ref()) {
        Ok(n) if (1..=MOST_PER_REQUEST).contains(&n) => Ok(n),
        _ => Err(keys.error(
            n.span().start,
            format!("files_per_request = {}: Cloudflare takes 1 to {MOST_PER_REQUEST} URLs a request", n.get_ref()),
            format!("write files_per_request = 100 (the documented limit below Enterprise), {MOST_PER_REQUEST} (Enterprise), or leave it out for {FILES_PER_REQUEST}"),
        )),
    }
}
