//! Routes from sitemaps: a site's `sitemap = "/sitemap.xml"` lists its
//! pages, so a site of 100,000 pages needs no 100,000 `[[routes]]`.
//!
//! Sitemaps (sitemaps.org protocol) are `<urlset>` files of `<url><loc>`
//! with an optional `<lastmod>`, or `<sitemapindex>` files pointing at
//! more sitemaps; either may be gzipped. They are read with a streaming
//! parser, capped (50 MB and 50,000 URLs per file, as the protocol
//! allows; 1,000 files per index; 1,000,000 URLs in all), fetched with
//! conditional requests against a cached copy in the state directory, and
//! reported honestly: URLs of another site (origin), relative ones, duplicates and
//! unreadable files are counted in notes, never silently dropped.

mod cache;
mod parse;

pub use cache::Cache;
pub use parse::Document;
pub(in crate::wire) use parse::parse;

use crate::model::config::{Route, Site};
use crate::model::trouble::Trouble;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use url::Url;

/// Largest sitemap file, decompressed (the protocol's limit).
pub const FILE_CAP: usize = 50 * 1024 * 1024;
/// URLs per sitemap file (the protocol's limit).
pub const URLS_PER_FILE: usize = 50_000;
/// Sitemap files read through an index, at most.
pub const FILES_CAP: usize = 1_000;
/// URLs kept from all files together.
pub const URLS_CAP: usize = 1_000_000;
/// Longest `<loc>` (the protocol's limit): a hostile 10 MB one would
/// otherwise become a route every later command has to show.
pub const LOC_CAP: usize = 2_048;

/// One page the sitemap lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    /// `<lastmod>` as written (W3C datetime), if any.
    pub lastmod: Option<String>,
}

/// A site's pages from its sitemap, and what was odd about them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteMap {
    pub entries: Vec<Entry>,
    /// "3 URL(s) of another site skipped (`https://cdn.example.com`)", …
    pub notes: Vec<String>,
    /// When the sitemap was last read from the site.
    pub fetched: Option<jiff::Timestamp>,
}

/// Turn the `<loc>`s of a urlset into this site's paths, counting what
/// does not belong: other hosts, unparsable URLs, duplicates.
pub fn entries(
    site: &Url,
    base: &Url,
    locs: Vec<(String, Option<String>)>,
    map: &mut SiteMap,
    seen: &mut HashSet<String>,
) {
    let (mut foreign, mut invalid, mut duplicates, mut long) = (0usize, 0usize, 0usize, 0usize);
    let mut foreign_origins: Vec<String> = Vec::new();
    for (loc, lastmod) in locs {
        if map.entries.len() >= URLS_CAP {
            map.notes.push(format!("stopped at {URLS_CAP} URLs"));
            break;
        }
        if loc.trim().chars().count() > LOC_CAP {
            long += 1;
            continue;
        }
        let Ok(url) = base.join(loc.trim()) else {
            invalid += 1;
            continue;
        };
        // The same site is the same origin: scheme, host and port.
        if url.origin() != site.origin() {
            foreign += 1;
            let origin = url.origin().ascii_serialization();
            if foreign_origins.len() < 3 && !foreign_origins.contains(&origin) {
                foreign_origins.push(origin);
            }
            continue;
        }
        // Revalidation takes a path: a query string names no other page.
        let path = url.path().to_string();
        if !seen.insert(path.clone()) {
            duplicates += 1;
            continue;
        }
        map.entries.push(Entry { path, lastmod });
    }
    if foreign > 0 {
        map.notes.push(format!(
            "{foreign} URL(s) of another site skipped ({}{}): the site is {}",
            crate::model::safe_text::one_line(&foreign_origins.join(", ")),
            if foreign > foreign_origins.len() {
                ", …"
            } else {
                ""
            },
            site.origin().ascii_serialization()
        ));
    }
    if long > 0 {
        map.notes.push(format!(
            "{long} <loc>(s) over {LOC_CAP} characters skipped (the protocol's limit)"
        ));
    }
    if invalid > 0 {
        map.notes
            .push(format!("{invalid} <loc>(s) that are not URLs skipped"));
    }
    if duplicates > 0 {
        map.notes
            .push(format!("{duplicates} duplicate URL(s) listed once"));
    }
}

/// Fetch the site's sitemap (and, through an index, its sitemaps), using
/// `cache` for conditional requests; the pages found and notes.
pub async fn fetch(
    client: &reqwest::Client,
    site: &Site,
    sitemap: &Url,
    cache: &mut Cache,
) -> Result<SiteMap, Trouble> {
    let mut map = SiteMap {
        fetched: Some(jiff::Timestamp::now()),
        ..SiteMap::default()
    };
    let mut seen = HashSet::new();
    let mut queue = vec![sitemap.clone()];
    // Each sitemap file is read once: an index that lists itself (or an
    // index above it) would otherwise be read until the file cap.
    let mut visited: HashSet<Url> = HashSet::new();
    let mut files = 0;
    while let Some(url) = queue.pop() {
        if !visited.insert(url.clone()) {
            continue;
        }
        files += 1;
        if files > FILES_CAP {
            map.notes
                .push(format!("stopped after {FILES_CAP} sitemap files"));
            break;
        }
        match cache.get(client, &url).await {
            Ok(Document::Index(children)) => {
                for child in children.iter().rev() {
                    match url.join(child.trim()) {
                        Ok(child) if child == url => map
                            .notes
                            .push(format!("{url}: the index lists itself; read once")),
                        Ok(child) if visited.contains(&child) => map.notes.push(format!(
                            "{url}: lists {child}, which was read already (a loop); read once"
                        )),
                        Ok(child) => queue.push(child),
                        Err(_) => map
                            .notes
                            .push(format!("{url}: a <sitemap><loc> that is not a URL skipped")),
                    }
                }
            }
            Ok(Document::UrlSet(locs)) => {
                entries(&site.public_url, &url, locs, &mut map, &mut seen)
            }
            Err(why) if url == *sitemap => return Err(Trouble::failed(format!("{url}: {why}"))),
            Err(why) => map.notes.push(format!("{url}: {why}; skipped")),
        }
    }
    Ok(map)
}

/// The site's routes with the sitemap's pages added: configured routes
/// come first and win (their tags and markers stay), with the sitemap's
/// `<lastmod>` for their page.
pub fn merged(site: &Site, map: &SiteMap) -> Vec<Route> {
    let configured: HashSet<&str> = site.routes.iter().map(|r| r.path.as_str()).collect();
    let lastmod = |e: &Entry| {
        e.lastmod
            .as_deref()
            .and_then(crate::model::staleness::parse_lastmod)
    };
    let changed: std::collections::HashMap<&str, jiff::Timestamp> = map
        .entries
        .iter()
        .filter(|e| configured.contains(e.path.as_str()))
        .filter_map(|e| Some((e.path.as_str(), lastmod(e)?)))
        .collect();
    let mut routes = site.routes.to_vec();
    for route in &mut routes {
        route.lastmod = route.lastmod.or(changed.get(route.path.as_str()).copied());
    }
    routes.extend(
        map.entries
            .iter()
            .filter(|e| !configured.contains(e.path.as_str()))
            .map(|e| Route {
                path: e.path.clone(),
                page_type: None,
                tags: Vec::new(),
                marker: None,
                labels: vec!["sitemap".to_string()],
                key: false,
                lastmod: lastmod(e),
            }),
    );
    routes
}
