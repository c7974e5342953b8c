//! Property tests of config parsing.

use super::*;
use proptest::prelude::*;

/// Lines a config is made of, right and wrong, to reach the validator
/// as well as the TOML parser.
const PIECES: &[&str] = &[
    "[sites.b]",
    "[sites.b.secret]",
    "[sites.b.endpoint]",
    "[[sites.b.routes]]",
    "[defaults]",
    "[keys]",
    "public_url = \"https://b.example.com\"",
    "public_url = \"https://u:p@b.example.com\"",
    "origins = [\"http://10.0.0.1\"]",
    "env = \"X\"",
    "env = \"$X\"",
    "file = \"/dev/null\"",
    "value = \"hunter2\"",
    "command = []",
    "secret = \"hunter2\"",
    "path = \"/a\"",
    "path = \"a\"",
    "pattern = \"/b/[slug]\"",
    "type = \"page\"",
    "marker = \"(\"",
    "rate_per_second = 1e-20",
    "rate_per_second = nan",
    "concurrency = 0",
    "concurrency = 99999999999",
    "timeout = \"1e9h\"",
    "timeout = \"-1s\"",
    "max_retries = 4000000000",
    "secret_in = \"header\"",
    "secret_name = \"a b\"",
    "path_body = '{\"p\":{path}}'",
    "url = \"ftp://x\"",
    "quit = \"ctrl-c\"",
    "tags = [\"\"]",
    "= =",
    "\"",
    "[",
    "é",
];

fn check_located(
    result: Result<Config, LoadError>,
    text_lines: usize,
) -> Result<(), TestCaseError> {
    match result {
        Ok(_) => {}
        Err(LoadError::Invalid(errors)) => {
            prop_assert!(!errors.is_empty());
            for e in errors {
                prop_assert!(e.line >= 1 && e.column >= 1, "{e}");
                prop_assert!(e.line <= text_lines + 1, "{e} beyond {text_lines} lines");
            }
        }
        Err(other) => prop_assert!(false, "parsing text gave {other}"),
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_bytes_give_a_config_or_located_errors_never_a_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        check_located(parse_bytes(&bytes, Path::new("c.toml")), lines)?;
    }

    #[test]
    fn configs_made_of_real_lines_give_located_errors(
        picks in proptest::collection::vec(0..PIECES.len(), 0..30),
    ) {
        let text: String = picks.iter().map(|&i| format!("{}\n", PIECES[i])).collect();
        let lines = text.lines().count() + 1;
        let result = parse(&text, Path::new("c.toml"));
        if let Err(LoadError::Invalid(errors)) = &result {
            for e in errors {
                prop_assert!(!e.to_string().contains("hunter2"), "{e}");
            }
        }
        check_located(result, lines)?;
    }
}
