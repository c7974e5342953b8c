//! A site's pages: the route of a path, and the key pages that say how
//! the site is (what `status` and the console's start probe read).

use super::{Route, Site};

impl Site {
    pub fn route(&self, path: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.path == path)
    }

    /// Whether a configured route is this path, or a pattern covering it.
    pub fn has_route_for(&self, path: &str) -> bool {
        self.routes.iter().any(|r| {
            r.path == path || (r.page_type.is_some() && crate::model::paths::covers(&r.path, path))
        })
    }

    /// The pages that say how the site is (`status`, the console's start
    /// probe): its `key = true` routes, else its first few paths, else `/`.
    pub fn key_pages(&self) -> Vec<String> {
        const FIRST_FEW: usize = 3;
        let paths = || self.routes.iter().filter(|r| r.page_type.is_none());
        let mut pages: Vec<String> = paths().filter(|r| r.key).map(|r| r.path.clone()).collect();
        if pages.is_empty() {
            pages = paths().take(FIRST_FEW).map(|r| r.path.clone()).collect();
        }
        if pages.is_empty() {
            pages.push("/".into());
        }
        pages
    }
}
