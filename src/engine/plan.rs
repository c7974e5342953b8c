//! The one planning step before anything is sent: lint each path, let
//! `--no-lint` overrule a refusal (as a warning that says so), and refuse
//! what the endpoint profile cannot express (a tag on a Pages Router
//! endpoint). Both faces plan with this; the engine sends only what a plan
//! did not refuse.

use crate::config::Site;
use crate::outcome::Outcome;
use crate::path_lint::{self, LintFinding, LintLevel};
use crate::redact::MASK;
use crate::target::{Target, TargetKind};
use serde::Serialize;

/// One target with what the linter said and, when it must not be sent,
/// the outcome that says why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Planned {
    pub target: Target,
    pub lint: Vec<LintFinding>,
    /// `Some` when the target is refused and will not be sent.
    pub refusal: Option<Outcome>,
}

impl Planned {
    pub fn is_refused(&self) -> bool {
        self.refusal.is_some()
    }

    /// The lint warnings (refusals overruled by `--no-lint` included).
    pub fn warnings(&self) -> impl Iterator<Item = &LintFinding> {
        self.lint.iter().filter(|f| f.level == LintLevel::Warning)
    }
}

/// Plan every target, in order.
pub fn plan(site: &Site, targets: Vec<Target>, no_lint: bool) -> Vec<Planned> {
    targets
        .into_iter()
        .map(|t| plan_one(site, t, no_lint))
        .collect()
}

/// Lint one target and decide whether it may be sent.
pub fn plan_one(site: &Site, target: Target, no_lint: bool) -> Planned {
    let mut lint = lint(site, &target);
    if no_lint && target.kind == TargetKind::Path {
        lint.iter_mut().for_each(overrule);
    }
    // Refusals first, so the first line shown is the reason not to send.
    lint.sort_by_key(|f| std::cmp::Reverse(f.level));
    let refusal = path_lint::first_refusal(&lint)
        .map(|f| Outcome::refused(f.message.clone()))
        .or_else(|| unsupported(site, &target));
    Planned {
        target,
        lint,
        refusal,
    }
}

fn lint(site: &Site, target: &Target) -> Vec<LintFinding> {
    match target.kind {
        TargetKind::Path => path_lint::lint_path(&target.value, target.page_type, &site.path_rules),
        TargetKind::Tag if target.value.trim().is_empty() => vec![LintFinding {
            level: LintLevel::Refused,
            message: "the tag is empty".into(),
        }],
        TargetKind::Tag => Vec::new(),
    }
}

/// `--no-lint`: a refusal becomes a warning that says it was overruled.
fn overrule(finding: &mut LintFinding) {
    if finding.level == LintLevel::Refused {
        finding.level = LintLevel::Warning;
        finding.message = format!("sent anyway (--no-lint): {}", finding.message);
    }
}

/// A target the endpoint profile cannot express (a tag on a Pages Router endpoint).
fn unsupported(site: &Site, target: &Target) -> Option<Outcome> {
    site.endpoint
        .prepare_masked(target, MASK)
        .err()
        .map(Outcome::refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(extra: &str) -> Site {
        crate::checks::testing::test_site("https://x.com", extra)
    }

    #[test]
    fn a_path_without_slash_is_refused_unless_overruled() {
        let planned = plan_one(&site(""), Target::path("blog/x"), false);
        assert!(planned.is_refused());
        let overruled = plan_one(&site(""), Target::path("blog/x"), true);
        assert!(!overruled.is_refused());
        let warning = overruled.warnings().next().map(|f| f.message.clone());
        assert!(warning.is_some_and(|w| w.starts_with("sent anyway (--no-lint)")));
    }

    #[test]
    fn a_tag_on_a_pages_router_endpoint_is_refused_even_with_no_lint() {
        let pages = site("[sites.t.endpoint]\npreset = \"pages-router\"\n");
        let planned = plan_one(&pages, Target::tag("posts"), true);
        assert!(planned.is_refused(), "{planned:?}");
        assert!(!plan_one(&pages, Target::path("/x"), false).is_refused());
    }

    #[test]
    fn an_empty_tag_is_refused() {
        assert!(plan_one(&site(""), Target::tag(" "), false).is_refused());
    }
}
