//! The hermetic tests: one binary (linking the crate once, not once per
//! file), every area a module. Nothing here needs the network or the
//! testbed: in-process simulated servers and the built binary.
//! `layout::every_test_file_is_compiled` fails when a file under
//! `tests/it/` or `tests/e2e/` has no `mod` line, so no test is left out.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;
mod layout;

mod answers_read;
mod architecture;
mod bad_files;
mod checks_sim;
mod checks_suite;
mod cloudfront;
mod config_files;
mod conventions;
mod curl_copy;
mod demo;
mod fresh;
mod full_disk;
mod history;
mod history_crash;
mod history_scale;
mod hostile_output;
mod init;
mod job_runner;
mod json_shapes;
mod one_engine;
mod page_kinds_sim;
mod purge;
mod purge_contract;
mod purge_platforms;
mod purge_shapes;
mod revalidate_sim;
mod secrets_in_urls;
mod signed_endpoints;
mod sim;
mod sitemap;
mod sitemap_hostile;
mod soft_purge;
mod stale;
mod state_files;
mod terminal_prompt;
mod tui_loading;
mod tui_loop;
mod tui_pty;
mod tui_snapshots;
mod tui_update;
mod watch;
mod worlds;
mod worlds_fresh;
