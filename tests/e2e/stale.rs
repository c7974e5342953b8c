//! What is stale right now (issue 29), on the real testbed: the shop's
//! sitemap (`/catalog.xml`, each product's `<lastmod>` the time its data
//! changed) lists two pages that went stale in the two ways an on-call
//! engineer meets — a page revalidated at the origins while Varnish keeps
//! the old copy, and a page whose data changed after its last
//! revalidation. `stale` lists both with their reasons, its JSON lines
//! piped into `fresh` fix both (read back by plain HTTP), and `status`
//! exits 1 before and 0 after.

use crate::testbed::{Testbed, exclusive, isrctl_kept, unique_slug};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A site named `testbed` whose sitemap lists only this test's products
/// (`?prefix=`), both key pages: Varnish in front (BANs from loopback),
/// both `next start` instances behind it.
fn config(dir: &Path, tb: &Testbed, prefix: &str, key_pages: &[&str]) -> PathBuf {
    let file = dir.join("stale.toml");
    let mut text = format!(
        "[sites.testbed]\npublic_url = \"{}\"\norigins = [\"{}\", \"{}\"]\ncdn = \"varnish\"\n\
         sitemap = \"/catalog.xml?prefix={prefix}\"\n\
         [sites.testbed.secret]\nenv = \"REVALIDATE_SECRET\"\n\
         [sites.testbed.endpoint]\npreset = \"app-router\"\n\
         [sites.testbed.purge]\nprovider = \"varnish\"\nmethod = \"BAN\"\n\
         [[sites.testbed.routes]]\npattern = \"/shop/[slug]\"\ntype = \"page\"\n",
        tb.cdn, tb.origins[0], tb.origins[1]
    );
    for page in key_pages {
        text.push_str(&format!(
            "[[sites.testbed.routes]]\npath = \"{page}\"\nkey = true\n"
        ));
    }
    std::fs::write(&file, text).unwrap();
    file
}

/// A product rendered at both origins and stored by Varnish with `price`.
fn cached_everywhere(tb: &Testbed, slug: &str, price: &str) -> String {
    tb.set_price(slug, price);
    let path = format!("/shop/{slug}");
    for base in &tb.origins {
        assert_eq!(tb.settle_at(base, &path).price(), price);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = tb.fetch(&tb.cdn, &path);
        if page.price() == price && page.edge() == "HIT" {
            return path;
        }
        assert!(
            Instant::now() < deadline,
            "Varnish never kept {path}: {page:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The JSON lines `stale --json` printed: the page lines, by path.
fn page_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("path").is_some())
        .collect()
}

fn reasons_of(lines: &[serde_json::Value], path: &str) -> Vec<String> {
    let line = lines
        .iter()
        .find(|l| l["path"] == path)
        .unwrap_or_else(|| panic!("{path} not listed: {lines:#?}"));
    line["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn stale_lists_both_kinds_of_stale_page_and_its_json_lines_make_fresh_fix_them() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let state = tempfile::tempdir().unwrap();
    let prefix = unique_slug("stale");
    let (slug_a, slug_b) = (format!("{prefix}-a"), format!("{prefix}-b"));
    let path_a = cached_everywhere(&tb, &slug_a, "10");
    let path_b = cached_everywhere(&tb, &slug_b, "20");
    let config = config(state.path(), &tb, &prefix, &[&path_a, &path_b]);
    let run = |args: &[&str], stdin: &[u8]| isrctl_kept(&tb, state.path(), &config, args, stdin);

    // B: revalidated through isrctl (history dates it), then edited.
    let sent = run(&["revalidate", "testbed", "--path", &path_b], b"");
    assert_eq!(sent.status.code(), Some(0), "{sent:?}");
    std::thread::sleep(Duration::from_secs(3));
    tb.set_price(&slug_b, "21");
    // A: edited and revalidated at both origins by someone else; Varnish
    // keeps the old copy.
    tb.set_price(&slug_a, "11");
    tb.revalidate_origins_by_hand(&path_a, "11");
    assert_eq!(
        tb.fetch(&tb.cdn, &path_a).price(),
        "10",
        "Varnish's copy of A"
    );
    assert_eq!(
        tb.fetch(&tb.cdn, &path_b).price(),
        "20",
        "Varnish's copy of B"
    );

    let before = run(&["status", "testbed"], b"");
    assert_eq!(before.status.code(), Some(1), "status before: {before:?}");

    let found = run(&["stale", "testbed", "--json"], b"");
    assert_eq!(found.status.code(), Some(1), "{found:?}");
    let lines = page_lines(&found.stdout);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(reasons_of(&lines, &path_a)[0], "cdn_serves_old_copy");
    assert!(
        reasons_of(&lines, &path_b).contains(&"not_revalidated_since_lastmod".to_string()),
        "{lines:#?}"
    );
    let human = run(&["stale", "testbed"], b"");
    let said = String::from_utf8_lossy(&human.stdout);
    assert!(
        said.contains(&format!("fresh testbed --path {path_a}"))
            && said.contains("the page changed after its last revalidation"),
        "{said}"
    );

    let fixed = run(
        &["fresh", "testbed", "--paths-from", "-", "--yes"],
        &found.stdout,
    );
    assert_eq!(fixed.status.code(), Some(0), "{fixed:?}");
    assert_eq!(
        tb.fetch(&tb.cdn, &path_a).price(),
        "11",
        "Varnish serves A's edit"
    );
    assert_eq!(
        tb.fetch(&tb.cdn, &path_b).price(),
        "21",
        "Varnish serves B's edit"
    );

    let after = run(&["status", "testbed"], b"");
    assert_eq!(after.status.code(), Some(0), "status after: {after:?}");
    let again = run(&["stale", "testbed", "--json"], b"");
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert!(page_lines(&again.stdout).is_empty());
}
