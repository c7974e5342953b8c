//! CloudFront invalidations, signed with the standard AWS credentials;
//! each is polled until it completes.
//!
//! Keys: `distribution_id`, `api_url`; no token (AWS's own places).

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
}

impl Provider for CloudFront {
    fn name(&self) -> &'static str {
        "cloudfront"
    }

    fn is_api(&self) -> bool {
        true
    }

    fn purges_tags(&self) -> bool {
        false
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
    }))
}
