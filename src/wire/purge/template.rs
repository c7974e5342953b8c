//! Filling an `http` purge template: `{url}`, `{path}`, `{tag}`,
//! `{prefix}`, `{host}` and `{token}` are replaced in one pass, each by its
//! value encoded for where it stands — percent-encoded in the URL (its
//! path keeps `/`; a query value keeps nothing), escaped inside a JSON
//! string in the body, refused in a header when it holds a control
//! character. A value is always one value in its place: never syntax (a
//! tag cannot add `"purge_everything":true` to the body, or `&all=1` to
//! the URL) and never another placeholder (a tag of `{token}` stays those
//! seven characters).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Where a template is filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part {
    Url,
    Header,
    /// A JSON body: placeholders stand inside its strings (config check
    /// refuses a body that is not JSON once filled).
    JsonBody,
}

/// What a query value keeps unencoded: RFC 3986's unreserved characters
/// and the few a query reads as data (`/`, `:`, `@`…), never `&`, `=`,
/// `#`, `+`, `%`, a space or a quote.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b':')
    .remove(b'@')
    .remove(b'!')
    .remove(b'*')
    .remove(b'(')
    .remove(b')')
    .remove(b',');
/// A path keeps its `/` (and what a query keeps, but `?` and `#` never).
const PATH: &AsciiSet = QUERY_VALUE;

/// `template` with each placeholder `value_of` knows replaced by its
/// value, encoded for `part`; unknown `{…}` stay as written.
pub(super) fn fill(
    template: &str,
    part: Part,
    value_of: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    let mut in_query = false;
    while let Some(open) = rest.find('{') {
        let literal = &rest[..open];
        in_query |= literal.contains('?');
        out.push_str(literal);
        let after = &rest[open + 1..];
        let placeholder = after.find('}').map(|close| (&after[..close], close));
        match placeholder.and_then(|(name, close)| Some((name, value_of(name)?, close))) {
            // `url = "{url}"`: the page's own URL, which isrctl built and
            // encoded, is the whole of it.
            Some(("url", value, close)) if part == Part::Url && out.is_empty() => {
                out.push_str(&value);
                rest = &after[close + 1..];
            }
            Some((_, value, close)) => {
                out.push_str(&encoded(&value, part, in_query)?);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if part == Part::JsonBody && serde_json::from_str::<serde_json::Value>(&out).is_err() {
        return Err("the http purge body is not JSON once filled: a placeholder must stand inside a JSON string".into());
    }
    Ok(out)
}

fn encoded(value: &str, part: Part, in_query: bool) -> Result<String, String> {
    match part {
        Part::Url if in_query => Ok(utf8_percent_encode(value, QUERY_VALUE).to_string()),
        // A `.` or `..` segment would move the URL elsewhere on the server
        // (`/purge/../admin` is `/admin`), encoded or not (`%2e%2e` is a dot
        // segment to a URL parser too).
        Part::Url if value.split('/').any(|s| s == "." || s == "..") => Err(format!(
            "{} has a . or .. segment: in the http purge's URL path it would name another URL",
            crate::model::safe_text::one_line(&format!("{value:?}"))
        )),
        Part::Url => Ok(utf8_percent_encode(value, PATH).to_string()),
        Part::Header if value.chars().any(char::is_control) => Err(format!(
            "{} holds a control character: it cannot be put in a header of the http purge",
            crate::model::safe_text::one_line(&format!("{value:?}"))
        )),
        Part::Header => Ok(value.to_string()),
        Part::JsonBody => {
            let quoted = serde_json::Value::String(value.to_string()).to_string();
            Ok(quoted[1..quoted.len() - 1].to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOKEN: &str = "TOKEN-5ecret";

    fn values(tag: &str) -> impl Fn(&str) -> Option<String> + '_ {
        move |name: &str| match name {
            "tag" | "path" => Some(tag.to_string()),
            "token" => Some(TOKEN.to_string()),
            _ => None,
        }
    }

    proptest! {
        #[test]
        fn a_value_in_a_json_body_is_one_string(tag in any::<String>()) {
            let body = fill(r#"{"tags":["{tag}"],"key":"{token}"}"#, Part::JsonBody, &values(&tag)).unwrap();
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            prop_assert_eq!(json["tags"][0].as_str(), Some(tag.as_str()));
            prop_assert_eq!(json.as_object().map(|o| o.len()), Some(2));
            prop_assert_eq!(body.matches(TOKEN).count(), 1);
        }

        #[test]
        fn a_value_in_a_query_is_one_parameter(tag in any::<String>()) {
            let url = fill("https://cdn.example/purge?tag={tag}&key={token}", Part::Url, &values(&tag)).unwrap();
            let url = url::Url::parse(&url).unwrap();
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            prop_assert_eq!(pairs, vec![("tag".to_string(), tag.clone()), ("key".to_string(), TOKEN.to_string())]);
            prop_assert!(url.fragment().is_none());
        }

        #[test]
        fn a_value_in_a_path_stays_in_the_path(path in "/[^\u{0}]{0,40}") {
            let Ok(url) = fill("https://cdn.example/purge{path}", Part::Url, &values(&path)) else {
                // Refused: only a path with a dot segment is.
                prop_assert!(path.split('/').any(|s| s == "." || s == ".."));
                return Ok(());
            };
            let url = url::Url::parse(&url).unwrap();
            prop_assert!(url.query().is_none());
            prop_assert!(url.fragment().is_none());
            let decoded = percent_encoding::percent_decode_str(url.path()).decode_utf8_lossy().to_string();
            prop_assert_eq!(decoded, format!("/purge{path}"));
        }
    }

    #[test]
    fn a_placeholder_in_a_value_is_not_filled() {
        for part in [Part::Url, Part::Header] {
            let filled = fill("x{tag}", part, &values("{token}")).unwrap();
            assert!(!filled.contains(TOKEN), "{part:?}: {filled}");
        }
        let body = fill(r#"{"t":"{tag}"}"#, Part::JsonBody, &values("{token}")).unwrap();
        assert_eq!(body, r#"{"t":"{token}"}"#);
    }

    #[test]
    fn a_control_character_is_refused_in_a_header() {
        let refused = fill("{tag}", Part::Header, &values("a\r\nX-Evil: 1")).unwrap_err();
        assert!(refused.contains("control character"), "{refused}");
        assert!(!refused.contains('\n'), "{refused}");
    }
}
