//! CloudFront invalidations, signed with the standard AWS credentials;
//! each is polled until it completes. With `tags = true` (a distribution
//! with a `CacheTagConfig`) a tag is invalidated as `#tag`; otherwise as
//! the paths of the configured routes carrying it.
//!
//! Keys: `distribution_id`, `tags`, `api_url`; no token (AWS's own places).

use super::{Keys, Provider, Refused, Registered};
use std::sync::Arc;
use url::Url;

pub const REGISTERED: Registered = Registered {
    name: "cloudfront",
    read,
};

const API: &str = "https://cloudfront.amazonaws.com";

#[derive(Clone, Debug, PartialEq)]
pub struct CloudFront {
    pub api_url: Url,
    pub distribution_id: String,
    /// The distribution has a `CacheTagConfig`: tags are invalidated as
    /// `#tag` items.
    pub tags: bool,
}

impl Provider for CloudFront {
    fn name(&self) -> &'static str {
        "cloudfront"
    }

    fn is_api(&self) -> bool {
        true
    }

    fn purges_tags(&self) -> bool {
        self.tags
    }

    fn tag_note(&self) -> Option<&'static str> {
        self.tags.then_some(
            "CloudFront invalidates #tag where the distribution's CacheTagConfig names the header the origin tags objects with; next start sends no such header by itself: add it in next.config.js headers() (or a Lambda@Edge origin-response function), or leave tags out so a tag is invalidated as the paths of the routes carrying it in this config",
        )
    }

    fn auth_fix(&self) -> &'static str {
        "check the AWS credentials (AWS_ACCESS_KEY_ID…, or the profile): they need cloudfront:CreateInvalidation and cloudfront:GetInvalidation on this distribution"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn read(keys: &mut Keys<'_>) -> Result<Arc<dyn Provider>, Refused> {
    let site = keys.site;
    let distribution = keys.required(
        "distribution_id",
        format!("add distribution_id = \"E…\" to [sites.{site}.purge] (credentials come from AWS_ACCESS_KEY_ID… or ~/.aws/credentials)"),
    )?;
    Ok(Arc::new(CloudFront {
        api_url: keys.api_url(API)?,
        distribution_id: keys.id(&distribution, "distribution_id")?,
        tags: keys.boolean("tags")?.unwrap_or(false),
    }))
}
