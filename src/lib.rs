//! isrctl: the engine behind the on-call console for on-demand ISR sites.
//!
//! One engine, two thin faces: [`cli`] (the subcommands: human lines or
//! JSON) and [`tui`] (the console: `update(state, message) -> commands` plus
//! `view(state)`). Nothing outside those two knows about the terminal or the
//! argument parser.
//!
//! The modules, by concept:
//! - [`engine`]: carries out all work for both faces; one [`session`] per
//!   site; [`engine::plan`] (lint, `--no-lint`, endpoint refusals); history
//!   written by the engine alone.
//! - [`config`], [`secret`], [`redact`], [`endpoint`] (profiles),
//!   [`path_lint`], [`target`]: what to send and how.
//! - [`job_runner`] (concurrency, rate, the 429 pause, cancellation),
//!   [`revalidation`] (send one request, classify the answer: [`outcome`]),
//!   [`http`] (timeouts, no redirects, capped bodies).
//! - [`verify`] (did the page change at every layer; `fresh`: every
//!   origin, then the purge, then every layer), [`probe`], [`fingerprint`],
//!   [`cache_headers`] (what each CDN's headers mean), [`checks`] (the
//!   troubleshooting catalog).
//! - [`purge`] (each CDN's documented purge API), [`sitemap`] (routes from
//!   a site's sitemap), [`route_search`] (the filter's index of routes).
//! - [`safe_text`] (outside text masked, escaped, cut), [`out`] (the one
//!   way to stdout/stderr), [`files`] (regular files, read up to a cap).
//! - [`history`] (append-only JSONL with an index), [`logging`],
//!   [`relative_time`], [`exit`]; [`sim`] (simulated origin, CDN, purge
//!   APIs and hostile servers for tests, the demo and the benchmark).
//!
//! The life of a revalidation: a **target** (path or tag) is **planned**
//! (linted, refused or accepted) → the site's **job** sends the **request**
//! within the site's limits → the answer is classified as an **outcome** →
//! the engine **records** it in history → with `--verify` (or `v`), the
//! page is polled at every layer until it changes: the **verification**;
//! `fresh` sends it to every origin and **purges** the CDN in between.

// First, so its print macros are in scope in every module below.
#[macro_use]
pub(crate) mod out;
pub(crate) mod cache_headers;
pub mod checks;
pub mod cli;
pub mod config;
pub mod endpoint;
pub mod engine;
pub(crate) mod exit;
pub(crate) mod files;
pub(crate) mod fingerprint;
pub mod history;
pub(crate) mod http;
pub mod job_runner;
pub mod logging;
pub mod outcome;
pub(crate) mod path_lint;
pub(crate) mod probe;
pub mod purge;
pub mod redact;
pub(crate) mod relative_time;
pub mod revalidation;
pub mod route_search;
pub mod safe_text;
pub mod secret;
pub(crate) mod session;
pub mod sim;
pub mod sitemap;
pub mod target;
pub mod tui;
pub(crate) mod verify;
