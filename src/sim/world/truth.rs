//! What isrctl ought to judge of a world, from the world itself (its
//! caches, its data, its CDN's copy), never from what a read shows.

use super::{Cdn, CdnCopy, EndpointStyle, LOCALE_PAGE, PAGE, PageKind, Topology, World};
use crate::model::config::CacheTopology;
use crate::model::judgement::{Judgement, Origins, PerRequest, Public, StaleCopy};

/// What a layer gives a visitor, settled (no STALE pending).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Gives {
    Page(u32),
    /// The page as the previous deploy rendered it.
    PreviousDeploy(u32),
    /// Next's error page in a 200.
    SoftNotFound,
    Missing,
    Redirect(String),
}

impl World {
    /// The judgement that is true of this world.
    pub fn truth(&self) -> Judgement {
        let origins = self.origins_truth();
        let cdn = match origins {
            Origins::RendersPerRequest {
                why: PerRequest::Dynamic,
                ..
            } => self.dynamic_cdn_truth(),
            _ => self.cdn_truth(),
        };
        Judgement { origins, cdn }
    }

    /// The origin index isrctl names first: 1, or 0 for the cache-busted
    /// read that stands for the origin when none is configured.
    fn first_origin(&self) -> usize {
        usize::from(self.origins_configured)
    }

    /// The version each origin seen by isrctl serves once settled.
    fn settled_versions(&self) -> Vec<u32> {
        let data = self.rendered();
        let seen = match self.origins_configured {
            true => self.origin_count(),
            false => 1,
        };
        (0..seen)
            .map(|i| {
                let entry = match self.topology {
                    Topology::PerInstance => i,
                    _ => 0,
                };
                let down = self.topology == Topology::SharedDown;
                match (self.page, self.pending_stale == Some(entry)) {
                    (PageKind::Cold | PageKind::Dynamic, _) | (_, true) => data,
                    _ if down => data,
                    _ => self.versions[entry],
                }
            })
            .collect()
    }

    fn origins_truth(&self) -> Origins {
        let first = self.first_origin();
        match self.page {
            PageKind::Dynamic => {
                return Origins::RendersPerRequest {
                    origin: first,
                    why: PerRequest::Dynamic,
                };
            }
            PageKind::Deleted => return Origins::Missing,
            PageKind::Redirect => {
                return Origins::Redirect {
                    location: LOCALE_PAGE.into(),
                };
            }
            PageKind::SelfRedirect => {
                return Origins::RedirectLoop {
                    location: PAGE.into(),
                };
            }
            PageKind::Soft404 => return Origins::Serve,
            PageKind::Isr | PageKind::Cold => {}
        }
        if self.topology == Topology::SharedDown {
            return Origins::RendersPerRequest {
                origin: first,
                why: PerRequest::NotCaching,
            };
        }
        let versions = self.settled_versions();
        let newest = versions.iter().copied().max().unwrap_or(0);
        if versions.iter().all(|&v| v == newest) {
            return Origins::Serve;
        }
        let behind = match self.marker {
            true => (0..versions.len())
                .filter(|&i| versions[i] < newest)
                .map(|i| i + 1)
                .collect(),
            false => Vec::new(),
        };
        Origins::ReplicasDiffer {
            behind,
            topology: self.said_topology(),
        }
    }

    fn said_topology(&self) -> CacheTopology {
        match (self.topology_said, self.topology) {
            (false, _) => CacheTopology::Unknown,
            (true, Topology::PerInstance) => CacheTopology::PerInstance,
            (true, _) => CacheTopology::Shared,
        }
    }

    /// What the origins give now, each.
    fn origins_give(&self) -> Vec<Gives> {
        match self.page {
            PageKind::Deleted => vec![Gives::Missing],
            PageKind::Redirect => vec![Gives::Redirect(LOCALE_PAGE.into())],
            PageKind::SelfRedirect => vec![Gives::Redirect(PAGE.into())],
            PageKind::Soft404 => vec![Gives::SoftNotFound],
            _ => self
                .settled_versions()
                .into_iter()
                .map(Gives::Page)
                .collect(),
        }
    }

    /// A page rendered anew per request: its renders differ, so a page
    /// at the CDN cannot be compared; a kept 404 or redirect can. With a
    /// marker (the data version) the renders are one page, compared as any.
    fn dynamic_cdn_truth(&self) -> Public {
        if self.marker {
            return self.cdn_truth();
        }
        match self.cdn {
            Cdn::Caching {
                copy: CdnCopy::NotFound,
                ..
            } => Public::Stale {
                copy: StaleCopy::CachedNotFound,
            },
            Cdn::Caching {
                copy: CdnCopy::RscRedirect,
                ..
            } => Public::Stale {
                copy: StaleCopy::CachedRedirect,
            },
            _ => Public::NotJudged,
        }
    }

    fn cdn_truth(&self) -> Public {
        let Cdn::Caching { copy, .. } = self.cdn else {
            return Public::Same;
        };
        let origins = self.origins_give();
        let public = match copy {
            // A visitor's read (isrctl's too) stores what origin 1 gives.
            CdnCopy::None => return Public::Same,
            CdnCopy::Page(v) => Gives::Page(v),
            CdnCopy::PreviousDeploy(v) => Gives::PreviousDeploy(v),
            CdnCopy::NotFound => Gives::Missing,
            CdnCopy::RscRedirect => Gives::Redirect(format!("{PAGE}?_rsc=")),
        };
        if origins.contains(&public) {
            return Public::Same;
        }
        let copy = match (&public, &origins[0]) {
            (Gives::PreviousDeploy(_), Gives::Page(_)) => StaleCopy::OldDeploy,
            (Gives::Page(_) | Gives::PreviousDeploy(_), Gives::Missing) => {
                StaleCopy::DeletedPageServed
            }
            (Gives::Missing, _) => StaleCopy::CachedNotFound,
            (Gives::Redirect(_), _) => StaleCopy::CachedRedirect,
            (Gives::Page(_) | Gives::PreviousDeploy(_) | Gives::SoftNotFound, _) => {
                StaleCopy::OldContent
            }
        };
        Public::Stale { copy }
    }
}

/// What the passive auth check ought to say of a world's endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthTruth {
    /// A made-up secret is refused (a 401, or a 200 whose body says 401).
    Refused,
    /// A made-up secret with a made-up path is accepted.
    AcceptsAnySecret,
    /// Nothing isrctl can send tells (every call is refused for a header).
    Inconclusive,
}

impl World {
    pub fn auth_truth(&self) -> AuthTruth {
        match self.endpoint {
            EndpointStyle::Docs | EndpointStyle::Webhook200 | EndpointStyle::IgnoresTarget => {
                AuthTruth::Refused
            }
            EndpointStyle::NoSecretCheck => AuthTruth::AcceptsAnySecret,
            EndpointStyle::NeedsHeader => AuthTruth::Inconclusive,
        }
    }
}
