//! The configuration file: sites, their endpoint profiles, secrets, routes
//! and limits.
//!
//! Parsing happens in two steps. `serde` reads the TOML into `raw` structs
//! that keep the location (`Spanned`) of every value that needs a semantic
//! check; `validate` then turns them into the types the engine uses. Every
//! problem becomes a `ConfigError` naming file, line and column and what to
//! write instead. A config either loads whole or not at all.

use crate::model::endpoint::{EndpointProfile, Placement, Preset, SecretPlacement};
use crate::model::paths::{self, LintLevel, PathRules};
use crate::model::secret::SecretSource;
use crate::model::target::PageType;
use regex::Regex;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use toml::Spanned;
use url::Url;

mod pages;
mod raw;
mod slices;
mod staged;
mod validate;

use validate::{Locator, Validator};

pub use raw::RawConfig;
pub use staged::{SitesFirst, Staged, load_staged};

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
    /// How the origins keep rendered pages: said by `cache = …`, else
    /// unknown (and then inferred from what the origins answer).
    pub cache: CacheTopology,
    pub secret: SecretSource,
    pub endpoint: EndpointProfile,
    /// Shared: the console state and the engine each hold the sites, and a
    /// generated config has a million routes.
    pub routes: Arc<[Route]>,
    /// Declared tags plus every tag a route carries, sorted, unique.
    pub tags: Vec<String>,
    pub limits: Limits,
    pub tls_verify: bool,
    pub path_rules: PathRules,
    /// `[sites.X.purge]`: how to purge the CDN, if configured.
    pub purge: Option<crate::model::purge::PurgeConfig>,
    /// `sitemap = "/sitemap.xml"`: more routes, from the site's sitemap.
    pub sitemap: Option<Url>,
    /// The console probes the site's first page when it opens (passive: a
    /// GET per layer, within the site's limits), so its badge says how it
    /// is before anything is done.
    pub probe_on_start: bool,
}

/// Where the origins keep their ISR cache (`cache = "per-instance" |
/// "shared"` in `[sites.X]`). Shared: a cache handler (Redis, a shared
/// disk) serves every instance, so one revalidation is enough and
/// instances that differ mean one of them is off it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheTopology {
    /// Not said: judged from what the origins answer.
    #[default]
    Unknown,
    PerInstance,
    Shared,
}

impl CacheTopology {
    pub fn from_config(name: &str) -> Option<CacheTopology> {
        match name {
            "per-instance" => Some(CacheTopology::PerInstance),
            "shared" => Some(CacheTopology::Shared),
            _ => None,
        }
    }
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
    /// Shared: a generated config repeats one marker on every route, and a
    /// `Regex` clone carries its own match-cache pool (~0.5 KB each).
    pub marker: Option<Arc<Regex>>,
    pub labels: Vec<String>,
    /// `key = true`: one of the pages `status` and the console's start
    /// probe read to say how the site is.
    pub key: bool,
    /// When the page last changed, as its sitemap says (`<lastmod>`).
    pub lastmod: Option<jiff::Timestamp>,
}

impl Site {
    /// No CDN in front: no `cdn` named and the public URL is an origin's
    /// own address (a site served straight from `next start`).
    pub fn public_is_an_origin(&self) -> bool {
        let address = |u: &Url| (u.host_str().map(str::to_owned), u.port_or_known_default());
        self.cdn.is_none()
            && self
                .origins
                .iter()
                .any(|o| address(o) == address(&self.public_url))
    }
}

impl Route {
    /// What revalidating this route sends: its path, or its pattern with
    /// the pattern's type.
    pub fn target(&self) -> crate::model::target::Target {
        match self.page_type {
            Some(t) => crate::model::target::Target::pattern(&self.path, t),
            None => crate::model::target::Target::path(&self.path),
        }
    }
}

impl Config {
    /// Every secret of every site that can be read without running
    /// anything (written in the config, or in the environment): outputs
    /// mask them before any work resolves them.
    pub fn peek_secrets(&self) -> Vec<String> {
        let sources = self.sites.iter().flat_map(|s| {
            std::iter::once(&s.secret).chain(s.purge.as_ref().and_then(|p| p.token.as_ref()))
        });
        sources
            .filter_map(crate::model::secret::SecretSource::peek)
            .collect()
    }

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
            "no config file: write one with `isrctl init https://your.site` (or pass --config FILE, set ISRCTL_CONFIG, or create {} from config.example.toml); `isrctl demo` needs none",
            path.display()
        ))),
        None => Err(LoadError::NotFound(
            "no config file: write one with `isrctl init https://your.site --config FILE`, or pass --config FILE or set ISRCTL_CONFIG".to_string(),
        )),
    }
}

/// Where a new config goes (`isrctl init`): the same places `locate`
/// reads, whether or not a file is there yet.
pub fn path_to_write(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("ISRCTL_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(default_config_path)
}

fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("isrctl").join("config.toml"))
}

/// Largest config file read: room for a million generated routes (about
/// 120 MB of TOML), far below what would exhaust memory.
pub const CONFIG_CAP: u64 = 256 * 1024 * 1024;

/// The secrets of the config at `file` that can be read without side
/// effects (environment variables, values written in it; never a command
/// or a file), from its skeleton alone: what a command that shows history
/// masks without loading every route. Empty when it cannot be read.
pub fn peek_secrets_in(file: &Path) -> Vec<String> {
    let Ok(bytes) = crate::model::files::read_regular(file, CONFIG_CAP) else {
        return Vec::new();
    };
    let Some(raw) = std::str::from_utf8(&bytes).ok().and_then(slices::skeleton) else {
        return Vec::new();
    };
    let secrets = raw.sites.values().flat_map(|site| {
        let site = site.get_ref();
        let token = site.purge.as_ref().and_then(|p| p.get_ref().token.as_ref());
        site.secret.iter().chain(token)
    });
    secrets
        .filter_map(|secret| {
            let secret = secret.get_ref();
            let from_env = secret
                .env
                .as_ref()
                .and_then(|e| std::env::var(e.get_ref()).ok());
            from_env.or_else(|| secret.value.clone())
        })
        .filter(|v| !v.trim().is_empty())
        .collect()
}

pub fn load(file: &Path) -> Result<Config, LoadError> {
    parse_bytes(&read_config(file)?, file)
}

/// The config file's bytes: a regular file, at most [`CONFIG_CAP`].
fn read_config(file: &Path) -> Result<Vec<u8>, LoadError> {
    crate::model::files::read_regular(file, CONFIG_CAP).map_err(|reason| LoadError::Io {
        file: file.to_path_buf(),
        reason: format!("cannot read the config file: it {reason}"),
    })
}

/// Parse config bytes as read from `file` (named in messages only).
pub fn parse_bytes(bytes: &[u8], file: &Path) -> Result<Config, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| not_utf8(bytes, e, file))?;
    parse(text, file)
}

/// The name of the `[sites.NAME…]` table that `offset` lies in, for
/// messages that say what to write there.
fn site_before(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    before
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("[sites."))
        .and_then(|rest| rest.split(['.', ']']).next())
        .filter(|name| !name.is_empty())
        .unwrap_or("NAME")
        .to_string()
}

/// Where the first byte that is not UTF-8 sits, as line and column.
fn not_utf8(bytes: &[u8], e: std::str::Utf8Error, file: &Path) -> LoadError {
    let good = &bytes[..e.valid_up_to()];
    let text = String::from_utf8_lossy(good);
    let locator = Locator { text: &text, file };
    let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
    LoadError::Invalid(vec![locator.error(
        good.len(),
        format!("the config is not UTF-8 text (byte 0x{byte:02x})"),
        Some("save the file as UTF-8 (a TOML file must be)".to_string()),
    )])
}

/// Parse config text; `file` is only used in messages.
pub fn parse(text: &str, file: &Path) -> Result<Config, LoadError> {
    let locator = Locator { text, file };
    if let Some(done) = staged::validated(locator) {
        return done;
    }
    let raw: RawConfig = slices::parse_raw(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = raw::without_values(e.message().trim());
        let fix = raw::fix_for_parse_error(&message);
        let site = format!("sites.{}", site_before(text, span.start));
        let message = message.replace("sites.NAME", &site);
        let fix = fix.map(|f| f.replace("sites.NAME", &site));
        LoadError::Invalid(vec![locator.error(span.start, message, fix)])
    })?;
    let mut v = Validator::new(locator);
    let keys = key_settings(&locator, &raw.keys);
    let sites = v.sites(raw);
    v.finish(sites, keys)
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

#[cfg(test)]
mod properties;
