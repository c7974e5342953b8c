//! Every command's `--json` has exactly the keys the README documents
//! (README, "JSON output": the table between the json-keys markers).

use crate::common;

use common::Scratch;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// "document" → its documented keys, read from the README's table.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- json-keys -->")
        .expect("the README's key table");
    let end = readme
        .find("<!-- /json-keys -->")
        .expect("the end of the key table");
    let mut table = BTreeMap::new();
    for row in readme[start..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let name = cells[0].replace('`', "");
        let keys = cells[1]
            .split(',')
            .map(|k| k.trim().replace('`', ""))
            .collect();
        table.insert(name, keys);
    }
    table
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

fn run(s: &Scratch, args: &[&str]) -> Value {
    let out = s.isrctl().args(args).arg("--json").output().unwrap();
    s.assert_no_canary(&out);
    common::json(&out)
}

#[test]
fn every_json_document_has_the_documented_keys() {
    let table = documented();
    let s = Scratch::new();
    // Nothing listens on port 9: the checks and probe answer at once.
    s.site_config(
        "http://127.0.0.1:9",
        "/api/revalidate",
        "[sites.sim.purge]\nprovider = \"varnish\"",
    );
    let history = s.state_home().join("isrctl");
    std::fs::create_dir_all(&history).unwrap();
    let record = format!(
        r#"{{"time":"2026-11-29T12:00:00Z","operator":"u@h","site":"sim","target":{{"kind":"path","value":"/blog/hello"}},"action":"revalidate","outcome":"revalidated","status":200,"latency_ms":5,"message":null}}{}"#,
        "\n"
    );
    std::fs::write(history.join("history.jsonl"), record).unwrap();

    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let sites = run(&s, &["sites"]);
    seen.insert("sites site".into(), keys(&sites["sites"][0]));
    seen.insert("sites".into(), keys(&sites));
    let routes = run(&s, &["routes", "sim"]);
    seen.insert("routes route".into(), keys(&routes["routes"][0]));
    seen.insert("routes".into(), keys(&routes));
    let revalidate = run(
        &s,
        &["revalidate", "sim", "--path", "/blog/hello", "--dry-run"],
    );
    seen.insert("revalidate result".into(), keys(&revalidate["results"][0]));
    seen.insert("revalidate summary".into(), keys(&revalidate["summary"]));
    seen.insert("revalidate".into(), keys(&revalidate));
    let check = run(&s, &["check", "sim", "--path", "/blog/hello"]);
    seen.insert("check finding".into(), keys(&check["findings"][0]));
    seen.insert("check summary".into(), keys(&check["summary"]));
    seen.insert("check".into(), keys(&check));
    let probe = run(&s, &["probe", "sim", "--path", "/blog/hello"]);
    seen.insert("probe page".into(), keys(&probe["pages"][0]));
    seen.insert("probe".into(), keys(&probe));
    let history = run(&s, &["history"]);
    seen.insert("history record".into(), keys(&history["records"][0]));
    seen.insert("history".into(), keys(&history));
    seen.insert("config check".into(), keys(&run(&s, &["config", "check"])));
    let purge = run(&s, &["purge", "sim", "--path", "/blog/hello", "--dry-run"]);
    seen.insert("purge call".into(), keys(&purge["calls"][0]));
    seen.insert("purge".into(), keys(&purge));
    let purged = run(&s, &["purge", "sim", "--path", "/blog/hello"]);
    seen.insert("purge result".into(), keys(&purged["results"][0]));
    let fresh = run(
        &s,
        &["fresh", "sim", "--path", "/blog/hello", "--deadline", "1s"],
    );
    seen.insert("fresh result".into(), keys(&fresh["results"][0]));
    seen.insert("fresh".into(), keys(&fresh));
    let every = run(&s, &["check"]);
    seen.insert("check every site".into(), keys(&every));
    let status = run(&s, &["status"]);
    seen.insert("status".into(), keys(&status));
    seen.insert("status site".into(), keys(&status["sites"][0]));
    seen.insert(
        "status finding".into(),
        keys(&status["sites"][0]["findings"][0]),
    );
    let watch = run(
        &s,
        &["watch", "sim", "--path", "/blog/hello", "--rounds", "1"],
    );
    seen.insert("watch line".into(), keys(&watch));
    seen.insert("watch layer".into(), keys(&watch["layers"][0]));
    // `stale` prints JSON lines: a page line per page, then the summary.
    let rt = common::runtime();
    let catalog = rt.block_on(crate::stale::start_catalog());
    let c = crate::stale::catalog_scratch(&catalog);
    let out = c
        .isrctl()
        .args(["stale", "sim", "--json"])
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    seen.insert("stale page line".into(), keys(&lines[0]));
    seen.insert("stale reason".into(), keys(&lines[0]["reasons"][0]));
    seen.insert("stale summary line".into(), keys(&lines[1]));
    seen.insert("stale summary".into(), keys(&lines[1]["summary"]));

    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        table.keys().collect::<Vec<_>>(),
        "every documented document is checked, and only those"
    );
    for (name, actual) in &seen {
        assert_eq!(actual, &table[name], "{name}: keys differ from the README");
    }
}
