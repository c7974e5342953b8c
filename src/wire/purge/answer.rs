//! Reading a provider's answer to a purge call: purged, or which failure,
//! in words with the fix; each provider's own error JSON (or XML) quoted.

use super::send::Purger;
use super::{Provider, cloudflare, cloudfront, fastly, vercel};
use super::{PurgeKind, PurgeOutcome};
use crate::model::endpoint::SuccessRule;
use crate::model::purge::VarnishMethod;
use crate::model::redact;
use std::time::Duration;

impl Purger {
    pub(super) fn judge(
        &self,
        o: &mut PurgeOutcome,
        (status, location): (u16, Option<&str>),
        body: &[u8],
        wait: Option<Duration>,
    ) {
        // The provider's own words, and whether they say "too much at
        // once" (a batch too large, or CloudFront's in-progress limit).
        let provider_error = match self.config.provider {
            Provider::Cloudflare { .. } => cloudflare::error(body),
            Provider::CloudFront { .. } => cloudfront::error(body).map(|(code, message)| {
                let busy = code == "TooManyInvalidationsInProgress" || code == "Throttling";
                (format!("{code}: {message}"), busy)
            }),
            Provider::Fastly { .. } => fastly::error(body).map(|m| (m, false)),
            Provider::Vercel { .. } => vercel::error(body).map(|m| (m, false)),
            _ => None,
        };
        o.message = provider_error
            .as_ref()
            .map(|(m, _)| m.clone())
            .or_else(|| redact::body_excerpt(body, None, &self.redactor, 300, true))
            .map(|m| redact::one_line_excerpt(&m, &self.redactor, 300, true));
        let provider = self.provider();
        let cloudflare_1015 = matches!(self.config.provider, Provider::Cloudflare { .. })
            && cloudflare::rate_limited(body);
        let status = if cloudflare_1015 { 429 } else { status };
        let (kind, explanation, fix): (PurgeKind, String, Option<String>) = match status {
            200..=299 if xkey_found_nothing(&self.config.provider, body) => (
                PurgeKind::NotCached,
                format!("{provider} invalidated 0 objects: no cached copy carries the tag (nothing to purge, or the pages are not sent with `xkey: <tag>`)"),
                None,
            ),
            200..=299 if self.succeeded(body) => (PurgeKind::Purged, format!("{provider} purged it"), None),
            300..=399 => (
                PurgeKind::Redirected,
                format!(
                    "{provider} answered {status}, a redirect to {}: not followed (the token goes only where the config says)",
                    location.map_or("nowhere".to_string(), |l| redact::one_line_excerpt(l, &self.redactor, 200, true))
                ),
                Some("if the new address is the provider's, set api_url (or url) to it".into()),
            ),
            200..=299 => (
                PurgeKind::Rejected,
                format!("{provider} answered {status} but did not confirm the purge"),
                Some("read the provider's message below".into()),
            ),
            401 | 403 => (
                PurgeKind::Unauthorized,
                format!("{provider} refused the purge ({status})"),
                Some(self.auth_fix()),
            ),
            // The Varnish documentation's VCL answers a purge from outside
            // its ACL with `synth(405, "Not allowed.")`.
            405 if acl_refusal(body) => (
                PurgeKind::Unauthorized,
                format!("{provider}'s ACL refused the purge from this address (405 Not allowed.)"),
                Some("add this machine's address to the VCL's purge ACL (acl purge { … }), or purge from a host it lists".into()),
            ),
            // ngx_cache_purge answers 404 for a key it does not hold.
            404 if matches!(self.config.provider, Provider::Http { .. } | Provider::Varnish { .. }) => (
                PurgeKind::NotCached,
                format!("{provider} answered 404: the cache held no copy of it (nothing to purge), or the purge URL is not a purge location"),
                None,
            ),
            405 | 501 => (
                PurgeKind::Rejected,
                format!("{provider} does not accept {} here ({status})", o.call.split(' ').next().unwrap_or("the method")),
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
            400..=499 if matches!(self.config.provider, Provider::CloudFront { .. })
                && provider_error.as_ref().is_some_and(|(_, busy)| *busy) =>
            {
                (
                    PurgeKind::RateLimited,
                    "cloudfront has too many invalidations in progress (3,000 paths at most)".into(),
                    Some("wait until the invalidations in progress complete (minutes), then run again".into()),
                )
            }
            400..=499 if provider_error.as_ref().is_some_and(|(_, too_many)| *too_many) => {
                batch_too_large(provider)
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
        };
        o.kind = kind;
        o.explanation = explanation;
        o.fix = fix;
    }

    fn succeeded(&self, body: &[u8]) -> bool {
        match &self.config.provider {
            Provider::Cloudflare { .. } => cloudflare::succeeded(body),
            Provider::Fastly { .. } => serde_json::from_slice::<serde_json::Value>(body).is_ok(),
            // @vercel/sdk: invalidateByTags answers 200 with no body.
            Provider::Vercel { .. } => {
                body.iter().all(u8::is_ascii_whitespace)
                    || serde_json::from_slice::<serde_json::Value>(body).is_ok()
            }
            // Accepted means an <Invalidation> came back.
            Provider::CloudFront { .. } => cloudfront::invalidation(body).is_some(),
            Provider::Http { success, .. } if *success != SuccessRule::Any2xx => {
                serde_json::from_slice::<serde_json::Value>(body).is_ok()
            }
            _ => true,
        }
    }

    fn auth_fix(&self) -> String {
        match &self.config.provider {
            Provider::Varnish { .. } => "the node refuses purges from this address: add it to the VCL's purge ACL".into(),
            Provider::Cloudflare { .. } => "check the token in [purge.token]: it needs the Zone › Cache Purge permission for this zone".into(),
            Provider::Fastly { .. } => "check the token in [purge.token]: it needs the purge_select scope (purge_all for --everything) on this service".into(),
            Provider::Vercel { .. } => "check the token in [purge.token] and team_id: the token's owner needs the owner or member role on the project's team".into(),
            Provider::CloudFront { .. } => "check the AWS credentials (AWS_ACCESS_KEY_ID…, or the profile): they need cloudfront:CreateInvalidation and cloudfront:GetInvalidation on this distribution".into(),
            Provider::Http { .. } => "check the token in [purge.token] and where the request carries it".into(),
        }
    }
}

/// "Not allowed." from a VCL's ACL check, not an origin's "Method Not
/// Allowed" (a VCL that does not handle PURGE passes it on).
fn acl_refusal(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_lowercase();
    text.contains("not allowed.") && !text.contains("method not allowed")
}

/// varnish-modules' documented VCL answers "Invalidated N objects".
fn xkey_found_nothing(provider: &Provider, body: &[u8]) -> bool {
    let xkey = matches!(
        provider,
        Provider::Varnish {
            method: VarnishMethod::Xkey { .. },
            ..
        }
    );
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_lowercase();
    xkey && (text.contains("invalidated 0 objects") || text.contains("purged 0 objects"))
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
