//! Fastly's purge API: URLs, surrogate keys, everything; soft by default.
//!
//! Keys: `service_id`, `soft` (default true), `api_url`; a token.

use super::{Keys, Provider, Refused, Registered};
use std::sync::Arc;
use url::Url;

pub const REGISTERED: Registered = Registered {
    name: "fastly",
    read,
};

const API: &str = "https://api.fastly.com";

#[derive(Clone, Debug, PartialEq)]
pub struct Fastly {
    pub api_url: Url,
    pub service_id: String,
    pub soft: bool,
}

impl Provider for Fastly {
    fn name(&self) -> &'static str {
        "fastly"
    }

    fn needs_token(&self) -> bool {
        true
    }

    fn rsc_coverage(&self) -> Option<&'static str> {
        Some(
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
        let hard = Fastly {
            soft: false,
            ..self.clone()
        };
        self.soft.then(|| Arc::new(hard) as Arc<dyn Provider>)
    }

    fn purges_tags(&self) -> bool {
        true
    }

    fn auth_fix(&self) -> &'static str {
        "check the token in [purge.token]: it needs the purge_select scope (purge_all for --everything) on this service"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn read(keys: &mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused> {
    let site = keys.site;
    let service_id = keys.required(
        "service_id",
        format!("add service_id = \"…\" to [sites.{site}.purge] (the service's page shows it)"),
    )?;
    Ok(Arc::new(Fastly {
        api_url: keys.api_url(API)?,
        service_id: keys.id(&service_id, "service_id")?,
        soft: keys.boolean("soft")?.unwrap_or(true),
    }))
}
