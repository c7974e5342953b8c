//! The world's CDN copies: a Varnish with its built-in rules, keyed on the
//! URL (and on the RSC header when it keys RSC apart), taking a PURGE of
//! one URL (its `Vary` variants with it) or a BAN of every URL an
//! `X-Ban-Url` regex matches, as the testbed's VCL does.

use super::answer::{Answer, text_answer};
use axum::http::HeaderMap;
use std::collections::HashMap;

/// What the CDN keeps, by key (the URL, plus `|rsc` when keyed apart).
#[derive(Default)]
pub(super) struct CdnCopies(HashMap<String, Answer>);

impl CdnCopies {
    pub(super) fn get(&self, key: &str) -> Option<&Answer> {
        self.0.get(key)
    }

    pub(super) fn insert(&mut self, key: String, answer: Answer) {
        self.0.insert(key, answer);
    }

    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    /// Every copy, by key in order.
    pub(super) fn all(&self) -> Vec<(String, Answer)> {
        let mut copies: Vec<(String, Answer)> = self.0.clone().into_iter().collect();
        copies.sort_by(|a, b| a.0.cmp(&b.0));
        copies
    }

    /// Keep an origin's answer when Varnish's built-in rules would: not
    /// private/no-store; 200 always, 404 and redirects when the VCL keeps
    /// errors (the built-in VCL does).
    pub(super) fn keep(&mut self, key: String, answer: &Answer, stores_errors: bool) {
        let private = answer.headers.iter().any(|(n, v)| {
            *n == "cache-control" && (v.contains("private") || v.contains("no-store"))
        });
        let status =
            answer.status == 200 || (stores_errors && matches!(answer.status, 301..=308 | 404));
        if !private && status {
            self.0.insert(key, answer.clone());
        }
    }

    /// Drop the copies of `path` (and its `|rsc` variant).
    pub(super) fn remove_page(&mut self, path: &str) {
        self.0.retain(|key, _| key.split('|').next() != Some(path));
    }

    /// A PURGE of one URL: its object and the variants `Vary` keeps of it.
    pub(super) fn purge(&mut self, target: &str) -> Answer {
        self.remove_page(target);
        text_answer(200, "Purged")
    }

    /// A BAN of every object whose URL matches `X-Ban-Url` (a regex).
    pub(super) fn ban(&mut self, headers: &HeaderMap) -> Answer {
        let pattern = headers.get("x-ban-url").and_then(|v| v.to_str().ok());
        let Some(re) = pattern.and_then(|p| regex::Regex::new(p).ok()) else {
            return text_answer(400, "X-Ban-Url is required");
        };
        self.0
            .retain(|key, _| !re.is_match(key.split('|').next().unwrap_or(key)));
        text_answer(200, "Ban added")
    }
}
