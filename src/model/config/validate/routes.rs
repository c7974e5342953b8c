//! Validating routes: path or pattern with its type, tags, labels, the
//! freshness marker regex; and the site's tag list.

use super::*;

impl Validator<'_> {
    pub(in crate::model::config) fn routes(
        &mut self,
        raw: Vec<Spanned<raw::RawRoute>>,
        rules: &PathRules,
    ) -> Vec<Route> {
        raw.into_iter()
            .filter_map(|r| self.route(r, rules))
            .collect()
    }

    fn route(&mut self, raw: Spanned<raw::RawRoute>, rules: &PathRules) -> Option<Route> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        let (path, page_type) = match (raw.path, raw.pattern) {
            (Some(path), None) => {
                if raw.page_type.is_some() {
                    self.error(
                        at,
                        "type is only for patterns",
                        "write pattern = \"/blog/[slug]\" with type = \"page\", or drop type",
                    );
                }
                (path, None)
            }
            (None, Some(pattern)) => {
                let Some(page_type) = raw.page_type else {
                    self.error(
                        pattern.span().start,
                        format!(
                            "pattern {} has no type: Next.js revalidates nothing without it",
                            pattern.get_ref()
                        ),
                        "add type = \"page\" (every page of the pattern) or type = \"layout\"",
                    );
                    return None;
                };
                (pattern, Some(page_type))
            }
            _ => {
                self.error(
                    at,
                    "a route needs exactly one of path or pattern",
                    "write path = \"/about\" or pattern = \"/blog/[slug]\" with type = \"page\"",
                );
                return None;
            }
        };
        let path_at = path.span().start;
        if page_type.is_none() && paths::is_dynamic_pattern(path.get_ref()) {
            self.error(
                path_at,
                format!("{} is a dynamic pattern, not a path", path.get_ref()),
                format!("write pattern = \"{}\" and type = \"page\"", path.get_ref()),
            );
            return None;
        }
        for finding in paths::lint_path(path.get_ref(), page_type, rules) {
            match finding.level {
                LintLevel::Refused => {
                    self.error(path_at, finding.message, "");
                    return None;
                }
                LintLevel::Warning => self.warn(path_at, finding.message, ""),
            }
        }
        let marker = raw.marker.and_then(|m| self.marker(&m));
        Some(Route {
            path: path.into_inner(),
            page_type,
            tags: raw.tags,
            marker,
            labels: raw.labels,
            key: raw.key,
            lastmod: None,
        })
    }

    fn marker(&mut self, raw: &Spanned<String>) -> Option<std::sync::Arc<Regex>> {
        if let Some(compiled) = self.markers.get(raw.get_ref()) {
            return Some(compiled.clone());
        }
        match Regex::new(raw.get_ref()) {
            Ok(re) => {
                let re = std::sync::Arc::new(re);
                self.markers.insert(raw.get_ref().clone(), re.clone());
                Some(re)
            }
            Err(e) => {
                let reason = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                self.error(
                    raw.span().start,
                    format!("marker is not a valid regular expression: {reason}"),
                    "use a literal-quoted TOML string ('…') so backslashes stay as written, e.g. marker = '<meta name=\"rendered-at\" content=\"([^\"]+)\"'",
                );
                None
            }
        }
    }

    pub(super) fn tags(&mut self, declared: &[Spanned<String>], routes: &[Route]) -> Vec<String> {
        let mut tags = std::collections::BTreeSet::new();
        for tag in declared {
            if tag.get_ref().trim().is_empty() {
                self.error(tag.span().start, "a tag cannot be empty", "remove it");
            } else {
                tags.insert(tag.get_ref().clone());
            }
        }
        all_tags(&Vec::from_iter(tags), routes)
    }
}

/// `declared` and every tag a route carries, sorted, each once. Each
/// distinct tag is copied once: a million routes share a few tags.
pub(in crate::model::config) fn all_tags(declared: &[String], routes: &[Route]) -> Vec<String> {
    let mut tags: std::collections::BTreeSet<&str> = declared.iter().map(String::as_str).collect();
    tags.extend(
        routes
            .iter()
            .flat_map(|r| r.tags.iter().map(String::as_str)),
    );
    tags.into_iter().map(str::to_owned).collect()
}
