//! Check 2, path lint (no side effects): the path is one Next.js will match
//! (leading slash, no query, no whitespace, a pattern with its type,
//! trailing slash as the site's `trailingSlash` says).

use super::{CheckId, Emitter, Finding, Session, Severity};
use crate::model::paths::{self, LintLevel};

const CHECK: CheckId = CheckId::PathLint;

pub fn run(ctx: &Session, path: &str, out: &Emitter) {
    let route = ctx.site.route(path);
    let page_type = route.and_then(|r| r.page_type);
    let lint = paths::lint_path(path, page_type, &ctx.site.path_rules);
    for finding in &lint {
        let severity = match finding.level {
            LintLevel::Refused => Severity::Problem,
            LintLevel::Warning => Severity::Warning,
        };
        out.emit(
            Finding::new(CHECK, severity, finding.message.clone())
                .fix("correct the path in the config, the CMS webhook or the command"),
        );
    }
    if lint.is_empty() {
        let known = if route.is_some() {
            "a configured route"
        } else {
            "not a configured route"
        };
        out.emit(Finding::new(
            CHECK,
            Severity::Ok,
            format!("{path} is well-formed ({known})"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::checks::testing::{collect, test_site};

    #[test]
    fn a_path_without_slash_is_a_problem_and_a_good_one_is_ok() {
        let ctx = crate::engine::checks::testing::session(&test_site("http://127.0.0.1:1", ""));
        let bad = collect(|out| run(&ctx, "blog/hello", out));
        assert_eq!(bad[0].severity, Severity::Problem);
        assert!(bad[0].title.contains("did you mean /blog/hello?"));
        let good = collect(|out| run(&ctx, "/blog/hello", out));
        assert_eq!(good[0].severity, Severity::Ok);
    }
}
