//! Akamai's cache, purged through Fast Purge v3: by URL, cache tag or CP
//! code, on the production or staging network; `invalidate` (the copy is
//! marked stale and revalidated with the origin) unless `hard = true`
//! asks for `delete`. Calls are signed with EdgeGrid.
//!
//! Keys: `edgerc` (default `~/.edgerc`) and `section` (default
//! `"default"`), read as Akamai's own CLIs read them; or
//! `client_token` and `access_token` with the client secret in
//! `[purge.token]` and the API `host`. Also `network` ("production",
//! "staging"), `hard`, `cpcodes` (for `--everything`), `api_url`.

use super::{Keys, Provider, Refused, Registered};
use std::path::PathBuf;
use std::sync::Arc;
use url::Url;

pub const REGISTERED: Registered = Registered {
    name: "akamai",
    read,
};

#[derive(Clone, Debug, PartialEq)]
pub struct Akamai {
    pub credentials: EdgeGridSource,
    /// Where the calls go instead of the credentials' host (a test's).
    pub api_url: Option<Url>,
    pub network: &'static str,
    /// `delete` instead of `invalidate`.
    pub hard: bool,
    /// The site's CP codes: what `--everything` purges.
    pub cpcodes: Vec<u64>,
}

/// Where the EdgeGrid credentials are.
#[derive(Clone, Debug, PartialEq)]
pub enum EdgeGridSource {
    /// A section of an `.edgerc` file (`~` is the home directory).
    Edgerc { path: PathBuf, section: String },
    /// `client_token` and `access_token` from the config, the client
    /// secret from `[purge.token]`, the API host from `host`.
    Token {
        client_token: String,
        access_token: String,
        host: Option<String>,
    },
}

impl Provider for Akamai {
    fn name(&self) -> &'static str {
        "akamai"
    }

    fn needs_token(&self) -> bool {
        matches!(self.credentials, EdgeGridSource::Token { .. })
    }

    fn rsc_coverage(&self) -> Option<&'static str> {
        Some(
            "a URL purge leaves the ?_rsc= variants of the page: purge by cache tag (Edge-Cache-Tag) to cover them",
        )
    }

    fn is_api(&self) -> bool {
        true
    }

    fn purges_softly(&self) -> bool {
        !self.hard
    }

    fn hardened(&self) -> Option<Arc<dyn Provider>> {
        let hard = Akamai {
            hard: true,
            ..self.clone()
        };
        (!self.hard).then(|| Arc::new(hard) as Arc<dyn Provider>)
    }

    fn purges_tags(&self) -> bool {
        true
    }

    fn auth_fix(&self) -> &'static str {
        "check the EdgeGrid credentials (.edgerc section, or client_token/access_token and [purge.token]): the API client needs the CCU APIs grant (Fast Purge) READ-WRITE for these CP codes"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn read(keys: &mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused> {
    let credentials = credentials(keys)?;
    let network = keys
        .choice("network", &["production", "staging"], |n| match n {
            "production" => Some("production"),
            "staging" => Some("staging"),
            _ => None,
        })?
        .unwrap_or("production");
    let cpcodes = cpcodes(keys)?;
    Ok(Arc::new(Akamai {
        credentials,
        api_url: keys.url("api_url")?,
        network,
        hard: keys.boolean("hard")?.unwrap_or(false),
        cpcodes,
    }))
}

fn credentials(keys: &mut Keys<'_>) -> Result<EdgeGridSource, Refused> {
    let site = keys.site;
    let edgerc = keys.string("edgerc")?;
    let section = keys.string("section")?;
    let Some(client_token) = keys.string("client_token")? else {
        return Ok(EdgeGridSource::Edgerc {
            path: PathBuf::from(edgerc.map_or_else(|| "~/.edgerc".into(), |e| e.into_inner())),
            section: section.map_or_else(|| "default".into(), |s| s.into_inner()),
        });
    };
    let access_token = keys.required(
        "access_token",
        format!("add access_token = \"akab-…\" to [sites.{site}.purge] beside client_token (or use edgerc = \"~/.edgerc\" instead of both)"),
    )?;
    Ok(EdgeGridSource::Token {
        client_token: client_token.into_inner(),
        access_token: access_token.into_inner(),
        host: keys.string("host")?.map(|h| h.into_inner()),
    })
}

fn cpcodes(keys: &mut Keys<'_>) -> Result<Vec<u64>, Refused> {
    let mut out = Vec::new();
    for code in keys.strings("cpcodes")? {
        match code.get_ref().parse::<u64>() {
            Ok(n) => out.push(n),
            Err(_) => {
                return Err(keys.error(
                    code.span().start,
                    format!("cpcodes: {:?} is not a CP code", code.get_ref()),
                    "write cpcodes = [\"123456\"], the CP codes of the site's property",
                ));
            }
        }
    }
    Ok(out)
}
