//! `isrctl history` over a large file runs in bounded memory: records are
//! streamed (printed as read, or only the newest N kept with `--limit`).
//! Peak memory is read from the child's `/proc/PID/status` (VmHWM) while
//! it runs: a high-water mark only grows, so the last reading is a lower
//! bound of the true peak, and the streaming command's memory is flat.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::Scratch;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

/// Peak resident memory of a child seen while it runs, in bytes.
fn peak_rss(mut child: std::process::Child) -> (u64, std::process::ExitStatus) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (peak, status);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn big_history(s: &Scratch, records: usize) -> u64 {
    let dir = s.state_home().join("isrctl");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("history.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for i in 0..records {
        writeln!(
            out,
            r#"{{"time":"2026-11-29T12:00:00Z","operator":"alice@box","site":"sim","target":{{"kind":"path","value":"/blog/post-number-{i}"}},"action":"revalidate","outcome":"revalidated","status":200,"latency_ms":12,"message":"the endpoint confirmed the revalidation of a page with a fairly long message {i}"}}"#
        )
        .unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(&file).unwrap().len()
}

fn peak_of(s: &Scratch, args: &[&str]) -> u64 {
    let child = s
        .std_command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (peak, status) = peak_rss(child);
    assert!(status.success(), "`{}`: {status:?}", args.join(" "));
    peak
}

#[test]
fn history_json_over_a_large_file_runs_in_bounded_memory() {
    let s = Scratch::new();
    s.site_config("http://127.0.0.1:9", "/api/revalidate", "");
    // The program's own footprint (code, runtime) with a tiny history.
    big_history(&s, 10);
    let baseline = peak_of(&s, &["history", "--json"]);
    let size = big_history(&s, 150_000);
    assert!(size > 40_000_000, "a large file: {size} bytes");
    for args in [&["history", "--json"][..], &["history", "--limit", "5"][..]] {
        let growth = peak_of(&s, args).saturating_sub(baseline);
        assert!(
            growth < size / 10,
            "`{}` grew {} MB over its baseline for a {} MB history",
            args.join(" "),
            growth >> 20,
            size >> 20
        );
    }
}

#[test]
fn streamed_history_json_is_one_valid_document() {
    let s = Scratch::new();
    s.site_config("http://127.0.0.1:9", "/api/revalidate", "");
    let history = s.isrctl().args(["history", "--json"]).output().unwrap();
    let doc = common::json(&history);
    assert_eq!(doc["records"].as_array().unwrap().len(), 0, "{doc:#}");
    big_history(&s, 10);
    let out = s
        .isrctl()
        .args(["history", "--json", "--limit", "3"])
        .output()
        .unwrap();
    let doc = common::json(&out);
    let values: Vec<&str> = doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["target"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        [
            "/blog/post-number-7",
            "/blog/post-number-8",
            "/blog/post-number-9"
        ],
        "the newest three, oldest first"
    );
    assert_eq!(doc["isrctl"], 1);
    assert_eq!(doc["command"], "history");
    assert!(doc["warnings"].as_array().unwrap().is_empty());
}
