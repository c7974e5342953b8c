//! The pages that say how a site is: what `status` and the console's
//! start probe read.

use super::Site;

impl Site {
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
