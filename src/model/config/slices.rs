//! Large generated configs parsed in slices.
//!
//! A config with 100,000 routes is 12 MB of TOML, and the `toml` crate
//! parses a document whole: every token in one vector, then a tree of the
//! whole document, then our structs — about 25 times the file's size at
//! the peak, and page faults for most of the time. So a large config is
//! split where its `[[sites.NAME.routes]]` tables begin and end: the rest
//! (the skeleton) is parsed with the route tables blanked out, keeping
//! every byte offset, and the route tables are parsed in slices of a few
//! thousand, on every core, their spans moved back to where they sit in
//! the file.
//!
//! The split is found with the TOML lexer itself, so a `[[` inside a
//! multi-line string or array is never taken for a table. Anything not
//! in the shape a generator writes (a route header spelled another way,
//! routes given twice, any parse error at all) falls back to the whole
//! parse, which then also words the error: slices never accept a config
//! the whole parse refuses, nor read one differently (a property test
//! below checks both).

use super::raw::{RawConfig, RawRoute};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;
use toml_parser::lexer::TokenKind;

/// Below this size a config is parsed whole: slicing would not pay.
pub(super) const SLICE_FROM: usize = 1 << 20;
/// Route tables per slice: small enough to keep each slice's parse tree
/// in cache-sized memory, large enough that a thread per slice is cheap.
pub(super) const ROUTES_PER_SLICE: usize = 4_000;

/// The config as written, from a whole parse or from slices.
pub(super) fn parse_raw(text: &str) -> Result<RawConfig, toml::de::Error> {
    if text.len() >= SLICE_FROM
        && let Some(raw) = in_slices(text, ROUTES_PER_SLICE)
    {
        return Ok(raw);
    }
    toml::from_str(text)
}

/// The config without its route tables (a million routes cost seconds):
/// enough to learn its secrets' sources. `None` when it does not parse.
pub(super) fn skeleton(text: &str) -> Option<RawConfig> {
    let blank = route_tables(text).map(|tables| blanked(text, &tables));
    toml::from_str(blank.as_deref().unwrap_or(text)).ok()
}

/// `None` whenever the slices could differ from the whole parse.
fn in_slices(text: &str, per_slice: usize) -> Option<RawConfig> {
    let tables = route_tables(text)?;
    if tables.is_empty() {
        return None;
    }
    let skeleton = blanked(text, &tables);
    let slices = slices(&tables, per_slice);
    let (skeleton, parsed) = std::thread::scope(|scope| {
        let skeleton = scope.spawn(|| toml::from_str::<RawConfig>(&skeleton).ok());
        let parsed = parse_slices(text, &slices);
        (skeleton.join().ok().flatten(), parsed)
    });
    let mut raw = skeleton?;
    // Routes also written in the skeleton (`routes = [...]`, or a
    // `[sites.NAME.routes]` table): the whole parse refuses that.
    if raw
        .sites
        .values()
        .any(|site| site.get_ref().routes.is_some())
    {
        return None;
    }
    for slice in parsed {
        for (site, routes) in slice? {
            let (_, entry) = raw
                .sites
                .iter_mut()
                .find(|(name, _)| *name.get_ref() == site)?;
            entry
                .get_mut()
                .routes
                .get_or_insert_with(Vec::new)
                .extend(routes);
        }
    }
    Some(raw)
}

/// Every route table, in file order; `None` when a table header is not in
/// the plain form, or the brackets do not balance.
/// A route table runs from its header to the next header.
pub(super) fn route_tables(text: &str) -> Option<Vec<Range<usize>>> {
    let mut headers: Vec<(usize, bool)> = Vec::new();
    let mut tokens = toml_parser::Source::new(text).lex();
    let mut depth = 0usize;
    let mut line_start = true;
    while let Some(token) = tokens.next() {
        match token.kind() {
            TokenKind::Newline => {
                line_start |= depth == 0;
                continue;
            }
            TokenKind::Whitespace | TokenKind::Comment => continue,
            TokenKind::LeftSquareBracket if line_start && depth == 0 => {
                let start = token.span().start();
                let mut end = token.span().end();
                for rest in tokens.by_ref() {
                    if rest.kind() == TokenKind::Newline {
                        break;
                    }
                    end = rest.span().end();
                }
                let header = text.get(start..end)?;
                let routes = route_site(header).is_some();
                // Our only array of tables is routes: any other `[[` is a
                // spelling the slices do not read.
                if !routes && header.starts_with("[[") {
                    return None;
                }
                headers.push((start, routes));
                continue;
            }
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => depth += 1,
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth = depth.checked_sub(1)?;
            }
            _ => {}
        }
        line_start = false;
    }
    let ends = headers
        .iter()
        .skip(1)
        .map(|(start, _)| *start)
        .chain([text.len()]);
    Some(
        headers
            .iter()
            .zip(ends)
            .filter(|((_, routes), _)| *routes)
            .map(|(&(start, _), end)| start..end)
            .collect(),
    )
}

/// `[[sites.NAME.routes]]` (a comment may follow) → NAME, for a bare NAME.
fn route_site(header: &str) -> Option<&str> {
    let header = header.split('#').next()?.trim_end();
    let name = header.strip_prefix("[[sites.")?.strip_suffix(".routes]]")?;
    let bare = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    (!name.is_empty() && name.bytes().all(bare)).then_some(name)
}

/// The text with every route table turned to spaces, newlines included:
/// offsets stay where they were (so do line numbers, counted on the real
/// text), and the next header follows the spaces as indented TOML.
pub(super) fn blanked(text: &str, tables: &[Range<usize>]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for table in tables {
        bytes[table.clone()].fill(b' ');
    }
    // Only whole UTF-8 sequences were replaced, by ASCII: still UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// Runs of adjacent route tables, at most `per_slice` in each.
pub(super) fn slices(tables: &[Range<usize>], per_slice: usize) -> Vec<Range<usize>> {
    let mut slices: Vec<(Range<usize>, usize)> = Vec::new();
    for table in tables {
        match slices.last_mut() {
            Some((range, count)) if range.end == table.start && *count < per_slice => {
                range.end = table.end;
                *count += 1;
            }
            _ => slices.push((table.clone(), 1)),
        }
    }
    slices.into_iter().map(|(range, _)| range).collect()
}

/// A slice as TOML: only `[[sites.NAME.routes]]` tables.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Slice {
    sites: BTreeMap<String, SliceSite>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SliceSite {
    routes: Vec<Spanned<RawRoute>>,
}

pub(super) type SliceRoutes = Vec<(String, Vec<Spanned<RawRoute>>)>;

/// Each slice's routes per site in file order, on every core; `None` for
/// a slice that does not parse.
fn parse_slices(text: &str, slices: &[Range<usize>]) -> Vec<Option<SliceRoutes>> {
    on_every_core(slices.len(), |i| parse_slice(text, slices.get(i)?))
}

/// `work(0..count)` on every core, the answers in order; a single `None`
/// when a thread died (the caller then reads the config whole).
pub(super) fn on_every_core<T: Send>(
    count: usize,
    work: impl Fn(usize) -> Option<T> + Sync,
) -> Vec<Option<T>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut done: Vec<(usize, Option<T>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(count))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= count {
                            return mine;
                        }
                        mine.push((i, work(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    if done.len() != count {
        return vec![None];
    }
    done.into_iter().map(|(_, answer)| answer).collect()
}

pub(super) fn parse_slice(text: &str, range: &Range<usize>) -> Option<SliceRoutes> {
    let slice: Slice = toml::from_str(text.get(range.clone())?).ok()?;
    let by = range.start;
    Some(
        slice
            .sites
            .into_iter()
            .map(|(site, s)| (site, s.routes.into_iter().map(|r| moved(r, by)).collect()))
            .collect(),
    )
}

/// A route parsed from a slice, its spans moved to the whole file's offsets.
fn moved(route: Spanned<RawRoute>, by: usize) -> Spanned<RawRoute> {
    let shift = |s: Option<Spanned<String>>| {
        s.map(|s| {
            let span = s.span();
            Spanned::new(span.start + by..span.end + by, s.into_inner())
        })
    };
    let span = route.span();
    let mut route = route.into_inner();
    route.path = shift(route.path);
    route.pattern = shift(route.pattern);
    route.marker = shift(route.marker);
    Spanned::new(span.start + by..span.end + by, route)
}

#[cfg(test)]
mod tests;
