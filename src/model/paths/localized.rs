//! Localized pathnames: a route whose public path differs per locale
//! (`/de/produkte/x` for the route `/de/products/x`, as next-intl's
//! `pathnames` or a rewrite make it). `revalidatePath` needs the route's
//! internal path: the public one answers `revalidated: true` and changes
//! nothing. The site's `localized = { "/produkte/[slug]" = "/products/[slug]" }`
//! says how they map; a path that matches a public pattern is refused with
//! the internal path to send instead.

use super::{LintFinding, PathRules};

/// One `localized` entry: a public pattern and the route it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Localized {
    pub public: String,
    pub internal: String,
}

/// The dynamic segments of a pattern, by name (`[slug]` → `slug`).
pub fn segment_names(pattern: &str) -> Vec<&str> {
    pattern
        .split('/')
        .filter_map(|s| s.strip_prefix('[')?.strip_suffix(']'))
        .map(|s| {
            s.trim_start_matches('[')
                .trim_end_matches(']')
                .trim_start_matches("...")
        })
        .collect()
}

/// What `path` fills each of `pattern`'s dynamic segments with, when it
/// matches the pattern.
fn captures<'a>(pattern: &'a str, path: &'a str) -> Option<Vec<(&'a str, String)>> {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut filled = Vec::new();
    for (i, segment) in pattern.iter().enumerate() {
        let name = segment.trim_start_matches('[').trim_end_matches(']');
        if let Some(rest) = name.strip_prefix("...") {
            let optional = segment.starts_with("[[");
            let tail = path.get(i..).unwrap_or_default();
            if tail.is_empty() && !optional {
                return None;
            }
            filled.push((rest, tail.join("/")));
            return Some(filled);
        }
        let value = path.get(i)?;
        match segment.starts_with('[') && segment.ends_with(']') {
            true => filled.push((name, (*value).to_string())),
            false if segment == value => {}
            false => return None,
        }
    }
    (path.len() == pattern.len()).then_some(filled)
}

/// Fill a pattern's dynamic segments.
fn fill(pattern: &str, filled: &[(&str, String)]) -> String {
    let segments: Vec<String> = pattern
        .split('/')
        .filter_map(|segment| {
            let name = segment.trim_start_matches('[').trim_end_matches(']');
            let name = name.trim_start_matches("...");
            match segment.starts_with('[') {
                true => filled
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_empty()),
                false => Some(segment.to_string()),
            }
        })
        .collect();
    segments.join("/")
}

/// The internal route path for a public localized `path` (its locale
/// prefix, if any, kept), when it matches one of the site's patterns.
pub fn internal_path(path: &str, rules: &PathRules) -> Option<String> {
    let (prefix, rest) = rules
        .locales
        .iter()
        .find_map(|l| {
            let rest = path.strip_prefix(&format!("/{l}"))?;
            (rest.is_empty() || rest.starts_with('/')).then(|| (format!("/{l}"), rest))
        })
        .unwrap_or((String::new(), path));
    rules.localized.iter().find_map(|entry| {
        let filled = captures(&entry.public, rest)?;
        let internal = fill(&entry.internal, &filled);
        (internal != rest).then(|| format!("{prefix}{internal}"))
    })
}

/// A public localized path: refused, with the path to send instead.
pub fn lint(path: &str, rules: &PathRules) -> Option<LintFinding> {
    let internal = internal_path(path, rules)?;
    Some(
        LintFinding::refused(format!(
            "{path} is a localized public path: revalidatePath needs the route's internal path {internal} (the public one answers revalidated: true and revalidates nothing)"
        ))
        .suggesting(internal),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PathRules {
        PathRules {
            locales: vec!["en".into(), "de".into()],
            localized: vec![
                Localized {
                    public: "/produkte/[slug]".into(),
                    internal: "/products/[slug]".into(),
                },
                Localized {
                    public: "/hilfe/[...rest]".into(),
                    internal: "/help/[...rest]".into(),
                },
            ],
            ..PathRules::default()
        }
    }

    #[test]
    fn a_public_localized_path_maps_to_its_route_with_its_locale() {
        let rules = rules();
        assert_eq!(
            internal_path("/de/produkte/kessel", &rules).as_deref(),
            Some("/de/products/kessel")
        );
        assert_eq!(
            internal_path("/produkte/kessel", &rules).as_deref(),
            Some("/products/kessel")
        );
        assert_eq!(
            internal_path("/de/hilfe/a/b", &rules).as_deref(),
            Some("/de/help/a/b")
        );
        assert_eq!(
            internal_path("/de/products/kessel", &rules),
            None,
            "already internal"
        );
        assert_eq!(
            internal_path("/de/produkte", &rules),
            None,
            "no segment to fill"
        );
        assert_eq!(
            internal_path("/de/produkte/a/b", &rules),
            None,
            "one segment only"
        );
    }

    #[test]
    fn the_lint_refuses_the_public_path_and_suggests_the_internal_one() {
        let finding = lint("/de/produkte/kessel", &rules()).expect("refused");
        assert_eq!(finding.level, super::super::LintLevel::Refused);
        assert_eq!(finding.suggestion.as_deref(), Some("/de/products/kessel"));
        assert!(lint("/about", &rules()).is_none());
    }

    #[test]
    fn segment_names_are_read_from_every_kind_of_segment() {
        assert_eq!(segment_names("/a/[slug]/[...rest]"), vec!["slug", "rest"]);
        assert_eq!(segment_names("/a/[[...opt]]"), vec!["opt"]);
    }
}
