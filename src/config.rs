//! The configuration file: sites, their endpoint profiles, secrets, routes
//! and limits.
//!
//! Parsing happens in two steps. `serde` reads the TOML into `raw` structs
//! that keep the location (`Spanned`) of every value that needs a semantic
//! check; `validate` then turns them into the types the engine uses. Every
//! problem becomes a `ConfigError` naming file, line and column and what to
//! write instead. A config either loads whole or not at all.

use crate::endpoint::{EndpointProfile, Placement, Preset, SecretPlacement};
use crate::path_lint::{self, LintLevel, PathRules};
use crate::secret::SecretSource;
use crate::target::PageType;
use regex::Regex;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;
use url::Url;

mod raw;

pub use raw::RawConfig;

/// Defaults that cannot hurt a small origin.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const DEFAULT_CONCURRENCY: usize = 4;
pub const DEFAULT_RATE_PER_SECOND: f64 = 10.0;
pub const DEFAULT_MAX_RETRIES: u32 = 2;
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub struct Config {
    pub file: PathBuf,
    pub sites: Vec<Site>,
    pub warnings: Vec<ConfigError>,
    /// The `[keys]` table: console key overrides, checked by the console
    /// (which knows its actions and keys), located for its error messages.
    pub keys: Vec<KeySetting>,
}

/// One `action = "key"` line of `[keys]`.
#[derive(Clone, Debug, PartialEq)]
pub struct KeySetting {
    pub action: String,
    pub key: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug)]
pub struct Site {
    pub name: String,
    pub public_url: Url,
    /// Origin instances, bypassing the CDN; each has its own ISR cache.
    pub origins: Vec<Url>,
    pub cdn: Option<String>,
    pub secret: SecretSource,
    pub endpoint: EndpointProfile,
    pub routes: Vec<Route>,
    /// Declared tags plus every tag a route carries, sorted, unique.
    pub tags: Vec<String>,
    pub limits: Limits,
    pub tls_verify: bool,
    pub path_rules: PathRules,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Revalidation requests in flight at once.
    pub concurrency: usize,
    /// Requests started per second; `None` means unlimited.
    pub rate_per_second: Option<f64>,
    /// How often a 429 is retried after waiting its Retry-After.
    pub max_retries: u32,
    /// A Retry-After longer than this is reported instead of waited.
    pub max_retry_after: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            rate_per_second: Some(DEFAULT_RATE_PER_SECOND),
            max_retries: DEFAULT_MAX_RETRIES,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Route {
    /// A path (`/blog/hello`) or a dynamic pattern (`/blog/[slug]`).
    pub path: String,
    /// Set for patterns only.
    pub page_type: Option<PageType>,
    pub tags: Vec<String>,
    /// Extracts a render time or version from the HTML (first capture group, or the whole match).
    pub marker: Option<Regex>,
    pub labels: Vec<String>,
}

impl Site {
    pub fn route(&self, path: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.path == path)
    }
}

impl Config {
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }
}

/// A problem at a place in the config file. Used for errors and warnings.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub fix: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// Why a config could not be loaded. Errors are listed in file order.
#[derive(Debug)]
pub enum LoadError {
    /// No file given and none at the default places.
    NotFound(String),
    Io {
        file: PathBuf,
        reason: String,
    },
    Invalid(Vec<ConfigError>),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound(why) => write!(f, "{why}"),
            LoadError::Io { file, reason } => write!(f, "{}: {reason}", file.display()),
            LoadError::Invalid(errors) => {
                let lines: Vec<String> = errors.iter().map(|e| format!("error: {e}")).collect();
                write!(f, "{}", lines.join("\n"))
            }
        }
    }
}

/// `--config`, else `$ISRCTL_CONFIG`, else the XDG config dir.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, LoadError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("ISRCTL_CONFIG").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let default = default_config_path();
    match default {
        Some(path) if path.exists() => Ok(path),
        Some(path) => Err(LoadError::NotFound(format!(
            "no config file: pass --config FILE, set ISRCTL_CONFIG, or create {} (start from config.example.toml; `isrctl demo` needs none)",
            path.display()
        ))),
        None => Err(LoadError::NotFound(
            "no config file: pass --config FILE or set ISRCTL_CONFIG".to_string(),
        )),
    }
}

fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("isrctl").join("config.toml"))
}

pub fn load(file: &Path) -> Result<Config, LoadError> {
    let text = std::fs::read_to_string(file).map_err(|e| LoadError::Io {
        file: file.to_path_buf(),
        reason: format!("cannot read the config file: {e}"),
    })?;
    parse(&text, file)
}

/// Parse config text; `file` is only used in messages.
pub fn parse(text: &str, file: &Path) -> Result<Config, LoadError> {
    let locator = Locator { text, file };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_string();
        let fix = raw::fix_for_parse_error(&message);
        LoadError::Invalid(vec![locator.error(span.start, message, fix)])
    })?;
    let mut v = Validator {
        at: locator,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let keys = key_settings(&locator, &raw.keys);
    let sites = v.sites(raw);
    if v.errors.is_empty() {
        Ok(Config {
            file: file.to_path_buf(),
            sites,
            warnings: v.warnings,
            keys,
        })
    } else {
        v.errors.sort_by_key(|e| (e.line, e.column));
        Err(LoadError::Invalid(v.errors))
    }
}

fn key_settings(at: &Locator, raw: &BTreeMap<Spanned<String>, Spanned<String>>) -> Vec<KeySetting> {
    let mut keys: Vec<KeySetting> = raw
        .iter()
        .map(|(action, key)| {
            let place = at.error(key.span().start, String::new(), None);
            KeySetting {
                action: action.get_ref().clone(),
                key: key.get_ref().clone(),
                line: place.line,
                column: place.column,
            }
        })
        .collect();
    keys.sort_by_key(|k| (k.line, k.column));
    keys
}

/// Turns byte offsets into file:line:column.
#[derive(Clone, Copy)]
struct Locator<'a> {
    text: &'a str,
    file: &'a Path,
}

impl Locator<'_> {
    fn error(&self, offset: usize, message: String, fix: Option<String>) -> ConfigError {
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

struct Validator<'a> {
    at: Locator<'a>,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigError>,
}

impl Validator<'_> {
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

    fn sites(&mut self, raw: RawConfig) -> Vec<Site> {
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
        let origins: Vec<Url> = raw
            .origins
            .iter()
            .filter_map(|o| self.url(o, "origins"))
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
        };
        let endpoint = public_url
            .as_ref()
            .and_then(|public| self.endpoint(raw.endpoint.unwrap_or_default(), public, tls_verify));
        let routes = self.routes(raw.routes, &path_rules);
        let tags = self.tags(&raw.tags, &routes);
        if !name_ok {
            return None;
        }
        Some(Site {
            name: name.into_inner(),
            public_url: public_url?,
            origins,
            cdn: raw.cdn.map(Spanned::into_inner),
            secret: secret?,
            endpoint: endpoint?,
            routes,
            tags,
            limits,
            tls_verify,
            path_rules,
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
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
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
                    format!("{key}: {:?} is not a valid URL ({e})", raw.get_ref()),
                    format!("write an absolute URL, e.g. {key} = \"https://www.example.com\""),
                );
                None
            }
        }
    }

    fn duration(&mut self, raw: &Option<Spanned<String>>, key: &str) -> Option<Duration> {
        let raw = raw.as_ref()?;
        let parsed = raw
            .get_ref()
            .parse::<jiff::SignedDuration>()
            .ok()
            .and_then(|d| Duration::try_from(d).ok())
            .filter(|d| !d.is_zero());
        if parsed.is_none() {
            self.error(
                raw.span().start,
                format!("{key}: {:?} is not a positive duration", raw.get_ref()),
                format!("write e.g. {key} = \"10s\" or \"1500ms\""),
            );
        }
        parsed
    }

    fn limits(&mut self, raw: &raw::RawLimits, inherited: &Limits) -> Limits {
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
            if *c.get_ref() == 0 {
                self.error(
                    c.span().start,
                    "concurrency must be at least 1",
                    "write concurrency = 4 (requests in flight at once)",
                );
            } else {
                limits.concurrency = *c.get_ref() as usize;
            }
        }
        if let Some(r) = &raw.rate_per_second {
            let rate = *r.get_ref();
            if !rate.is_finite() || rate < 0.0 {
                self.error(
                    r.span().start,
                    "rate_per_second must be a positive number, or 0 for no limit",
                    "write rate_per_second = 10",
                );
            } else {
                limits.rate_per_second = (rate > 0.0).then_some(rate);
            }
        }
        if let Some(n) = raw.max_retries {
            limits.max_retries = n;
        }
        limits
    }

    fn secret(
        &mut self,
        raw: Option<Spanned<raw::RawSecret>>,
        site_at: usize,
        site: &str,
    ) -> Option<SecretSource> {
        let Some(raw) = raw else {
            self.error(
                site_at,
                format!("site {site} has no secret"),
                format!(
                    "add [sites.{site}.secret] with env = \"{}_REVALIDATE_SECRET\" (or file = …, command = […])",
                    site.to_uppercase().replace(['-', '.'], "_")
                ),
            );
            return None;
        };
        let at = raw.span().start;
        let raw = raw.into_inner();
        let mut sources = Vec::new();
        if let Some(env) = raw.env {
            sources.push(SecretSource::Env(env));
        }
        if let Some(file) = raw.file {
            sources.push(SecretSource::File(expand_home(&file)));
        }
        if let Some(command) = raw.command {
            sources.push(SecretSource::Command(command));
        }
        if let Some(value) = raw.value {
            sources.push(SecretSource::Plain(value.into()));
        }
        if sources.len() != 1 {
            self.error(
                at,
                "a secret needs exactly one source",
                "write one of env = \"VAR\", file = \"path\", command = [\"prog\", \"arg\"] or value = \"…\"",
            );
            return None;
        }
        let source = sources.pop()?;
        self.lint_secret(&source, at);
        Some(source)
    }

    fn lint_secret(&mut self, source: &SecretSource, at: usize) {
        match source {
            SecretSource::Plain(_) => self.warn(
                at,
                "the secret is written in the config file in plain text",
                "move it to an environment variable (env = \"VAR\"), a file or a password-manager command",
            ),
            SecretSource::Env(name) if std::env::var_os(name).is_none() => self.warn(
                at,
                format!("environment variable {name} is not set"),
                format!("export {name}=… before revalidating"),
            ),
            SecretSource::Command(argv) if argv.is_empty() => self.error(
                at,
                "the secret command is empty",
                "write command = [\"pass\", \"show\", \"site/revalidate\"]",
            ),
            _ => {}
        }
    }

    fn endpoint(
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
            match public_url.join(url.get_ref()) {
                Ok(joined) if matches!(joined.scheme(), "http" | "https") => profile.url = joined,
                _ => {
                    self.error(
                        url_at,
                        format!("endpoint url {:?} is not a URL or a path", url.get_ref()),
                        "write url = \"/api/revalidate\" or a full https URL",
                    );
                    return None;
                }
            }
        }
        if let Some(m) = raw.method {
            profile.method = m;
        }
        if let Some(placement) = raw.secret_in {
            profile.secret = match placement {
                raw::RawSecretIn::Query => SecretPlacement::Query(
                    raw.secret_name
                        .clone()
                        .unwrap_or_else(|| "secret".to_string()),
                ),
                raw::RawSecretIn::Header => SecretPlacement::Header(
                    raw.secret_name
                        .clone()
                        .unwrap_or_else(|| "x-revalidate-secret".to_string()),
                ),
                raw::RawSecretIn::Bearer => SecretPlacement::Bearer,
            };
        } else if let (Some(name), SecretPlacement::Query(_)) = (&raw.secret_name, &profile.secret)
        {
            profile.secret = SecretPlacement::Query(name.clone());
        }
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

    /// A JSON body template must be valid JSON once its placeholders are filled.
    fn template(&mut self, raw: &Spanned<String>, key: &str) -> Option<String> {
        let filled = crate::endpoint::fill_template(raw.get_ref(), "/x", Some("x"), None);
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

    fn routes(&mut self, raw: Vec<Spanned<raw::RawRoute>>, rules: &PathRules) -> Vec<Route> {
        raw.into_iter()
            .filter_map(|r| self.route(r, rules))
            .collect()
    }

    fn route(&mut self, raw: Spanned<raw::RawRoute>, rules: &PathRules) -> Option<Route> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        let (path, page_type) = match (raw.path, raw.pattern) {
            (Some(path), None) => {
                if raw.page_type.is_some() {
                    self.error(
                        at,
                        "type is only for patterns",
                        "write pattern = \"/blog/[slug]\" with type = \"page\", or drop type",
                    );
                }
                (path, None)
            }
            (None, Some(pattern)) => {
                let Some(page_type) = raw.page_type else {
                    self.error(
                        pattern.span().start,
                        format!(
                            "pattern {} has no type: Next.js revalidates nothing without it",
                            pattern.get_ref()
                        ),
                        "add type = \"page\" (every page of the pattern) or type = \"layout\"",
                    );
                    return None;
                };
                (pattern, Some(page_type))
            }
            _ => {
                self.error(
                    at,
                    "a route needs exactly one of path or pattern",
                    "write path = \"/about\" or pattern = \"/blog/[slug]\" with type = \"page\"",
                );
                return None;
            }
        };
        let path_at = path.span().start;
        if page_type.is_none() && path_lint::is_dynamic_pattern(path.get_ref()) {
            self.error(
                path_at,
                format!("{} is a dynamic pattern, not a path", path.get_ref()),
                format!("write pattern = \"{}\" and type = \"page\"", path.get_ref()),
            );
            return None;
        }
        for finding in path_lint::lint_path(path.get_ref(), page_type, rules) {
            match finding.level {
                LintLevel::Refused => {
                    self.error(path_at, finding.message, "");
                    return None;
                }
                LintLevel::Warning => self.warn(path_at, finding.message, ""),
            }
        }
        let marker = raw.marker.and_then(|m| self.marker(&m));
        Some(Route {
            path: path.into_inner(),
            page_type,
            tags: raw.tags,
            marker,
            labels: raw.labels,
        })
    }

    fn marker(&mut self, raw: &Spanned<String>) -> Option<Regex> {
        match Regex::new(raw.get_ref()) {
            Ok(re) => Some(re),
            Err(e) => {
                let reason = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                self.error(
                    raw.span().start,
                    format!("marker is not a valid regular expression: {reason}"),
                    "use a literal-quoted TOML string ('…') so backslashes stay as written, e.g. marker = '<meta name=\"rendered-at\" content=\"([^\"]+)\"'",
                );
                None
            }
        }
    }

    fn tags(&mut self, declared: &[Spanned<String>], routes: &[Route]) -> Vec<String> {
        let mut tags = std::collections::BTreeSet::new();
        for tag in declared {
            if tag.get_ref().trim().is_empty() {
                self.error(tag.span().start, "a tag cannot be empty", "remove it");
            } else {
                tags.insert(tag.get_ref().clone());
            }
        }
        for route in routes {
            tags.extend(route.tags.iter().cloned());
        }
        tags.into_iter().collect()
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Site tables keyed by name; TOML itself rejects a duplicate site name
/// with its location.
pub(crate) type SiteTables = BTreeMap<Spanned<String>, Spanned<raw::RawSite>>;
