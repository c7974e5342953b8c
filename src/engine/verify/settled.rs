//! When polling a layer stops early: its copy cannot change before the
//! deadline (a CDN's TTL), or Next.js said it was not revalidated.

use crate::model::cache_headers::CacheState;
use crate::model::observation::Observation;
use crate::model::target::TargetKind;
use std::time::Duration;

/// Why an unchanged layer will not change before the deadline, if it will not.
pub(crate) fn settled(p: &Observation, kind: TargetKind, left: Duration) -> Option<String> {
    let cache = p.cache.as_ref()?;
    if cache.edge.is_some_and(CacheState::served_from_cache) {
        let remaining = cache.remaining?;
        let directive = cache
            .ttl
            .as_ref()
            .map(|t| t.directive.as_str())
            .unwrap_or("");
        return (remaining > left.as_secs() as i64).then(|| {
            format!(
                "the CDN keeps its copy {} ({} s left of {directive}), beyond the deadline",
                crate::model::text::more_until(remaining as u64, jiff::Timestamp::now()),
                crate::model::text::thousands(remaining as u64)
            )
        });
    }
    (kind == TargetKind::Path && cache.nextjs == Some(CacheState::Hit)).then(|| {
        "Next.js answered HIT with the old page; after revalidatePath the next request is a MISS, so this path was not revalidated here".to_string()
    })
}
