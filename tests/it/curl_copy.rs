//! The console's `y` copies a curl command that is pasted into a shell:
//! whatever a secret file's path or a secret command's arguments hold
//! (`'`, `$(…)`, backticks, spaces, newlines), the shell reads back exactly
//! the configured words and runs nothing else. Checked with bash itself:
//! `curl` and `cat` are shell functions that print what they receive.

use isrctl::model::endpoint::{EndpointProfile, Preset, curl_command};
use isrctl::model::secret::SecretSource;
use isrctl::model::target::Target;
use proptest::prelude::*;

/// Paste `line` into bash with `curl` printing its words NUL-separated and
/// `cat` printing its argument; the words curl got.
fn paste(line: &str, marker_dir: &std::path::Path) -> Vec<String> {
    let script = format!(
        "cd '{}' || exit 9\ncurl() {{ printf '%s\\0' \"$@\"; }}\ncat() {{ printf '%s' \"$1\"; }}\n{line}\n",
        marker_dir.display()
    );
    let out = std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &script])
        .output()
        .expect("bash is on every machine CI runs on");
    assert!(
        out.status.success(),
        "bash refused {line:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .split(|b| *b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect()
}

fn profile() -> EndpointProfile {
    EndpointProfile::preset(
        Preset::AppRouter,
        &url::Url::parse("https://blog.example.com").unwrap(),
    )
}

/// What a word may hold: printable text with every shell metacharacter,
/// no NUL (no argv can hold one); no trailing newline (command
/// substitution drops those, as it would for the real secret).
fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 '\"$`\\\\(){};&|<>*?!#~=%\\n-]{1,24}"
        .prop_filter("no trailing newline", |w| !w.ends_with('\n'))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_copied_curl_reads_back_the_configured_file_path(path in word()) {
        let dir = tempfile::tempdir().unwrap();
        let line = curl_command(&profile(), &Target::path("/a"), &SecretSource::File(path.clone().into())).unwrap();
        let words = paste(&line, dir.path());
        let url = words.last().unwrap();
        prop_assert_eq!(url, &format!("https://blog.example.com/api/revalidate?secret={path}&path=%2Fa"));
        prop_assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the paste created a file");
    }

    #[test]
    fn a_copied_curl_reads_back_the_configured_command(args in proptest::collection::vec(word(), 0..4)) {
        let dir = tempfile::tempdir().unwrap();
        // `printf '%s|' ARGS…` prints each argument: the secret is exactly
        // the words the config gave, joined.
        let mut argv = vec!["printf".to_string(), "%s|".to_string()];
        argv.extend(args.iter().cloned());
        let line = curl_command(&profile(), &Target::path("/a"), &SecretSource::Command(argv)).unwrap();
        let words = paste(&line, dir.path());
        let secret: String = if args.is_empty() { "|".to_string() } else { args.iter().map(|a| format!("{a}|")).collect() };
        let url = words.last().unwrap();
        prop_assert_eq!(url, &format!("https://blog.example.com/api/revalidate?secret={secret}&path=%2Fa"));
        prop_assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the paste created a file");
    }
}

/// The shape the issue found: `file = "a'$(touch X)'b.secret"` and
/// `["sh", "-c", "cat f; touch X"]` run nothing when pasted.
#[test]
fn the_reported_injections_run_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for source in [
        SecretSource::File("a'$(touch X)'b.secret".into()),
        SecretSource::Command(vec!["printf".into(), "%s".into(), "cat f; touch X".into()]),
    ] {
        let line = curl_command(&profile(), &Target::path("/a"), &source).unwrap();
        paste(&line, dir.path());
        assert!(!dir.path().join("X").exists(), "{line}");
    }
}
