//! `fresh` and `revalidate --verify` on generated worlds
//! (`isrctl::sim::world`), through the engine the command line and the
//! console drive. `fresh` (revalidate every origin, wait, purge the CDN by
//! PURGE or BAN, verify), for every world:
//!
//! 1. the verdict is the world's truth ([`World::fresh_truth`]);
//! 2. a world `fresh` calls fresh everywhere is fresh: every layer a
//!    visitor reads serves the current data;
//! 3. where the revalidation cannot go through (a handler that wants a
//!    header isrctl cannot send), the CDN ends serving what the origins
//!    serve now — purged when it differed (issue 27, item 10).
//!
//! `revalidate --verify` (one call to the endpoint, which reaches origin
//! 1): what its verdict claims is so — `fresh_everywhere` only when every
//! layer a visitor reads serves the current data, `stale_replica` only
//! when an origin serves an older page, `fresh_at_origin_stale_at_cdn`
//! only when the CDN's copy is not the current page.

use crate::worlds::{site, world, worlds_to_run};
use isrctl::engine::{Engine, EngineEvent};
use isrctl::model::target::Target;
use isrctl::sim::world::{
    Cdn, CdnCopy, EndpointStyle, FreshTruth, PAGE, PageKind, Topology, World, WorldServers,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::time::Duration;

/// The engine operation a world goes through.
#[derive(Clone, Copy, Debug)]
enum Op {
    Fresh,
    Verify,
}

/// What the operation ended with: the verdict (none when nothing was
/// revalidated) and the steps it told, for the failure message.
async fn run(
    servers: &WorldServers,
    world: &World,
    op: Op,
) -> Result<(Option<String>, String), String> {
    let site = site(servers, world)?;
    let (engine, mut events) = Engine::new(vec![site.clone()], None);
    let planned = isrctl::engine::plan_one(&site, Target::path(PAGE), false);
    let deadline = Duration::from_secs(5);
    let run = match op {
        Op::Fresh => engine.fresh(0, vec![planned], deadline, true),
        Op::Verify => engine.verify(0, vec![planned], deadline),
    };
    let mut told = Vec::new();
    let mut verdict = None;
    while let Some(event) = events.recv().await {
        match event {
            EngineEvent::FreshDone {
                verifications,
                outcome,
                ..
            }
            | EngineEvent::Verified {
                verifications,
                outcome,
                ..
            } => {
                told.push(format!(
                    "done: {} {}",
                    outcome.kind.as_str(),
                    outcome.explanation
                ));
                for v in &verifications {
                    told.push(format!("verdict {}: {}", v.verdict.as_str(), v.explanation));
                    told.extend(v.layers.iter().chain(&v.rsc).map(|l| format!("  {l}")));
                }
                verdict = verifications
                    .first()
                    .map(|v| v.verdict.as_str().to_string());
                break;
            }
            other => told.push(format!("{other:?}").chars().take(300).collect()),
        }
    }
    run.await.map_err(|e| e.to_string())?;
    Ok((verdict, told.join("\n")))
}

async fn holds(servers: &WorldServers, world: &World, op: Op) -> Result<(), String> {
    match op {
        Op::Fresh => fresh_holds(servers, world).await,
        Op::Verify => verify_holds(servers, world).await,
    }
}

/// What `revalidate --verify` claims is so.
async fn verify_holds(servers: &WorldServers, world: &World) -> Result<(), String> {
    servers.set(world);
    let (verdict, told) = run(servers, world, Op::Verify).await?;
    let state = servers.state();
    let wrong = match verdict.as_deref() {
        Some("fresh_everywhere") => servers.not_fresh_to_visitors(),
        Some("stale_replica") => servers
            .not_fresh_to_visitors()
            .is_none()
            .then(|| "every origin serves the current page".to_string()),
        Some("fresh_at_origin_stale_at_cdn") => servers
            .visitor_copy()
            .filter(|copy| copy.body != servers.settled_answer().body)
            .is_none()
            .then(|| "the CDN gives the current page".to_string()),
        _ => None,
    };
    match wrong {
        Some(why) => Err(format!("verdict {verdict:?}, but {why}\n{told}\n{state:?}")),
        None => Ok(()),
    }
}

async fn fresh_holds(servers: &WorldServers, world: &World) -> Result<(), String> {
    let Some(truth) = world.fresh_truth() else {
        return Ok(());
    };
    servers.set(world);
    let (verdict, told) = run(servers, world, Op::Fresh).await?;
    let state = servers.state();
    match truth {
        FreshTruth::Fresh { verdict: expected } => {
            if verdict.as_deref() != Some(expected) {
                return Err(format!(
                    "verdict {verdict:?}, truth {expected}\n{told}\n{state:?}"
                ));
            }
            if world.lagging {
                return retried_once_the_cms_settles(servers, world).await;
            }
            if let Some(why) = servers.not_fresh_to_visitors() {
                return Err(format!("called {expected} but {why}\n{told}\n{state:?}"));
            }
        }
        FreshTruth::NotACachedPage { verdict: expected } => {
            if verdict.as_deref() != Some(expected) {
                return Err(format!(
                    "verdict {verdict:?}, truth {expected}\n{told}\n{state:?}"
                ));
            }
            if let Some(why) = servers.cdn_differs_from_every_origin() {
                return Err(format!("the CDN was left stale: {why}\n{told}\n{state:?}"));
            }
        }
        FreshTruth::PerRequest { verdict: expected } => {
            if verdict.as_deref() != Some(expected) {
                return Err(format!("verdict {verdict:?}, truth {expected}\n{told}"));
            }
        }
        FreshTruth::NotRevalidated => {
            if verdict.is_some() {
                return Err(format!(
                    "a verdict without a revalidation: {verdict:?}\n{told}"
                ));
            }
            if let Some(why) = servers.cdn_differs_from_every_origin() {
                return Err(format!("the CDN was left stale: {why}\n{told}\n{state:?}"));
            }
        }
    }
    Ok(())
}

/// Runners at once, each on its own servers and its own random worlds:
/// `fresh` mostly waits (polls, a sampled cache-busted URL), so they share
/// two cores well.
const RUNNERS: u32 = 16;

/// One runner's worlds, on servers of its own.
fn run_worlds(cases: u32, op: Op) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let servers = runtime
        .block_on(WorldServers::start())
        .map_err(|e| e.to_string())?;
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&world(), |world| {
        runtime
            .block_on(holds(&servers, &world, op))
            .map_err(|why| TestCaseError::fail(format!("{op:?} {world:#?}\n{why}")))
    });
    result.map_err(|failure| failure.to_string())
}

/// A tenth of the probe's worlds through `op`, on [`RUNNERS`] runners.
fn through(op: Op) {
    let cases = (worlds_to_run() / 10).div_ceil(RUNNERS);
    let runners: Vec<_> = (0..RUNNERS)
        .map(|_| std::thread::spawn(move || run_worlds(cases, op)))
        .collect();
    for runner in runners {
        if let Err(failure) = runner.join().unwrap() {
            panic!("{failure}");
        }
    }
}

/// A lagging CMS: `fresh` re-rendered the same page and said so
/// (`regenerated_same_content`, "revalidate again once the data source
/// has settled"). The advice, applied: once the CMS catches up, `fresh`
/// again makes every layer serve its data — but the RSC copy the first
/// run's reads left at a CDN that takes only a PURGE of one URL, which is
/// what `html_fresh_rsc_stale` says.
async fn retried_once_the_cms_settles(servers: &WorldServers, world: &World) -> Result<(), String> {
    servers.end_lag();
    let (verdict, told) = run(servers, world, Op::Fresh).await?;
    let purge_only = matches!(world.cdn, Cdn::Caching { bans: false, .. });
    let rsc_left = purge_only && verdict.as_deref() == Some("html_fresh_rsc_stale");
    if verdict.as_deref() != Some("fresh_everywhere") && !rsc_left {
        return Err(format!("after the CMS settled: {verdict:?}\n{told}"));
    }
    match servers.not_fresh_to_visitors() {
        Some(why) => Err(format!(
            "after the CMS settled, fresh_everywhere but {why}\n{told}"
        )),
        None => Ok(()),
    }
}

#[test]
fn fresh_leaves_every_generated_world_fresh_or_says_why() {
    through(Op::Fresh);
}

#[test]
fn what_revalidate_verify_claims_of_a_generated_world_is_so() {
    through(Op::Verify);
}

/// One named world `fresh` once failed on, kept as it was found.
fn named(world: World, truth: FreshTruth) {
    assert_eq!(world.fresh_truth(), Some(truth), "the world's own truth");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let servers = WorldServers::start().await.unwrap();
        if let Err(why) = holds(&servers, &world, Op::Fresh).await {
            panic!("{world:#?}\n{why}");
        }
    });
}

fn one_origin_behind_varnish(copy: CdnCopy) -> World {
    World {
        topology: Topology::PerInstance,
        page: PageKind::Isr,
        versions: vec![1],
        pending_stale: None,
        cdn: Cdn::Caching {
            stores_errors: true,
            rsc_keyed_apart: false,
            bans: false,
            copy,
        },
        origins_configured: false,
        topology_said: false,
        marker: false,
        endpoint: EndpointStyle::Docs,
        lagging: false,
    }
}

#[test]
fn a_deleted_page_the_cdn_still_serves_is_purged_by_fresh() {
    // Issue 27, item 3: it said "nothing to purge".
    let deleted = World {
        page: PageKind::Deleted,
        ..one_origin_behind_varnish(CdnCopy::Page(1))
    };
    named(
        deleted,
        FreshTruth::NotACachedPage {
            verdict: "not_found",
        },
    );
}

#[test]
fn a_cached_404_that_fresh_purged_is_fresh_everywhere_not_same_content() {
    named(
        one_origin_behind_varnish(CdnCopy::NotFound),
        FreshTruth::Fresh {
            verdict: "fresh_everywhere",
        },
    );
}

#[test]
fn fresh_purges_the_cdn_when_the_revalidation_cannot_be_sent_but_the_origins_serve_the_new_page() {
    // Issue 27, item 10: a handler that wants a header isrctl cannot send.
    let behind = World {
        versions: vec![2],
        endpoint: EndpointStyle::NeedsHeader,
        ..one_origin_behind_varnish(CdnCopy::Page(1))
    };
    named(behind, FreshTruth::NotRevalidated);
}

#[test]
fn a_cached_404_of_a_page_rendered_on_every_request_is_still_a_stale_copy() {
    // The shared cache's store is down: every request renders the page,
    // and the CDN keeps a 404 — judged by its status, and purged.
    let down = World {
        topology: Topology::SharedDown,
        endpoint: EndpointStyle::NeedsHeader,
        ..one_origin_behind_varnish(CdnCopy::NotFound)
    };
    named(down, FreshTruth::NotRevalidated);
}
