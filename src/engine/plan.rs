//! The one planning step before anything is sent: lint each path, let
//! `--no-lint` overrule a refusal (as a warning that says so), and refuse
//! what the endpoint profile cannot express (a tag on a Pages Router
//! endpoint). Both faces plan with this; the engine sends only what a plan
//! did not refuse. A purge is planned here too: what to purge, what it
//! costs, the calls it would make (token masked), and the one wording of
//! each refusal.

use crate::model::config::Site;
use crate::model::near_miss::NearMisses;
use crate::model::outcome::Outcome;
use crate::model::paths::{self, LintFinding, LintLevel};
use crate::model::purge::{PurgeCall, PurgeItem};
use crate::model::redact::MASK;
use crate::model::target::{Target, TargetKind};
use crate::model::trouble::Trouble;
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

/// Plan every target, in order (the site's routes indexed once for all).
pub fn plan(site: &Site, targets: Vec<Target>, no_lint: bool) -> Vec<Planned> {
    let near = NearMisses::of(site);
    targets
        .into_iter()
        .map(|t| plan_with(site, t, no_lint, &near))
        .collect()
}

/// Lint one target and decide whether it may be sent.
pub fn plan_one(site: &Site, target: Target, no_lint: bool) -> Planned {
    plan_with(site, target, no_lint, &NearMisses::of(site))
}

fn plan_with(site: &Site, target: Target, no_lint: bool, near: &NearMisses<'_>) -> Planned {
    let mut lint = lint(site, &target, near);
    if no_lint && target.kind == TargetKind::Path {
        lint.iter_mut().for_each(overrule);
    }
    // Refusals first, so the first line shown is the reason not to send.
    lint.sort_by_key(|f| std::cmp::Reverse(f.level));
    let refusal = paths::first_refusal(&lint)
        .map(|f| Outcome::refused(f.message.clone()))
        .or_else(|| unsupported(site, &target));
    Planned {
        target,
        lint,
        refusal,
    }
}

fn lint(site: &Site, target: &Target, near: &NearMisses<'_>) -> Vec<LintFinding> {
    match target.kind {
        TargetKind::Path => paths::lint_path(&target.value, target.page_type, &site.path_rules),
        TargetKind::Tag if target.value.trim().is_empty() => {
            vec![LintFinding::refused("the tag is empty")]
        }
        TargetKind::Tag if target.value.len() > paths::MAX_TAG_LEN => {
            vec![LintFinding::refused(format!(
                "the tag is {} characters: Next.js ignores a tag over {} (and still answers revalidated: true)",
                target.value.len(),
                paths::MAX_TAG_LEN
            ))]
        }
        TargetKind::Tag => Vec::new(),
    }
    .into_iter()
    .chain(near_miss(target, near))
    .collect()
}

/// A path or tag one or two letters from a configured one, and not itself
/// configured (a pattern covering it does not count: `/blog/[slug]` covers
/// `/blog/helo` too): a typo that Next.js would answer revalidated:true.
fn near_miss(target: &Target, near: &NearMisses<'_>) -> Option<LintFinding> {
    let (known, what) = match target.kind {
        TargetKind::Path if target.page_type.is_some() => return None,
        TargetKind::Path => (&near.routes, "route"),
        TargetKind::Tag => (&near.tags, "tag"),
    };
    let meant = known.meant(&target.value)?;
    Some(
        LintFinding::warning(format!(
            "did you mean {meant}? {:?} is no configured {what} but a letter or two from one: a typo? (Next.js answers revalidated:true for anything)",
            target.value
        ))
        .suggesting(meant),
    )
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
        .map(|why| Outcome::refused(why.to_string()))
}

/// The one wording, for every face, of a purge asked of a site without one.
pub fn no_purge_configured(site: &Site) -> Trouble {
    Trouble::refused(format!(
        "site {0} has no [sites.{0}.purge]: configure the CDN purge (README, \"Purge\")",
        site.name
    ))
}

/// What a selection of targets purges: each path and tag; a pattern names
/// no page (its pages are purged by their own routes).
pub fn purge_items(targets: Vec<Target>) -> Vec<PurgeItem> {
    targets
        .into_iter()
        .filter(|t| t.page_type.is_none())
        .map(|t| match t.kind {
            TargetKind::Path => PurgeItem::Path(t.value),
            TargetKind::Tag => PurgeItem::Tag(t.value),
        })
        .collect()
}

/// A purge that may be sent: the site has a purge, and what it costs
/// (CloudFront charges per path) is said before anything is sent.
pub struct PurgePlan {
    pub provider: &'static str,
    pub cost: Option<String>,
    /// What a path purge leaves of the page's RSC variants, if anything.
    pub rsc_note: Option<&'static str>,
    /// Where the tags a tag purge names must come from, if the app does
    /// not send them by itself.
    pub tag_note: Option<&'static str>,
}

pub fn plan_purge(site: &Site, items: &[PurgeItem]) -> Result<PurgePlan, Trouble> {
    let config = site
        .purge
        .as_ref()
        .ok_or_else(|| no_purge_configured(site))?;
    Ok(PurgePlan {
        provider: config.provider.name(),
        cost: crate::wire::purge::cost(site, config, items),
        rsc_note: items
            .iter()
            .any(|i| matches!(i, PurgeItem::Path(_)))
            .then(|| config.provider.rsc_coverage())
            .flatten(),
        tag_note: items
            .iter()
            .any(|i| matches!(i, PurgeItem::Tag(_)))
            .then(|| config.provider.tag_note())
            .flatten(),
    })
}

/// The calls a purge would make, token masked; no token is read.
pub fn shown_purge_calls(site: &Site, items: &[PurgeItem]) -> Result<Vec<PurgeCall>, Trouble> {
    let config = site
        .purge
        .as_ref()
        .ok_or_else(|| no_purge_configured(site))?;
    crate::wire::purge::calls(site, config, items, MASK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(extra: &str) -> Site {
        crate::engine::checks::testing::test_site("https://x.com", extra)
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
