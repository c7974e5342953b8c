//! The layout the README's Development section describes, kept true: the
//! engine, verification and the checks know nothing of the terminal or the
//! argument parser, and the two faces do not reach into each other.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn src(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(sub)
}

/// (file, line) of every line under `dir` that names `needle`.
fn mentions(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains(needle) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_engine_verification_and_checks_know_no_terminal_or_argument_parser() {
    for dir in ["engine", "verify", "checks"] {
        for needle in ["ratatui", "crossterm", "clap"] {
            let found = mentions(&src(dir), needle);
            assert!(
                found.is_empty(),
                "src/{dir} names {needle}:\n{}",
                found.join("\n")
            );
        }
    }
    for file in ["session.rs", "job_runner.rs", "history/mod.rs", "probe.rs"] {
        let text = std::fs::read_to_string(src(file)).unwrap();
        for needle in ["ratatui", "crossterm", "clap", "crate::tui", "crate::cli"] {
            assert!(!text.contains(needle), "src/{file} names {needle}");
        }
    }
}

#[test]
fn the_faces_do_not_reach_into_each_other() {
    for dir in ["tui", "engine"] {
        let found = mentions(&src(dir), "crate::cli");
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
    let into_console = mentions(&src("cli"), "crate::tui");
    assert_eq!(
        into_console.len(),
        1,
        "the command line enters the console in one place:\n{}",
        into_console.join("\n")
    );
}

#[test]
fn no_source_file_holds_more_than_one_concepts_worth() {
    // Test modules aside, a file over this holds more than one concept.
    const LIMIT: usize = 450;
    let unit_tests = |f: &PathBuf| f.file_name().is_some_and(|n| n == "tests.rs");
    for file in rust_files(&src("")).into_iter().filter(|f| !unit_tests(f)) {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        let lines = code.lines().count();
        assert!(lines <= LIMIT, "{} has {lines} lines", file.display());
    }
}
