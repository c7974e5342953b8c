//! The second step of loading: the raw, located values become the types
//! the engine uses, each problem a `ConfigError` at its file:line:column.
//! Sites and limits here; endpoints, routes and secrets in their own files.

mod endpoint;
mod limits;
mod localized;
mod purge;
mod routes;
pub(super) use routes::all_tags;
mod secret;
mod topology;

use super::*;

/// Ranges that keep a typo from hurting anyone: no limit a small origin
/// cannot take, no wait that looks like a hang, nothing that overflows.
const MAX_DURATION: Duration = Duration::from_secs(3600);
/// Shorter than this, every request would time out before an answer could
/// arrive (`timeout = "1ns"` made every request fail in 0 ms).
const MIN_DURATION: Duration = Duration::from_millis(100);
const MAX_CONCURRENCY: u32 = 256;
const MIN_RATE: f64 = 0.01;
const MAX_RATE: f64 = 10_000.0;
const MAX_RETRIES: u32 = 10;
/// A shorter secret is guessable, and masking it masks ordinary words.
const SHORT_SECRET: usize = 8;

pub(super) fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// `https://user:pass@host` → `https://***@host`, for messages about a
/// string that did not even parse as a URL.
fn mask_userinfo(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://").map(|i| i + 3) else {
        return raw.to_string();
    };
    let authority_end = raw[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(raw.len(), |i| scheme_end + i);
    match raw[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..scheme_end], &raw[scheme_end + at..]),
        None => raw.to_string(),
    }
}

/// Turns byte offsets into file:line:column.
#[derive(Clone, Copy)]
pub(super) struct Locator<'a> {
    pub(super) text: &'a str,
    pub(super) file: &'a Path,
}

impl Locator<'_> {
    pub(crate) fn error(&self, offset: usize, message: String, fix: Option<String>) -> ConfigError {
        let offset = offset.min(self.text.len());
        let before = &self.text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            message,
            fix,
        }
    }
}

/// The config, or every error in file order. Warnings are in file order
/// too: the same whether the config was validated whole or in slices.
pub(super) fn config_or_errors(
    file: &Path,
    sites: Vec<Site>,
    keys: Vec<KeySetting>,
    mut errors: Vec<ConfigError>,
    mut warnings: Vec<ConfigError>,
) -> Result<Config, LoadError> {
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, e.column));
        return Err(LoadError::Invalid(errors));
    }
    warnings.sort_by_key(|w| (w.line, w.column));
    Ok(Config {
        file: file.to_path_buf(),
        sites,
        warnings,
        keys,
    })
}

pub(super) struct Validator<'a> {
    pub(super) at: Locator<'a>,
    pub(super) errors: Vec<ConfigError>,
    pub(super) warnings: Vec<ConfigError>,
    /// Each distinct marker regex compiled once (a generated config repeats
    /// one marker on every route; a clone shares the compiled program).
    pub(super) markers: std::collections::HashMap<String, std::sync::Arc<Regex>>,
}

impl Validator<'_> {
    pub(super) fn new(at: Locator<'_>) -> Validator<'_> {
        Validator {
            at,
            errors: Vec::new(),
            warnings: Vec::new(),
            markers: std::collections::HashMap::new(),
        }
    }

    /// The config, or every error in file order. Warnings are in file
    /// order too: the same whether the config was validated whole or in
    /// slices.
    pub(super) fn finish(
        self,
        sites: Vec<Site>,
        keys: Vec<KeySetting>,
    ) -> Result<Config, LoadError> {
        let file = self.at.file;
        config_or_errors(file, sites, keys, self.errors, self.warnings)
    }

    fn error(&mut self, offset: usize, message: impl Into<String>, fix: impl Into<String>) {
        let fix = Some(fix.into()).filter(|f| !f.is_empty());
        let e = self.at.error(offset, message.into(), fix);
        self.errors.push(e);
    }

    fn warn(&mut self, offset: usize, message: impl Into<String>, fix: impl Into<String>) {
        let fix = Some(fix.into()).filter(|f| !f.is_empty());
        let w = self.at.error(offset, message.into(), fix);
        self.warnings.push(w);
    }

    pub(crate) fn sites(&mut self, raw: RawConfig) -> Vec<Site> {
        let defaults = self.limits(&raw.defaults, &Limits::default());
        // Keep the file's order: it is the order people expect in lists.
        let mut tables: Vec<_> = raw.sites.into_iter().collect();
        tables.sort_by_key(|(_, site)| site.span().start);
        let mut sites = Vec::new();
        for (name, site) in tables {
            if let Some(site) = self.site(name, site, &defaults) {
                sites.push(site);
            }
        }
        sites
    }

    fn site(
        &mut self,
        name: Spanned<String>,
        raw: Spanned<raw::RawSite>,
        defaults: &Limits,
    ) -> Option<Site> {
        let site_at = raw.span().start;
        let raw = raw.into_inner();
        let name_ok = self.site_name(&name);
        let public_url = self.url(&raw.public_url, "public_url");
        // The public URL's path is the site's basePath: Next.js serves every
        // page and API route under it, on each origin too.
        let origins: Vec<Url> = raw
            .origins
            .iter()
            .filter_map(|o| self.url(o, "origins"))
            .map(|o| crate::model::paths::with_base_path(o, public_url.as_ref()))
            .collect();
        let limits = self.limits(&raw.limits(), defaults);
        let tls_verify = raw.tls_verify.unwrap_or(true);
        if !tls_verify {
            self.warn(
                site_at,
                format!(
                    "site {}: TLS certificate verification is off",
                    name.get_ref()
                ),
                "remove tls_verify = false once the certificate is valid",
            );
        }
        let secret = self.secret(raw.secret, site_at, name.get_ref());
        let path_rules = PathRules {
            trailing_slash: raw.trailing_slash.unwrap_or(false),
            base_path: public_url
                .as_ref()
                .map(|u| u.path().trim_end_matches('/').to_string())
                .filter(|p| !p.is_empty()),
            locales: raw.locales.clone().unwrap_or_default(),
            localized: self.localized(raw.localized, name.get_ref()),
        };
        let endpoint = public_url
            .as_ref()
            .and_then(|public| self.endpoint(raw.endpoint.unwrap_or_default(), public, tls_verify))
            .map(|e| match path_rules.trailing_slash {
                true => e.with_trailing_slash(),
                false => e,
            });
        self.warn_secret_to_origins(endpoint.as_ref(), &origins, site_at);
        let cache = self.topology(raw.cache, endpoint.as_ref(), name.get_ref());
        let purge = match (raw.purge, &public_url) {
            (Some(purge), Some(public)) => self.purge(purge, public, name.get_ref()),
            _ => None,
        };
        let sitemap = match (&raw.sitemap, &public_url) {
            (Some(sitemap), Some(public)) => self.sitemap(sitemap, public),
            _ => None,
        };
        let routes = self.routes(raw.routes.unwrap_or_default(), &path_rules);
        let tags = self.tags(&raw.tags, &routes);
        if !name_ok {
            return None;
        }
        Some(Site {
            name: name.into_inner(),
            public_url: public_url?,
            origins,
            cdn: raw.cdn.and_then(|cdn| self.cdn(cdn)),
            cache,
            secret: secret?,
            endpoint: endpoint?,
            routes: routes.into(),
            tags,
            limits,
            tls_verify,
            path_rules,
            purge,
            sitemap,
            probe_on_start: raw.probe_on_start.unwrap_or(true),
        })
    }

    fn site_name(&mut self, name: &Spanned<String>) -> bool {
        let valid = !name.get_ref().is_empty()
            && name
                .get_ref()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !valid {
            self.error(
                name.span().start,
                format!(
                    "site name {:?} is not usable on the command line",
                    name.get_ref()
                ),
                "use letters, digits, '-', '_' or '.', e.g. [sites.blog]",
            );
        }
        valid
    }

    fn url(&mut self, raw: &Spanned<String>, key: &str) -> Option<Url> {
        let at = raw.span().start;
        match Url::parse(raw.get_ref()) {
            Ok(url) if has_credentials(&url) => {
                self.refuse_credentials(at, key, &url);
                None
            }
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                self.warn_secret_in_url(at, key, &url);
                Some(url)
            }
            Ok(url) => {
                self.error(
                    at,
                    format!("{key}: {} is not an http(s) URL", url.as_str()),
                    format!("write {key} = \"https://example.com\""),
                );
                None
            }
            Err(e) => {
                self.error(
                    at,
                    format!(
                        "{key}: {:?} is not a valid URL ({e})",
                        mask_userinfo(raw.get_ref())
                    ),
                    format!("write an absolute URL, e.g. {key} = \"https://www.example.com\""),
                );
                None
            }
        }
    }

    /// The sitemap's URL: a path on the site, or a full URL.
    fn sitemap(&mut self, raw: &Spanned<String>, public: &Url) -> Option<Url> {
        let text = raw.get_ref();
        // A path starts with '/'; anything else must be a whole URL ("" or
        // "not a path" would otherwise name the site's home page).
        let joined = if text.starts_with('/') {
            public.join(text)
        } else {
            Url::parse(text)
        };
        let joined = joined
            .ok()
            .filter(|_| !text.chars().any(char::is_whitespace));
        match joined.ok_or(()) {
            Ok(url) if has_credentials(&url) => {
                self.refuse_credentials(raw.span().start, "sitemap", &url);
                None
            }
            Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
            _ => {
                self.error(
                    raw.span().start,
                    format!("sitemap {:?} is not a path or an http(s) URL", mask_userinfo(raw.get_ref())),
                    "write sitemap = \"/sitemap.xml\" (or a full https URL; .xml.gz and sitemap indexes are read too)",
                );
                None
            }
        }
    }

    /// A URL whose query carries what looks like a credential (`?secret=`,
    /// `x-vercel-protection-bypass=`): outputs mask it, but it is better
    /// kept where isrctl treats it as a secret from the start.
    pub(super) fn warn_secret_in_url(&mut self, at: usize, key: &str, url: &Url) {
        let shown = crate::model::redact::mask_url_secrets(url.as_str());
        if shown != url.as_str() {
            self.warn(
                at,
                format!("{key}: the URL carries a secret ({shown})"),
                "move it to the site's [secret] (secret_in = \"query\" sends it as a query parameter) or a [purge.token]; outputs mask it either way",
            );
        }
    }

    /// `fresh` and `--every-origin` (or `each_origin`) send the secret to
    /// each origin's own address: plain http off loopback carries it in the
    /// clear.
    fn warn_secret_to_origins(
        &mut self,
        endpoint: Option<&EndpointProfile>,
        origins: &[Url],
        at: usize,
    ) {
        if endpoint.is_none_or(|e| e.relative.is_none()) {
            return;
        }
        for origin in origins {
            if origin.scheme() == "http" && !super::is_loopback(origin) {
                self.warn(
                    at,
                    format!(
                        "origin {} is plain http off loopback: fresh and --every-origin send the revalidation secret there in the clear",
                        origin.origin().ascii_serialization()
                    ),
                    "reach the origins over https, or a private network you trust",
                );
            }
        }
    }

    /// `cdn = "…"`: a name isrctl reads the headers of.
    fn cdn(&mut self, raw: Spanned<String>) -> Option<String> {
        if crate::model::cache_headers::Cdn::from_config(raw.get_ref()).is_some() {
            return Some(raw.into_inner());
        }
        self.error(
            raw.span().start,
            format!("cdn {:?} is not a CDN isrctl knows", crate::model::safe_text::one_line(raw.get_ref())),
            "write cdn = one of vercel, cloudflare, fastly, cloudfront, akamai, varnish, nginx or generic",
        );
        None
    }

    /// `user:pass@` in a URL would be shown, logged and kept in history.
    pub(super) fn refuse_credentials(&mut self, at: usize, key: &str, url: &Url) {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        self.error(
            at,
            format!("{key}: the URL carries credentials (user:password@{}): isrctl would show and log them", shown.host_str().unwrap_or("")),
            "remove them from the URL; put the revalidation secret in the site's [secret] table (env, file or command), where it is never shown",
        );
    }
}
