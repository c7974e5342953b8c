//! What things are: sites, targets, outcomes, secrets, paths, cache
//! headers, text safe to show. No network, no spawned work; every floor
//! above builds on these words.
//!
//! May use: nothing of the crate above it (the lowest floor).

// First, so its print macros are in scope in every module below.
#[macro_use]
pub(crate) mod out;
pub(crate) mod cache_headers;
pub mod config;
pub mod endpoint;
pub(crate) mod exit;
pub(crate) mod files;
pub(crate) mod fingerprint;
pub mod judgement;
pub mod logging;
pub(crate) mod near_miss;
pub mod observation;
pub mod outcome;
pub mod page_kind;
pub(crate) mod paths;
pub mod purge;
pub mod redact;
pub mod route_search;
pub mod safe_text;
pub mod secret;
pub mod signature;
pub mod staleness;
pub mod standing;
pub mod target;
pub(crate) mod text;
pub(crate) mod tone;
pub mod trouble;
