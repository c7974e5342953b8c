//! The job runner under cancellation and limits, driven as the CLI and the
//! UI drive it: targets in, events out.

use crate::common;

use isrctl::model::outcome::OutcomeKind;
use isrctl::model::secret::Secret;
use isrctl::model::target::Target;
use isrctl::sim::{Behaviour, Hostile};
use isrctl::wire::job_runner::{self, Job, JobEvent};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn site_for(url: &str, concurrency: usize) -> isrctl::model::config::Site {
    let text = format!(
        "[sites.t]\npublic_url = \"{url}\"\nconcurrency = {concurrency}\nrate_per_second = 0\ntimeout = \"5s\"\n[sites.t.secret]\nvalue = \"{}\"\n",
        common::CANARY
    );
    let config = isrctl::model::config::parse(&text, Path::new("test.toml")).unwrap();
    config.sites.into_iter().next().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_stops_new_requests_at_once() {
    let server = Hostile::start(Behaviour::Delay(
        Duration::from_millis(200),
        Box::new(Behaviour::Revalidated),
    ))
    .await
    .unwrap();
    let site = site_for(&server.url(), 2);
    let job = Job::new(&site, Secret::new(common::CANARY, "test")).unwrap();
    let targets: Vec<Target> = (0..50).map(|i| Target::path(format!("/p/{i}"))).collect();
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = job_runner::run(job, targets, cancel.clone(), tx);

    let mut finished = Vec::new();
    while let Some(event) = rx.recv().await {
        let JobEvent { outcome, .. } = event;
        finished.push(outcome.kind);
        if finished.len() == 4 {
            cancel.cancel();
        }
    }
    handle.await.unwrap();
    let sent_at_cancel = server.requests();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        server.requests(),
        sent_at_cancel,
        "no request may start after cancel"
    );
    assert_eq!(finished.len(), 50, "every target gets an outcome");
    let revalidated = finished
        .iter()
        .filter(|k| **k == OutcomeKind::Revalidated)
        .count();
    let cancelled = finished
        .iter()
        .filter(|k| **k == OutcomeKind::Cancelled)
        .count();
    assert_eq!(revalidated, sent_at_cancel, "what was sent finished");
    assert!(
        revalidated <= 4 + 2,
        "at most the in-flight requests finish after cancel"
    );
    assert_eq!(revalidated + cancelled, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_run_concurrently_up_to_the_limit() {
    // Structural: 8 requests of 300 ms with 4 at once take about two rounds,
    // far less than the 2.4 s they would take one after another.
    let server = Hostile::start(Behaviour::Delay(
        Duration::from_millis(300),
        Box::new(Behaviour::Revalidated),
    ))
    .await
    .unwrap();
    let site = site_for(&server.url(), 4);
    let job = Job::new(&site, Secret::new(common::CANARY, "test")).unwrap();
    let targets: Vec<Target> = (0..8).map(|i| Target::path(format!("/p/{i}"))).collect();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let handle = job_runner::run(job, targets, CancellationToken::new(), tx);
    while rx.recv().await.is_some() {}
    handle.await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(2000));
    assert_eq!(server.max_concurrent(), 4);
}
