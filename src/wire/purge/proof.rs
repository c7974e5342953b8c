//! A purge proven, not believed: a cache that answers 200 to a purge may
//! still hold the page (a BAN that matched nothing, a key with another
//! Host, an encoded query, an empty tag header). After a Varnish or `http`
//! purge is accepted, each page it covered is read back where visitors get
//! it (each Varnish node with the public Host; the public URL for `http`)
//! and the answer decides:
//! - a MISS, or a copy no older than the purge → `purged`, proven;
//! - a HIT older than the purge (its `Age` says so, or no `Age` at all) →
//!   `not_purged`, with the likely cause for this request shape;
//! - no cache signal at all → `purged`, said to be unproven.
//!
//! An API CDN (Cloudflare, Fastly, Vercel) spreads a purge to its edges
//! in a moment, not at once: its pages are read back through the public
//! URL a few times over a few seconds before a kept copy counts. A soft
//! purge (Fastly's default, Vercel's invalidate) marks the copy stale and
//! may serve it once more while refetching: a kept copy there leaves the
//! purge unproven, not failed.
//!
//! The read is a GET through the cache: like the purge itself, it lets the
//! cache fetch the page the origin serves now (in `fresh` it runs after
//! every origin serves the new page). A page purged by its `_rsc` URL is
//! read back with `RSC: 1`: the object a client-side navigation gets,
//! which a cache keyed on that header keeps apart from the HTML.
//!
//! `Age` has a resolution of a second: a copy cached just before the purge
//! looks as young as one fetched after it. Where the cache names its
//! objects (Varnish's `X-Varnish`, PURGE and BAN), each page is therefore
//! read once before the purge too, and a HIT after it that is the very
//! object read before is a copy the purge left.

use super::send::Purger;
use super::{PurgeCall, PurgeItem, PurgeKind, PurgeOutcome};
use crate::model::cache_headers::{self, CacheState, HeaderList};
use crate::wire::http::{self, PAGE_BODY_CAP};
use std::time::Instant;

/// Pages read back per call, at most (a tag may cover many).
const PAGES_READ_BACK: usize = 20;
/// Reads of a page an API CDN still serves from before the purge, and the
/// first pause between them (doubling: about 6 s in all).
const PROPAGATION_READS: u32 = 5;
const PROPAGATION_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(400);

/// What one read-back found.
enum ReadBack {
    Gone,
    Kept(String),
    Unknown(String),
}

impl Purger {
    /// Read back what an accepted purge call covered; turn `o` into
    /// `not_purged` when a page is still the old copy.
    pub(super) async fn prove(
        &self,
        o: &mut PurgeOutcome,
        call: &PurgeCall,
        (sent, before): (Instant, &[Option<String>]),
        softly: bool,
    ) {
        let pages = self.read_back_urls(call);
        if pages.is_empty() {
            return;
        }
        let (mut gone, mut unknown) = (0, Vec::new());
        for (i, (url, host)) in pages.iter().enumerate() {
            let object = before.get(i).cloned().flatten();
            let read = self.read_back_settled(url, host.as_deref(), (sent, object), softly);
            match read.await {
                ReadBack::Gone => gone += 1,
                ReadBack::Kept(why) if softly => unknown.push(format!(
                    "{url} still answers {why}; a soft purge marks the copy stale and may serve it while it refetches"
                )),
                ReadBack::Kept(why) => {
                    o.kind = PurgeKind::NotPurged;
                    o.explanation = format!(
                        "{} answered {} but still serves the old copy of {url}: {why}",
                        self.provider(),
                        o.status.map_or("-".into(), |s| s.to_string())
                    );
                    o.fix = Some(self.wire().likely_cause(&self.site, call));
                    return;
                }
                ReadBack::Unknown(why) => unknown.push(why),
            }
        }
        o.explanation = match unknown.first() {
            None => format!(
                "{} purged it; proven: read back {gone} page(s), each fetched anew",
                self.provider()
            ),
            Some(why) => format!("{} accepted the purge; not proven: {why}", self.provider()),
        };
    }

    /// Before the purge: the cache's object id of each page it will read
    /// back (in `read_back_urls` order), where the cache says one.
    pub(super) async fn objects_before(&self, call: &PurgeCall) -> Vec<Option<String>> {
        let mut objects = Vec::new();
        if !self.config.provider.names_its_objects() {
            return objects;
        }
        for (url, host) in self.read_back_urls(call) {
            let object = match self.get(&url, host.as_deref()).await {
                Some((headers, _)) => object_id(&headers),
                None => None,
            };
            objects.push(object);
        }
        objects
    }

    /// GET a page where visitors get it (with `RSC: 1` for an `_rsc` URL);
    /// its headers and whether it was read whole.
    async fn get(&self, url: &str, host: Option<&str>) -> Option<(HeaderList, bool)> {
        let mut request = self.client.get(url);
        if let Some(host) = host {
            request = request.header(reqwest::header::HOST, host);
        }
        if asks_rsc(url) {
            request = request.header("rsc", "1");
        }
        let mut response = request.send().await.ok()?;
        let headers = HeaderList::from_map(response.headers());
        let whole = http::read_capped(&mut response, PAGE_BODY_CAP)
            .await
            .is_ok();
        Some((headers, whole))
    }

    /// (URL, Host header) of each page `call` covered, where visitors get it.
    fn read_back_urls(&self, call: &PurgeCall) -> Vec<(String, Option<String>)> {
        // A tag the cache purged itself: the configured pages carrying it.
        let tagged = |tag: &str| -> Vec<&str> {
            self.site
                .routes
                .iter()
                .filter(|r| r.page_type.is_none() && r.tags.iter().any(|t| t == tag))
                .map(|r| r.path.as_str())
                .collect()
        };
        let paths = call.covers.iter().flat_map(|item| match item {
            PurgeItem::Path(p) => vec![p.as_str()],
            PurgeItem::Tag(t) => tagged(t),
            _ => Vec::new(),
        });
        let wire = self.wire();
        let at = |path: &str| wire.read_back_at(&self.site, call, path);
        paths.filter_map(at).take(PAGES_READ_BACK).collect()
    }

    /// One read, or for an API CDN or a soft purge a few until the copy
    /// is gone: a soft purge may serve the stale copy once while the cache
    /// revalidates it, and the first revalidated answer is the proof.
    async fn read_back_settled(
        &self,
        url: &str,
        host: Option<&str>,
        (sent, before): (Instant, Option<String>),
        softly: bool,
    ) -> ReadBack {
        let again = self.config.provider.is_api() || softly;
        let mut result = self.read_back(url, host, (sent, before.as_deref())).await;
        let mut pause = PROPAGATION_FIRST_PAUSE;
        for _ in 1..PROPAGATION_READS {
            if !(again && matches!(result, ReadBack::Kept(_))) {
                break;
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
            result = self.read_back(url, host, (sent, before.as_deref())).await;
        }
        result
    }

    async fn read_back(
        &self,
        url: &str,
        host: Option<&str>,
        (sent, before): (Instant, Option<&str>),
    ) -> ReadBack {
        let Some((headers, _)) = self.get(url, host).await else {
            return ReadBack::Unknown(format!("reading {url} back failed"));
        };
        let report = cache_headers::interpret(&headers, None);
        let hit = matches!(report.edge, Some(CacheState::Hit | CacheState::Stale));
        if let (true, Some(before), Some(now)) = (hit, before, object_id(&headers)) {
            if before == now {
                return ReadBack::Kept(format!(
                    "a HIT of the very object read before the purge (X-Varnish object {now})"
                ));
            }
            return ReadBack::Gone;
        }
        // Whole seconds, and the purge took some: one second of slack.
        let since = sent.elapsed().as_secs() + 1;
        let older = |age: u64| age > since;
        match (report.edge, report.age) {
            (Some(CacheState::Miss | CacheState::Expired), _) => ReadBack::Gone,
            (Some(CacheState::Hit | CacheState::Stale), Some(age)) if older(age) => {
                ReadBack::Kept(format!(
                    "a HIT {} old, older than the purge",
                    crate::model::text::duration_words(age)
                ))
            }
            (Some(CacheState::Hit | CacheState::Stale), None) => {
                ReadBack::Kept("a HIT right after the purge".into())
            }
            (_, Some(age)) if older(age) => ReadBack::Kept(format!(
                "a copy {} old, older than the purge",
                crate::model::text::duration_words(age)
            )),
            (_, Some(_)) | (Some(_), None) => ReadBack::Gone,
            (None, None) => ReadBack::Unknown(format!(
                "{url} says neither Age nor HIT/MISS, so the cache's copy cannot be read"
            )),
        }
    }
}

/// Whether a URL asks for a page's RSC payload (`_rsc` in its query).
fn asks_rsc(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.query_pairs().any(|(k, _)| k == "_rsc"))
}

/// The cache's own id of the object it served: Varnish's `X-Varnish:
/// <request> <object>` on a hit.
fn object_id(headers: &HeaderList) -> Option<String> {
    let value = headers.first("x-varnish")?;
    let mut ids = value.split_whitespace();
    let (_request, object) = (ids.next()?, ids.next()?);
    Some(object.to_string())
}
