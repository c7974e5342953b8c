//! Vercel's edge cache, by tag: invalidate, or dangerously-delete with
//! `hard = true`.
//!
//! Keys: `project_id`, `team_id`, `hard`, `api_url`; a token.

use super::{Keys, Provider, Refused, Registered};
use std::sync::Arc;
use url::Url;

pub const REGISTERED: Registered = Registered {
    name: "vercel",
    read,
};

const API: &str = "https://api.vercel.com";

#[derive(Clone, Debug, PartialEq)]
pub struct Vercel {
    pub api_url: Url,
    pub project_id: String,
    pub team_id: Option<String>,
    pub hard: bool,
}

impl Provider for Vercel {
    fn name(&self) -> &'static str {
        "vercel"
    }

    fn needs_token(&self) -> bool {
        true
    }

    fn is_api(&self) -> bool {
        true
    }

    fn purges_softly(&self) -> bool {
        !self.hard
    }

    fn hardened(&self) -> Option<Arc<dyn Provider>> {
        let hard = Vercel {
            hard: true,
            ..self.clone()
        };
        (!self.hard).then(|| Arc::new(hard) as Arc<dyn Provider>)
    }

    fn purges_tags(&self) -> bool {
        true
    }

    fn auth_fix(&self) -> &'static str {
        "check the token in [purge.token] and team_id: the token's owner needs the owner or member role on the project's team"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn read(keys: &mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused> {
    let site = keys.site;
    let project = keys.required(
        "project_id",
        format!("add project_id = \"prj_…\" (or the project's name) to [sites.{site}.purge]"),
    )?;
    Ok(Arc::new(Vercel {
        api_url: keys.api_url(API)?,
        project_id: keys.id(&project, "project_id")?,
        team_id: keys.string("team_id")?.map(|t| t.into_inner()),
        hard: keys.boolean("hard")?.unwrap_or(false),
    }))
}
