//! isrctl: the engine behind the on-call console for on-demand ISR sites.
//!
//! Nothing in this library knows about the terminal; the command line
//! (`cli`) and, later, the terminal UI are thin front ends over it.

pub mod cache_headers;
pub mod checks;
pub mod cli;
pub mod config;
pub mod endpoint;
pub mod engine;
pub mod exit;
pub mod fingerprint;
pub mod history;
pub mod http;
pub mod job_runner;
pub mod logging;
pub mod outcome;
pub mod path_lint;
pub mod probe;
pub mod redact;
pub mod relative_time;
pub mod revalidation;
pub mod secret;
pub mod session;
pub mod sim;
pub mod target;
pub mod tui;
pub mod verify;
