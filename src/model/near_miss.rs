//! What a revalidation target may be a typo of: the site's configured
//! route paths (or tags) one or two letters away. Next.js answers
//! `revalidated: true` for anything, so a typo is said before sending.
//!
//! The candidates are gathered once per plan and grouped by length in
//! characters: a typo of one or two letters is within two of its length,
//! so each target is compared with the few of about its length, never
//! with every route (10,000 targets against 5,000 routes were 50 million
//! edit distances).

use crate::model::config::Site;
use std::collections::HashMap;

/// Past this many a site's routes (or tags) are not searched for near
/// misses: a sitemap gives 100,000, among which near names are normal.
pub const MOST_SEARCHED: usize = 5_000;

/// Configured names grouped by their length in characters.
#[derive(Default)]
pub struct Candidates<'a> {
    count: usize,
    by_length: HashMap<usize, Vec<&'a str>>,
}

impl<'a> Candidates<'a> {
    pub fn of(names: impl IntoIterator<Item = &'a str>) -> Candidates<'a> {
        let mut candidates = Candidates::default();
        for name in names {
            candidates.count += 1;
            let length = name.chars().count();
            candidates.by_length.entry(length).or_default().push(name);
        }
        candidates
    }

    /// The names `typed` could be a typo of: those within two of its length.
    pub fn near(&self, typed: &str) -> impl Iterator<Item = &'a str> + '_ {
        let length = typed.chars().count();
        (length.saturating_sub(2)..=length + 2)
            .filter_map(|l| self.by_length.get(&l))
            .flatten()
            .copied()
    }

    /// The one name `typed` is most likely a typo of, if it is none of
    /// them itself and there are not too many to search.
    pub fn meant(&self, typed: &str) -> Option<&'a str> {
        if self.count > MOST_SEARCHED || self.near(typed).any(|n| n == typed) {
            return None;
        }
        crate::model::text::closest(typed, self.near(typed))
    }
}

/// A site's route paths (plain routes, not patterns) and tags, indexed.
pub struct NearMisses<'a> {
    pub routes: Candidates<'a>,
    pub tags: Candidates<'a>,
}

impl<'a> NearMisses<'a> {
    pub fn of(site: &'a Site) -> NearMisses<'a> {
        let routes = site.routes.iter().filter(|r| r.page_type.is_none());
        NearMisses {
            routes: Candidates::of(routes.map(|r| r.path.as_str())),
            tags: Candidates::of(site.tags.iter().map(String::as_str)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Structural, not timed: a target is compared with the routes of
    /// about its length only, and still finds its typo.
    #[test]
    fn a_target_is_compared_with_the_routes_of_about_its_length_only() {
        let mut names: Vec<String> = (12..211)
            .flat_map(|length| (0..25).map(move |i| format!("/{i:02}{}", "x".repeat(length - 3))))
            .collect();
        names.extend(["/about".to_string(), "/blog/hello".to_string()]);
        let candidates = Candidates::of(names.iter().map(String::as_str));
        assert_eq!(names.len(), 4_977, "within MOST_SEARCHED");
        let compared = candidates.near("/blog/helo").count();
        assert!(
            compared <= 5 * 25 + 2,
            "{compared} of {} compared",
            names.len()
        );
        assert_eq!(candidates.meant("/blog/helo"), Some("/blog/hello"));
        assert_eq!(
            candidates.meant("/blog/hello"),
            None,
            "a configured name is no typo"
        );
        assert_eq!(candidates.meant("/nothing/near/here"), None);
    }
}
