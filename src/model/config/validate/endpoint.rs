//! Validating a site's `[endpoint]`: preset, method, where the secret,
//! path and tag go, body templates.

use super::*;

impl Validator<'_> {
    pub(super) fn endpoint(
        &mut self,
        raw: raw::RawEndpoint,
        public_url: &Url,
        tls_verify: bool,
    ) -> Option<EndpointProfile> {
        let preset = raw
            .preset
            .as_ref()
            .map(|p| *p.get_ref())
            .unwrap_or(Preset::AppRouter);
        let mut profile = EndpointProfile::preset(preset, public_url);
        let url_at = raw.url.as_ref().map_or(0, |u| u.span().start);
        if let Some(url) = &raw.url {
            self.endpoint_url(&mut profile, url, public_url)?;
        }
        if let Some(m) = raw.method {
            profile.method = m;
        }
        self.secret_placement(&mut profile, &raw, url_at)?;
        if let Some(q) = raw.path_query {
            profile.path = Placement::Query(q);
        }
        if let Some(q) = raw.tag_query {
            profile.tag = Placement::Query(q);
        }
        if let Some(q) = raw.type_query {
            profile.type_query = Some(q);
        }
        if let Some(body) = raw.path_body {
            profile.path = Placement::Body(self.template(&body, "path_body")?);
        }
        if let Some(body) = raw.tag_body {
            profile.tag = Placement::Body(self.template(&body, "tag_body")?);
        }
        if let Some(success) = raw.success {
            profile.success = success;
        }
        profile.each_origin = raw.each_origin.unwrap_or(false);
        if profile.each_origin && profile.relative.is_none() {
            self.error(
                url_at,
                "each_origin = true with an absolute endpoint url: a full URL names one place, so the revalidation would be sent once",
                "write the endpoint url as a path (url = \"/api/revalidate\"): isrctl sends it to each origin's own address",
            );
            return None;
        }
        if profile.url.scheme() == "http" && !is_loopback(&profile.url) {
            self.warn(
                url_at,
                format!(
                    "the endpoint {} is plain http on a non-loopback host: the secret travels in the clear",
                    profile.url.origin().ascii_serialization()
                ),
                "use https for the public URL or the endpoint url",
            );
        }
        let _ = tls_verify;
        Some(profile)
    }

    /// `url`: a path under the public URL (the app's basePath covers its
    /// API routes), or a full URL.
    fn endpoint_url(
        &mut self,
        profile: &mut EndpointProfile,
        url: &Spanned<String>,
        public_url: &Url,
    ) -> Option<()> {
        let url_at = url.span().start;
        // A path starting with '/' is under the public URL's path (the
        // app's basePath covers its API routes); a full URL is itself.
        let joined = match url.get_ref().starts_with('/') {
            true => Ok(crate::model::paths::page_url(public_url, url.get_ref())),
            false => public_url.join(url.get_ref()),
        };
        match joined {
            Ok(joined) if has_credentials(&joined) => {
                self.refuse_credentials(url_at, "endpoint url", &joined);
                return None;
            }
            Ok(joined) if matches!(joined.scheme(), "http" | "https") => {
                self.warn_secret_in_url(url_at, "endpoint url", &joined);
                let relative = Url::parse(url.get_ref()).is_err();
                // Relative to the site's base path: each origin carries it.
                let base = public_url.path().trim_end_matches('/');
                let path = joined.path().strip_prefix(base).unwrap_or(joined.path());
                profile.relative = relative.then(|| match joined.query() {
                    Some(q) => format!("{path}?{q}"),
                    None => path.to_string(),
                });
                profile.url = joined;
            }
            _ => {
                self.error(
                    url_at,
                    format!("endpoint url {:?} is not a URL or a path", url.get_ref()),
                    "write url = \"/api/revalidate\" or a full https URL",
                );
                return None;
            }
        }
        Some(())
    }

    /// Where the secret goes: `secret_in`, `secret_name`, `signature`.
    fn secret_placement(
        &mut self,
        profile: &mut EndpointProfile,
        raw: &raw::RawEndpoint,
        url_at: usize,
    ) -> Option<()> {
        if let Some(name) = &raw.secret_name
            && reqwest::header::HeaderName::from_bytes(name.get_ref().as_bytes()).is_err()
        {
            self.error(
                name.span().start,
                "secret_name must be a plain name (letters, digits, '-' and '_'; no spaces, CR or LF)",
                "write e.g. secret_name = \"x-revalidate-secret\"",
            );
            return None;
        }
        let secret_name = raw.secret_name.as_ref().map(|n| n.get_ref().clone());
        if let Some(placement) = raw.secret_in {
            profile.secret = match placement {
                raw::RawSecretIn::Query => SecretPlacement::Query(
                    secret_name.clone().unwrap_or_else(|| "secret".to_string()),
                ),
                raw::RawSecretIn::Header => SecretPlacement::Header(
                    secret_name
                        .clone()
                        .unwrap_or_else(|| "x-revalidate-secret".to_string()),
                ),
                raw::RawSecretIn::Bearer => SecretPlacement::Bearer,
                raw::RawSecretIn::Hmac => match &raw.signature {
                    Some(kind) => SecretPlacement::Hmac(*kind.get_ref()),
                    None => {
                        self.error(
                            url_at,
                            "secret_in = \"hmac\" needs signature",
                            "add signature = \"sanity\" (sanity-webhook-signature, next-sanity's parseBody) or \"github\" (x-hub-signature-256)",
                        );
                        return None;
                    }
                },
            };
        } else if let (Some(name), SecretPlacement::Query(_)) = (&secret_name, &profile.secret) {
            profile.secret = SecretPlacement::Query(name.clone());
        }
        Some(())
    }

    /// A JSON body template must be valid JSON once its placeholders are filled.
    fn template(&mut self, raw: &Spanned<String>, key: &str) -> Option<String> {
        let filled = crate::model::endpoint::fill_template(raw.get_ref(), "/x", Some("x"), None);
        match serde_json::from_str::<serde_json::Value>(&filled) {
            Ok(_) => Some(raw.get_ref().clone()),
            Err(e) => {
                self.error(
                    raw.span().start,
                    format!("{key} is not valid JSON once filled in ({e})"),
                    format!(
                        "write e.g. {key} = '{{\"paths\":[\"{{path}}\"]}}' (placeholders: {{path}}, {{slug}}, {{tag}}, {{type}}, each inside quotes)"
                    ),
                );
                None
            }
        }
    }
}
