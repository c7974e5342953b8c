//! The config file as written, before validation. Values that need a
//! semantic check keep their location (`Spanned`) for error messages.

use crate::model::endpoint::{Method, Preset, SuccessRule};
use crate::model::target::PageType;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub defaults: RawLimits,
    #[serde(default)]
    pub sites: super::SiteTables,
    /// Console key overrides: action name = key.
    #[serde(default)]
    pub keys: std::collections::BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub timeout: Option<Spanned<String>>,
    pub connect_timeout: Option<Spanned<String>>,
    pub concurrency: Option<Spanned<u32>>,
    pub rate_per_second: Option<Spanned<f64>>,
    pub max_retries: Option<Spanned<u32>>,
    pub max_retry_after: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub public_url: Spanned<String>,
    #[serde(default)]
    pub origins: Vec<Spanned<String>>,
    pub cdn: Option<Spanned<String>>,
    /// `cache = "per-instance" | "shared"`: the origins' ISR cache.
    pub cache: Option<Spanned<String>>,
    pub secret: Option<Spanned<RawSecret>>,
    pub endpoint: Option<RawEndpoint>,
    pub purge: Option<Spanned<RawPurge>>,
    /// `None` when the config never mentions them: a config parsed in
    /// slices (`slices.rs`) must tell that apart from `routes = []`.
    pub routes: Option<Vec<Spanned<RawRoute>>>,
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    pub tls_verify: Option<bool>,
    pub trailing_slash: Option<bool>,
    pub probe_on_start: Option<bool>,
    /// Next's i18n locales, the default first.
    pub locales: Option<Vec<String>>,
    /// Public localized path patterns and the route each stands for.
    pub localized: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    pub sitemap: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub connect_timeout: Option<Spanned<String>>,
    pub concurrency: Option<Spanned<u32>>,
    pub rate_per_second: Option<Spanned<f64>>,
    pub max_retries: Option<Spanned<u32>>,
    pub max_retry_after: Option<Spanned<String>>,
}

impl RawSite {
    /// The per-site limits, in the shape of `[defaults]`. (Not `#[serde(flatten)]`:
    /// flatten loses the locations and defeats `deny_unknown_fields`.)
    pub fn limits(&self) -> RawLimits {
        RawLimits {
            timeout: self.timeout.clone(),
            connect_timeout: self.connect_timeout.clone(),
            concurrency: self.concurrency.clone(),
            rate_per_second: self.rate_per_second.clone(),
            max_retries: self.max_retries.clone(),
            max_retry_after: self.max_retry_after.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecret {
    pub env: Option<Spanned<String>>,
    pub file: Option<String>,
    pub command: Option<Vec<String>>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawSecretIn {
    Query,
    Header,
    Bearer,
    Hmac,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    pub preset: Option<Spanned<Preset>>,
    pub url: Option<Spanned<String>>,
    pub method: Option<Method>,
    pub secret_in: Option<RawSecretIn>,
    pub signature: Option<Spanned<crate::model::signature::Signature>>,
    pub secret_name: Option<Spanned<String>>,
    pub path_query: Option<String>,
    pub tag_query: Option<String>,
    pub type_query: Option<String>,
    pub path_body: Option<Spanned<String>>,
    pub tag_body: Option<Spanned<String>>,
    pub success: Option<SuccessRule>,
    pub each_origin: Option<bool>,
}

/// `[sites.X.purge]`: the CDN purge (README, "Purge"): which provider,
/// its token, and the keys that provider reads itself (each provider's
/// module in `model/purge/` names its own; one it does not read is an error).
#[derive(Debug)]
pub struct RawPurge {
    pub provider: Spanned<String>,
    pub token: Option<Spanned<RawSecret>>,
    pub keys: crate::model::purge::PurgeKeys,
}

impl<'de> Deserialize<'de> for RawPurge {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawPurge, D::Error> {
        deserializer.deserialize_map(RawPurgeVisitor)
    }
}

struct RawPurgeVisitor;

impl<'de> serde::de::Visitor<'de> for RawPurgeVisitor {
    type Value = RawPurge;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a table with provider = \"…\"")
    }

    // Each value is read through TOML's own map, so it keeps its span
    // (a `#[serde(flatten)]` would lose every span).
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawPurge, A::Error> {
        let (mut provider, mut token) = (None, None);
        let mut keys = crate::model::purge::PurgeKeys::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "provider" => provider = Some(map.next_value()?),
                "token" => token = Some(map.next_value()?),
                _ => keys.insert(key, map.next_value()?),
            }
        }
        Ok(RawPurge {
            provider: provider.ok_or_else(|| serde::de::Error::missing_field("provider"))?,
            token,
            keys,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub path: Option<Spanned<String>>,
    pub pattern: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub page_type: Option<PageType>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub marker: Option<Spanned<String>>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// A key page: `status` and the console's start probe read it.
    #[serde(default)]
    pub key: bool,
}

/// A parse error's message without the value it complains about and
/// without our type names: `invalid type: string "hunter2", expected
/// struct RawSecret` would quote a secret written where a table belongs.
pub fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(['"', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        let Some(len) = rest[start + 1..].find(quote) else {
            break;
        };
        out.push_str(&rest[..start]);
        // Field names in `unknown field `x`` are ours to show; values are not.
        let quoted = &rest[start..start + len + 2];
        // The parser's own tokens (`expected `=``, `]`, `"`) are punctuation
        // in backticks after "expected": a value from the file has letters.
        // Serde and the TOML parser name what they expected after the word
        // "expected" (`=`, `GET` or `POST`); the file's value comes before.
        let token = quote == '`' && out.contains("expected");
        if token
            || out.ends_with("field ")
            || out.ends_with("variant ")
            || out.contains("expected one of")
        {
            out.push_str(quoted);
        } else {
            out.push(quote);
            out.push('…');
            out.push(quote);
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out.replace(
        "struct RawSecret",
        "a table: [sites.NAME.secret] with env = \"VAR\" (or file, command)",
    )
    .replace("struct RawEndpoint", "a table: [sites.NAME.endpoint]")
    .replace(
        "struct RawRoute",
        "a table: [[sites.NAME.routes]] with path = \"/…\"",
    )
    .replace("struct RawSite", "a table: [sites.NAME]")
    .replace("struct RawLimits", "a table: [defaults]")
    .replace(
        "enum RawSecretIn",
        "one of \"query\", \"header\", \"bearer\", \"hmac\"",
    )
    .replace("expected u32", "expected a whole number")
    .replace("expected a sequence", "expected a list in [ ]")
}

/// What to write instead, for the parse errors people make most.
pub fn fix_for_parse_error(message: &str) -> Option<String> {
    let fix = if message.contains("unknown field") {
        "check the spelling against config.example.toml; every key is listed there"
    } else if message.contains("duplicate key") {
        "each site name and key may appear once: rename or merge the duplicate"
    } else if message.contains("missing field") {
        "add the field; config.example.toml shows each with a comment"
    } else if message.contains("[sites.NAME.secret]") {
        "a secret is a table naming where it comes from: [sites.NAME.secret] then env = \"BLOG_REVALIDATE_SECRET\" on the next line; never the secret itself"
    } else if message.contains("expected a whole number") {
        "write a whole number in range: concurrency 1 to 256, max_retries 0 to 10"
    } else if message.contains("invalid type") {
        "check the value's type: strings in quotes, numbers bare, lists in [ ]"
    } else if message.contains("unknown variant") {
        "use one of the values the message lists"
    } else {
        "see config.example.toml for the expected layout"
    };
    Some(fix.to_string())
}
