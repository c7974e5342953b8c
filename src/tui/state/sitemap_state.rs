//! Whether a site's sitemap has been read, as the Routes pane's title says
//! it: a site whose sitemap was never read shows only its configured
//! routes, and the title says so with the command that reads it.

/// A site's sitemap, as the console knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SitemapState {
    /// The site has no `sitemap`.
    NoSitemap,
    /// No copy in the state directory yet: only the configured routes show.
    NotRead,
    /// `:refresh` is reading it.
    Reading,
    /// Read: this many pages came from it.
    Read { pages: usize },
}

impl SitemapState {
    /// The words after the Routes title's counts; empty without a sitemap.
    pub fn title_words(self) -> String {
        match self {
            SitemapState::NoSitemap => String::new(),
            SitemapState::NotRead => " · sitemap not read: :refresh reads it".into(),
            SitemapState::Reading => " · reading the sitemap…".into(),
            SitemapState::Read { pages } => format!(" · sitemap {pages} page(s)"),
        }
    }
}
