//! The end-to-end and conformance tests: the built binary against the
//! real testbed (Next.js 16.4.6, Varnish, nginx, moto; DEVELOPING.md, "Testbed").
//! Built only with `--features e2e`; with the feature on and the testbed
//! not running they fail, loudly: a skipped end-to-end test would look like
//! a passing one. Tests that touch the shared testbed take turns
//! (`testbed::exclusive`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod testbed;
// The pseudo-terminal driver of the hermetic tests, shared as a file: the
// two test binaries are two crates.
#[path = "../it/common/pty.rs"]
mod pty;

mod answers;
mod base_path;
mod checks;
mod conformance;
mod console;
mod metrics;
mod observe;
mod page_kinds;
mod platforms;
mod purges;
mod real_apps;
mod redirects;
mod revalidation;
mod shared_cache;
mod stale;
