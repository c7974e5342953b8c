//! Validating `[sites.X.purge]`: the provider `provider` names (from the
//! registry, `model::purge::PROVIDERS`) reads its own keys; the token is
//! read here, as every secret is.

use super::*;
use crate::model::purge::{Complaints, Keys, PurgeConfig, provider_names, registered};

impl Validator<'_> {
    pub(super) fn purge(
        &mut self,
        raw: Spanned<raw::RawPurge>,
        public_url: &Url,
        site: &str,
    ) -> Option<PurgeConfig> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        let token = match raw.token {
            Some(token) => Some(self.secret_source(token)?),
            None => None,
        };
        let name = raw.provider.get_ref().as_str();
        let Some(kind) = registered(name) else {
            self.error(
                raw.provider.span().start,
                format!(
                    "purge provider {:?} is not one isrctl knows",
                    crate::model::safe_text::one_line(name)
                ),
                format!("write provider = one of {}", provider_names()),
            );
            return None;
        };
        let mut keys = Keys::new(&raw.keys, self, kind.name, (at, site, public_url));
        let provider = (kind.read)(&mut keys).ok()?;
        keys.refuse_unread().ok()?;
        if provider.needs_token() && token.is_none() {
            self.error(
                at,
                format!("the {} purge needs an API token", provider.name()),
                format!(
                    "add [sites.{site}.purge.token] with env = \"{}_API_TOKEN\" (or file, command)",
                    provider.name().to_uppercase()
                ),
            );
            return None;
        }
        Some(PurgeConfig { provider, token })
    }
}

/// The validator hears what a provider's keys get wrong.
impl Complaints for Validator<'_> {
    fn error(&mut self, at: usize, message: String, fix: String) {
        Validator::error(self, at, message, fix);
    }

    fn warn(&mut self, at: usize, message: String, fix: String) {
        Validator::warn(self, at, message, fix);
    }

    fn url(&mut self, value: &Spanned<String>, key: &str) -> Option<Url> {
        Validator::url(self, value, key)
    }
}
