//! The world's servers: one loopback listener per origin and one for the
//! CDN, started once, serving whichever [`World`] is set. Their state is
//! one lock held only while an answer is computed (nothing awaits under it).

use super::answer::{Answer, respond, text_answer};
use super::builds;
use super::cdn::CdnCopies;
use super::{Cdn, CdnCopy, LOCALE_PAGE, PAGE, PageKind, Topology, World};
use crate::model::judgement::Remedy;
use crate::sim::Served;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex, MutexGuard};

/// Most origins a world has.
const MAX_ORIGINS: usize = 3;
const ISR_CACHE_CONTROL: &str = "s-maxage=3600, stale-while-revalidate=31532400";
const DYNAMIC_CACHE_CONTROL: &str = "private, no-cache, no-store, max-age=0, must-revalidate";
const NEXT_VARY: &str =
    "rsc, next-router-state-tree, next-router-prefetch, next-router-segment-prefetch";

/// What a world holds: each ISR entry (version, STALE pending) and each
/// CDN copy by key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorldState {
    pub entries: Vec<Option<(u32, bool)>>,
    pub copies: Vec<(String, Answer)>,
}

/// An origin's ISR cache entry for the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    version: u32,
    pending_stale: bool,
}

pub(super) struct Inner {
    pub(super) world: World,
    /// Per origin; with a shared cache only the first is used.
    pub(super) entries: Vec<Option<Entry>>,
    /// The CDN's copies by key (the URL, plus `|rsc` when keyed apart).
    pub(super) cdn: CdnCopies,
    renders: u64,
}

/// The world's servers (see the module doc).
pub struct WorldServers {
    inner: Arc<Mutex<Inner>>,
    origins: Vec<Served>,
    cdn: Served,
}

impl WorldServers {
    pub async fn start() -> std::io::Result<WorldServers> {
        let inner = Arc::new(Mutex::new(Inner {
            world: World {
                topology: Topology::PerInstance,
                page: PageKind::Isr,
                versions: vec![1],
                pending_stale: None,
                cdn: Cdn::None,
                origins_configured: true,
                topology_said: false,
                marker: false,
                endpoint: super::EndpointStyle::Docs,
                lagging: false,
            },
            entries: Vec::new(),
            cdn: CdnCopies::default(),
            renders: 0,
        }));
        let mut origins = Vec::new();
        for index in 0..MAX_ORIGINS {
            let app = Router::new()
                .fallback(origin)
                .with_state((inner.clone(), index));
            origins.push(Served::start(app).await?);
        }
        let cdn = Served::start(Router::new().fallback(cdn).with_state(inner.clone())).await?;
        Ok(WorldServers {
            inner,
            origins,
            cdn,
        })
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serve this world from now on.
    pub fn set(&self, world: &World) {
        let mut inner = self.lock();
        inner.entries = world
            .versions
            .iter()
            .enumerate()
            .map(|(i, &version)| {
                (world.page != PageKind::Cold).then_some(Entry {
                    version,
                    pending_stale: world.pending_stale == Some(i),
                })
            })
            .collect();
        inner.cdn.clear();
        if let Cdn::Caching { copy, .. } = world.cdn {
            let stored = match copy {
                CdnCopy::None => None,
                CdnCopy::Page(version) => Some(isr_page(version, "HIT")),
                CdnCopy::PreviousDeploy(version) => Some(builds::of_previous_deploy(
                    isr_page(version, "HIT"),
                    version,
                )),
                CdnCopy::NotFound => Some(not_found()),
                CdnCopy::RscRedirect => Some(redirect(&format!("{PAGE}?_rsc="), false)),
            };
            if let Some(answer) = stored {
                inner.cdn.insert(PAGE.to_string(), answer);
            }
        }
        inner.world = world.clone();
    }

    /// The site's config for this world.
    pub fn config(&self, world: &World) -> String {
        world.config(&self.public_url(world), &self.origin_urls(world))
    }

    fn origin_urls(&self, world: &World) -> Vec<String> {
        self.origins[..world.origin_count()]
            .iter()
            .map(|s| format!("http://{}", s.addr))
            .collect()
    }

    fn public_url(&self, world: &World) -> String {
        match world.cdn {
            Cdn::None => format!("http://{}", self.origins[0].addr),
            Cdn::Caching { .. } => format!("http://{}", self.cdn.addr),
        }
    }

    /// The origins' entries and the CDN's copies: what a check that reads
    /// nothing of the page must leave as it found them.
    pub fn state(&self) -> WorldState {
        let inner = self.lock();
        let entries = inner
            .entries
            .iter()
            .map(|e| e.map(|e| (e.version, e.pending_stale)))
            .collect();
        let mut copies = inner.cdn.all();
        copies.sort_by(|a, b| a.0.cmp(&b.0));
        WorldState { entries, copies }
    }

    /// What the CDN holds for the page's URL as visitors ask for it.
    pub fn visitor_copy(&self) -> Option<Answer> {
        self.lock().cdn.get(PAGE).cloned()
    }

    /// What origin 1 would answer a visitor now, once settled (no STALE
    /// pending), without changing anything.
    pub fn settled_answer(&self) -> Answer {
        let inner = self.lock();
        let mut copy = Inner {
            world: inner.world.clone(),
            entries: inner
                .entries
                .iter()
                .map(|e| {
                    e.map(|e| Entry {
                        version: settled(&inner.world, e),
                        pending_stale: false,
                    })
                })
                .collect(),
            cdn: CdnCopies::default(),
            renders: inner.renders,
        };
        copy.origin_answer(0, PAGE, false)
    }

    /// The world, and the version each origin serves a visitor once
    /// settled (an origin with no entry renders the current data).
    pub(super) fn settled_versions(&self) -> (World, Vec<u32>) {
        let inner = self.lock();
        let world = inner.world.clone();
        let versions = (0..world.origin_count())
            .map(|i| match inner.entries[inner.entry_index(i)] {
                _ if world.topology == Topology::SharedDown => world.rendered(),
                Some(entry) => settled(&world, entry),
                None => world.rendered(),
            })
            .collect();
        (world, versions)
    }

    /// Carry out a fix, as the operator would.
    pub fn apply(&self, remedy: Remedy) {
        let mut inner = self.lock();
        let data = inner.world.rendered();
        match remedy {
            Remedy::PurgeUrl => {
                inner.cdn.remove_page(PAGE);
            }
            Remedy::RevalidateEachOrigin => {
                for entry in inner.entries.iter_mut() {
                    *entry = Some(Entry {
                        version: data,
                        pending_stale: false,
                    });
                }
            }
            Remedy::RepairCacheStore => {
                if inner.world.topology == Topology::SharedDown {
                    inner.world.topology = Topology::Shared;
                }
            }
            Remedy::ReadAgain => {}
        }
    }
}

/// The version an entry shows once its pending STALE has been served.
fn settled(world: &World, entry: Entry) -> u32 {
    match entry.pending_stale {
        true => world.rendered(),
        false => entry.version,
    }
}

impl Inner {
    /// The entry an origin reads: its own, or the shared one.
    pub(super) fn entry_index(&self, origin: usize) -> usize {
        match self.world.topology {
            Topology::PerInstance => origin,
            Topology::Shared | Topology::SharedDown => 0,
        }
    }

    /// What origin `origin` answers `GET target` (and stores doing so).
    pub(super) fn origin_answer(&mut self, origin: usize, target: &str, rsc: bool) -> Answer {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path == "/api/revalidate" {
            return self.endpoint_answer(origin, query);
        }
        if path != PAGE {
            return not_found();
        }
        match self.world.page {
            PageKind::Deleted => return not_found(),
            PageKind::Redirect => return redirect(LOCALE_PAGE, true),
            PageKind::SelfRedirect => return redirect(PAGE, true),
            PageKind::Soft404 => return soft_not_found(),
            PageKind::Dynamic => {
                self.renders += 1;
                return dynamic_page(self.world.rendered(), self.renders);
            }
            PageKind::Isr | PageKind::Cold => {}
        }
        let expected_rsc = query.split('&').any(|p| p == "_rsc" || p == "_rsc=");
        if rsc && !expected_rsc {
            // Next.js 16.4.6: a 307 to the `_rsc` value it expects, with
            // no Vary and no Cache-Control.
            return redirect(&format!("{PAGE}?_rsc="), false);
        }
        let (version, state) = self.isr_read(origin);
        let mut answer = isr_page(version, state);
        if rsc {
            answer.body = format!("0:[\"v{version}\"]");
            set(&mut answer, "content-type", "text/x-component");
        }
        answer
    }

    /// Read the page's ISR entry: the version served and the cache state.
    fn isr_read(&mut self, origin: usize) -> (u32, &'static str) {
        let data = self.world.rendered();
        if self.world.topology == Topology::SharedDown {
            return (data, "MISS");
        }
        let index = self.entry_index(origin);
        match self.entries[index] {
            None => {
                self.entries[index] = Some(Entry {
                    version: data,
                    pending_stale: false,
                });
                (data, "MISS")
            }
            Some(entry) if entry.pending_stale => {
                // Served stale; the render behind it is stored.
                self.entries[index] = Some(Entry {
                    version: data,
                    pending_stale: false,
                });
                (entry.version, "STALE")
            }
            Some(entry) => (entry.version, "HIT"),
        }
    }
}

fn set(answer: &mut Answer, name: &'static str, value: &str) {
    answer.headers.retain(|(n, _)| *n != name);
    answer.headers.push((name, value.to_string()));
}

/// The page's HTML rendered from data `version`.
/// The page rendered from data `version`: the same bytes for the same
/// data, so the same ETag.
fn isr_page(version: u32, state: &str) -> Answer {
    Answer {
        status: 200,
        headers: vec![
            ("content-type", "text/html; charset=utf-8".into()),
            ("cache-control", ISR_CACHE_CONTROL.into()),
            ("x-nextjs-cache", state.into()),
            ("etag", format!("\"v{version}\"")),
            ("vary", NEXT_VARY.into()),
        ],
        body: builds::page_body(version),
    }
}

fn dynamic_page(version: u32, render: u64) -> Answer {
    Answer {
        status: 200,
        headers: vec![
            ("content-type", "text/html; charset=utf-8".into()),
            ("cache-control", DYNAMIC_CACHE_CONTROL.into()),
        ],
        body: builds::page_of_build(version, builds::BUILD)
            .replace("</html>", &format!("<p>render {render}</p></html>")),
    }
}

/// Next's error page in a 200, kept by ISR as if it were the page.
fn soft_not_found() -> Answer {
    Answer {
        status: 200,
        headers: vec![
            ("content-type", "text/html; charset=utf-8".into()),
            ("cache-control", ISR_CACHE_CONTROL.into()),
            ("x-nextjs-cache", "HIT".into()),
            ("etag", "\"soft404\"".into()),
        ],
        body: r#"<html><h1 class="next-error-h1" style="display:inline-block">404</h1></html>"#
            .into(),
    }
}

/// Next's prerendered not-found page for a deleted entry: a cacheable 404.
fn not_found() -> Answer {
    Answer {
        status: 404,
        headers: vec![
            ("content-type", "text/html; charset=utf-8".into()),
            ("cache-control", ISR_CACHE_CONTROL.into()),
            ("x-nextjs-cache", "HIT".into()),
        ],
        body: "<html><h1>404</h1></html>".into(),
    }
}

fn redirect(to: &str, cacheable: bool) -> Answer {
    let mut headers = vec![("location", to.to_string())];
    if cacheable {
        headers.push(("cache-control", ISR_CACHE_CONTROL.into()));
    }
    Answer {
        status: 307,
        headers,
        body: String::new(),
    }
}

pub(super) fn target_of(request: &Request) -> String {
    request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".to_string())
}

pub(super) fn asks_rsc(headers: &HeaderMap) -> bool {
    headers.get("rsc").is_some_and(|v| v.as_bytes() == b"1")
}

async fn origin(
    State((inner, index)): State<(Arc<Mutex<Inner>>, usize)>,
    request: Request,
) -> Response {
    let target = target_of(&request);
    let rsc = asks_rsc(request.headers());
    let answer = {
        let mut inner = inner.lock().unwrap_or_else(|e| e.into_inner());
        if index >= inner.world.origin_count() {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        inner.origin_answer(index, &target, rsc)
    };
    respond(answer, &[])
}

async fn cdn(State(inner): State<Arc<Mutex<Inner>>>, request: Request) -> Response {
    let target = target_of(&request);
    let rsc = asks_rsc(request.headers());
    let mut inner = inner.lock().unwrap_or_else(|e| e.into_inner());
    let Cdn::Caching {
        stores_errors,
        rsc_keyed_apart,
        bans,
        ..
    } = inner.world.cdn
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match (request.method().as_str(), bans) {
        ("PURGE", false) => return respond(inner.cdn.purge(&target), &[]),
        ("BAN", true) => return respond(inner.cdn.ban(request.headers()), &[]),
        ("PURGE" | "BAN", _) => return respond(text_answer(405, "Method not allowed"), &[]),
        _ => {}
    }
    // API routes go straight through, never kept (as the testbed's VCL).
    if target.starts_with("/api/") {
        return respond(inner.origin_answer(0, &target, false), &[]);
    }
    let key = match rsc && rsc_keyed_apart {
        true => format!("{target}|rsc"),
        false => target.clone(),
    };
    if let Some(stored) = inner.cdn.get(&key).cloned() {
        return respond(
            stored,
            &[("x-cache", "HIT"), ("age", "5"), ("x-varnish", "5 3")],
        );
    }
    let answer = inner.origin_answer(0, &target, rsc);
    inner.cdn.keep(key, &answer, stores_errors);
    respond(
        answer,
        &[("x-cache", "MISS"), ("age", "0"), ("x-varnish", "7")],
    )
}
