//! Loading the sites' sitemap routes in the background, from the copies
//! `routes --refresh` keeps: the console draws its first frame from the
//! config alone, and the sitemap's pages arrive as an event (with the
//! filter's index of them).

use super::{Engine, EngineEvent};
use crate::config::Route;
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
                engine.emit(super::route_index::index_of(site, routes));
            }
        });
    }
}
