//! Generated worlds as the oracle (`isrctl::sim::world`): thousands of
//! worlds — 1–3 origins; a cache per instance, shared, or shared with its
//! store down; a CDN or none, keeping errors and redirects or not, keying
//! RSC apart or not, holding no copy, the current page, an old one, a 404
//! or a 307 an RSC read left; ISR, cold, dynamic, deleted, redirecting,
//! self-redirecting and soft-404 pages; a tag revalidation pending (STALE once);
//! a CMS that lags (renders read the data from before its last change);
//! origins listed or not, the topology said or not, a marker or not; an
//! endpoint answering as the docs' handler, as a webhook that answers 200
//! with its verdict in the body, with no secret check, ignoring the path
//! it is given, or wanting a header isrctl cannot send — each read by the same code `probe` and `check`
//! run, asserting:
//!
//! 1. the judgement is the world's truth, and so is the passive auth
//!    check's verdict on the endpoint;
//! 2. reading changed nothing a visitor gets (the CDN's copy of the page's
//!    URL is the one it had, or — where it had none — what origin 1 gives
//!    a visitor now, as a visitor's own read would have stored), and the
//!    auth check changed nothing at all;
//! 3. doing what the judgement advises (a purge, sent by the engine as
//!    `isrctl purge` sends it and proven by reading back; revalidating each
//!    origin; bringing back the cache's store) leaves nothing to advise.
//!
//! `ISRCTL_WORLDS=100000 cargo test --test it worlds` runs a longer
//! search; a failure prints the smallest world that fails, to be kept
//! below as a named test.

use isrctl::engine::checks::{self, CheckEvent, CheckId, Emitter, Plan, Session, Severity};
use isrctl::model::config::CacheTopology;
use isrctl::model::judgement::{Judgement, Origins, PerRequest, Public, Remedy, StaleCopy};
use isrctl::sim::world::{
    AuthTruth, Cdn, CdnCopy, EndpointStyle, PAGE, PageKind, Topology, World, WorldServers,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Worlds per `cargo test` run: a few thousand in well under a minute.
const DEFAULT_WORLDS: u32 = 2000;

fn topology() -> impl Strategy<Value = Topology> {
    prop_oneof![
        Just(Topology::PerInstance),
        Just(Topology::Shared),
        Just(Topology::SharedDown)
    ]
}

fn page_kind() -> impl Strategy<Value = PageKind> {
    prop_oneof![
        4 => Just(PageKind::Isr),
        1 => Just(PageKind::Cold),
        1 => Just(PageKind::Dynamic),
        1 => Just(PageKind::Deleted),
        1 => Just(PageKind::Redirect),
        1 => Just(PageKind::SelfRedirect),
        1 => Just(PageKind::Soft404),
    ]
}

fn cdn() -> impl Strategy<Value = Cdn> {
    let copy = prop_oneof![
        Just(CdnCopy::None),
        (1u32..=2).prop_map(CdnCopy::Page),
        (1u32..=2).prop_map(CdnCopy::PreviousDeploy),
        Just(CdnCopy::NotFound),
        Just(CdnCopy::RscRedirect),
    ];
    prop_oneof![
        1 => Just(Cdn::None),
        3 => (any::<bool>(), any::<bool>(), any::<bool>(), copy).prop_map(|(stores_errors, rsc_keyed_apart, bans, copy)| {
            // A CDN that keeps no errors or redirects holds none.
            let copy = match (stores_errors, copy) {
                (false, CdnCopy::NotFound | CdnCopy::RscRedirect) => CdnCopy::None,
                (_, copy) => copy,
            };
            Cdn::Caching { stores_errors, rsc_keyed_apart, bans, copy }
        }),
    ]
}

fn endpoint() -> impl Strategy<Value = EndpointStyle> {
    prop_oneof![
        Just(EndpointStyle::Docs),
        Just(EndpointStyle::Webhook200),
        Just(EndpointStyle::NoSecretCheck),
        Just(EndpointStyle::NeedsHeader),
        Just(EndpointStyle::IgnoresTarget),
    ]
}

pub fn world() -> impl Strategy<Value = World> {
    let shape = (1usize..=3, topology(), page_kind());
    let flags = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>());
    (
        shape,
        prop::collection::vec(1u32..=2, 3),
        any::<Option<usize>>(),
        cdn(),
        flags,
        endpoint(),
    )
        .prop_map(
            |(
                (origins, topology, page),
                versions,
                pending,
                cdn,
                (listed, said, marker, lag),
                endpoint,
            )| {
                let mut versions = versions[..origins].to_vec();
                if topology != Topology::PerInstance {
                    versions = vec![versions[0]; origins];
                }
                // A tag revalidation pending at one entry (the shared one when
                // shared), on a page that has an entry.
                let pending = pending
                    .map(|p| match topology {
                        Topology::PerInstance => p % origins,
                        _ => 0,
                    })
                    .filter(|_| page == PageKind::Isr && topology != Topology::SharedDown);
                // A lagging CMS where every render already shows what a
                // render reads now (else isrctl could not tell, nor could
                // anyone reading the site).
                let current = versions[0];
                let settled = versions.iter().all(|&v| v == current) && pending.is_none();
                let copy_current = match cdn {
                    Cdn::None => true,
                    Cdn::Caching { copy, .. } => {
                        matches!(copy, CdnCopy::None) || copy == CdnCopy::Page(current)
                    }
                };
                let lagging = lag
                    && page == PageKind::Isr
                    && topology != Topology::SharedDown
                    && settled
                    && copy_current;
                World {
                    topology,
                    page,
                    versions,
                    pending_stale: pending,
                    cdn,
                    origins_configured: listed,
                    topology_said: said,
                    marker,
                    endpoint,
                    lagging,
                }
            },
        )
}

pub fn worlds_to_run() -> u32 {
    std::env::var("ISRCTL_WORLDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_WORLDS)
}

pub fn site(servers: &WorldServers, world: &World) -> Result<isrctl::model::config::Site, String> {
    let config = servers.config(world);
    let parsed = isrctl::model::config::parse(&config, std::path::Path::new("world.toml"))
        .map_err(|e| format!("{e}"))?;
    Ok(parsed.sites[0].clone())
}

/// Probe the world's page with the engine code `probe` and `check` use.
async fn judge(servers: &WorldServers, world: &World) -> Result<(Judgement, String), String> {
    let site = &site(servers, world)?;
    let page = isrctl::engine::probe::probe_path(site, PAGE)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let reads: Vec<String> = page
        .layers
        .iter()
        .map(|l| format!("  {}: {}", l.label, l.summary()))
        .collect();
    Ok((page.judgement, reads.join("\n")))
}

/// The passive auth check (the code `check` runs), as a verdict.
async fn auth(servers: &WorldServers, world: &World) -> Result<AuthTruth, String> {
    let site = site(servers, world)?;
    let session = Session::prepare(site, isrctl::wire::job_runner::ignore_pauses())
        .await
        .map_err(|e| e.to_string())?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let plan = Plan {
        paths: vec![PAGE.into()],
        active: false,
        deadline: std::time::Duration::from_secs(1),
        last_revalidation: None,
    };
    checks::auth::run(&session, &Emitter::new(tx, None), &plan).await;
    let mut said = Vec::new();
    while let Ok(CheckEvent::Finding(f)) = rx.try_recv() {
        if f.check == CheckId::Auth {
            said.push((f.severity, f.title));
        }
    }
    match said.first() {
        Some((Severity::Ok, t)) if t == "a wrong secret is refused" => Ok(AuthTruth::Refused),
        Some((Severity::Problem, t)) if t.starts_with("the endpoint accepts any secret") => {
            Ok(AuthTruth::AcceptsAnySecret)
        }
        Some((Severity::CouldNotCheck, t)) if t.starts_with("inconclusive") => {
            Ok(AuthTruth::Inconclusive)
        }
        _ => Err(format!("the auth check said {said:?}")),
    }
}

/// `isrctl purge --path /p` through the engine, at the world's CDN (a
/// PURGE of the URL, or a BAN of it and its query variants); every outcome
/// must be proven.
async fn purge(servers: &WorldServers, world: &World) -> Result<(), String> {
    use isrctl::engine::{Engine, EngineEvent};
    let site = site(servers, world)?;
    let (engine, mut events) = Engine::new(vec![site], None);
    let item = isrctl::model::purge::PurgeItem::Path(PAGE.into());
    let run = engine.purge(0, vec![item], std::time::Duration::from_secs(5));
    let mut outcomes = Vec::new();
    while let Some(event) = events.recv().await {
        match event {
            EngineEvent::Purged { outcome, .. } => outcomes.push(outcome),
            EngineEvent::PurgeDone { .. } => break,
            EngineEvent::NotStarted { reason, .. } => return Err(format!("purge: {reason:?}")),
            _ => {}
        }
    }
    run.await.map_err(|e| e.to_string())?;
    match outcomes.iter().all(|o| o.kind.is_fine()) && !outcomes.is_empty() {
        true => Ok(()),
        false => Err(format!("the purge was not proven: {outcomes:?}")),
    }
}

/// The three properties for one world.
async fn holds(servers: &WorldServers, world: &World) -> Result<(), String> {
    servers.set(world);
    let untouched = servers.state();
    let said = auth(servers, world).await?;
    if said != world.auth_truth() {
        return Err(format!(
            "auth check said {said:?}, truth {:?}",
            world.auth_truth()
        ));
    }
    if servers.state() != untouched {
        return Err("the passive auth check changed the world".into());
    }
    let before = servers.visitor_copy();
    let truth = world.truth();
    let (judged, reads) = judge(servers, world).await?;
    if judged != truth {
        return Err(format!(
            "judged {judged:?}\n   truth {truth:?}\nreads:\n{reads}"
        ));
    }
    let after = servers.visitor_copy();
    let settled = servers.settled_answer();
    let untouched = match (&before, &after) {
        (Some(b), Some(a)) => a == b,
        (None, Some(a)) => (a.status, &a.body) == (settled.status, &settled.body),
        (Some(_), None) => false,
        (None, None) => true,
    };
    if !untouched {
        return Err(format!(
            "reading changed what a visitor gets: {before:?} became {after:?}\nreads:\n{reads}"
        ));
    }
    let mut judged = judged;
    for _round in 0..3 {
        let remedies = judged.remedies();
        if remedies.is_empty() {
            return Ok(());
        }
        for remedy in remedies {
            match (remedy, world.cdn) {
                // The purge the judgement advises, as `isrctl purge` sends it.
                (Remedy::PurgeUrl, Cdn::Caching { .. }) => purge(servers, world).await?,
                _ => servers.apply(remedy),
            }
        }
        judged = judge(servers, world).await?.0;
    }
    Err(format!(
        "the advised fixes leave something to fix: {judged:?}"
    ))
}

#[test]
fn every_generated_world_is_judged_as_it_is_reading_changes_nothing_and_the_advice_fixes_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let servers = runtime.block_on(WorldServers::start()).unwrap();
    let config = Config {
        cases: worlds_to_run(),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&world(), |world| {
        runtime
            .block_on(holds(&servers, &world))
            .map_err(|why| TestCaseError::fail(format!("{world:#?}\n{why}")))
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

/// One named world, with what is true of it.
fn named(world: World, truth: Judgement) {
    assert_eq!(world.truth(), truth, "the world's own truth");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let servers = WorldServers::start().await.unwrap();
        if let Err(why) = holds(&servers, &world).await {
            panic!("{world:#?}\n{why}");
        }
    });
}

fn behind_a_cdn(copy: CdnCopy) -> World {
    World {
        topology: Topology::PerInstance,
        page: PageKind::Isr,
        versions: vec![2, 2],
        pending_stale: None,
        cdn: Cdn::Caching {
            stores_errors: true,
            rsc_keyed_apart: false,
            bans: false,
            copy,
        },
        origins_configured: true,
        topology_said: false,
        marker: false,
        endpoint: EndpointStyle::Docs,
        lagging: false,
    }
}

#[test]
fn a_307_left_at_the_cdn_is_a_stale_copy_and_reading_leaves_none() {
    // An RSC read without `_rsc` leaves a 307 at a CDN that keys without
    // the header; isrctl's reads must not, and must call it stale.
    named(
        behind_a_cdn(CdnCopy::RscRedirect),
        Judgement {
            origins: Origins::Serve,
            cdn: Public::Stale {
                copy: StaleCopy::CachedRedirect,
            },
        },
    );
    named(
        behind_a_cdn(CdnCopy::None),
        Judgement {
            origins: Origins::Serve,
            cdn: Public::Same,
        },
    );
}

#[test]
fn a_deleted_page_still_served_and_a_cached_404_are_stale_copies() {
    let deleted = World {
        page: PageKind::Deleted,
        ..behind_a_cdn(CdnCopy::Page(2))
    };
    named(
        deleted,
        Judgement {
            origins: Origins::Missing,
            cdn: Public::Stale {
                copy: StaleCopy::DeletedPageServed,
            },
        },
    );
    named(
        behind_a_cdn(CdnCopy::NotFound),
        Judgement {
            origins: Origins::Serve,
            cdn: Public::Stale {
                copy: StaleCopy::CachedNotFound,
            },
        },
    );
}

#[test]
fn a_cold_page_on_a_shared_cache_is_one_render_not_replicas() {
    let cold = World {
        topology: Topology::Shared,
        page: PageKind::Cold,
        topology_said: true,
        ..behind_a_cdn(CdnCopy::None)
    };
    named(
        cold,
        Judgement {
            origins: Origins::Serve,
            cdn: Public::Same,
        },
    );
}

#[test]
fn a_shared_cache_whose_store_is_down_is_said_so_not_called_per_instance() {
    let down = World {
        topology: Topology::SharedDown,
        topology_said: true,
        ..behind_a_cdn(CdnCopy::Page(1))
    };
    named(
        down,
        Judgement {
            origins: Origins::RendersPerRequest {
                origin: 1,
                why: PerRequest::NotCaching,
            },
            // Every render is the current page: the CDN's copy is old.
            cdn: Public::Stale {
                copy: StaleCopy::OldContent,
            },
        },
    );
}

#[test]
fn the_public_copy_equal_to_one_replica_is_not_stale() {
    let lagging = World {
        versions: vec![1, 2],
        marker: true,
        ..behind_a_cdn(CdnCopy::Page(1))
    };
    named(
        lagging,
        Judgement {
            origins: Origins::ReplicasDiffer {
                behind: vec![1],
                topology: CacheTopology::Unknown,
            },
            cdn: Public::Same,
        },
    );
}

#[test]
fn a_stale_answer_is_read_until_it_settles() {
    let pending = World {
        versions: vec![1],
        pending_stale: Some(0),
        ..behind_a_cdn(CdnCopy::Page(1))
    };
    named(
        pending,
        Judgement {
            origins: Origins::Serve,
            cdn: Public::Stale {
                copy: StaleCopy::OldContent,
            },
        },
    );
}
