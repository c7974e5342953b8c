//! An observation's answer as a visitor gets it: a page (its content), a
//! redirect (where to), a 404, or another status — and when two are the
//! same.

use crate::model::fingerprint::Fingerprint;
use crate::model::observation::{Observation, without_cache_bust};

/// What an answer is, for comparison.
#[derive(Clone, Debug)]
pub(super) enum Answer<'a> {
    Page(&'a Fingerprint),
    /// Where it points (resolved, to compare), and the `Location` as sent
    /// (to show: the secret masks know the header's own spelling).
    Redirect(String, &'a str),
    Missing,
    Status(u16),
}

impl Answer<'_> {
    pub(super) fn of(o: &Observation) -> Option<Answer<'_>> {
        if !o.answered() {
            return None;
        }
        let status = o.status?;
        Some(match status {
            200..=299 => Answer::Page(o.fingerprint.as_ref()?),
            300..=399 => {
                let location = o.redirect.as_deref().unwrap_or("");
                Answer::Redirect(resolved(&o.url, location), location)
            }
            404 | 410 => Answer::Missing,
            _ => Answer::Status(status),
        })
    }

    pub(super) fn same(&self, other: &Answer) -> bool {
        match (self, other) {
            (Answer::Page(a), Answer::Page(b)) => a.same_render(b),
            (Answer::Redirect(a, _), Answer::Redirect(b, _)) => a == b,
            (Answer::Missing, Answer::Missing) => true,
            (Answer::Status(a), Answer::Status(b)) => a == b,
            _ => false,
        }
    }
}

/// Where a `Location` points: its path and query when it stays on the
/// host it came from (so an origin's and the CDN's redirects compare), the
/// whole URL when it leaves it, as given when it does not parse.
fn resolved(from: &str, location: &str) -> String {
    let Ok(base) = url::Url::parse(from) else {
        return location.to_string();
    };
    match base.join(location) {
        Ok(to) if to.origin() == base.origin() => match to.query() {
            Some(q) => format!("{}?{q}", to.path()),
            None => to.path().to_string(),
        },
        Ok(to) => to.to_string(),
        Err(_) => location.to_string(),
    }
}

/// The page's own URL as a redirect would name it: without the
/// cache-busting parameter isrctl added (a redirect from the cache-busted
/// URL to the page is a redirect to itself).
pub(super) fn own_url(o: &Observation) -> String {
    match url::Url::parse(&o.url) {
        Ok(url) => resolved(without_cache_bust(&url).as_str(), ""),
        Err(_) => o.url.clone(),
    }
}
