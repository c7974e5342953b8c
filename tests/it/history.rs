//! History as a user sees it: records survive, damage costs one line, two
//! writers do not interleave, a killed writer loses nothing it reported, and
//! "last revalidated" comes from the index without rereading old history.
//!
//! The multi-process tests re-run this test binary as the writer: the
//! `child_writer` test does nothing unless `ISRCTL_TEST_HISTORY_DIR` is set.

use isrctl::history::{History, Record};
use isrctl::model::target::Target;
use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

fn record(site: &str, path: &str, n: u64) -> Record {
    Record {
        time: jiff::Timestamp::from_second(1_700_000_000 + n as i64).unwrap(),
        operator: "alice@box".into(),
        site: site.into(),
        target: Target::path(path),
        action: "revalidate".into(),
        outcome: "revalidated".into(),
        status: Some(200),
        latency_ms: Some(n),
        message: Some(format!("#{n}")),
        reason: None,
        secret: None,
    }
}

fn open(dir: &tempfile::TempDir) -> History {
    History::open(dir.path()).unwrap()
}

fn paths(records: &[Record]) -> Vec<&str> {
    records.iter().map(|r| r.target.value.as_str()).collect()
}

#[test]
fn append_then_load_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let mut tag = record("blog", "x", 2);
    tag.target = Target::tag("posts");
    tag.message = Some("line one\nline two".into());
    tag.status = None;
    history.append(&record("blog", "/a", 1)).unwrap();
    history.append_all(std::slice::from_ref(&tag)).unwrap();
    let loaded = history.load().unwrap();
    assert_eq!(loaded.records, vec![record("blog", "/a", 1), tag]);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn the_last_purge_is_kept_beside_the_last_revalidation_through_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let mut purge = record("blog", "/a", 2);
    purge.action = "purge".into();
    purge.outcome = "purged".into();
    let mut verify = record("blog", "/a", 3);
    verify.action = "verify".into();
    history
        .append_all(&[record("blog", "/a", 1), purge, verify])
        .unwrap();
    history.update_index().unwrap();
    // Read back through the index only (a new History, nothing appended since).
    let states = open(&dir).last_states().unwrap();
    let target = Target::path("/a");
    assert_eq!(states.get("blog", &target).unwrap().action, "revalidate");
    let last_purge = states.purge("blog", &target).unwrap();
    assert_eq!(
        (last_purge.action.as_str(), last_purge.outcome.as_str()),
        ("purge", "purged")
    );
    assert_eq!(
        states.last.len(),
        1,
        "a verify record is not a revalidation"
    );
}

#[test]
fn the_newest_records_are_read_from_the_end_across_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let records: Vec<Record> = (0..1500)
        .map(|i| record("blog", &format!("/p/{i}"), i))
        .collect();
    history.append_all(&records).unwrap();
    let all = history.load().unwrap().records;
    for n in [1, 5, 700, 2000] {
        let wanted = |r: &Record| r.latency_ms.is_some_and(|ms| ms % 3 == 0);
        let (newest, warnings) = history.newest(n, wanted).unwrap();
        let expected: Vec<&Record> = all.iter().filter(|r| wanted(r)).collect();
        let expected = &expected[expected.len().saturating_sub(n)..];
        assert_eq!(
            paths(&newest),
            expected
                .iter()
                .map(|r| r.target.value.as_str())
                .collect::<Vec<_>>()
        );
        assert!(warnings.is_empty());
    }
}

#[test]
fn a_missing_history_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(&dir.path().join("new/dir")).unwrap();
    assert!(history.load().unwrap().records.is_empty());
    assert!(history.last_states().unwrap().last.is_empty());
    history.update_index().unwrap();
}

#[test]
fn records_with_unknown_future_fields_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let mut line = serde_json::to_value(record("blog", "/a", 1)).unwrap();
    line["approved_by"] = "bob".into();
    fs::write(history.file_path(), format!("{line}\n")).unwrap();
    assert_eq!(
        history.load().unwrap().records,
        vec![record("blog", "/a", 1)]
    );
}

#[test]
fn corrupt_and_truncated_lines_cost_only_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    history
        .append_all(&[record("s", "/1", 1), record("s", "/2", 2)])
        .unwrap();
    // Line 3 is garbage, line 4 good, line 5 cut off mid-record by a crash.
    let good = serde_json::to_string(&record("s", "/4", 4)).unwrap();
    let torn = serde_json::to_string(&record("s", "/5", 5)).unwrap();
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(history.file_path())
        .unwrap();
    write!(
        f,
        "{{\"time\": garbage\n{good}\n{}",
        &torn[..torn.len() / 2]
    )
    .unwrap();

    let loaded = history.load().unwrap();
    assert_eq!(paths(&loaded.records), ["/1", "/2", "/4"]);
    assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    assert!(
        loaded.warnings[0].contains("line 3"),
        "{}",
        loaded.warnings[0]
    );
    assert!(
        loaded.warnings[1].contains("line 5"),
        "{}",
        loaded.warnings[1]
    );

    // Appending after the torn line neither glues onto it nor is lost.
    history.append(&record("s", "/6", 6)).unwrap();
    let loaded = history.load().unwrap();
    assert_eq!(paths(&loaded.records), ["/1", "/2", "/4", "/6"]);
    assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    assert!(
        loaded.warnings[1].contains("line 5"),
        "{}",
        loaded.warnings[1]
    );
}

// ---- multi-process tests -------------------------------------------------

/// The writer side of the multi-process tests: appends records one by one,
/// printing `appended <n>` after each append has returned.
#[test]
fn child_writer() {
    let Some(dir) = std::env::var_os("ISRCTL_TEST_HISTORY_DIR") else {
        return; // Not a child: nothing to do.
    };
    let id = std::env::var("ISRCTL_TEST_HISTORY_WRITER").unwrap();
    let count: u64 = std::env::var("ISRCTL_TEST_HISTORY_COUNT")
        .unwrap()
        .parse()
        .unwrap();
    let history = History::open(dir.as_ref()).unwrap();
    for n in 0..count {
        history.append(&record(&id, &format!("/{n}"), n)).unwrap();
        println!("appended {n}");
    }
}

/// The record number a child's line reports. Not only at the line's start:
/// the test harness prints `test child_writer ... ` without a newline before
/// the test runs, so the first report shares its line. (Reading only lines
/// that start with the report missed record 0 and made the killed-writer
/// test fail whenever the record in flight had also reached the disk.)
fn appended_number(line: &str) -> Option<&str> {
    let (_, n) = line.trim_end().split_once("appended ")?;
    Some(n)
}

fn spawn_writer(dir: &std::path::Path, id: &str, count: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "history::child_writer",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ISRCTL_TEST_HISTORY_DIR", dir)
        .env("ISRCTL_TEST_HISTORY_WRITER", id)
        .env("ISRCTL_TEST_HISTORY_COUNT", count.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("could not start a writer child process (the test binary itself)")
}

/// (writer, path) of every record, asserting none appears twice.
fn ids(records: &[Record]) -> HashSet<(String, String)> {
    let mut seen = HashSet::new();
    for r in records {
        let id = (r.site.clone(), r.target.value.clone());
        assert!(seen.insert(id.clone()), "duplicate record {id:?}");
    }
    seen
}

#[test]
fn two_processes_appending_at_once_do_not_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let children = [
        spawn_writer(dir.path(), "w1", 1000),
        spawn_writer(dir.path(), "w2", 1000),
    ];
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "writer failed: {:?}", out.status);
        let reported = String::from_utf8_lossy(&out.stdout)
            .matches("appended ")
            .count();
        assert_eq!(reported, 1000, "the writer child did not run its records");
    }
    let loaded = open(&dir).load().unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.records.len(), 2000);
    let ids = ids(&loaded.records);
    for w in ["w1", "w2"] {
        assert_eq!(ids.iter().filter(|(site, _)| site == w).count(), 1000);
    }
}

#[test]
fn a_writer_killed_mid_run_loses_nothing_it_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_writer(dir.path(), "k", 10_000_000);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut reported = Vec::new();
    let mut line = String::new();
    while reported.len() < 300 {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "writer ended early"
        );
        if let Some(n) = appended_number(&line) {
            reported.push(format!("/{n}"));
        }
    }
    child.kill().unwrap(); // SIGKILL on unix: no destructors, no flushing.
    child.wait().unwrap();
    // Lines already in the pipe were also reported before the kill.
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let more = rest.lines().filter_map(appended_number);
    reported.extend(more.map(|n| format!("/{n}")));

    let loaded = open(&dir).load().unwrap();
    // Only the record in flight may be lost, and only as a torn last line.
    assert!(loaded.warnings.len() <= 1, "{:?}", loaded.warnings);
    let present = ids(&loaded.records);
    for path in &reported {
        let id = ("k".to_owned(), path.clone());
        assert!(present.contains(&id), "lost {path}");
    }
    assert!(loaded.records.len() <= reported.len() + 1);
}

// ---- last states and the index -------------------------------------------

#[test]
fn last_states_gives_the_newest_record_per_target() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let recs = [
        record("a", "/x", 1),
        record("b", "/x", 2),
        record("a", "/x", 3),
    ];
    history.append_all(&recs).unwrap();
    let states = history.last_states().unwrap();
    assert_eq!(states.last.len(), 2);
    let x = Target::path("/x");
    assert_eq!(states.get("a", &x), Some(&record("a", "/x", 3)));
    assert_eq!(states.get("b", &x), Some(&record("b", "/x", 2)));
    assert_eq!(states.get("a", &Target::tag("/x")), None);

    history.update_index().unwrap();
    history.append(&record("a", "/x", 4)).unwrap();
    history.append(&record("a", "/y", 5)).unwrap();
    let states = history.last_states().unwrap();
    assert_eq!(states.get("a", &x), Some(&record("a", "/x", 4)));
    assert_eq!(
        states.get("a", &Target::path("/y")),
        Some(&record("a", "/y", 5))
    );
    assert!(states.warnings.is_empty(), "{:?}", states.warnings);
}

#[test]
fn an_index_beyond_the_end_of_a_replaced_file_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let many: Vec<_> = (0..100).map(|n| record("a", "/old", n)).collect();
    history.append_all(&many).unwrap();
    history.update_index().unwrap();
    // Someone replaces the history with a shorter one.
    let line = serde_json::to_string(&record("a", "/new", 1)).unwrap();
    fs::write(history.file_path(), format!("{line}\n")).unwrap();
    let states = history.last_states().unwrap();
    assert_eq!(states.last.len(), 1);
    assert!(states.get("a", &Target::path("/new")).is_some());
}

#[test]
fn an_index_over_a_different_longer_file_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    history.append(&record("a", "/old", 1)).unwrap();
    history.update_index().unwrap();
    let other: String = (0..10)
        .map(|n| serde_json::to_string(&record("b", "/other", n)).unwrap() + "\n")
        .collect();
    fs::write(history.file_path(), other).unwrap();
    let states = history.last_states().unwrap();
    assert_eq!(states.last.len(), 1);
    let other = states.get("b", &Target::path("/other"));
    assert_eq!(other, Some(&record("b", "/other", 9)));
}

#[test]
fn a_corrupt_index_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    history.append(&record("a", "/x", 1)).unwrap();
    fs::write(dir.path().join("last.json"), "{not json").unwrap();
    let states = history.last_states().unwrap();
    let x = states.get("a", &Target::path("/x"));
    assert_eq!(x, Some(&record("a", "/x", 1)));
}

/// Structural proof that last_states does not reread covered history: after
/// the index is written, damage early in the file is invisible to it (while
/// a full load does see it).
#[test]
fn last_states_answers_from_the_index_without_rereading_history() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let many: Vec<_> = (0..50_000)
        .map(|n| record("big", &format!("/p{}", n % 500), n))
        .collect();
    history.append_all(&many).unwrap();
    history.update_index().unwrap();

    // Overwrite the first 100 lines in place, keeping every byte's position.
    let mut bytes = fs::read(history.file_path()).unwrap();
    let newlines = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n');
    let end = newlines.map(|(i, _)| i).nth(99).unwrap();
    let early = bytes[..end].iter_mut().filter(|b| **b != b'\n');
    early.for_each(|b| *b = b'#');
    fs::write(history.file_path(), &bytes).unwrap();
    assert_eq!(history.load().unwrap().warnings.len(), 100);

    history.append(&record("big", "/p0", 50_000)).unwrap();
    let states = history.last_states().unwrap();
    assert!(states.warnings.is_empty(), "{:?}", states.warnings);
    assert_eq!(states.last.len(), 500);
    let p0 = states.get("big", &Target::path("/p0"));
    assert_eq!(p0, Some(&record("big", "/p0", 50_000)));
    let p499 = states.get("big", &Target::path("/p499"));
    assert_eq!(p499, Some(&record("big", "/p499", 49_999)));
}

#[test]
fn a_long_tail_refreshes_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    history.append(&record("a", "/first", 0)).unwrap();
    history.update_index().unwrap();
    let tail: Vec<_> = (1..=1500).map(|n| record("a", "/x", n)).collect();
    history.append_all(&tail).unwrap();
    history.last_states().unwrap();
    // Damage to the tail's first line (not covered by the old index) does
    // not show up any more: the refreshed index covers it.
    let mut bytes = fs::read(history.file_path()).unwrap();
    let line2 = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    bytes[line2 + 1] = b'#';
    fs::write(history.file_path(), &bytes).unwrap();
    let states = history.last_states().unwrap();
    assert!(states.warnings.is_empty(), "{:?}", states.warnings);
    let x = states.get("a", &Target::path("/x"));
    assert_eq!(x, Some(&record("a", "/x", 1500)));
}
