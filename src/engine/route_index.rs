//! The console filter's index of each site's routes, built off the
//! console's thread: at a million routes it takes ~60 ms, which no
//! keystroke should wait for. It arrives as an event after the first frame.

use super::{Engine, EngineEvent};
use crate::model::config::Route;
use crate::model::route_search::RouteSearch;
use std::sync::Arc;

impl Engine {
    /// One `RouteIndex` event per site, for the routes `sites` hold now.
    pub fn index_routes(&self, sites: Vec<Arc<[Route]>>) {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || {
            for (site, routes) in sites.into_iter().enumerate() {
                engine.emit(index_of(site, routes));
            }
        });
    }
}

pub(super) fn index_of(site: usize, routes: Arc<[Route]>) -> EngineEvent {
    EngineEvent::RouteIndex {
        site,
        search: Arc::new(RouteSearch::new(routes)),
    }
}
