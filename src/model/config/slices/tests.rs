//! Slices read a config exactly as the whole parse does.

use super::*;
use crate::model::config::{Locator, Validator};
use proptest::prelude::*;

fn whole(text: &str) -> Result<String, String> {
    toml::from_str::<RawConfig>(text)
        .map(|raw| format!("{raw:?}"))
        .map_err(|e| e.to_string())
}

/// The config or its errors as the whole parse and validation give them.
fn whole_config(text: &str) -> String {
    let at = Locator {
        text,
        file: std::path::Path::new("c.toml"),
    };
    match toml::from_str::<RawConfig>(text) {
        Ok(raw) => {
            let mut v = Validator::new(at);
            let keys = super::super::key_settings(&at, &raw.keys);
            let sites = v.sites(raw);
            format!("{:?}", v.finish(sites, keys))
        }
        Err(e) => e.to_string(),
    }
}

fn validated_sliced(text: &str, per_slice: usize) -> Option<String> {
    let at = Locator {
        text,
        file: std::path::Path::new("c.toml"),
    };
    let skeleton = super::super::staged::skeleton_of(at)?;
    super::super::staged::routes_after(at, skeleton, per_slice).map(|config| format!("{config:?}"))
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
    let inline =
        "[sites.a]\npublic_url = \"https://a\"\nroutes = []\n[[sites.a.routes]]\npath = \"/x\"\n";
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

fn first_error(text: &str) -> crate::model::config::ConfigError {
    match crate::model::config::parse(text, std::path::Path::new("big.toml")) {
        Err(crate::model::config::LoadError::Invalid(errors)) => errors.into_iter().next().unwrap(),
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

/// Two sites that validate, so slices go on to validate their routes.
const VALID_SITES: &str = "[sites.a]\npublic_url = \"https://a.example.com\"\ntags = [\"declared\"]\n\
    [sites.a.secret]\nenv = \"A\"\n[sites.b]\npublic_url = \"https://b.example.com\"\n\
    [sites.b.secret]\nenv = \"B\"\n";

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Validated in slices, a config gives the same sites, routes, tags,
    /// warnings, or the same errors at the same places, as validated
    /// whole.
    #[test]
    fn validated_slices_agree_with_the_whole_validation(
        picks in prop_oneof![
            // The first ten pieces but the second secret table (the
            // sites have theirs): configs that mostly parse.
            3 => proptest::collection::vec(
                (0..9usize).prop_map(|i| if i < 5 { i } else { i + 1 }),
                0..24,
            ),
            1 => proptest::collection::vec(0..PIECES.len(), 0..24),
        ],
        per_slice in 1usize..4,
    ) {
        let text: String = [VALID_SITES.to_string()]
            .into_iter()
            .chain(picks.iter().map(|&i| format!("{}\n", PIECES[i])))
            .collect();
        if let Some(sliced) = validated_sliced(&text, per_slice) {
            prop_assert_eq!(sliced, whole_config(&text), "{}", text);
        }
    }
}

#[test]
fn a_generated_config_validates_the_same_in_slices() {
    let text = format!("{VALID_SITES}{}", GENERATED.replace("[sites.b]\npublic_url = \"https://b.example.com\"\n[sites.b.secret]\nenv = \"B\"\n", "").replace("[defaults]\nconcurrency = 4\n[sites.a]\npublic_url = \"https://a.example.com\"\n", ""));
    // A route in error and one with a warning among them.
    let text = format!("{text}[[sites.a.routes]]\npath = \"no-slash\"\n[[sites.a.routes]]\n");
    for per_slice in [1, 2, 100] {
        let sliced = validated_sliced(&text, per_slice).expect("slices take this shape");
        assert_eq!(sliced, whole_config(&text), "{per_slice} per slice");
        assert!(
            sliced.contains("no-slash"),
            "the route's error is reported: {sliced}"
        );
    }
    let clean = format!(
        "{VALID_SITES}[[sites.a.routes]]\npath = \"/x\"\ntags = [\"t\"]\n[[sites.b.routes]]\npath = \"/y\"\n"
    );
    let sliced = validated_sliced(&clean, 1).expect("slices take this shape");
    assert_eq!(sliced, whole_config(&clean));
    assert!(sliced.starts_with("Ok("), "{sliced}");
    assert!(
        sliced.contains("tags: [\"declared\", \"t\"]"),
        "declared and route tags: {sliced}"
    );
}

fn written(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

/// The console's way in: the sites at once, with no route yet, then the
/// routes: together exactly what a whole load gives.
#[test]
fn a_large_config_comes_sites_first_then_its_routes() {
    let (text, _) = large_with("path = \"/the-odd-one\"\ntags = [\"odd\"]");
    let (_dir, file) = written(&text);
    let Ok(crate::model::config::Staged::SitesFirst(first)) =
        crate::model::config::load_staged(&file)
    else {
        panic!("a large generated config comes sites first");
    };
    assert_eq!(first.sites.sites.len(), 1);
    assert!(first.sites.sites[0].routes.is_empty());
    assert_eq!(first.routes_to_read(), 30_000);
    let whole = crate::model::config::load(&file).unwrap();
    let staged = first.routes().unwrap();
    assert_eq!(staged.sites[0].routes.len(), 30_000);
    assert_eq!(staged.sites[0].tags, ["odd"]);
    assert_eq!(format!("{staged:?}"), format!("{whole:?}"));
}

/// A bad route does not hold the sites back: its error comes with the
/// routes, at its line, as a whole load words it.
#[test]
fn a_bad_route_comes_with_the_routes() {
    let (text, line) = large_with("path = \"no-slash\"");
    let (_dir, file) = written(&text);
    let Ok(crate::model::config::Staged::SitesFirst(first)) =
        crate::model::config::load_staged(&file)
    else {
        panic!("the sites are fine");
    };
    let Err(crate::model::config::LoadError::Invalid(errors)) = first.routes() else {
        panic!("the route is refused");
    };
    assert_eq!(
        (errors[0].line, errors[0].column),
        (line, 8),
        "{}",
        errors[0]
    );
    let whole = crate::model::config::load(&file).unwrap_err();
    assert_eq!(
        whole.to_string(),
        crate::model::config::LoadError::Invalid(errors).to_string()
    );
    // A small config, or one whose sites are wrong, is read whole: the
    // sites' own error is known at once.
    let (_dir, small) = written(
        "[sites.a]\npublic_url = \"https://a.example.com\"\n[sites.a.secret]\nenv = \"A\"\n",
    );
    assert!(matches!(
        crate::model::config::load_staged(&small),
        Ok(crate::model::config::Staged::Whole(_))
    ));
    let broken = text.replacen(
        "public_url = \"https://big.example.com\"",
        "public_url = \"nope\"",
        1,
    );
    let (_dir, broken) = written(&broken);
    assert!(matches!(
        crate::model::config::load_staged(&broken),
        Err(crate::model::config::LoadError::Invalid(_))
    ));
}
