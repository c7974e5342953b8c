//! The route filter's index: every route's path, tags and labels,
//! lowercased once into one text, so a keystroke is one fast substring
//! scan (memchr's SIMD search) instead of lowercasing and comparing a
//! million routes' fields one by one.
//!
//! A route matches when its path, one of its tags or one of its labels
//! contains the (lowercased) filter; fields are kept apart by a NUL, which
//! no filter holds, so no match runs from one field into the next.

use crate::model::config::Route;
use std::sync::Arc;

/// Built off the console's thread (the engine sends one per site after
/// the first frame), so typing never waits for it.
pub struct RouteSearch {
    /// The routes indexed: a new list (a sitemap's pages) needs a new index.
    routes: Arc<[Route]>,
    /// `\0path\0tag\0label` for each route, lowercased, one after another.
    text: String,
    /// Where each route's part of `text` starts, plus the end of `text`.
    starts: Vec<usize>,
}

const SEPARATOR: char = '\0';

impl std::fmt::Debug for RouteSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RouteSearch({} routes)", self.routes.len())
    }
}

impl RouteSearch {
    pub fn new(routes: Arc<[Route]>) -> RouteSearch {
        // Sized up front: growing a 30 MB string by doubling cost more
        // than filling it.
        let size: usize = routes
            .iter()
            .flat_map(|r| std::iter::once(&r.path).chain(&r.tags).chain(&r.labels))
            .map(|field| field.len() + 1)
            .sum();
        let mut text = String::with_capacity(size);
        let mut starts = Vec::with_capacity(routes.len() + 1);
        for route in routes.iter() {
            starts.push(text.len());
            let fields = std::iter::once(&route.path)
                .chain(&route.tags)
                .chain(&route.labels);
            for field in fields {
                text.push(SEPARATOR);
                push_lowercase(&mut text, field);
            }
        }
        starts.push(text.len());
        RouteSearch {
            routes,
            text,
            starts,
        }
    }

    /// Whether this index is for `routes` (the same list, not a copy).
    pub fn is_for(&self, routes: &Arc<[Route]>) -> bool {
        Arc::ptr_eq(&self.routes, routes)
    }

    /// The indices of the routes that match `needle` (lowercase), in order.
    pub fn matching(&self, needle: &str) -> Vec<usize> {
        let count = self.starts.len().saturating_sub(1);
        if needle.is_empty() {
            return (0..count).collect();
        }
        if needle.contains(SEPARATOR) {
            return Vec::new();
        }
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let text = self.text.as_bytes();
        let mut found = Vec::new();
        let (mut route, mut from) = (0, 0);
        while let Some(hit) = text.get(from..).and_then(|rest| finder.find(rest)) {
            let at = from + hit;
            // Hits come in order: walk forward to the route holding `at`.
            while self.starts.get(route + 1).is_some_and(|&next| next <= at) {
                route += 1;
            }
            found.push(route);
            // One hit per route is enough: go on from the next route.
            route += 1;
            match self.starts.get(route) {
                Some(&next) if route < count => from = next,
                _ => break,
            }
        }
        found
    }
}

/// `field` lowercased the way the filter is (`str::to_lowercase`),
/// without an allocation for the common ASCII case.
fn push_lowercase(text: &mut String, field: &str) {
    if field.is_ascii() {
        let start = text.len();
        text.push_str(field);
        text[start..].make_ascii_lowercase();
    } else {
        text.push_str(&field.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn route(path: &str, tags: &[&str], labels: &[&str]) -> Route {
        Route {
            path: path.to_string(),
            page_type: None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            marker: None,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            key: false,
            lastmod: None,
        }
    }

    /// The filter's meaning, written the plain way.
    fn plainly(routes: &[Route], needle: &str) -> Vec<usize> {
        let has = |field: &str| field.to_lowercase().contains(needle);
        (0..routes.len())
            .filter(|&i| {
                let r = &routes[i];
                has(&r.path) || r.tags.iter().any(|t| has(t)) || r.labels.iter().any(|l| has(l))
            })
            .collect()
    }

    #[test]
    fn matches_paths_tags_and_labels_but_not_across_them() {
        let routes: Arc<[Route]> = vec![
            route("/Blog/Hello", &["posts"], &[]),
            route("/about", &[], &["sitemap"]),
            route("/shop", &["Pricing"], &["x"]),
        ]
        .into();
        let search = RouteSearch::new(routes.clone());
        assert_eq!(search.matching("blog"), [0]);
        assert_eq!(search.matching("pricing"), [2]);
        assert_eq!(search.matching("sitemap"), [1]);
        assert_eq!(search.matching("o"), [0, 1, 2]);
        assert_eq!(search.matching("helloposts"), Vec::<usize>::new());
        assert_eq!(search.matching(""), [0, 1, 2]);
        assert!(search.is_for(&routes));
        assert!(!search.is_for(&routes.to_vec().into()));
    }

    proptest! {
        /// The index answers exactly what the plain reading does, for
        /// any routes (non-ASCII included) and any filter.
        #[test]
        fn the_index_agrees_with_the_plain_reading(
            fields in proptest::collection::vec(
                ("[a-cA-CİßΣσ/-]{0,6}", proptest::collection::vec("[a-cA-Cß]{0,3}", 0..3)),
                0..12,
            ),
            needle in "[a-cİßσ/-]{0,3}",
        ) {
            let routes: Vec<Route> = fields
                .iter()
                .map(|(path, tags)| {
                    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
                    route(path, &tags, &["Label"])
                })
                .collect();
            let needle = needle.to_lowercase();
            let search = RouteSearch::new(routes.clone().into());
            prop_assert_eq!(search.matching(&needle), plainly(&routes, &needle));
        }
    }
}
