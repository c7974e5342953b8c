//! Loading the sites' sitemap routes in the background, from the copies
//! `routes --refresh` keeps: the console draws its first frame from the
//! config alone, and the sitemap's pages arrive as an event; so do the
//! filter's indexes of the routes.

use super::{Engine, EngineEvent};
use crate::config::Route;
use crate::route_search::RouteSearch;
use std::path::PathBuf;
use std::sync::Arc;

impl Engine {
    /// One `SitemapRoutes` event per site with a sitemap and a cached copy.
    pub fn load_sitemaps(&self, state_dir: PathBuf) {
        let engine = self.clone();
        let sites: Vec<(usize, crate::config::Site)> = self
            .inner
            .sites
            .iter()
            .cloned()
            .enumerate()
            .filter(|(_, s)| s.sitemap.is_some())
            .collect();
        tokio::task::spawn_blocking(move || {
            for (site, config) in sites {
                let cache = crate::sitemap::Cache::open(&state_dir, &config.name);
                if cache.map.fetched.is_none() {
                    continue;
                }
                let routes: Arc<[Route]> = crate::sitemap::merged(&config, &cache.map).into();
                engine.emit(EngineEvent::SitemapRoutes {
                    site,
                    routes: routes.clone(),
                });
                engine.emit(index_of(site, routes));
            }
        });
    }

    /// One `RouteIndex` event per site, for the routes `sites` hold now:
    /// at a million routes the index takes ~60 ms, which no keystroke
    /// should wait for.
    pub fn index_routes(&self, sites: Vec<Arc<[Route]>>) {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || {
            for (site, routes) in sites.into_iter().enumerate() {
                engine.emit(index_of(site, routes));
            }
        });
    }
}

fn index_of(site: usize, routes: Arc<[Route]>) -> EngineEvent {
    EngineEvent::RouteIndex {
        site,
        search: Arc::new(RouteSearch::new(routes)),
    }
}
