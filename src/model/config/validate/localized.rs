//! Validating `localized = { "/produkte/[slug]" = "/products/[slug]" }`:
//! each public localized pattern and the route it stands for start with
//! '/' and name the same dynamic segments, so a path can be mapped.

use super::*;
use crate::model::paths::{Localized, segment_names};

impl Validator<'_> {
    pub(super) fn localized(
        &mut self,
        raw: Option<Spanned<std::collections::BTreeMap<String, String>>>,
        site: &str,
    ) -> Vec<Localized> {
        let Some(raw) = raw else {
            return Vec::new();
        };
        let at = raw.span().start;
        let mut out = Vec::new();
        for (public, internal) in raw.into_inner() {
            let shown = |p: &str| crate::model::safe_text::one_line(p).into_owned();
            if !public.starts_with('/') || !internal.starts_with('/') {
                self.error(
                    at,
                    format!(
                        "site {site}: localized {:?} = {:?}: both are paths and start with '/'",
                        shown(&public),
                        shown(&internal)
                    ),
                    "write the public pattern and the route's path, each from '/': \"/produkte/[slug]\" = \"/products/[slug]\"",
                );
                continue;
            }
            let (mut a, mut b) = (segment_names(&public), segment_names(&internal));
            a.sort_unstable();
            b.sort_unstable();
            if a != b {
                self.error(
                    at,
                    format!(
                        "site {site}: localized {:?} names the segments {a:?}, its route {:?} names {b:?}",
                        shown(&public),
                        shown(&internal)
                    ),
                    "name the same dynamic segments on both sides (\"/produkte/[slug]\" = \"/products/[slug]\"), so each path maps to one route",
                );
                continue;
            }
            out.push(Localized { public, internal });
        }
        out
    }
}
