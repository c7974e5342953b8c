//! Config files as users write them: the example parses whole, and each
//! malformed file under tests/fixtures/bad gives exit 2 and a message with
//! the file, line and column its first line announces (`# expect: L:C text`).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// `isrctl --config FILE config check`, run to the end.
fn config_check(file: &Path) -> std::process::Output {
    isrctl()
        .arg("--config")
        .arg(file)
        .args(["config", "check"])
        .output()
        .unwrap()
}

fn isrctl() -> Command {
    let mut cmd = Command::cargo_bin("isrctl").unwrap();
    cmd.env_remove("ISRCTL_CONFIG").env(
        "XDG_STATE_HOME",
        std::env::temp_dir().join("isrctl-config-tests"),
    );
    cmd
}

#[test]
fn every_key_of_the_example_config_parses() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let config = isrctl::model::config::load(&example).expect("config.example.toml must load");
    let blog = config.site("blog").unwrap();
    // Spot-check that keys were read, not ignored: each differs from its default.
    assert_eq!(blog.origins.len(), 2);
    assert_eq!(blog.cdn.as_deref(), Some("cloudflare"));
    assert_eq!(blog.limits.concurrency, 2);
    assert_eq!(blog.limits.rate_per_second, Some(5.0));
    assert_eq!(blog.limits.timeout, std::time::Duration::from_secs(15));
    assert_eq!(blog.routes.len(), 3);
    assert!(blog.routes[1].marker.is_some());
    assert_eq!(blog.routes[1].labels, vec!["editorial"]);
    assert_eq!(blog.tags, vec!["posts", "products"]);
    assert!(
        config.keys.is_empty(),
        "copied as is, the example keeps the usual keys (q quits)"
    );
    // Its commented [keys] example is valid once uncommented.
    let text = std::fs::read_to_string(&example).unwrap();
    let uncommented = text
        .replace("# [keys]", "[keys]")
        .replace("# revalidate = ", "revalidate = ")
        .replace("# quit = ", "quit = ");
    let with_keys = isrctl::model::config::parse(&uncommented, &example).unwrap();
    assert_eq!(with_keys.keys.len(), 2);
    assert!(isrctl::tui::keys::KeyMap::from_config(&with_keys).is_ok());
    let shop = config.site("shop").unwrap();
    assert_eq!(shop.endpoint.method, isrctl::model::endpoint::Method::Get);

    isrctl()
        .args(["--config", example.to_str().unwrap(), "config", "check"])
        .assert()
        .code(0);
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// `# expect: 7:8 did you mean /about?` → ("7:8", "did you mean /about?")
fn expectation(file: &Path) -> (String, String) {
    // Lossy: one fixture is deliberately not UTF-8 (after its first line).
    let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
    let first = text.lines().next().unwrap();
    let rest = first
        .strip_prefix("# expect: ")
        .expect("first line states the expectation");
    let (at, words) = rest.split_once(' ').unwrap_or((rest, ""));
    (at.to_string(), words.trim().to_string())
}

#[test]
fn malformed_configs_name_file_line_column_and_exit_2() {
    let files = fixtures();
    assert!(
        files.len() >= 60,
        "at least 60 malformed configs, found {}",
        files.len()
    );
    for file in files {
        let (at, words) = expectation(&file);
        // A listing, the validator, and the console (which must refuse
        // before it touches the terminal).
        for args in [&["sites"][..], &["config", "check"][..], &[][..]] {
            let output = isrctl()
                .arg("--config")
                .arg(&file)
                .args(args)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{}: {stderr}",
                file.display()
            );
            let located = format!("{}:{at}:", file.display());
            assert!(
                stderr.contains(&located),
                "{}: expected {located} in: {stderr}",
                file.display()
            );
            assert!(
                stderr.contains(&words),
                "{}: expected {words:?} in: {stderr}",
                file.display()
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
            // Fixtures write secrets and URL passwords as hunter2-canary:
            // a config error never quotes them.
            assert!(!stderr.contains("hunter2"), "{stderr}");
            assert!(
                output.stdout.is_empty(),
                "nothing on stdout for a bad config"
            );
        }
    }
}

#[test]
fn config_check_json_lists_errors_with_locations() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/path_without_slash.toml");
    let output = isrctl()
        .arg("--config")
        .arg(&file)
        .args(["config", "check", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["errors"][0]["line"], 7);
    assert_eq!(doc["errors"][0]["column"], 8);
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/about")
    );
}

#[test]
fn missing_config_is_a_usage_error_that_says_where_to_put_one() {
    let home = tempfile::tempdir().unwrap();
    isrctl()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("cfg"))
        .arg("sites")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no config file"));
}

#[test]
fn config_is_found_through_isrctl_config_env() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    isrctl()
        .env("ISRCTL_CONFIG", &example)
        .arg("sites")
        .assert()
        .code(0)
        .stdout(predicates::str::contains("https://blog.example.com"));
}

#[test]
fn console_keys_are_rebound_and_bad_ones_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.toml");
    std::fs::write(
        &file,
        "[keys]\nrevalidate = \"R\"\nfilter = \"f3\"\nverify = \"hyper-v\"\nwhatever = \"x\"\n",
    )
    .unwrap();
    let output = config_check(&file);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:4:10: [keys]: \"hyper-v\" is not a key",
            file.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}:5:12: [keys]: no action named \"whatever\"",
            file.display()
        )),
        "{stderr}"
    );
    // The console refuses to start on it too, before touching the terminal.
    isrctl().arg("--config").arg(&file).assert().code(2);

    // A control character is no key: ESC would bind the escape sequence
    // every arrow key starts with.
    std::fs::write(&file, "[keys]\nrevalidate = \"\\u001b\"\n").unwrap();
    let output = config_check(&file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("[keys]: \"\\u{1b}\" is not a key"),
        "{stderr}"
    );

    std::fs::write(&file, "[keys]\nrevalidate = \"q\"\n").unwrap();
    let output = config_check(&file);
    assert!(String::from_utf8_lossy(&output.stderr).contains("already bound to quit"));

    std::fs::write(&file, "[keys]\nrevalidate = \"R\"\nquit = \"ctrl-q\"\n").unwrap();
    let config = isrctl::model::config::load(&file).unwrap();
    let keys = isrctl::tui::keys::KeyMap::from_config(&config).unwrap();
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |code, modifiers| keys.action_for(&KeyEvent::new(code, modifiers));
    use isrctl::tui::keys::Action;
    assert_eq!(
        press(KeyCode::Char('R'), KeyModifiers::SHIFT),
        Some(Action::Revalidate)
    );
    assert_eq!(
        press(KeyCode::Char('r'), KeyModifiers::NONE),
        None,
        "the default is replaced"
    );
    assert_eq!(
        press(KeyCode::Char('q'), KeyModifiers::CONTROL),
        Some(Action::Quit)
    );
    assert_eq!(press(KeyCode::Char('q'), KeyModifiers::NONE), None);
    assert_eq!(
        press(KeyCode::Char('c'), KeyModifiers::CONTROL),
        Some(Action::Quit),
        "ctrl-c quits whatever quit is rebound to"
    );

    std::fs::write(&file, "[keys]\nfilter = \"ctrl-c\"\n").unwrap();
    let output = config_check(&file);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("always quits"));
    assert!(
        keys.help(false)
            .iter()
            .any(|(key, label, _)| key == "R" && *label == "revalidate")
    );
}

#[test]
fn the_console_without_a_terminal_says_to_use_subcommands() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    isrctl()
        .arg("--config")
        .arg(&example)
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the console needs a terminal"));
}

/// config.example.toml lists every console action a `[keys]` table can
/// rebind (it lacked fresh and purge).
#[test]
fn the_example_config_names_every_console_action() {
    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"))
            .unwrap();
    let listed: String = example
        .lines()
        .skip_while(|l| !l.starts_with("# Actions:"))
        .take_while(|l| !l.contains("Commented out"))
        .collect::<Vec<_>>()
        .join(" ");
    for name in isrctl::tui::keys::Action::ALL.iter().map(|a| a.name()) {
        assert!(
            listed
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == name),
            "config.example.toml does not list the action {name}: {listed}"
        );
    }
}

/// `fresh` and `--every-origin` send the secret to each origin's own
/// address: plain http to a non-loopback origin is a `config check`
/// warning.
#[test]
fn a_secret_over_plain_http_to_an_origin_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("origins.toml");
    std::fs::write(
        &file,
        "[sites.blog]\npublic_url = \"https://blog.example.com\"\norigins = [\"http://10.0.0.5:3000\", \"http://127.0.0.1:3001\"]\n[sites.blog.secret]\nenv = \"X\"\n",
    )
    .unwrap();
    let out = config_check(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("origin http://10.0.0.5:3000 is plain http off loopback"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("127.0.0.1:3001 is plain"),
        "loopback is fine: {stderr}"
    );
}

/// Topology said (issue 27, item 7): with `cache = "shared"` one
/// revalidation reaches every instance, so `each_origin` is redundant and
/// `config check` says so where `cache` is written; an unknown topology is
/// an error naming the choices.
#[test]
fn cache_shared_makes_each_origin_redundant_and_an_unknown_topology_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shared.toml");
    let site = "[sites.shop]\npublic_url = \"https://shop.example.com\"\norigins = [\"https://10.0.0.5:3000\", \"https://10.0.0.6:3000\"]\n";
    std::fs::write(
        &file,
        format!("{site}cache = \"shared\"\n[sites.shop.secret]\nenv = \"X\"\n[sites.shop.endpoint]\neach_origin = true\n"),
    )
    .unwrap();
    let out = config_check(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("shared.toml:4:"),
        "located at the cache key: {stderr}"
    );
    assert!(
        stderr.contains("one revalidation reaches them all"),
        "{stderr}"
    );

    std::fs::write(
        &file,
        format!("{site}cache = \"redis\"\n[sites.shop.secret]\nenv = \"X\"\n"),
    )
    .unwrap();
    let out = config_check(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("shared.toml:4:"), "{stderr}");
    assert!(
        stderr.contains("cache = \"shared\""),
        "the fix names the choices: {stderr}"
    );
}

/// Localized pathnames (issue 27, item 6): each entry is two paths naming
/// the same dynamic segments; anything else is an error where it is
/// written, and a localized public path is refused with the route's path.
#[test]
fn localized_paths_are_checked_and_a_public_one_is_refused_with_its_route() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("localized.toml");
    let site =
        "[sites.shop]\npublic_url = \"https://shop.example.com\"\nlocales = [\"en\", \"de\"]\n";
    for (entry, says) in [
        (
            r#""produkte/[slug]" = "/products/[slug]""#,
            "start with '/'",
        ),
        (
            r#""/produkte/[slug]" = "/products/[id]""#,
            "names the segments",
        ),
    ] {
        std::fs::write(
            &file,
            format!("{site}localized = {{ {entry} }}\n[sites.shop.secret]\nenv = \"X\"\n"),
        )
        .unwrap();
        let out = config_check(&file);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains("localized.toml:4:"), "located: {stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }

    let entry = r#""/produkte/[slug]" = "/products/[slug]""#;
    std::fs::write(
        &file,
        format!("{site}localized = {{ {entry} }}\n[sites.shop.secret]\nvalue = \"s3cret-value\"\n"),
    )
    .unwrap();
    let out = isrctl()
        .arg("--config")
        .arg(&file)
        .args([
            "revalidate",
            "shop",
            "--path",
            "/de/produkte/kessel",
            "--dry-run",
        ])
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("/de/products/kessel"), "{said}");
    assert!(said.contains("revalidates nothing"), "{said}");
    assert_ne!(out.status.code(), Some(0), "{said}");
}
