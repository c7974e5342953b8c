//! Validating `[sites.X.purge]`: the provider and the keys it needs.

use super::*;
use crate::model::endpoint::SuccessRule;
use crate::model::purge::{BanShape, CloudflareMode, Provider, PurgeConfig, VarnishMethod};

const PROVIDERS: &str = "varnish, cloudflare, fastly, vercel, cloudfront or http";
const CLOUDFLARE_API: &str = "https://api.cloudflare.com/client/v4";
const FASTLY_API: &str = "https://api.fastly.com";
const VERCEL_API: &str = "https://api.vercel.com";
const CLOUDFRONT_API: &str = "https://cloudfront.amazonaws.com";

impl Validator<'_> {
    pub(super) fn purge(
        &mut self,
        raw: Spanned<raw::RawPurge>,
        public_url: &Url,
        site: &str,
    ) -> Option<PurgeConfig> {
        let at = raw.span().start;
        let mut raw = raw.into_inner();
        let token = match raw.token.take() {
            Some(token) => Some(self.secret_source(token)?),
            None => None,
        };
        let provider_at = raw.provider.span().start;
        let provider = match raw.provider.get_ref().as_str() {
            "varnish" => self.varnish(&raw, public_url)?,
            "cloudflare" => self.cloudflare(&raw, at, site)?,
            "fastly" => self.fastly(&raw, at, site)?,
            "vercel" => self.vercel(&raw, at, site)?,
            "cloudfront" => self.cloudfront(&raw, at, site)?,
            "http" => self.http_purge(&raw, at)?,
            other => {
                self.error(
                    provider_at,
                    format!("purge provider {other:?} is not one isrctl knows"),
                    format!("write provider = one of {PROVIDERS}"),
                );
                return None;
            }
        };
        let needs_token = matches!(
            provider,
            Provider::Cloudflare { .. } | Provider::Fastly { .. } | Provider::Vercel { .. }
        );
        if needs_token && token.is_none() {
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

    fn varnish(&mut self, raw: &raw::RawPurge, public_url: &Url) -> Option<Provider> {
        let nodes: Vec<Url> = raw
            .nodes
            .iter()
            .filter_map(|n| self.url(n, "nodes"))
            .collect();
        if nodes.len() != raw.nodes.len() {
            return None;
        }
        let method = match raw.method.as_ref().map(|m| (m.get_ref().as_str(), m)) {
            None | Some(("PURGE", _)) => VarnishMethod::Purge,
            Some(("BAN", _)) => VarnishMethod::Ban(self.ban_shape(raw)?),
            Some(("xkey", _)) => VarnishMethod::Xkey {
                soft: raw.soft.unwrap_or(false),
            },
            Some((other, m)) => {
                self.error(
                    m.span().start,
                    format!("method {other:?}: Varnish purges with PURGE, BAN or xkey"),
                    "write method = \"PURGE\" (one URL per call), \"BAN\" (prefixes and everything too) or \"xkey\" (tags, with varnish-modules)",
                );
                return None;
            }
        };
        let _ = public_url;
        Some(Provider::Varnish { nodes, method })
    }

    fn cloudflare(&mut self, raw: &raw::RawPurge, at: usize, site: &str) -> Option<Provider> {
        let Some(zone_id) = raw.zone_id.as_ref() else {
            self.error(
                at,
                "the cloudflare purge needs zone_id",
                format!("add zone_id = \"…\" to [sites.{site}.purge] (the zone's overview page shows it)"),
            );
            return None;
        };
        let api_url = self.api_url(raw, CLOUDFLARE_API)?;
        Some(Provider::Cloudflare {
            api_url,
            zone_id: self.id(zone_id, "zone_id", site)?,
            mode: raw.mode.unwrap_or(CloudflareMode::Files),
            files_per_request: self.files_per_request(raw)?,
        })
    }

    /// Cloudflare's URLs per request: 30 unless said (1 to 500).
    fn files_per_request(&mut self, raw: &raw::RawPurge) -> Option<usize> {
        use crate::model::purge::{
            CLOUDFLARE_FILES_PER_REQUEST as FILES_PER_REQUEST,
            CLOUDFLARE_MOST_PER_REQUEST as MOST_PER_REQUEST,
        };
        let Some(n) = &raw.files_per_request else {
            return Some(FILES_PER_REQUEST);
        };
        match usize::try_from(*n.get_ref()) {
            Ok(n) if (1..=MOST_PER_REQUEST).contains(&n) => Some(n),
            _ => {
                self.error(
                    n.span().start,
                    format!("files_per_request = {}: Cloudflare takes 1 to {MOST_PER_REQUEST} URLs a request", n.get_ref()),
                    format!("write files_per_request = 100 (the documented limit below Enterprise), {MOST_PER_REQUEST} (Enterprise), or leave it out for {FILES_PER_REQUEST}"),
                );
                None
            }
        }
    }

    fn fastly(&mut self, raw: &raw::RawPurge, at: usize, site: &str) -> Option<Provider> {
        let Some(service_id) = raw.service_id.as_ref() else {
            self.error(
                at,
                "the fastly purge needs service_id",
                format!(
                    "add service_id = \"…\" to [sites.{site}.purge] (the service's page shows it)"
                ),
            );
            return None;
        };
        Some(Provider::Fastly {
            api_url: self.api_url(raw, FASTLY_API)?,
            service_id: self.id(service_id, "service_id", site)?,
            soft: raw.soft.unwrap_or(true),
        })
    }

    fn vercel(&mut self, raw: &raw::RawPurge, at: usize, site: &str) -> Option<Provider> {
        let Some(project) = raw.project_id.as_ref() else {
            self.error(
                at,
                "the vercel purge needs project_id",
                format!(
                    "add project_id = \"prj_…\" (or the project's name) to [sites.{site}.purge]"
                ),
            );
            return None;
        };
        Some(Provider::Vercel {
            api_url: self.api_url(raw, VERCEL_API)?,
            project_id: self.id(project, "project_id", site)?,
            team_id: raw.team_id.clone(),
            hard: raw.hard.unwrap_or(false),
        })
    }

    fn cloudfront(&mut self, raw: &raw::RawPurge, at: usize, site: &str) -> Option<Provider> {
        let Some(distribution) = raw.distribution_id.as_ref() else {
            self.error(
                at,
                "the cloudfront purge needs distribution_id",
                format!("add distribution_id = \"E…\" to [sites.{site}.purge] (credentials come from AWS_ACCESS_KEY_ID… or ~/.aws/credentials)"),
            );
            return None;
        };
        Some(Provider::CloudFront {
            api_url: self.api_url(raw, CLOUDFRONT_API)?,
            distribution_id: self.id(distribution, "distribution_id", site)?,
        })
    }

    fn http_purge(&mut self, raw: &raw::RawPurge, at: usize) -> Option<Provider> {
        let Some(url) = raw.url.as_ref() else {
            self.error(
                at,
                "the http purge needs url",
                "add url = \"https://cdn.example.com/purge?url={url}\" ({url} {path} {tag} {host} {token} are filled in)",
            );
            return None;
        };
        // `?token={token}` is the way to send it; a value written out is not.
        let template = url.get_ref().replace("{token}", "");
        let shown = crate::model::redact::mask_url_secrets(&template);
        if shown != template {
            self.warn(
                url.span().start,
                format!("url: the purge URL carries a secret ({shown})"),
                "write {token} in its place and put the value in [purge.token] (env, file or command); outputs mask it either way",
            );
        }
        let method = raw
            .method
            .as_ref()
            .map_or("POST".to_string(), |m| m.get_ref().clone());
        if reqwest::Method::from_bytes(method.as_bytes()).is_err() {
            let m_at = raw.method.as_ref().map_or(at, |m| m.span().start);
            self.error(
                m_at,
                format!("method {method:?} is not an HTTP method"),
                "write e.g. method = \"PURGE\"",
            );
            return None;
        }
        let mut headers = Vec::new();
        for (name, value) in &raw.headers {
            if !self.header(name, value.get_ref(), value.span().start) {
                return None;
            }
            headers.push((name.clone(), value.get_ref().clone()));
        }
        Some(Provider::Http {
            url: url.get_ref().clone(),
            method,
            headers,
            body: raw.body.clone(),
            success: raw.success.unwrap_or(SuccessRule::Any2xx),
        })
    }

    /// The BAN request as the VCL reads it: a preset, or the default
    /// `X-Ban-Url` (renamed by `ban_header`), with `ban_url` and
    /// `ban_headers` overriding either.
    fn ban_shape(&mut self, raw: &raw::RawPurge) -> Option<BanShape> {
        let mut shape = match (&raw.ban_preset, &raw.ban_header) {
            (Some(preset), _) => match BanShape::preset(preset.get_ref()) {
                Some(shape) => shape,
                None => {
                    self.error(
                        preset.span().start,
                        format!("ban_preset {:?} is not one isrctl knows", crate::model::safe_text::one_line(preset.get_ref())),
                        format!("write ban_preset = one of {}, or spell the request out with ban_url and ban_headers", BanShape::PRESETS.join(", ")),
                    );
                    return None;
                }
            },
            (None, Some(h)) if self.header(h.get_ref(), "", h.span().start) => {
                BanShape::header(h.get_ref())
            }
            (None, Some(_)) => return None,
            (None, None) => BanShape::header("X-Ban-Url"),
        };
        if let Some(url) = &raw.ban_url {
            if !url.get_ref().starts_with('/') {
                self.error(
                    url.span().start,
                    "ban_url is where the BAN goes on each node: a path",
                    "write ban_url = \"/\" (the headers say what to ban) or \"{path}\" (a VCL that bans the request's own URL)",
                );
                return None;
            }
            shape.url = url.get_ref().clone();
        }
        if !raw.ban_headers.is_empty() {
            shape.headers.clear();
            for (name, value) in &raw.ban_headers {
                if !self.header(name, value.get_ref(), value.span().start) {
                    return None;
                }
                shape.headers.push((name.clone(), value.get_ref().clone()));
            }
        }
        Some(shape)
    }

    /// A header isrctl will send: a name HTTP allows (no space, colon or
    /// line break) and a value without line breaks or control characters;
    /// a raw newline would end the header and start another.
    fn header(&mut self, name: &str, value: &str, at: usize) -> bool {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            self.error(
                at,
                format!(
                    "{:?} is not a header name: HTTP allows letters, digits and !#$%&'*+-.^_`|~ only",
                    crate::model::safe_text::one_line(name)
                ),
                "write the name alone, e.g. \"X-Purge-Token\" (no spaces, colons or line breaks)",
            );
            return false;
        }
        if reqwest::header::HeaderValue::from_str(value).is_err() {
            self.error(
                at,
                format!("the value of header {name} has a line break or a control character"),
                "write the value on one line, without \\r, \\n or other control characters",
            );
            return false;
        }
        true
    }

    /// An id that goes into an API's URL path: letters, digits, `-`, `_`
    /// and `.` only, so it cannot change which URL the token is sent to.
    fn id(&mut self, value: &Spanned<String>, key: &str, site: &str) -> Option<String> {
        let text = value.get_ref();
        let fine = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !text.starts_with('.');
        if !fine {
            self.error(
                value.span().start,
                format!("{key} is not an id: letters, digits, '-', '_' and '.' only"),
                format!("copy the {key} of [sites.{site}.purge] from the provider's dashboard"),
            );
            return None;
        }
        Some(text.clone())
    }

    fn api_url(&mut self, raw: &raw::RawPurge, default: &str) -> Option<Url> {
        match &raw.api_url {
            Some(url) => self.url(url, "api_url"),
            None => Url::parse(default).ok(),
        }
    }
}
