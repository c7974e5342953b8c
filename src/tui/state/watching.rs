//! Pages the console watches (`w`): the latest read of each, to show the
//! age of the copy visitors get and when it expires, and to say when one
//! turns stale or fresh.

use super::State;
use crate::engine::SiteId;
use crate::engine::watcher::Watched;
use std::collections::HashMap;

/// Watched pages by (site, path), with their latest read once there is one.
pub type Watching = HashMap<(SiteId, String), Option<Watched>>;

impl State {
    pub fn is_watched(&self, site: SiteId, path: &str) -> bool {
        self.watching.contains_key(&(site, path.to_string()))
    }

    /// The latest read of a watched page.
    pub fn watched(&self, site: SiteId, path: &str) -> Option<&Watched> {
        self.watching.get(&(site, path.to_string()))?.as_ref()
    }
}
