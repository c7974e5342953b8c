//! Checking a path before it is sent to `revalidatePath`.
//!
//! Real Next.js answers `{"revalidated":true}` for `blog/hello` (no leading
//! slash) and for `/blog/[slug]` without a type, and revalidates nothing:
//! a silent no-op. So these are refused here, with the fix, before any
//! request leaves.

mod localized;
pub use localized::{Localized, segment_names};

use crate::model::target::PageType;
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LintLevel {
    /// Sent, but worth knowing.
    Warning,
    /// Not sent: it would fail or silently do nothing.
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LintFinding {
    pub level: LintLevel,
    pub message: String,
    /// What the message's "did you mean …?" proposes: a key in the console
    /// accepts it.
    #[serde(skip)]
    pub suggestion: Option<String>,
}

impl LintFinding {
    pub fn refused(message: impl Into<String>) -> Self {
        LintFinding {
            level: LintLevel::Refused,
            message: message.into(),
            suggestion: None,
        }
    }
    pub fn warning(message: impl Into<String>) -> Self {
        LintFinding {
            level: LintLevel::Warning,
            message: message.into(),
            suggestion: None,
        }
    }
    pub fn suggesting(mut self, path: impl Into<String>) -> Self {
        self.suggestion = Some(path.into());
        self
    }
}

/// What the site's Next.js config says about paths.
#[derive(Clone, Debug, Default)]
pub struct PathRules {
    /// `trailingSlash: true` in next.config.
    pub trailing_slash: bool,
    /// Next's `basePath`: the public URL's path, when it has one.
    pub base_path: Option<String>,
    /// Next's i18n `locales` (Pages Router); the first is the default.
    pub locales: Vec<String>,
    /// `localized`: public localized patterns and the routes they stand for.
    pub localized: Vec<Localized>,
}

/// Whether a path has a dynamic segment: `[slug]`, `[...slug]`, `[[...slug]]` or a `(group)`.
pub fn is_dynamic_pattern(path: &str) -> bool {
    path.split('/').any(|segment| {
        (segment.starts_with('[') && segment.ends_with(']'))
            || (segment.starts_with('(') && segment.ends_with(')') && segment.len() > 2)
    })
}

/// Lint one path. `page_type` is the type given with it, if any.
pub fn lint_path(path: &str, page_type: Option<PageType>, rules: &PathRules) -> Vec<LintFinding> {
    let mut findings = Vec::new();
    if let Some(refusal) = refusal(path, page_type) {
        findings.push(refusal);
        return findings;
    }
    if let Some(refusal) = localized::lint(path, rules) {
        findings.push(refusal);
        return findings;
    }
    findings.extend(warnings(path, page_type, rules));
    findings
}

/// The first reason the path must not be sent, if any.
fn refusal(path: &str, page_type: Option<PageType>) -> Option<LintFinding> {
    if path.trim().is_empty() {
        return Some(LintFinding::refused(
            "the path is empty: give one such as /about",
        ));
    }
    if let Some(rest) = path
        .strip_prefix("https://")
        .or_else(|| path.strip_prefix("http://"))
    {
        let suggestion = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
        return Some(
            LintFinding::refused(format!(
                "give the path, not the URL: did you mean {suggestion}?"
            ))
            .suggesting(suggestion),
        );
    }
    if path.chars().any(char::is_whitespace) {
        let joined = path.split_whitespace().collect::<Vec<_>>().join("%20");
        return Some(
            LintFinding::refused(format!(
                "the path contains whitespace: did you mean {joined}?"
            ))
            .suggesting(joined),
        );
    }
    if !path.starts_with('/') {
        return Some(LintFinding::refused(format!(
            "paths start with '/': did you mean /{path}? (the App Router's revalidatePath answers revalidated:true for '{path}' and revalidates nothing; the Pages Router's res.revalidate throws: a 500)"
        )).suggesting(format!("/{path}")));
    }
    if let Some(i) = path.find(['?', '#']) {
        return Some(
            LintFinding::refused(format!(
                "revalidatePath takes a path without query or fragment: did you mean {}?",
                &path[..i]
            ))
            .suggesting(&path[..i]),
        );
    }
    // Next.js 16.4.6: revalidatePath ignores a path longer than 1,024
    // characters without a word (and still answers revalidated: true).
    if path.len() > MAX_PATH_LEN {
        return Some(LintFinding::refused(format!(
            "the path is {} characters: Next.js ignores a revalidatePath over {MAX_PATH_LEN} (and still answers revalidated: true)",
            path.len()
        )));
    }
    if path.split('/').any(|s| s == ".." || s == ".") {
        return Some(LintFinding::refused(
            "the path contains '.' or '..' segments: give the canonical path",
        ));
    }
    if is_dynamic_pattern(path) && page_type.is_none() {
        return Some(LintFinding::refused(format!(
            "{path} is a dynamic pattern: Next.js revalidates nothing without its type; add the type 'page' (every page of the pattern) or 'layout'"
        )));
    }
    None
}

fn warnings(path: &str, page_type: Option<PageType>, rules: &PathRules) -> Vec<LintFinding> {
    let mut found = Vec::new();
    if page_type.is_some() && !is_dynamic_pattern(path) && page_type != Some(PageType::Layout) {
        found.push(LintFinding::warning(format!(
            "{path} has no dynamic segment: the type is not needed"
        )));
    }
    if path.contains("//") {
        found.push(LintFinding::warning(
            "the path contains '//': Next.js will not match it to a page",
        ));
    }
    if !path.is_ascii() {
        let encoded: String = path
            .bytes()
            .map(|b| {
                if b.is_ascii() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        found.push(LintFinding::warning(format!(
            "Next.js receives non-ASCII paths percent-encoded: it will revalidate {encoded} (the page's own URL is that form too)"
        )));
    }
    if has_bad_percent_encoding(path) {
        found.push(LintFinding::warning(
            "the path has a '%' that does not start a valid percent-encoding",
        ));
    }
    if path.len() > 1 && path.ends_with('/') && !rules.trailing_slash {
        found.push(LintFinding::warning(
            "trailing slash on a site without trailingSlash: Next.js accepts it, but the page URL has none",
        ));
    }
    found.extend(site_shape(path, rules));
    found
}

/// What the site's basePath, trailingSlash and locales say about a path.
fn site_shape(path: &str, rules: &PathRules) -> Vec<LintFinding> {
    let mut found = Vec::new();
    let base = rules.base_path.as_deref();
    let under_base = base.and_then(|b| {
        path.strip_prefix(b)
            .filter(|r| r.is_empty() || r.starts_with('/'))
    });
    if let (Some(base), Some(rest)) = (base, under_base) {
        let rest = if rest.is_empty() { "/" } else { rest };
        found.push(LintFinding::warning(format!(
            "the path starts with the site's basePath {base} (the public URL's path): routes are written without it, isrctl would fetch {base}{path}: did you mean {rest}?"
        )).suggesting(rest));
    }
    let last = path.rsplit('/').next().unwrap_or("");
    if rules.trailing_slash && path.len() > 1 && !path.ends_with('/') && !last.contains('.') {
        found.push(LintFinding::warning(format!(
            "the site has trailing_slash = true: the page lives at {path}/ (without the slash it answers 308); revalidation accepts both, verification fetches the slash form"
        )));
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    if let Some(default) = rules
        .locales
        .first()
        .filter(|_| !rules.locales.iter().any(|l| l == first))
    {
        found.push(LintFinding::warning(format!(
            "no locale prefix on a site with locales: Next.js revalidates the default locale ({default}) only; revalidate /{{locale}}{path} for the others"
        )));
    }
    found
}

fn has_bad_percent_encoding(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// Longest path `revalidatePath` acts on (Next.js 16.4.6).
pub const MAX_PATH_LEN: usize = 1024;
/// Longest tag `revalidateTag` acts on (Next.js 16.4.6).
pub const MAX_TAG_LEN: usize = 256;

/// The first refusal among findings, if any.
pub fn first_refusal(findings: &[LintFinding]) -> Option<&LintFinding> {
    findings.iter().find(|f| f.level == LintLevel::Refused)
}

/// `base` with `path` appended to its own path (keeps a basePath). A
/// query in `path` stays a query: `/blog/hello?_rsc=1` is not the page
/// `/blog/hello%3F_rsc=1` (which a cache never held).
/// An origin given without a path serves the site under the public URL's
/// path (Next's basePath) too.
pub fn with_base_path(origin: Url, public: Option<&Url>) -> Url {
    match public.map(Url::path) {
        Some(base) if base != "/" && origin.path() == "/" => {
            let mut origin = origin;
            origin.set_path(base);
            origin
        }
        _ => origin,
    }
}

pub fn page_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let (path, query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path, None),
    };
    let slash = if path.starts_with('/') { "" } else { "/" };
    url.set_path(&format!(
        "{}{slash}{path}",
        base.path().trim_end_matches('/')
    ));
    url.set_query(query);
    url
}

/// Whether a pattern such as `/blog/[slug]` covers a concrete path.
pub fn covers(pattern: &str, path: &str) -> bool {
    let segs = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !(s.is_empty() || s.starts_with('(') && s.ends_with(')')))
            .map(str::to_string)
            .collect()
    };
    let (pat, path) = (segs(pattern), segs(path));
    if pat
        .last()
        .is_some_and(|s| s.starts_with("[...") || s.starts_with("[[..."))
    {
        return path.len() >= pat.len() - 1
            && pat
                .iter()
                .zip(&path)
                .all(|(a, b)| a.starts_with('[') || a == b);
    }
    pat.len() == path.len()
        && pat
            .iter()
            .zip(&path)
            .all(|(a, b)| a.starts_with('[') || a == b)
}

/// The locale a redirect adds in front of the page's own path
/// (`/p` → `/de/p`: `de`): one of the site's `locales`, or a segment
/// shaped like one (`de`, `en-US`) when they are not configured.
pub fn locale_prefix<'a>(location: &'a str, page_url: &str, locales: &[String]) -> Option<&'a str> {
    let page = url::Url::parse(page_url).ok()?;
    let to = page.join(location).ok()?;
    let rest = to.path().strip_prefix('/')?;
    let (first, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let same_page = format!("/{tail}").trim_end_matches('/') == page.path().trim_end_matches('/');
    let configured = locales.iter().any(|l| l == first);
    let looks_like_locale = configured || {
        let (lang, region) = first.split_once('-').unwrap_or((first, ""));
        (2..=3).contains(&lang.len())
            && lang.bytes().all(|b| b.is_ascii_lowercase())
            && (region.is_empty()
                || (region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic())))
    };
    let start = location.find(first)?;
    (same_page && looks_like_locale).then(|| &location[start..start + first.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &str) -> Option<String> {
        first_refusal(&lint_path(path, None, &PathRules::default())).map(|f| f.message.clone())
    }

    #[test]
    fn missing_slash_suggests_the_fix() {
        let msg = refused("about").unwrap();
        assert!(
            msg.starts_with("paths start with '/': did you mean /about?"),
            "{msg}"
        );
    }

    #[test]
    fn pattern_without_type_is_refused_with_pattern_type_allowed() {
        assert!(refused("/blog/[slug]").unwrap().contains("dynamic pattern"));
        assert!(refused("/docs/[...slug]").is_some());
        assert!(refused("/(marketing)/about").is_some());
        let with_type = lint_path("/blog/[slug]", Some(PageType::Page), &PathRules::default());
        assert!(first_refusal(&with_type).is_none());
    }

    #[test]
    fn urls_queries_whitespace_and_dots_are_refused() {
        assert!(
            refused("https://x.com/a/b")
                .unwrap()
                .contains("did you mean /a/b?")
        );
        assert!(refused("/a?b=1").unwrap().contains("did you mean /a?"));
        assert!(refused("/a b").is_some());
        assert!(refused("/a/../b").is_some());
        assert!(refused("").is_some());
    }

    #[test]
    fn plain_paths_pass_and_oddities_warn() {
        assert!(lint_path("/blog/hello", None, &PathRules::default()).is_empty());
        assert!(lint_path("/", None, &PathRules::default()).is_empty());
        let warn = lint_path("/blog/hello/", None, &PathRules::default());
        assert_eq!(warn[0].level, LintLevel::Warning);
        let no_warn = lint_path(
            "/blog/hello/",
            None,
            &PathRules {
                trailing_slash: true,
                ..PathRules::default()
            },
        );
        assert!(no_warn.is_empty());
        assert!(!lint_path("/a%zz", None, &PathRules::default()).is_empty());
        assert!(lint_path("/a%20b", None, &PathRules::default()).is_empty());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any string: never a panic, and what Next.js would take as
            /// a silent no-op (no leading slash) is always refused.
            #[test]
            fn any_path_is_linted_and_a_missing_slash_is_refused(path in "\\PC{0,40}") {
                let findings = lint_path(&path, None, &PathRules::default());
                if !path.starts_with('/') {
                    prop_assert!(first_refusal(&findings).is_some(), "{path:?}: {findings:?}");
                }
                if path.starts_with('/') && first_refusal(&findings).is_none() {
                    prop_assert!(!path.contains(['?', '#']) && !path.chars().any(char::is_whitespace));
                }
            }
        }
    }
}
