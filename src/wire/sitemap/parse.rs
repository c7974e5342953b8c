//! Reading one sitemap file: gzip or not, `<urlset>` or `<sitemapindex>`,
//! with a streaming XML parser that ignores namespaces (sitemaps come
//! with and without them, and with extensions such as image or news).

use super::{FILE_CAP, URLS_PER_FILE};
use quick_xml::events::Event;
use std::io::Read;

/// What a sitemap file holds.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Document {
    /// `<sitemapindex>`: the `<loc>` of each sitemap.
    Index(Vec<String>),
    /// `<urlset>`: each `<loc>` with its `<lastmod>`.
    UrlSet(Vec<(String, Option<String>)>),
}

/// Parse a sitemap file (gzipped or not).
pub(in crate::wire) fn parse(bytes: &[u8]) -> Result<Document, String> {
    let plain;
    let xml = if bytes.starts_with(&[0x1f, 0x8b]) {
        plain = gunzip(bytes)?;
        &plain[..]
    } else if bytes.len() > FILE_CAP {
        return Err(format!("larger than {} MB", FILE_CAP >> 20));
    } else {
        bytes
    };
    read_xml(xml)
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(FILE_CAP as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not a readable gzip file ({e})"))?;
    if out.len() > FILE_CAP {
        return Err(format!(
            "larger than {} MB once decompressed",
            FILE_CAP >> 20
        ));
    }
    Ok(out)
}

/// Where the parser is: the open elements' local names, and the text of
/// the current entry's `<loc>` and `<lastmod>` (only those directly in a
/// `<url>` or `<sitemap>`: `<image:loc>` is another thing).
#[derive(Default)]
struct Cursor {
    kind: Option<bool>, // Some(true): index, Some(false): urlset
    open: Vec<String>,
    loc: String,
    lastmod: String,
}

impl Cursor {
    /// The element open directly above the innermost one.
    fn parent_is_entry(&self) -> bool {
        let n = self.open.len();
        n >= 2 && matches!(self.open[n - 2].as_str(), "url" | "sitemap")
    }

    fn inside(&self, name: &str) -> bool {
        self.open.last().is_some_and(|last| last == name) && self.parent_is_entry()
    }
}

fn read_xml(xml: &[u8]) -> Result<Document, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut c = Cursor::default();
    let (mut sitemaps, mut urls) = (Vec::new(), Vec::new());
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            format!(
                "not well-formed XML at byte {} ({e})",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(e) => {
                let name = e.local_name().into_inner().to_string();
                match name.as_str() {
                    "sitemapindex" if c.open.is_empty() => c.kind = Some(true),
                    "urlset" if c.open.is_empty() => c.kind = Some(false),
                    "url" | "sitemap" => {
                        c.loc.clear();
                        c.lastmod.clear();
                    }
                    _ => {}
                }
                c.open.push(name);
            }
            Event::End(e) => match e.local_name().into_inner() {
                name if c.open.last().is_none_or(|open| open != name) => {
                    return Err("not well-formed XML (mismatched end tag)".to_string());
                }
                "url" if !c.loc.is_empty() => {
                    c.open.pop();
                    let lastmod = Some(c.lastmod.trim().to_string()).filter(|l| !l.is_empty());
                    urls.push((c.loc.trim().to_string(), lastmod));
                    if urls.len() > URLS_PER_FILE {
                        return Err(format!("more than {URLS_PER_FILE} URLs in one file"));
                    }
                }
                "sitemap" if !c.loc.is_empty() => {
                    c.open.pop();
                    sitemaps.push(c.loc.trim().to_string());
                }
                _ => {
                    c.open.pop();
                }
            },
            Event::Text(t) => push(&mut c, &t.xml10_content()),
            Event::CData(t) => push(&mut c, &t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    _ => entity(&r.xml10_content()),
                };
                push(&mut c, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    match c.kind {
        Some(true) => Ok(Document::Index(sitemaps)),
        Some(false) => Ok(Document::UrlSet(urls)),
        None => Err("neither a <urlset> nor a <sitemapindex>".to_string()),
    }
}

fn push(c: &mut Cursor, text: &str) {
    if c.inside("loc") {
        c.loc.push_str(text);
    } else if c.inside("lastmod") {
        c.lastmod.push_str(text);
    }
}

/// The five entities XML predefines; anything else is kept as written.
fn entity(name: &str) -> String {
    match name {
        "amp" => "&".into(),
        "lt" => "<".into(),
        "gt" => ">".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        other => format!("&{other};"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlsets_and_indexes_with_or_without_namespaces() {
        let urlset = br#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://x.com/a?x=1&amp;y=2</loc><lastmod>2026-11-01</lastmod><image:image><image:loc>https://x.com/i.png</image:loc></image:image></url>
  <url><loc><![CDATA[https://x.com/b]]></loc></url>
</urlset>"#;
        assert_eq!(
            parse(urlset).unwrap(),
            Document::UrlSet(vec![
                ("https://x.com/a?x=1&y=2".into(), Some("2026-11-01".into())),
                ("https://x.com/b".into(), None),
            ])
        );
        let index = b"<sm:sitemapindex xmlns:sm='http://www.sitemaps.org/schemas/sitemap/0.9'><sm:sitemap><sm:loc>/s1.xml.gz</sm:loc></sm:sitemap></sm:sitemapindex>";
        assert_eq!(
            parse(index).unwrap(),
            Document::Index(vec!["/s1.xml.gz".into()])
        );
        assert!(
            parse(b"<html><body>not found</body></html>")
                .unwrap_err()
                .contains("neither")
        );
        assert!(parse(b"<urlset><url><loc>x</url>").is_err());
    }
}
