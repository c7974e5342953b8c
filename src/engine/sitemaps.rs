//! Loading the sites' sitemap routes in the background, from the copies
//! `routes --refresh` keeps: the console draws its first frame from the
//! config alone, and the sitemap's pages arrive as an event (with the
//! filter's index of them); and `routes` reading a site's sitemap again.

use super::{Engine, EngineEvent};
use crate::model::config::{Route, Site};
use crate::model::trouble::{CLIENT_FIX, Trouble};
use std::path::PathBuf;
use std::sync::Arc;

impl Engine {
    /// One `SitemapRoutes` event per site with a sitemap and a cached copy.
    pub fn load_sitemaps(&self, state_dir: PathBuf) {
        let engine = self.clone();
        let sites: Vec<(usize, crate::model::config::Site)> = self
            .inner
            .sites
            .iter()
            .cloned()
            .enumerate()
            .filter(|(_, s)| s.sitemap.is_some())
            .collect();
        tokio::task::spawn_blocking(move || {
            for (site, config) in sites {
                let cache = crate::wire::sitemap::Cache::open(&state_dir, &config.name);
                if cache.map.fetched.is_none() {
                    continue;
                }
                let routes: Arc<[Route]> = crate::wire::sitemap::merged(&config, &cache.map).into();
                engine.emit(EngineEvent::SitemapRoutes {
                    site,
                    routes: routes.clone(),
                });
                engine.emit(super::route_index::index_of(site, routes));
            }
        });
    }
}

impl Engine {
    /// Read one site's sitemap again (conditionally) and keep the copy:
    /// its routes arrive as `SitemapRoutes`, or why not as `SitemapNotRead`.
    pub fn read_sitemap(&self, site: usize) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        let config = self.site(site).cloned();
        tokio::spawn(async move {
            let read = match (&config, crate::model::files::state_dir()) {
                (Some(config), Some(dir)) => match &config.sitemap {
                    Some(sitemap) => sitemap_routes(config, sitemap, &dir, true)
                        .await
                        .map_err(|t| t.to_string()),
                    None => Err("the site has no sitemap".to_string()),
                },
                (_, None) => Err("no state directory (set XDG_STATE_HOME or HOME)".to_string()),
                (None, _) => Err(format!("no site number {site}")),
            };
            match read {
                Ok(read) => {
                    let routes: Arc<[Route]> = read.routes.into();
                    engine.emit(EngineEvent::SitemapRoutes {
                        site,
                        routes: routes.clone(),
                    });
                    engine.emit(super::route_index::index_of(site, routes));
                }
                Err(why) => engine.emit(EngineEvent::SitemapNotRead { site, why }),
            }
        })
    }
}

/// A page a sitemap lists, and when it says the page changed.
#[derive(Clone, Debug)]
pub struct Listed {
    pub path: String,
    pub lastmod: Option<jiff::Timestamp>,
}

/// A site's sitemap as the cached copy has it, after reading it again
/// when asked.
pub struct SitemapRoutes {
    /// The configured routes and the sitemap's pages (config wins).
    pub routes: Vec<Route>,
    /// Pages the sitemap listed.
    pub pages: usize,
    /// Those pages in the sitemap's order, each with its `<lastmod>`.
    pub listed: Vec<Listed>,
    /// When the copy was read from the site; `None`: never.
    pub fetched: Option<jiff::Timestamp>,
    /// What the sitemap reader noticed (skipped URLs, a cap reached).
    pub notes: Vec<String>,
    /// The copy could not be written (the routes are still good).
    pub not_saved: Option<String>,
}

/// The routes of a site with a sitemap, from the copy in `state_dir`; with
/// `refresh`, the sitemap is read from the site first (conditionally).
pub async fn sitemap_routes(
    site: &Site,
    sitemap: &url::Url,
    state_dir: &std::path::Path,
    refresh: bool,
) -> Result<SitemapRoutes, Trouble> {
    let mut cache = crate::wire::sitemap::Cache::open(state_dir, &site.name);
    let mut not_saved = None;
    if refresh {
        let client = crate::wire::http::client(&site.limits, site.tls_verify).map_err(|e| {
            Trouble::unavailable(format!("cannot build the HTTP client: {e}")).with_fix(CLIENT_FIX)
        })?;
        cache.map = crate::wire::sitemap::fetch(&client, site, sitemap, &mut cache).await?;
        not_saved = cache.save().err().map(|e| e.to_string());
    }
    let listed = cache.map.entries.iter().map(|e| Listed {
        path: e.path.clone(),
        lastmod: e
            .lastmod
            .as_deref()
            .and_then(crate::model::staleness::parse_lastmod),
    });
    Ok(SitemapRoutes {
        routes: crate::wire::sitemap::merged(site, &cache.map),
        pages: cache.map.entries.len(),
        listed: listed.collect(),
        fetched: cache.map.fetched,
        notes: cache.map.notes.clone(),
        not_saved,
    })
}
