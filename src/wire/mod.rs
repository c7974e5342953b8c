//! Every byte to or from a server: the HTTP client's rules (timeouts, no
//! redirects, capped bodies), one revalidation request and its outcome,
//! the job runner that sends many within a site's limits, a page read at
//! one layer, each CDN's purge API, and sitemaps. Nothing here decides
//! what to do next: that is the engine's.
//!
//! May use: `model`, `history`. Spawns nothing of its own accord.

pub(crate) mod http;
pub mod job_runner;
pub(crate) mod probe;
pub mod purge;
pub mod revalidation;
pub mod sitemap;
