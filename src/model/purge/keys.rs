//! The keys of `[sites.X.purge]` besides `provider` and `token`, as
//! written: each with where it is, read by the provider `provider` names.
//! A key the provider does not read is an error that lists the keys it
//! does, so each provider owns its keys in its own module.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;
use url::Url;

/// The keys as written (TOML keeps each value's span through a map).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct PurgeKeys(BTreeMap<String, Spanned<RawValue>>);

impl PurgeKeys {
    pub fn insert(&mut self, key: String, value: Spanned<RawValue>) {
        self.0.insert(key, value);
    }
}

/// A TOML value with the span of every value inside it, so an error in a
/// table's entry (`headers = { "X A:" = "v" }`) points at the entry.
#[derive(Debug)]
pub enum RawValue {
    String(String),
    Integer(i64),
    Boolean(bool),
    Array(Vec<Spanned<RawValue>>),
    Table(BTreeMap<String, Spanned<RawValue>>),
    /// A float or a date: no purge key takes one.
    Other,
}

impl RawValue {
    fn as_str(&self) -> Option<&str> {
        match self {
            RawValue::String(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawValue, D::Error> {
        deserializer.deserialize_any(RawValueVisitor)
    }
}

struct RawValueVisitor;

impl<'de> serde::de::Visitor<'de> for RawValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::String(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
        Ok(i64::try_from(v).map_or(RawValue::Other, RawValue::Integer))
    }

    fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Boolean(v))
    }

    fn visit_f64<E>(self, _: f64) -> Result<RawValue, E> {
        Ok(RawValue::Other)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(RawValue::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut table = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            table.insert(key, map.next_value()?);
        }
        Ok(RawValue::Table(table))
    }
}

/// Where the config check's errors and warnings go (the validator), and
/// the checks of its own that a provider's keys share with the rest of the
/// file (a URL's scheme, credentials in it).
pub trait Complaints {
    fn error(&mut self, at: usize, message: String, fix: String);
    fn warn(&mut self, at: usize, message: String, fix: String);
    /// An absolute http(s) URL without credentials, else said.
    fn url(&mut self, value: &Spanned<String>, key: &str) -> Option<Url>;
}

/// A provider refused its keys; what is wrong has been said.
#[derive(Debug)]
pub struct Refused;

/// One provider reading its keys: each read is remembered, so what was
/// not read can be refused by name.
pub struct Keys<'a> {
    keys: &'a PurgeKeys,
    complaints: &'a mut dyn Complaints,
    read: BTreeSet<&'static str>,
    /// The provider reading them.
    pub provider: &'static str,
    /// Where the `[purge]` table starts (for what is missing).
    pub at: usize,
    /// The site's name, for fixes (`[sites.NAME.purge]`).
    pub site: &'a str,
    pub public_url: &'a Url,
}

impl<'a> Keys<'a> {
    pub fn new(
        keys: &'a PurgeKeys,
        complaints: &'a mut dyn Complaints,
        provider: &'static str,
        (at, site, public_url): (usize, &'a str, &'a Url),
    ) -> Keys<'a> {
        Keys {
            keys,
            complaints,
            read: BTreeSet::new(),
            provider,
            at,
            site,
            public_url,
        }
    }

    pub fn error(
        &mut self,
        at: usize,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Refused {
        self.complaints.error(at, message.into(), fix.into());
        Refused
    }

    pub fn warn(&mut self, at: usize, message: impl Into<String>, fix: impl Into<String>) {
        self.complaints.warn(at, message.into(), fix.into());
    }

    fn value(&mut self, key: &'static str) -> Option<&'a Spanned<RawValue>> {
        self.read.insert(key);
        self.keys.0.get(key)
    }

    /// A value of the type `what` names, or an error at the key.
    fn typed<T>(
        &mut self,
        key: &'static str,
        what: &str,
        take: impl FnOnce(&RawValue) -> Option<T>,
    ) -> Result<Option<Spanned<T>>, Refused> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        match take(value.get_ref()) {
            Some(v) => Ok(Some(Spanned::new(value.span(), v))),
            None => Err(self.error(
                value.span().start,
                format!("{key} must be {what}"),
                format!("write {key} as {what}"),
            )),
        }
    }

    pub fn string(&mut self, key: &'static str) -> Result<Option<Spanned<String>>, Refused> {
        self.typed(key, "a string", |v| v.as_str().map(str::to_string))
    }

    pub fn boolean(&mut self, key: &'static str) -> Result<Option<bool>, Refused> {
        Ok(self
            .typed(key, "true or false", |v| match v {
                RawValue::Boolean(b) => Some(*b),
                _ => None,
            })?
            .map(Spanned::into_inner))
    }

    pub fn integer(&mut self, key: &'static str) -> Result<Option<Spanned<i64>>, Refused> {
        self.typed(key, "a whole number", |v| match v {
            RawValue::Integer(n) => Some(*n),
            _ => None,
        })
    }

    /// A list of strings, each with its own position.
    pub fn strings(&mut self, key: &'static str) -> Result<Vec<Spanned<String>>, Refused> {
        let list = self.typed(key, "a list of strings", |v| match v {
            RawValue::Array(items) => items.iter().map(spanned_string).collect(),
            _ => None,
        })?;
        Ok(list.map_or_else(Vec::new, Spanned::into_inner))
    }

    /// A table of strings (`{ "X-Key" = "value" }`), each with its own position.
    pub fn string_table(
        &mut self,
        key: &'static str,
    ) -> Result<BTreeMap<String, Spanned<String>>, Refused> {
        let table = self.typed(key, "a table of strings", |v| match v {
            RawValue::Table(entries) => entries
                .iter()
                .map(|(k, v)| Some((k.clone(), spanned_string(v)?)))
                .collect(),
            _ => None,
        })?;
        Ok(table.map_or_else(BTreeMap::new, Spanned::into_inner))
    }

    /// One of `choices`, as `parse` reads it.
    pub fn choice<T>(
        &mut self,
        key: &'static str,
        choices: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, Refused> {
        let Some(text) = self.string(key)? else {
            return Ok(None);
        };
        match parse(text.get_ref()) {
            Some(choice) => Ok(Some(choice)),
            None => Err(self.error(
                text.span().start,
                format!(
                    "{key} = {:?} is not one isrctl knows",
                    crate::model::safe_text::one_line(text.get_ref())
                ),
                format!("write {key} = one of {}", choices.join(", ")),
            )),
        }
    }

    /// A key the provider cannot do without.
    pub fn required(&mut self, key: &'static str, fix: String) -> Result<Spanned<String>, Refused> {
        match self.string(key)? {
            Some(value) => Ok(value),
            None => {
                let message = format!("the {} purge needs {key}", self.provider);
                Err(self.error(self.at, message, fix))
            }
        }
    }

    pub fn url(&mut self, key: &'static str) -> Result<Option<Url>, Refused> {
        let Some(text) = self.string(key)? else {
            return Ok(None);
        };
        self.check_url(&text, key).map(Some)
    }

    /// `value` as an absolute http(s) URL, checked as every URL of the
    /// config is (no credentials in it).
    pub fn check_url(&mut self, value: &Spanned<String>, key: &str) -> Result<Url, Refused> {
        self.complaints.url(value, key).ok_or(Refused)
    }

    /// `api_url`, or the provider's documented address.
    pub fn api_url(&mut self, default: &str) -> Result<Url, Refused> {
        match self.url("api_url")? {
            Some(url) => Ok(url),
            None => Url::parse(default).map_err(|_| Refused),
        }
    }

    /// An id that goes into an API's URL path: letters, digits, `-`, `_`
    /// and `.` only, so it cannot change which URL the token is sent to.
    pub fn id(&mut self, value: &Spanned<String>, key: &str) -> Result<String, Refused> {
        let text = value.get_ref();
        let fine = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !text.starts_with('.');
        if !fine {
            let site = self.site;
            return Err(self.error(
                value.span().start,
                format!("{key} is not an id: letters, digits, '-', '_' and '.' only"),
                format!("copy the {key} of [sites.{site}.purge] from the provider's dashboard"),
            ));
        }
        Ok(text.clone())
    }

    /// A header isrctl will send: a name HTTP allows (no space, colon or
    /// line break) and a value without line breaks or control characters;
    /// a raw newline would end the header and start another.
    pub fn header(&mut self, name: &str, value: &str, at: usize) -> Result<(), Refused> {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(self.error(
                at,
                format!(
                    "{:?} is not a header name: HTTP allows letters, digits and !#$%&'*+-.^_`|~ only",
                    crate::model::safe_text::one_line(name)
                ),
                "write the name alone, e.g. \"X-Purge-Token\" (no spaces, colons or line breaks)",
            ));
        }
        if reqwest::header::HeaderValue::from_str(value).is_err() {
            return Err(self.error(
                at,
                format!("the value of header {name} has a line break or a control character"),
                "write the value on one line, without \\r, \\n or other control characters",
            ));
        }
        Ok(())
    }

    /// Every header of a `key` table, checked.
    pub fn headers(&mut self, key: &'static str) -> Result<Vec<(String, String)>, Refused> {
        let mut headers = Vec::new();
        for (name, value) in self.string_table(key)? {
            self.header(&name, value.get_ref(), value.span().start)?;
            headers.push((name, value.into_inner()));
        }
        Ok(headers)
    }

    /// The keys written that the provider did not read: each an error that
    /// names the keys `provider` takes.
    pub fn refuse_unread(&mut self) -> Result<(), Refused> {
        let provider = self.provider;
        let unread: Vec<(String, usize)> = self
            .keys
            .0
            .iter()
            .filter(|(k, _)| !self.read.contains(k.as_str()))
            .map(|(k, v)| (k.clone(), v.span().start))
            .collect();
        let known: Vec<&str> = self.read.iter().copied().collect();
        for (key, at) in &unread {
            self.error(
                *at,
                format!(
                    "unknown key {:?} for the {provider} purge",
                    crate::model::safe_text::one_line(key)
                ),
                format!(
                    "the {provider} purge takes provider, token, {}",
                    known.join(", ")
                ),
            );
        }
        if unread.is_empty() {
            Ok(())
        } else {
            Err(Refused)
        }
    }
}

fn spanned_string(value: &Spanned<RawValue>) -> Option<Spanned<String>> {
    let text = value.get_ref().as_str()?;
    Some(Spanned::new(value.span(), text.to_string()))
}
