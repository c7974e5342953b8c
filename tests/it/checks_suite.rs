//! The checks suite as the console drives it: through the library, events
//! over a channel, a cancellation token, no terminal.

use isrctl::engine::checks::{self, CheckEvent, CheckId, Plan, Session, Severity};
use isrctl::sim::{OriginOptions, SimOrigin};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const DELAY: Duration = Duration::from_millis(300);

async fn slow_origin() -> SimOrigin {
    SimOrigin::start(OriginOptions {
        secret: "suite-secret".into(),
        answer_delay: DELAY,
        ..OriginOptions::default()
    })
    .await
    .unwrap()
}

fn site(url: &str) -> isrctl::model::config::Site {
    let text = format!(
        "[sites.s]\npublic_url = \"{url}\"\norigins = [\"{url}\"]\n\
         [sites.s.secret]\nvalue = \"suite-secret\"\n\
         [[sites.s.routes]]\npath = \"/blog/hello\"\n"
    );
    isrctl::model::config::parse(&text, Path::new("suite.toml"))
        .unwrap()
        .sites[0]
        .clone()
}

fn plan() -> Plan {
    Plan {
        paths: vec!["/blog/hello".into()],
        active: false,
        deadline: Duration::from_secs(5),
        last_revalidation: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_takes_as_long_as_its_slowest_step_not_the_sum() {
    let origin = slow_origin().await;
    let ctx = Session::prepare(
        site(&origin.url()),
        isrctl::wire::job_runner::ignore_pauses(),
    )
    .await
    .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = Instant::now();
    let handle = checks::run(ctx, plan(), tx, CancellationToken::new());
    let mut finished = Vec::new();
    let mut findings = Vec::new();
    while let Some(event) = rx.recv().await {
        match event {
            CheckEvent::Finished { check, .. } => finished.push(check),
            CheckEvent::Finding(f) => findings.push(f),
            _ => {}
        }
    }
    handle.await.unwrap();
    let elapsed = started.elapsed();
    // Each request takes 300 ms. The checks run together: the suite takes
    // as long as its slowest, the cache layers, whose four reads go one
    // after another (two reads of a cold page at once make two renders):
    // 1.2 s. One check after another (reachability, two auth requests,
    // then the four reads) would take over 2.1 s.
    assert!(elapsed >= 4 * DELAY, "the reads were in turn: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1750), "took {elapsed:?}");
    finished.sort_by_key(|c| c.as_str());
    assert_eq!(
        finished,
        vec![
            CheckId::Auth,
            CheckId::CacheLayers,
            CheckId::ConfigSecret,
            CheckId::PathLint,
            CheckId::Reachability
        ]
    );
    let problems: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Problem)
        .collect();
    assert!(problems.is_empty(), "a healthy site: {problems:#?}");
    assert_eq!(
        origin.targeted_endpoint_requests(),
        0,
        "passive checks name no path or tag"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_stops_the_suite_at_once() {
    let origin = slow_origin().await;
    let ctx = Session::prepare(
        site(&origin.url()),
        isrctl::wire::job_runner::ignore_pauses(),
    )
    .await
    .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let mut active = plan();
    active.active = true;
    let started = Instant::now();
    let handle = checks::run(ctx, active, tx, cancel.clone());
    tokio::time::sleep(Duration::from_millis(50)).await;
    cancel.cancel();
    handle.await.unwrap();
    assert!(
        started.elapsed() < DELAY,
        "no check waited for its slow answer"
    );
    while let Ok(event) = rx.try_recv() {
        assert!(
            !matches!(event, CheckEvent::Verified(_)),
            "nothing was verified"
        );
    }
    assert_eq!(
        origin.targeted_endpoint_requests(),
        0,
        "the active check never sent its revalidation"
    );
}
