//! The floor under isrctl's bulk figure: reqwest alone, with isrctl's
//! client settings and task shape (one runtime thread, one worker per
//! unit of concurrency), doing nothing with the answers.
//! `cargo run --release --example bench_bare_reqwest -- URL COUNT CONCURRENCY`
#![allow(clippy::unwrap_used, clippy::expect_used)] // a tool, not the product

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("URL COUNT CONCURRENCY");
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let concurrency: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(64);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, next, url) = (client.clone(), next.clone(), url.clone());
        workers.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let answer = client.post(&url).send().await.unwrap();
                let _ = answer.bytes().await.unwrap();
            }
        });
    }
    while workers.join_next().await.is_some() {}
}
