//! Validating `cache = "per-instance" | "shared"`: where the origins keep
//! rendered pages, and what that makes redundant.

use super::*;

impl Validator<'_> {
    /// The site's cache topology; with `shared`, `each_origin = true` is
    /// a warning (one revalidation reaches every instance).
    pub(super) fn topology(
        &mut self,
        raw: Option<Spanned<String>>,
        endpoint: Option<&EndpointProfile>,
        site: &str,
    ) -> CacheTopology {
        let Some(raw) = raw else {
            return CacheTopology::Unknown;
        };
        let at = raw.span().start;
        let Some(topology) = CacheTopology::from_config(raw.get_ref()) else {
            self.error(
                at,
                format!(
                    "cache {:?} is not a cache topology isrctl knows",
                    crate::model::safe_text::one_line(raw.get_ref())
                ),
                "write cache = \"shared\" (one cache handler serves every instance) or \"per-instance\" (each next start keeps its own), or leave it out to let isrctl infer it",
            );
            return CacheTopology::Unknown;
        };
        if topology == CacheTopology::Shared && endpoint.is_some_and(|e| e.each_origin) {
            self.warn(
                at,
                format!(
                    "site {site}: each_origin = true sends every revalidation to each instance, but cache = \"shared\": one revalidation reaches them all through the shared cache"
                ),
                "remove each_origin = true from [endpoint] (or write cache = \"per-instance\" if each instance keeps its own)",
            );
        }
        topology
    }
}
