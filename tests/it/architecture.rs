//! The layout DEVELOPING.md's "Floors" describes, kept true: the
//! engine, verification and the checks know nothing of the terminal or the
//! argument parser, and the two faces do not reach into each other.

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
    for dir in ["model", "history", "wire", "engine"] {
        for needle in ["ratatui", "crossterm", "clap"] {
            let found = mentions(&src(dir), needle);
            assert!(
                found.is_empty(),
                "src/{dir} names {needle}:\n{}",
                found.join("\n")
            );
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
        let lines = without_test_blocks(&text).lines().count();
        assert!(lines <= LIMIT, "{} has {lines} lines", file.display());
    }
}

// ---------------------------------------------------------------------
// Floors: each folder of src/ imports only the floors below it, and no
// `use crate::…` graph (between files, or between folders) has a cycle.
// ---------------------------------------------------------------------

/// The floors, lowest first. A module may name its own floor and the
/// floors below; `sim` stands apart and names `model` only.
const FLOORS: [&str; 5] = ["model", "history", "wire", "engine", "faces"];

/// The floor of a top-level module of the crate.
fn floor_of(top: &str) -> Option<&'static str> {
    match top {
        "model" => Some("model"),
        "history" => Some("history"),
        "wire" => Some("wire"),
        "engine" => Some("engine"),
        "cli" | "tui" => Some("faces"),
        _ => None,
    }
}

fn rank(floor: &str) -> usize {
    FLOORS.iter().position(|f| *f == floor).unwrap()
}

/// `src/a/b.rs` → `["a", "b"]`; `src/a/mod.rs` → `["a"]`; lib.rs → `[]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src("")).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file that is built outside tests: comments and the
/// trailing `#[cfg(test)] mod tests` dropped. Files that are test modules
/// themselves (`tests.rs`, `testing.rs`) have none.
fn shipped_code(file: &Path) -> String {
    let name = file.file_name().unwrap().to_string_lossy();
    if name == "tests.rs" || name == "testing.rs" {
        return String::new();
    }
    let text = std::fs::read_to_string(file).unwrap();
    without_comments(&without_test_blocks(&text))
}

/// `text` with every inline `#[cfg(test)] mod NAME { … }` block cut out,
/// braces matched past strings, characters and comments: the code after a
/// test module is read like the code before it.
fn without_test_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        let item = after.trim_start();
        let Some(body) = item
            .strip_prefix("mod ")
            .and_then(|m| m.find(['{', ';']).map(|end| &m[end..]))
            .filter(|b| b.starts_with('{'))
        else {
            // `#[cfg(test)] mod tests;` or another item: kept as written.
            out.push_str("#[cfg(test)]");
            rest = after;
            continue;
        };
        rest = &body[block_len(body)..];
    }
    out.push_str(rest);
    out
}

/// The length of the `{ … }` block `code` starts with, up to and with its
/// closing brace (all of `code` if it never closes).
fn block_len(code: &str) -> usize {
    let bytes = code.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i += code[i..].find('\n').unwrap_or(code.len() - i);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += code[i..].find("*/").map_or(code.len() - i, |e| e + 1);
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && !bytes[..i]
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') =>
            {
                let hashes = code[i + 1..].chars().take_while(|c| *c == '#').count();
                let open = i + 1 + hashes;
                if bytes.get(open) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    i = code[open + 1..]
                        .find(&close)
                        .map_or(code.len(), |e| open + e + close.len());
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            // A character literal ('{', '\'', '\u{7b}'), not a lifetime.
            b'\'' => {
                if let Some(len) = code[i + 1..].find('\'').filter(|n| *n <= 10)
                    && (len == 1 || bytes.get(i + 1) == Some(&b'\\'))
                {
                    i += len + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    code.len()
}

fn without_comments(code: &str) -> String {
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path named after `crate::` in `code`, braces expanded:
/// `crate::a::{b, c::d}` → `a::b`, `a::c::d`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `mycrate::`, not the crate
        }
        paths.extend(path_tree(rest, Vec::new()).0);
    }
    paths
}

/// Every path named after `super::` in `code`, made absolute from the
/// module `from`.
fn super_paths(code: &str, from: &[String]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        let before = rest[..at].chars().last();
        rest = &rest[at..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            rest = &rest["super::".len()..];
            continue;
        }
        let mut up = 0;
        while let Some(more) = rest.strip_prefix("super::") {
            up += 1;
            rest = more;
        }
        // A file `a/b.rs` is module a::b, whose super is a; `a/mod.rs` is
        // module a, whose super is the crate root.
        let Some(keep) = from.len().checked_sub(up) else {
            continue;
        };
        paths.extend(path_tree(rest, from[..keep].to_vec()).0);
    }
    paths
}

/// Paths at the start of `text` (after a `::`), and how much was read.
fn path_tree(text: &str, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let text_trimmed = text.trim_start();
    let skipped = text.len() - text_trimmed.len();
    if let Some(inner) = text_trimmed.strip_prefix('{') {
        let mut paths = Vec::new();
        let mut read = 1;
        loop {
            let (found, used) = path_tree(&inner[read - 1..], prefix.clone());
            paths.extend(found);
            read += used;
            let after = inner[read - 1..].trim_start();
            read += inner[read - 1..].len() - after.len();
            match after.chars().next() {
                Some(',') => read += 1,
                Some('}') => return (paths, skipped + read + 1),
                _ => return (paths, skipped + read),
            }
        }
    }
    let ident: String = text_trimmed
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() {
        return (
            vec![prefix].into_iter().filter(|p| !p.is_empty()).collect(),
            skipped,
        );
    }
    let mut path = prefix;
    path.push(ident.clone());
    let after = &text_trimmed[ident.len()..];
    match after.strip_prefix("::") {
        Some(more) => {
            let (found, used) = path_tree(more, path);
            (found, skipped + ident.len() + 2 + used)
        }
        None => (vec![path], skipped + ident.len()),
    }
}

struct Graph {
    modules: std::collections::BTreeSet<Vec<String>>,
    /// (from module, to module, where) for every `crate::` path.
    edges: Vec<(Vec<String>, Vec<String>, String)>,
}

fn import_graph() -> Graph {
    let files = rust_files(&src(""));
    let modules: std::collections::BTreeSet<Vec<String>> =
        files.iter().map(|f| module_of(f)).collect();
    let mut edges = Vec::new();
    for file in &files {
        let from = module_of(file);
        let code = shipped_code(file);
        let mut paths = crate_paths(&code);
        paths.extend(super_paths(&code, &from));
        for path in paths {
            // The deepest module the path runs through.
            let to = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|prefix| modules.contains(prefix));
            if let Some(to) = to.filter(|to| *to != from && !to.is_empty()) {
                let rel = file.strip_prefix(src("")).unwrap().display().to_string();
                edges.push((
                    from.clone(),
                    to,
                    format!("src/{rel}: crate::{}", path.join("::")),
                ));
            }
        }
    }
    Graph { modules, edges }
}

/// A cycle in the graph whose nodes `key` makes of modules, if any.
fn find_cycle(graph: &Graph, key: impl Fn(&[String]) -> Vec<String>) -> Option<Vec<String>> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut next: BTreeMap<Vec<String>, BTreeMap<Vec<String>, String>> = BTreeMap::new();
    for (from, to, at) in &graph.edges {
        let (a, b) = (key(from), key(to));
        if a != b && !a.is_empty() && !b.is_empty() {
            next.entry(a)
                .or_default()
                .entry(b)
                .or_insert_with(|| at.clone());
        }
    }
    // Depth-first search with the path on a stack.
    fn visit(
        node: &Vec<String>,
        next: &BTreeMap<Vec<String>, BTreeMap<Vec<String>, String>>,
        done: &mut BTreeSet<Vec<String>>,
        stack: &mut Vec<(Vec<String>, String)>,
    ) -> Option<Vec<String>> {
        if let Some(start) = stack.iter().position(|(n, _)| n == node) {
            return Some(stack[start..].iter().map(|(_, at)| at.clone()).collect());
        }
        if done.contains(node) {
            return None;
        }
        for (to, at) in next.get(node).into_iter().flatten() {
            stack.push((node.clone(), at.clone()));
            if let Some(cycle) = visit(to, next, done, stack) {
                return Some(cycle);
            }
            stack.pop();
        }
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    let nodes: Vec<Vec<String>> = graph.modules.iter().map(|m| key(m)).collect();
    nodes
        .iter()
        .find_map(|node| visit(node, &next, &mut done, &mut Vec::new()))
}

#[test]
fn no_import_circle_between_files() {
    let graph = import_graph();
    let cycle = find_cycle(&graph, |m| m.to_vec());
    assert!(
        cycle.is_none(),
        "an import circle:\n{}",
        cycle.unwrap_or_default().join("\n")
    );
}

#[test]
fn no_import_circle_between_folders() {
    let graph = import_graph();
    // A folder of a floor (`engine/verify`) or a floor's file is one node.
    let cycle = find_cycle(&graph, |m| m.iter().take(2).cloned().collect());
    assert!(
        cycle.is_none(),
        "an import circle:\n{}",
        cycle.unwrap_or_default().join("\n")
    );
}

#[test]
fn every_module_lives_on_a_floor() {
    let graph = import_graph();
    let homeless: Vec<String> = graph
        .modules
        .iter()
        .filter(|m| !m.is_empty() && m[0] != "sim" && floor_of(&m[0]).is_none())
        .map(|m| m.join("::"))
        .collect();
    assert!(
        homeless.is_empty(),
        "modules outside the floors of src/: {homeless:?}"
    );
}

#[test]
fn each_floor_names_only_the_floors_below_it() {
    let graph = import_graph();
    let mut upward = Vec::new();
    for (from, to, at) in &graph.edges {
        let (Some(a), Some(b)) = (from.first(), to.first()) else {
            continue;
        };
        let allowed = match (a.as_str(), b.as_str()) {
            ("sim", to) => to == "sim" || to == "model",
            // The demo runs the simulated servers; nothing else ships them.
            ("cli", "sim") => true,
            (_, "sim") => false,
            // The command line starts the console: one place, held above.
            ("cli", "tui") => true,
            (from, to) => match (floor_of(from), floor_of(to)) {
                (Some(_), Some("faces")) => from == to,
                // The faces drive the engine and never touch the wire.
                (Some("faces"), Some("wire")) => false,
                (Some(f), Some(t)) => rank(t) <= rank(f),
                _ => true, // a homeless module: the test above names it
            },
        };
        if !allowed {
            upward.push(at.clone());
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run up a floor (or into the wire from a face):\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_floor_test_reads_imports_as_rust_does() {
    let code = "use crate::a::{b, c::{d, e}};\nlet x = crate::f::g(1); // crate::h\n mycrate::i";
    let paths = crate_paths(&without_comments(code));
    let text: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(text, ["a::b", "a::c::d", "a::c::e", "f::g"]);
    let from = [
        "engine".to_string(),
        "verify".to_string(),
        "words".to_string(),
    ];
    let relative = super_paths("use super::watch::{x, y};\nsuper::super::plan::z()", &from);
    let text: Vec<String> = relative.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        text,
        [
            "engine::verify::watch::x",
            "engine::verify::watch::y",
            "engine::plan::z"
        ]
    );
}

#[test]
fn the_floor_test_reads_code_after_a_test_module() {
    let code = "use crate::a::b;\n#[cfg(test)]\nmod tests {\n    fn f() { let s = \"}\"; let c = '}'; let r = r#\"}\"#; } // }\n    use crate::cli::x;\n}\nuse crate::c::d;\n#[cfg(test)]\nmod more;\n";
    let kept = without_test_blocks(code);
    let text: Vec<String> = crate_paths(&without_comments(&kept))
        .iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(text, ["a::b", "c::d"], "{kept}");
}

#[test]
fn no_module_renames_the_crate() {
    // `use crate as c;` would hide every `c::…` path from the floor test.
    let mut found = Vec::new();
    for file in rust_files(&src("")) {
        let code = shipped_code(&file).replace(char::is_whitespace, " ");
        let squeezed = code
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if squeezed.contains("crate as ") || squeezed.contains("crate::{self as ") {
            found.push(file.display().to_string());
        }
    }
    assert!(
        found.is_empty(),
        "the crate renamed (the floor test could not follow it): {found:?}"
    );
}

#[test]
fn commands_print_json_only_through_the_output_value() {
    // One place builds the JSON envelope and escapes it (cli/output.rs);
    // a command that wrote its own would skip the redactor or the escapes.
    let mut found = Vec::new();
    for file in rust_files(&src("cli")) {
        if file.ends_with("cli/output.rs") {
            continue;
        }
        let code = shipped_code(&file);
        for needle in [
            "serde_json::to_string",
            "print_document",
            "json: bool",
            "println!",
            "print!(",
        ] {
            if code.contains(needle) {
                found.push(format!("{}: {needle}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "printed around cli::output::Output:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_function_runs_over_80_lines() {
    // A function past a screenful does more than one thing: split it where
    // its parts have names.
    const LIMIT: usize = 80;
    let mut long = Vec::new();
    for file in rust_files(&src("")) {
        let code = shipped_code(&file);
        for (name, lines) in function_lengths(&code) {
            if lines > LIMIT {
                long.push(format!("{}: fn {name} has {lines} lines", file.display()));
            }
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}

/// (name, lines from its `fn` to its closing brace) of every function with
/// a body in `code`.
fn function_lengths(code: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let words: Vec<&str> = trimmed.split_whitespace().take(4).collect();
        if let Some(at) = words.iter().position(|w| *w == "fn")
            && words[..at]
                .iter()
                .all(|w| w.starts_with("pub") || ["async", "const", "unsafe"].contains(w))
            && let Some(name) = words.get(at + 1)
        {
            let rest = &code[offset..];
            // The body starts at the first `{` before any `;` (a trait
            // method without a body has none).
            if let Some(open) = rest
                .find(['{', ';'])
                .filter(|i| rest.as_bytes()[*i] == b'{')
            {
                let body = &rest[open..];
                let end = open + block_len(body);
                let name = name.split(['(', '<']).next().unwrap_or_default();
                found.push((name.to_string(), rest[..end].lines().count()));
            }
        }
        offset += line.len();
    }
    found
}

#[test]
fn the_length_test_counts_a_function_to_its_closing_brace() {
    let code = "fn a() {\n    let s = \"}\";\n}\npub(crate) async fn b<T>(x: T)\nwhere T: Copy {\n    if true { }\n}\nfn c();\n";
    assert_eq!(
        function_lengths(code),
        [("a".to_string(), 3), ("b".to_string(), 4)]
    );
}

#[test]
fn errors_cross_a_floor_as_types_not_strings() {
    // A caller above cannot tell a refusal from a failure by reading
    // words: what a floor hands up is `model::trouble::Trouble` (or a
    // type of its own). Within a floor (`pub(super)`, `pub(in crate::x)`)
    // a string is fine.
    let mut found = Vec::new();
    for dir in ["model", "history", "wire", "engine"] {
        for file in rust_files(&src(dir)) {
            let code = shipped_code(&file);
            for signature in public_signatures(&code) {
                if signature.contains("-> Result<") && signature.trim_end().ends_with(", String>") {
                    found.push(format!("{}: {signature}", file.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The signature (up to its body) of every `pub` or `pub(crate)` function.
fn public_signatures(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let public = [
            "pub fn ",
            "pub async fn ",
            "pub(crate) fn ",
            "pub(crate) async fn ",
        ]
        .iter()
        .any(|p| trimmed.starts_with(p));
        if public {
            let rest = &code[offset..];
            let end = rest.find(['{', ';']).unwrap_or(rest.len());
            let signature = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
            // A `where` clause follows the return type.
            let signature = signature.split(" where ").next().unwrap_or_default();
            found.push(signature.to_string());
        }
        offset += line.len();
    }
    found
}

#[test]
fn a_console_screen_is_one_module_that_imports_no_other_screen() {
    // A screen (tui/screens/<name>.rs) answers keys and draws itself; what
    // it leads to beyond itself is a Reply that `update` carries out. So
    // it names no other screen, and neither `update` nor `view`.
    let graph = import_graph();
    let screen = |m: &[String]| m.len() == 3 && m[0] == "tui" && m[1] == "screens";
    let mut found = Vec::new();
    for (from, to, at) in &graph.edges {
        if !screen(from) {
            continue;
        }
        let into_screen = screen(to) && to != from;
        let into_faces_loop =
            to.len() >= 2 && to[0] == "tui" && (to[1] == "update" || to[1] == "view");
        if into_screen || into_faces_loop {
            found.push(at.clone());
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    let screens = rust_files(&src("tui/screens"));
    assert!(
        screens.len() >= 7,
        "the console's screens live in tui/screens: {screens:?}"
    );
}
