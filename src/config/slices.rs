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
const SLICE_FROM: usize = 1 << 20;
/// Route tables per slice: small enough to keep each slice's parse tree
/// in cache-sized memory, large enough that a thread per slice is cheap.
const ROUTES_PER_SLICE: usize = 4_000;

/// The config as written, from a whole parse or from slices.
pub(super) fn parse_raw(text: &str) -> Result<RawConfig, toml::de::Error> {
    if text.len() >= SLICE_FROM
        && let Some(raw) = in_slices(text, ROUTES_PER_SLICE)
    {
        return Ok(raw);
    }
    toml::from_str(text)
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
fn route_tables(text: &str) -> Option<Vec<Range<usize>>> {
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
fn blanked(text: &str, tables: &[Range<usize>]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for table in tables {
        bytes[table.clone()].fill(b' ');
    }
    // Only whole UTF-8 sequences were replaced, by ASCII: still UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// Runs of adjacent route tables, at most `per_slice` in each.
fn slices(tables: &[Range<usize>], per_slice: usize) -> Vec<Range<usize>> {
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

type SliceRoutes = Vec<(String, Vec<Spanned<RawRoute>>)>;

/// Each slice's routes per site in file order, on every core; `None` for
/// a slice that does not parse.
fn parse_slices(text: &str, slices: &[Range<usize>]) -> Vec<Option<SliceRoutes>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut done: Vec<(usize, Option<SliceRoutes>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(slices.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(range) = slices.get(i) else {
                            return mine;
                        };
                        mine.push((i, parse_slice(text, range)));
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
    if done.len() != slices.len() {
        return vec![None];
    }
    done.into_iter().map(|(_, routes)| routes).collect()
}

fn parse_slice(text: &str, range: &Range<usize>) -> Option<SliceRoutes> {
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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn whole(text: &str) -> Result<String, String> {
        toml::from_str::<RawConfig>(text)
            .map(|raw| format!("{raw:?}"))
            .map_err(|e| e.to_string())
    }

    fn sliced(text: &str, per_slice: usize) -> Option<String> {
        in_slices(text, per_slice).map(|raw| format!("{raw:?}"))
    }

    const GENERATED: &str = "\
[defaults]
concurrency = 4
[sites.a]
public_url = \"https://a.example.com\"
[[sites.a.routes]]
path = \"/one\" # a comment
tags = [
  \"multi\",
  \"line\",
]
[[sites.b.routes]]   # b's routes before [sites.b]
path = \"/b\"
marker = '''
[[sites.a.routes]]
path = \"/not-a-route\"
'''
[[sites.a.routes]]
pattern = \"/blog/[slug]\"
type = \"page\"
labels = [\"é\"]
[sites.b]
public_url = \"https://b.example.com\"
[sites.b.secret]
env = \"B\"
[[sites.b.routes]]
path = \"/b2\"
";

    #[test]
    fn a_generated_config_reads_the_same_in_slices() {
        for per_slice in [1, 2, 100] {
            let sliced = sliced(GENERATED, per_slice).expect("slices take this shape");
            assert_eq!(Ok(sliced), whole(GENERATED), "{per_slice} per slice");
        }
        // Spans point into the whole file: what the messages quote.
        let raw = in_slices(GENERATED, 1).unwrap();
        let b = raw
            .sites
            .iter()
            .find(|(n, _)| n.get_ref() == "b")
            .unwrap()
            .1;
        let routes = b.get_ref().routes.as_ref().unwrap();
        let path = routes[0].get_ref().path.as_ref().unwrap();
        assert_eq!(&GENERATED[path.span()], "\"/b\"");
        assert_eq!(
            routes.len(),
            2,
            "the marker's [[…]] is a string, not a table"
        );
    }

    #[test]
    fn crlf_line_ends_read_the_same_in_slices() {
        let text = GENERATED.replace('\n', "\r\n");
        let sliced = sliced(&text, 1).expect("slices take this shape");
        assert_eq!(Ok(sliced), whole(&text));
    }

    #[test]
    fn shapes_slices_do_not_read_go_whole() {
        let inline = "[sites.a]\npublic_url = \"https://a\"\nroutes = []\n[[sites.a.routes]]\npath = \"/x\"\n";
        assert!(sliced(inline, 1).is_none());
        assert!(
            whole(inline).is_err(),
            "the whole parse refuses it, and says where"
        );
        let spaced = "[sites.a]\npublic_url = \"https://a\"\n[[ sites.a.routes ]]\npath = \"/x\"\n";
        assert!(sliced(spaced, 1).is_none());
        let orphan = "[[sites.zz.routes]]\npath = \"/x\"\n[sites.a]\npublic_url = \"https://a\"\n";
        assert!(sliced(orphan, 1).is_none(), "zz has no [sites.zz]");
    }

    /// A config over the slicing size with one bad route: `route` is the
    /// bad route's line, 1-based.
    fn large_with(bad: &str) -> (String, usize) {
        let mut text = String::from(
            "[sites.big]\npublic_url = \"https://big.example.com\"\n[sites.big.secret]\nenv = \"BIG\"\n",
        );
        let mut bad_line = 0;
        for i in 0..30_000 {
            text.push_str("[[sites.big.routes]]\n");
            if i == 20_000 {
                bad_line = text.lines().count() + 1;
                text.push_str(bad);
                text.push('\n');
            } else {
                text.push_str(&format!("path = \"/section/page-{i}\"\n"));
            }
        }
        assert!(text.len() > SLICE_FROM);
        (text, bad_line)
    }

    fn first_error(text: &str) -> crate::config::ConfigError {
        match crate::config::parse(text, std::path::Path::new("big.toml")) {
            Err(crate::config::LoadError::Invalid(errors)) => errors.into_iter().next().unwrap(),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    /// An error deep in a large config is placed exactly, whether the
    /// validator finds it (spans moved back from a slice) or the TOML
    /// parser does (the whole parse words it).
    #[test]
    fn errors_in_a_large_config_name_their_line() {
        let (text, line) = large_with("path = \"no-slash\"");
        let error = first_error(&text);
        assert_eq!((error.line, error.column), (line, 8), "{error}");
        let (text, line) = large_with("path = 5");
        let error = first_error(&text);
        assert_eq!(error.line, line, "{error}");
        let (text, line) = large_with("path = \"/x\"\npath = \"/y\"");
        let error = first_error(&text);
        assert_eq!(error.line, line + 1, "the duplicate key: {error}");
    }

    /// Lines a generated or hand-made config may hold, headers in several
    /// spellings, and strings and arrays that span lines.
    const PIECES: &[&str] = &[
        // Whole route tables, the common case, several times over.
        "[[sites.a.routes]]\npath = \"/r\"",
        "[[sites.a.routes]]\npath = \"/r\"",
        "[[sites.b.routes]]\npath = \"/s\"\ntags = [\"t\"]",
        "[[sites.b.routes]]\npath = \"/s\"\ntags = [\"t\"]",
        "[[sites.a.routes]]\npath = \"/m\"\nmarker = \"\"\"\n[[sites.b.routes]]\n\"\"\"",
        "[sites.a.secret]\nenv = \"X\"",
        "[defaults]\nconcurrency = 3",
        "# a comment",
        "labels = [\n\"multi\",\n]",
        "  [[sites.b.routes]] # indented",
        "[sites]",
        "[sites.a]",
        "[sites.b]",
        "[defaults]",
        "[sites.a.secret]",
        "[sites.a.routes]",
        "[[sites.a.routes]]",
        "[[sites.b.routes]]",
        "[[sites.b.routes]] # c",
        "[[ sites.a.routes ]]",
        "[[sites.\"a\".routes]]",
        "  [[sites.a.routes]]",
        "public_url = \"https://a.example.com\"",
        "env = \"X\"",
        "routes = []",
        "a.routes = []",
        "path = \"/a\"",
        "path = \"/b\"",
        "path = \"/é\"",
        "tags = [\"x\"]",
        "tags = [",
        "\"y\",",
        "]",
        "marker = '''",
        "'''",
        "marker = \"\"\"",
        "\"\"\"",
        "concurrency = 3",
        "x = 1",
        "# comment",
        "{",
        "\"",
        "",
    ];

    const SITES: &str =
        "[sites.a]\npublic_url = \"https://a\"\n[sites.b]\npublic_url = \"https://b\"\n";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Slices never accept what the whole parse refuses, and never
        /// read a config differently.
        #[test]
        fn slices_agree_with_the_whole_parse(
            // Most cases from the first ten pieces (configs that parse),
            // the rest from all of them (configs that mostly do not).
            picks in prop_oneof![
                3 => proptest::collection::vec(0..10usize, 0..24),
                1 => proptest::collection::vec(0..PIECES.len(), 0..24),
            ],
            per_slice in 1usize..4,
        ) {
            // Two valid sites first, so most cases are configs that parse.
            let text: String = [SITES.to_string()]
                .into_iter()
                .chain(picks.iter().map(|&i| format!("{}\n", PIECES[i])))
                .collect();
            if let Some(sliced) = sliced(&text, per_slice) {
                prop_assert_eq!(Ok(sliced), whole(&text), "{}", text);
            }
        }
    }
}
