//! The test layout holds: one hermetic binary (`tests/it`) and one e2e
//! binary (`tests/e2e`), and every test file is compiled into one of them.
//! With `autotests = false` cargo no longer finds test files by itself, so
//! a file without its `mod` line would be silently left out.

use std::path::{Path, PathBuf};

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The file that declares the modules of `dir`: its `main.rs`, its
/// `mod.rs`, or the `dir.rs` beside it.
fn parent_file(dir: &Path) -> Option<PathBuf> {
    let beside = dir.with_extension("rs");
    [dir.join("main.rs"), dir.join("mod.rs"), beside]
        .into_iter()
        .find(|f| f.is_file())
}

/// Every `.rs` file under `dir` that is not declared with a `mod` line by
/// the file that owns its folder.
fn undeclared(dir: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let Some(parent) = parent_file(dir) else {
        return vec![format!("{}: no main.rs or mod.rs", dir.display())];
    };
    let declared = std::fs::read_to_string(&parent).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "snapshots" {
                missing.extend(undeclared(&path));
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || name == "main" || name == "mod" {
            continue;
        }
        let line = |vis: &str| format!("{vis}mod {name};");
        if !declared.lines().any(|l| {
            let l = l.trim();
            l == line("") || l == line("pub ") || l == line("pub(crate) ")
        }) {
            missing.push(format!(
                "{} has no `mod {name};` in {}",
                path.display(),
                parent.display()
            ));
        }
    }
    missing
}

#[test]
fn every_test_file_is_compiled() {
    let mut missing = undeclared(&tests_dir().join("it"));
    missing.extend(undeclared(&tests_dir().join("e2e")));
    assert!(
        missing.is_empty(),
        "test files left out of the build:\n{}",
        missing.join("\n")
    );
}

#[test]
fn there_are_two_test_binaries_and_no_loose_test_files() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("autotests = false"),
        "Cargo.toml must set autotests = false"
    );
    assert_eq!(
        manifest.matches("[[test]]").count(),
        2,
        "one hermetic and one e2e binary"
    );
    let loose: Vec<String> = std::fs::read_dir(tests_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        loose.is_empty(),
        "a test file outside tests/it and tests/e2e: {loose:?}"
    );
}

#[test]
fn the_layout_check_finds_a_file_without_its_mod_line() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("it");
    std::fs::create_dir_all(dir.join("common")).unwrap();
    std::fs::write(dir.join("main.rs"), "mod common;\nmod listed;\n").unwrap();
    std::fs::write(dir.join("listed.rs"), "").unwrap();
    std::fs::write(dir.join("forgotten.rs"), "").unwrap();
    std::fs::write(dir.join("common/mod.rs"), "pub mod shown;\n").unwrap();
    std::fs::write(dir.join("common/shown.rs"), "").unwrap();
    std::fs::write(dir.join("common/hidden.rs"), "").unwrap();
    let mut found = undeclared(&dir);
    found.sort();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("hidden.rs") || found[1].contains("hidden.rs"));
    assert!(found.iter().any(|f| f.contains("forgotten.rs")));
}
