//! When polling a layer stops early: its copy cannot change before the
//! deadline (a CDN's TTL), or Next.js said it was not revalidated.

use crate::model::cache_headers::CacheState;
use crate::model::observation::Observation;
use crate::model::target::TargetKind;
use std::time::Duration;

/// How long after a `revalidatePath` a HIT with the old page counts as
/// "not revalidated here". Next.js 16.4.6 marks the path's tags expired at
/// `Date.now()` and compares that with `performance.timeOrigin +
/// performance.now()` at the next request (`tags-manifest.external.js`):
/// on a host whose wall clock was stepped ahead of its monotonic clock
/// (NTP, a VM catching up) the request right after is still a HIT, and a
/// MISS comes a moment later (seen on our CI machine: HIT 50 ms after,
/// MISS 2 s after).
pub(crate) const HIT_PROVES_AFTER: Duration = Duration::from_secs(3);

/// Why an unchanged layer will not change before the deadline, if it will
/// not. `since` is the time since the revalidation was answered.
pub(crate) fn settled(
    p: &Observation,
    kind: TargetKind,
    (since, left): (Duration, Duration),
) -> Option<String> {
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
    // At an origin; a layer sampled through a URL (several instances may
    // answer it) has its own rule: several HITs in a row.
    let proves = since >= HIT_PROVES_AFTER || !p.layer.is_origin();
    (kind == TargetKind::Path && cache.nextjs == Some(CacheState::Hit) && proves).then(|| {
        "Next.js answered HIT with the old page; after revalidatePath the next request is a MISS, so this path was not revalidated here".to_string()
    })
}
