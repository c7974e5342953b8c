//! Validating limits (concurrency, rate, retries, the waits) and the
//! durations they are written in.

use super::*;

impl Validator<'_> {
    fn duration(&mut self, raw: &Option<Spanned<String>>, key: &str) -> Option<Duration> {
        let raw = raw.as_ref()?;
        let parsed = raw
            .get_ref()
            .parse::<jiff::SignedDuration>()
            .ok()
            .and_then(|d| Duration::try_from(d).ok())
            .filter(|d| !d.is_zero());
        let Some(duration) = parsed else {
            self.error(
                raw.span().start,
                format!("{key}: {:?} is not a positive duration", raw.get_ref()),
                format!("write e.g. {key} = \"10s\" or \"1500ms\""),
            );
            return None;
        };
        if duration < MIN_DURATION {
            self.error(
                raw.span().start,
                format!(
                    "{key}: {:?} is shorter than 100ms: no server answers that fast",
                    raw.get_ref()
                ),
                format!("write e.g. {key} = \"10s\"; at least \"100ms\""),
            );
            return None;
        }
        if duration > MAX_DURATION {
            self.error(
                raw.span().start,
                format!("{key}: {:?} is longer than an hour", raw.get_ref()),
                format!("write e.g. {key} = \"30s\"; at most \"1h\""),
            );
            return None;
        }
        Some(duration)
    }

    pub(super) fn limits(&mut self, raw: &raw::RawLimits, inherited: &Limits) -> Limits {
        let mut limits = inherited.clone();
        if let Some(d) = self.duration(&raw.timeout, "timeout") {
            limits.timeout = d;
        }
        if let Some(d) = self.duration(&raw.connect_timeout, "connect_timeout") {
            limits.connect_timeout = d;
        }
        if let Some(d) = self.duration(&raw.max_retry_after, "max_retry_after") {
            limits.max_retry_after = d;
        }
        if let Some(c) = &raw.concurrency {
            if !(1..=MAX_CONCURRENCY).contains(c.get_ref()) {
                self.error(
                    c.span().start,
                    format!("concurrency must be between 1 and {MAX_CONCURRENCY}"),
                    "write concurrency = 4 (requests in flight at once)",
                );
            } else {
                limits.concurrency = *c.get_ref() as usize;
            }
        }
        if let Some(r) = &raw.rate_per_second {
            let rate = *r.get_ref();
            let in_range = rate == 0.0 || (MIN_RATE..=MAX_RATE).contains(&rate);
            if !rate.is_finite() || !in_range {
                self.error(
                    r.span().start,
                    format!(
                        "rate_per_second must be 0 (no limit) or between {MIN_RATE} and {MAX_RATE}"
                    ),
                    "write rate_per_second = 10",
                );
            } else {
                limits.rate_per_second = (rate > 0.0).then_some(rate);
            }
        }
        if let Some(n) = &raw.max_retries {
            let (at, n) = (n.span().start, *n.get_ref());
            if n > MAX_RETRIES {
                self.error(
                    at,
                    format!("max_retries must be at most {MAX_RETRIES}"),
                    "write max_retries = 2",
                );
            } else {
                limits.max_retries = n;
            }
        }
        limits
    }
}
