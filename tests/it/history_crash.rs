//! A bulk run killed with SIGKILL leaves a history that loads and holds
//! every result the run had reported before it died.

use crate::common;

use common::{CANARY, Scratch, runtime};
use isrctl::sim::{OriginOptions, SimOrigin};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

#[test]
fn a_killed_bulk_run_keeps_every_reported_result() {
    let rt = runtime();
    let origin = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: CANARY.to_string(),
            endpoint_delay: Duration::from_millis(50),
            ..OriginOptions::default()
        }))
        .unwrap();
    let s = Scratch::new();
    s.site_config(&origin.url(), "/api/revalidate", "concurrency = 2");
    let paths: Vec<String> = (0..200).map(|i| format!("/p/{i}")).collect();
    std::fs::write(s.dir.path().join("paths.txt"), paths.join("\n")).unwrap();

    let mut cmd = s.std_command();
    let mut child = cmd
        .args(["revalidate", "sim", "--yes", "--paths-from"])
        .arg(s.dir.path().join("paths.txt"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start isrctl");
    let stdout = child.stdout.take().unwrap();
    let mut reported = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(path) = line
            .split_whitespace()
            .last()
            .filter(|p| p.starts_with("/p/"))
        {
            reported.push(path.to_string());
        }
        if reported.len() == 25 {
            child.kill().unwrap(); // SIGKILL
            break;
        }
    }
    child.wait().unwrap();
    assert_eq!(
        reported.len(),
        25,
        "the run reported results before the kill"
    );

    let history = isrctl::history::History::open(&s.state_home().join("isrctl")).unwrap();
    let loaded = history.load().unwrap();
    assert!(
        loaded.warnings.len() <= 1,
        "at most the record in flight is damaged: {:?}",
        loaded.warnings
    );
    let recorded: Vec<&str> = loaded
        .records
        .iter()
        .map(|r| r.target.value.as_str())
        .collect();
    for path in &reported {
        assert!(
            recorded.contains(&path.as_str()),
            "{path} was reported but not recorded"
        );
    }
    assert!(recorded.len() < 200, "the run was really killed mid-way");
    assert!(history.last_states().is_ok());
}
