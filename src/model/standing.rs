//! How a page or a site stands now, from the latest thing known of it: one
//! rule for `isrctl status` and the symbols it shows (`●` fresh, `○`
//! unknown, `!` look at it, `✗` stale or failing).
//!
//! | latest record of the page (action: outcome)                      | standing    |
//! |------------------------------------------------------------------|-------------|
//! | verify: `fresh_everywhere`; probe/check: `ok`; stale: `not_stale` | `fresh`     |
//! | verify: `could_not_tell`, `stopped`; probe/check: `could_not_check` | `unknown`   |
//! | verify: `regenerated_same_content`, `dynamic`, `dev_server`, `redirects`; probe/check: `warning` | `attention` |
//! | any other verdict; probe/check: `problem`; stale: any reason      | `stale`     |
//! | revalidate: anything but `revalidated` or `cancelled`             | `stale` (the last revalidation failed) |
//!
//! Unknown is not fresh: a site with nothing known is `○`, never `●`.

use serde::Serialize;

/// Best first: a site stands as its worst page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Fresh,
    Unknown,
    Attention,
    Stale,
}

impl Standing {
    pub fn symbol(self) -> &'static str {
        match self {
            Standing::Fresh => "●",
            Standing::Unknown => "○",
            Standing::Attention => "!",
            Standing::Stale => "✗",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Fresh => "fresh",
            Standing::Unknown => "unknown",
            Standing::Attention => "attention",
            Standing::Stale => "stale",
        }
    }

    /// A finding's severity (`ok`, `warning`, `problem`, `could_not_check`).
    pub fn of_severity(severity: &str) -> Standing {
        match severity {
            "ok" => Standing::Fresh,
            "warning" => Standing::Attention,
            "problem" => Standing::Stale,
            _ => Standing::Unknown,
        }
    }

    /// What a history record says of its page now; `None` when it says
    /// nothing of it (a successful or cancelled revalidation, a purge).
    pub fn of_record(action: &str, outcome: &str) -> Option<Standing> {
        match action {
            "verify" => Some(of_verdict(outcome)),
            "probe" | "check" => Some(Standing::of_severity(outcome)),
            "stale" if outcome == "not_stale" => Some(Standing::Fresh),
            "stale" => Some(Standing::Stale),
            "revalidate" => match outcome {
                "revalidated" | "cancelled" => None,
                _ => Some(Standing::Stale),
            },
            _ => None,
        }
    }
}

/// How many stand each way, worst first, the ones with none left out:
/// "✗2 !1 ●4".
pub fn counts(standings: impl IntoIterator<Item = Standing>) -> String {
    let mut tally = [0usize; 4];
    for s in standings {
        tally[s as usize] += 1;
    }
    [
        Standing::Stale,
        Standing::Attention,
        Standing::Unknown,
        Standing::Fresh,
    ]
    .iter()
    .filter(|s| tally[**s as usize] > 0)
    .map(|s| format!("{}{}", s.symbol(), tally[*s as usize]))
    .collect::<Vec<_>>()
    .join(" ")
}

fn of_verdict(verdict: &str) -> Standing {
    match verdict {
        "fresh_everywhere" => Standing::Fresh,
        "could_not_tell" | "stopped" => Standing::Unknown,
        "regenerated_same_content" | "dynamic" | "dev_server" | "redirects" => Standing::Attention,
        _ => Standing::Stale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_worse_than_fresh_and_better_than_a_finding() {
        assert!(Standing::Fresh < Standing::Unknown);
        assert!(Standing::Unknown < Standing::Attention);
        assert!(Standing::Attention < Standing::Stale);
    }

    #[test]
    fn counts_read_worst_first_and_leave_out_what_none_has() {
        use Standing::*;
        assert_eq!(counts([Fresh, Stale, Fresh, Attention, Stale]), "✗2 !1 ●2");
        assert_eq!(counts([Unknown]), "○1");
        assert_eq!(counts([]), "");
    }

    #[test]
    fn each_record_stands_by_the_table() {
        let cases = [
            ("verify", "fresh_everywhere", Some(Standing::Fresh)),
            (
                "verify",
                "fresh_at_origin_stale_at_cdn",
                Some(Standing::Stale),
            ),
            ("verify", "could_not_tell", Some(Standing::Unknown)),
            (
                "verify",
                "regenerated_same_content",
                Some(Standing::Attention),
            ),
            ("probe", "ok", Some(Standing::Fresh)),
            ("probe", "problem", Some(Standing::Stale)),
            ("probe", "could_not_check", Some(Standing::Unknown)),
            ("stale", "cdn_serves_old_copy", Some(Standing::Stale)),
            ("stale", "not_stale", Some(Standing::Fresh)),
            ("revalidate", "unauthorized", Some(Standing::Stale)),
            ("revalidate", "revalidated", None),
            ("revalidate", "cancelled", None),
            ("purge", "purged", None),
        ];
        for (action, outcome, standing) in cases {
            assert_eq!(
                Standing::of_record(action, outcome),
                standing,
                "{action}: {outcome}"
            );
        }
    }
}
