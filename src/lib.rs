//! isrctl: the engine behind the on-call console for on-demand ISR sites.
//!
//! `src/` is laid out by floor; each floor names only the floors below it
//! (`tests/it/architecture.rs` holds the rule):
//! - [`model`]: what things are — sites, targets, outcomes, secrets, paths,
//!   cache headers, purge kinds, text safe to show. No network.
//! - [`history`]: the append-only record of every action, its index.
//! - [`wire`]: every byte to or from a server — HTTP, one revalidation,
//!   the job runner, a page read at one layer, purge APIs, sitemaps.
//! - [`engine`]: the only floor that spawns work; one session per site owns
//!   its secrets; plans, verifies, checks, purges, makes pages fresh, and
//!   writes history.
//! - [`cli`], [`tui`]: the two faces; they drive the engine and never touch
//!   the wire.
//! - [`sim`]: stand-ins for servers (origin, CDN, purge APIs, hostile
//!   servers) for tests, the demo and the benchmark; names `model` only.
//!
//! The life of a revalidation: a **target** (path or tag) is **planned**
//! (linted, refused or accepted) → the site's **job** sends the **request**
//! within the site's limits → the answer is classified as an **outcome** →
//! the engine **records** it in history → with `--verify` (or `v`), the
//! page is read at every layer: the **verification**; `fresh` sends it to
//! every origin and **purges** the CDN in between.

// First, so its print macros are in scope in every module below.
#[macro_use]
pub mod model;
pub mod cli;
pub mod engine;
pub mod history;
pub mod sim;
pub mod tui;
pub mod wire;
