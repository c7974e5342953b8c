//! What the engine reports while work runs: one event type for every
//! operation, rendered by the command line (lines or JSON) and turned into
//! messages by the console.

use crate::engine::checks::CheckEvent;
use crate::engine::checks::cache_layers::ProbedPage;
use crate::engine::verify::Verification;
use crate::model::outcome::Outcome;
use crate::model::target::Target;
use crate::model::trouble::{Trouble, TroubleKind};
use std::time::Duration;

/// A site by its position in the engine's list (the config's order), so
/// no front end has to look a name up again.
pub type SiteId = usize;

/// Why an operation could not start: nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The secret could not be read (unset variable, failing command…).
    #[error("{0}")]
    Secret(Trouble),
    /// The site's HTTP client could not be built.
    #[error("{0}")]
    Client(Trouble),
    #[error("no site number {0}")]
    UnknownSite(SiteId),
    /// No purge configured, or its token cannot be read, or the items
    /// cannot be purged by this provider.
    #[error("{0}")]
    Purge(Trouble),
}

impl StartError {
    /// What to do about it, when its words do not already say.
    pub fn fix(&self) -> Option<&str> {
        match self {
            StartError::Secret(t) | StartError::Client(t) | StartError::Purge(t) => {
                t.fix.as_deref()
            }
            StartError::UnknownSite(_) => {
                Some("name a site of the config (isrctl sites lists them)")
            }
        }
    }

    /// What kind of trouble stopped it (a refusal exits 2 on the command line).
    pub fn kind(&self) -> TroubleKind {
        match self {
            StartError::Secret(t) | StartError::Client(t) | StartError::Purge(t) => t.kind,
            StartError::UnknownSite(_) => TroubleKind::Refused,
        }
    }
}

#[derive(Clone, Debug)]
pub enum EngineEvent {
    /// One revalidation finished (or was refused or cancelled).
    Finished {
        site: SiteId,
        target: Target,
        /// The request as sent, secret masked.
        request: String,
        outcome: Box<Outcome>,
    },
    /// A revalidation with verification finished: the outcome and, when it
    /// was revalidated, a verdict per watched page.
    Verified {
        site: SiteId,
        target: Target,
        request: String,
        outcome: Box<Outcome>,
        verifications: Vec<Verification>,
    },
    /// The site asked to wait (429 Retry-After): every request to it pauses.
    Waiting { site: SiteId, wait: Duration },
    /// Something a running check suite reported.
    Check { site: SiteId, event: CheckEvent },
    /// The check suite ended.
    ChecksDone { site: SiteId },
    /// A page fetched through every layer.
    Probed { site: SiteId, page: ProbedPage },
    /// The operation could not start; these targets were not sent.
    NotStarted {
        site: SiteId,
        targets: Vec<Target>,
        reason: StartError,
    },
    /// `fresh` sent a revalidation to one place (an origin, or the
    /// endpoint): like `Finished`, but the operation goes on.
    FreshSent {
        site: SiteId,
        target: Target,
        request: String,
        outcome: Box<Outcome>,
    },
    /// A step of `fresh` worth telling (origins fresh, purge skipped).
    Step {
        site: SiteId,
        target: Target,
        text: String,
    },
    /// `fresh` ended for a target: a verdict per watched page (none when
    /// no revalidation succeeded; `outcome` says why).
    FreshDone {
        site: SiteId,
        target: Target,
        outcome: Box<Outcome>,
        verifications: Vec<Verification>,
    },
    /// A site's routes with its sitemap's pages (from the cached copy).
    SitemapRoutes {
        site: SiteId,
        routes: std::sync::Arc<[crate::model::config::Route]>,
    },
    /// `read_sitemap` could not read the site's sitemap: why.
    SitemapNotRead { site: SiteId, why: String },
    /// The filter's index of a site's routes, built in the background.
    RouteIndex {
        site: SiteId,
        search: std::sync::Arc<crate::model::route_search::RouteSearch>,
    },
    /// One purge call finished.
    Purged {
        site: SiteId,
        /// The `fresh` target this purge was for; none for `purge` itself.
        target: Option<Target>,
        outcome: Box<crate::model::purge::PurgeOutcome>,
    },
    /// A purge run ended (its `Purged` events came before): the console
    /// stops counting its `items` as work in flight.
    PurgeDone { site: SiteId, items: usize },
    /// Past records read from history at start, oldest first (the
    /// console's history view and the verdicts it shows from before).
    HistoryLoaded {
        records: Vec<crate::history::Record>,
    },
    /// Records just written to history (only once a face asked for the
    /// feed with [`crate::engine::Engine::load_history`]).
    Recorded {
        records: Vec<crate::history::Record>,
    },
    /// Something worth telling that stops nothing (history not written).
    Warning { message: String },
    /// How a long wait is going (a CloudFront invalidation in progress).
    Progress { site: SiteId, message: String },
    /// A watched page, read once more.
    Watched {
        site: SiteId,
        watched: Box<crate::engine::watcher::Watched>,
    },
    /// The stale finder has read `done` of the sitemap's `total` pages.
    StaleProgress {
        site: SiteId,
        done: usize,
        total: usize,
    },
    /// The stale finder ended: what it found, or why it could not look.
    StaleScanned {
        site: SiteId,
        scan: Box<Result<crate::engine::stale::StaleScan, Trouble>>,
    },
}
