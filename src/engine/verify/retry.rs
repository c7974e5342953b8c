//! `--retry-after`: when every origin re-rendered the page with the same
//! content (`regenerated_same_content`), the data source was most likely
//! not yet consistent — a CMS's own CDN, a webhook that fires before the
//! write is visible. Waiting and doing the whole revalidation and
//! verification once more is the fix an operator would apply by hand.

use super::{Verdict, Verified};
use crate::model::trouble::Trouble;
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How a verification watches: for how long, and whether it tries once
/// more after a re-render with unchanged content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyPlan {
    pub deadline: Duration,
    pub retry_after: Option<Duration>,
}

impl From<Duration> for VerifyPlan {
    fn from(deadline: Duration) -> Self {
        VerifyPlan {
            deadline,
            retry_after: None,
        }
    }
}

/// Run `attempt`; when it ends `regenerated_same_content` and the plan
/// says so, hand the first result to `first` (to record and tell it), wait
/// (Ctrl-C ends the wait), and run it once more.
pub async fn with_retry<F, Fut>(
    plan: &VerifyPlan,
    cancel: &CancellationToken,
    mut attempt: F,
    first: impl FnOnce(Verified, Duration),
) -> Result<Verified, Trouble>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Verified, Trouble>>,
{
    let result = attempt().await?;
    let Some(wait) = plan.retry_after else {
        return Ok(result);
    };
    let same_content = result
        .1
        .iter()
        .any(|v| v.verdict == Verdict::RegeneratedSameContent);
    if !same_content || cancel.is_cancelled() {
        return Ok(result);
    }
    first(result.clone(), wait);
    tokio::select! {
        _ = cancel.cancelled() => return Ok(result),
        _ = tokio::time::sleep(wait) => {}
    }
    attempt().await
}

/// "every origin re-rendered the same content: revalidating and verifying
/// again in 5.0 s (--retry-after)": the step both faces show.
pub fn retry_words(wait: Duration) -> String {
    format!(
        "every origin re-rendered the same content: revalidating and verifying again in {} (--retry-after)",
        crate::model::text::millis(Some(wait.as_millis() as u64))
    )
}
