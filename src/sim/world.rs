//! Generated worlds that know their own truth: one page of a Next.js site
//! on 1–3 `next start` instances (each with its own ISR cache, one shared
//! cache, or a shared cache whose store is down), with or without a
//! caching CDN in front, in one of several states — and what isrctl ought
//! to judge of it ([`World::truth`], in `model::judgement`'s words), what a
//! visitor gets, and what each fix does to it.
//!
//! The servers ([`WorldServers`]) start once and serve whichever world is
//! set, so a property test can run thousands of worlds through the same
//! engine code as `probe` and `check`. The property test is
//! `tests/it/worlds.rs`; each dimension below is a field of [`World`].
//!
//! How the origins behave is what Next.js 16.4.6 was measured to do
//! (`../shared/design.md`, DEVELOPING.md "Testbed"): an ISR page answers
//! `x-nextjs-cache: HIT|MISS|STALE` with `s-maxage=3600`; a cold page is
//! rendered and stored by the first request (MISS); a tag revalidation
//! serves the old copy once as STALE and stores a new render behind it;
//! the same data renders byte-identical HTML (same ETag); `RSC: 1`
//! without the `_rsc` value Next expects (empty, without router-state
//! headers) is a 307 to it with no `Vary` and no `Cache-Control`. The CDN
//! behaves like a Varnish with its built-in VCL: keyed on the URL (and on
//! the RSC header when it keys RSC apart), it keeps 200s that are not
//! private, and — when `stores_errors` — 404s and redirects too.

mod answer;
mod builds;
mod cdn;
mod endpoint;
mod fresh;
mod servers;
mod truth;

pub use answer::Answer;
pub use endpoint::EndpointStyle;
pub use fresh::FreshTruth;
pub use servers::WorldServers;
pub use truth::AuthTruth;

/// The secret the world's endpoint expects (and its config names).
pub const SECRET: &str = "world-secret";

/// The page the world is about.
pub const PAGE: &str = "/p";
/// Where a redirecting page sends visitors (a locale prefix).
pub const LOCALE_PAGE: &str = "/en/p";

/// Where the origins keep rendered pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    PerInstance,
    Shared,
    /// A shared cache handler whose store is down: every request renders.
    SharedDown,
}

/// What the page is at the origins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// An ISR page in the origins' cache (see `versions`).
    Isr,
    /// An ISR page no cache holds yet (after a deploy or an eviction).
    Cold,
    /// Rendered per request (`private, no-store`), showing its render.
    Dynamic,
    /// Deleted: the origins answer 404 (cacheable, as Next sends it).
    Deleted,
    /// A 307 to the locale-prefixed page.
    Redirect,
    /// A 307 to itself.
    SelfRedirect,
    /// Next's error page inside a cacheable 200 (a Pages Router page whose
    /// record is gone, without `notFound: true`).
    Soft404,
}

/// The CDN's copy of the page's URL before isrctl looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CdnCopy {
    None,
    /// The page as rendered from this data version.
    Page(u32),
    /// A stored 404.
    NotFound,
    /// A stored 307 to `?_rsc=` (what an RSC read without `_rsc` leaves).
    RscRedirect,
    /// The page as the previous deploy rendered it from this data version:
    /// the same data, another build (its `"b"` build id and chunks).
    PreviousDeploy(u32),
}

/// The CDN in front, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cdn {
    /// The public URL is origin 1 itself.
    None,
    Caching {
        /// Keeps 404s and redirects too (Varnish's built-in VCL does).
        stores_errors: bool,
        /// Keys the RSC header apart (honours Next's `Vary: rsc`).
        rsc_keyed_apart: bool,
        /// Takes a BAN of the path and its query variants (`X-Ban-Url`, a
        /// regex, as the testbed's VCL), else a PURGE of one URL.
        bans: bool,
        copy: CdnCopy,
    },
}

/// One world: every dimension the generator varies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    pub topology: Topology,
    pub page: PageKind,
    /// The data version each origin's cache entry was rendered from (one
    /// per origin; with a shared cache only the first counts). The data
    /// source itself is at [`World::data`].
    pub versions: Vec<u32>,
    /// Origin (index from 0) whose entry was tag-revalidated: its next
    /// request is served STALE, and a new render is stored behind it.
    pub pending_stale: Option<usize>,
    pub cdn: Cdn,
    /// The site lists its origins (else isrctl sees a cache-busted URL).
    pub origins_configured: bool,
    /// The site says its topology (`cache = …`).
    pub topology_said: bool,
    /// The site's route has a marker capturing the data version.
    pub marker: bool,
    /// How the revalidation endpoint answers.
    pub endpoint: EndpointStyle,
    /// The CMS lags: its data moved one version past every render, and a
    /// render during the run still reads the version before (a CMS CDN,
    /// eventual consistency). Nothing isrctl reads shows it.
    pub lagging: bool,
}

impl World {
    /// The data version in the CMS now: a render shows this. A pending
    /// tag revalidation was sent because the data changed: it is one past
    /// the newest render then.
    pub fn data(&self) -> u32 {
        let newest = self.versions.iter().copied().max().unwrap_or(1);
        newest + u32::from(self.pending_stale.is_some()) + u32::from(self.lagging)
    }

    /// The data version a render reads now: the CMS's, unless it lags.
    pub fn rendered(&self) -> u32 {
        self.data() - u32::from(self.lagging)
    }

    pub fn origin_count(&self) -> usize {
        self.versions.len()
    }

    /// The site's config for isrctl: public URL, origins, topology, marker.
    pub fn config(&self, public: &str, origins: &[String]) -> String {
        // No rate limit: thousands of worlds are checked in a test.
        let mut text = format!("[sites.world]\npublic_url = \"{public}\"\nrate_per_second = 0\n");
        if self.origins_configured {
            let quoted: Vec<String> = origins.iter().map(|o| format!("\"{o}\"")).collect();
            text.push_str(&format!("origins = [{}]\n", quoted.join(", ")));
        }
        if self.topology_said {
            let said = match self.topology {
                Topology::PerInstance => "per-instance",
                Topology::Shared | Topology::SharedDown => "shared",
            };
            text.push_str(&format!("cache = \"{said}\"\n"));
        }
        text.push_str(&format!("[sites.world.secret]\nvalue = \"{SECRET}\"\n"));
        if self.endpoint == EndpointStyle::NoSecretCheck {
            // It answers plain text: the config a user writes for it.
            text.push_str("[sites.world.endpoint]\nsuccess = \"any-2xx\"\n");
        }
        if let Cdn::Caching { bans, .. } = self.cdn {
            text.push_str("[sites.world.purge]\nprovider = \"varnish\"\n");
            if bans {
                text.push_str("method = \"BAN\"\n");
            }
        }
        text.push_str(&format!("[[sites.world.routes]]\npath = \"{PAGE}\"\n"));
        if self.marker {
            text.push_str("marker = '<meta name=\"v\" content=\"([0-9]+)\">'\n");
        }
        text
    }
}
