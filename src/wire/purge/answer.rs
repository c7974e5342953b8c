//! Reading a provider's answer to a purge call: purged, or which failure,
//! in words with the fix; each provider's own error JSON (or XML) quoted.

use super::send::Purger;
use super::{PurgeKind, PurgeOutcome};
use crate::model::redact;
use std::time::Duration;

impl Purger {
    pub(super) fn judge(
        &self,
        o: &mut PurgeOutcome,
        (status, location, from_app): (u16, Option<&str>, bool),
        body: &[u8],
        wait: Option<Duration>,
    ) {
        // The provider's own words, and whether they say "too much at
        // once" (a batch too large, or CloudFront's in-progress limit).
        let wire = self.wire();
        let provider_error = wire.error(body);
        o.message = provider_error
            .as_ref()
            .map(|(m, _)| m.clone())
            .or_else(|| redact::body_excerpt(body, None, &self.redactor, 300, true))
            .map(|m| redact::one_line_excerpt(&m, &self.redactor, 300, true));
        let status = if wire.rate_limited(body) { 429 } else { status };
        let answer = Answer {
            status,
            location,
            body,
            wait,
            too_many: provider_error
                .as_ref()
                .is_some_and(|(_, too_many)| *too_many),
            has_error: provider_error.is_some(),
            from_app,
        };
        let (kind, explanation, fix) = self.verdict(&answer, &o.call);
        o.kind = kind;
        o.explanation = explanation;
        o.fix = fix;
    }

    /// What an answer says, in words with the fix.
    fn verdict(&self, answer: &Answer<'_>, call: &str) -> (PurgeKind, String, Option<String>) {
        let wire = self.wire();
        let provider = self.provider();
        let Answer {
            status,
            location,
            body,
            has_error,
            ..
        } = *answer;
        match status {
            200..=299 if wire.found_nothing(body) => (
                PurgeKind::NotCached,
                format!(
                    "{provider} invalidated 0 objects: no cached copy carries the tag (nothing to purge, or the pages are not sent with `xkey: <tag>`)"
                ),
                None,
            ),
            // A 2xx that carries the provider's own error words is no
            // success (Fastly's `{"msg": …}`, Vercel's `{"error": …}`).
            200..=299 if wire.succeeded(body) && !has_error => {
                (PurgeKind::Purged, format!("{provider} purged it"), None)
            }
            300..=399 => (
                PurgeKind::Redirected,
                format!(
                    "{provider} answered {status}, a redirect to {}: not followed (the token goes only where the config says)",
                    location.map_or("nowhere".to_string(), |l| redact::one_line_excerpt(
                        l,
                        &self.redactor,
                        200,
                        true
                    ))
                ),
                Some("if the new address is the provider's, set api_url (or url) to it".into()),
            ),
            200..=299 => (
                PurgeKind::Rejected,
                format!("{provider} answered {status} but did not confirm the purge"),
                Some("read the provider's message below".into()),
            ),
            _ => self.failure(answer, call),
        }
    }

    /// What a 4xx or 5xx says.
    fn failure(&self, answer: &Answer<'_>, call: &str) -> (PurgeKind, String, Option<String>) {
        let wire = self.wire();
        let provider = self.provider();
        let Answer {
            status,
            body,
            wait,
            too_many,
            from_app,
            ..
        } = *answer;
        let method = call.split(' ').next().unwrap_or("the method");
        match status {
            // The cache passed the method on: the app behind it answered
            // (a BAN to a VCL with no BAN branch comes back 400 from Next).
            400..=599 if from_app && wire.not_found_means_not_cached() => (
                PurgeKind::Rejected,
                format!("{provider} passed the {method} on to the app, which answered {status}: the cache's config has no {method} branch"),
                Some(format!("add one to the cache's config (Varnish: in vcl_recv, if (req.method == \"{method}\") {{ … return (synth(200)); }}; the README's purge section has the VCLs)")),
            ),
            401 | 403 => (
                PurgeKind::Unauthorized,
                format!("{provider} refused the purge ({status})"),
                Some(self.config.provider.auth_fix().to_string()),
            ),
            // The Varnish documentation's VCL answers a purge from outside
            // its ACL with `synth(405, "Not allowed.")`.
            405 if acl_refusal(body) => (
                PurgeKind::Unauthorized,
                format!("{provider}'s ACL refused the purge from this address (405 Not allowed.)"),
                Some("add this machine's address to the VCL's purge ACL (acl purge { … }), or purge from a host it lists".into()),
            ),
            // ngx_cache_purge answers 404 for a key it does not hold.
            404 if wire.not_found_means_not_cached() => (
                PurgeKind::NotCached,
                format!("{provider} answered 404: the cache held no copy of it (nothing to purge), or the purge URL is not a purge location"),
                None,
            ),
            405 | 501 => (
                PurgeKind::Rejected,
                format!("{provider} does not accept {} here ({status})", call.split(' ').next().unwrap_or("the method")),
                Some("the cache node's VCL must handle PURGE (or BAN): see the README's purge section".into()),
            ),
            413 => batch_too_large(provider),
            429 => (
                PurgeKind::RateLimited,
                match wait {
                    Some(w) => format!("{provider} rate limited the purge (429): it asks to wait {} s", w.as_secs()),
                    None => format!("{provider} rate limited the purge (429)"),
                },
                Some("purge fewer items at once, or wait and run again".into()),
            ),
            400..=499 if too_many => {
                match wire.busy() {
                    Some((explanation, fix)) => (PurgeKind::RateLimited, explanation.into(), Some(fix.into())),
                    None => batch_too_large(provider),
                }
            }
            400..=499 => (
                PurgeKind::Rejected,
                format!("{provider} rejected the purge ({status})"),
                Some("read the provider's message: a wrong zone or service id, or an item it cannot purge".into()),
            ),
            _ => (
                PurgeKind::ServerError,
                format!("{provider} failed ({status})"),
                Some("retry; if it persists, check the provider's status page".into()),
            ),
        }
    }
}

/// A provider's answer to one call, as `verdict` reads it.
struct Answer<'a> {
    status: u16,
    location: Option<&'a str>,
    body: &'a [u8],
    /// How long a 429 asks to wait.
    wait: Option<Duration>,
    /// The provider's error says the request carried too many items.
    too_many: bool,
    /// The provider's own error words are in the body.
    has_error: bool,
    /// The app behind the cache answered (its own headers).
    from_app: bool,
}

/// "Not allowed." from a VCL's ACL check, not an origin's "Method Not
/// Allowed" (a VCL that does not handle PURGE passes it on).
fn acl_refusal(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_lowercase();
    text.contains("not allowed.") && !text.contains("method not allowed")
}

fn batch_too_large(provider: &str) -> (PurgeKind, String, Option<String>) {
    (
        PurgeKind::BatchTooLarge,
        format!("{provider} takes fewer items per request"),
        Some(
            "purge fewer items at once (isrctl batches at the documented limit: report this)"
                .into(),
        ),
    )
}
