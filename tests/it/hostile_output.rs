//! Hostile servers against every reporting command of the binary: what
//! they send (escape sequences that write the clipboard or the window
//! title, C1 controls, compressed bodies, bodies that break off) reaches
//! stdout and stderr only escaped, and a layer whose body failed is a
//! failed layer (exit 1), never `ok`.
//!
//! "No control byte reaches the terminal" is checked on characters: the
//! output must be valid UTF-8 (a lone 0x9b byte is an 8-bit CSI) and hold
//! no C0 control but newline and tab, no DEL, no C1 (U+0080–U+009F). Our
//! own non-ASCII text ("…", "—") is UTF-8 whose continuation bytes lie in
//! 0x80–0xBF; they are not controls.

use crate::common;

use common::{CANARY, SECRET_ENV, Scratch, runtime};
use isrctl::sim::{Behaviour, Hostile};
use std::process::Output;

/// A whole HTTP/1.1 answer, written byte for byte.
fn raw(status: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Behaviour {
    let mut bytes = format!("HTTP/1.1 {status}\r\nConnection: close\r\n").into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body);
    Behaviour::Raw(bytes)
}

/// OSC 52 (write the clipboard), OSC 0 (window title), a C1 CSI, DEL, BEL.
const ATTACK: &str = "\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}]0;pwned\u{7}\u{9b}2J\u{7f}\u{8}";

fn endpoint_json_attack() -> Behaviour {
    let message = serde_json::to_string(&format!("denied {ATTACK} {CANARY}")).unwrap();
    let body = format!("{{\"message\":{message}}}");
    raw(
        "401 Unauthorized",
        &[("Content-Type", b"application/json")],
        body.as_bytes(),
    )
}

fn endpoint_text_attack() -> Behaviour {
    raw(
        "500 Internal Server Error",
        &[("Content-Type", b"text/plain")],
        format!("oops {ATTACK}").as_bytes(),
    )
}

fn endpoint_gzip() -> Behaviour {
    // A gzip stream's first bytes: binary, to be described, never printed.
    let body = [
        0x1f, 0x8b, 0x08, 0x00, 0x9b, 0x1b, 0x00, 0x00, 0x00, 0x03, 0x9b, 0x07,
    ];
    raw(
        "500 Internal Server Error",
        &[
            ("Content-Type", b"text/plain"),
            ("Content-Encoding", b"gzip"),
        ],
        &body,
    )
}

/// A page whose ETag, Last-Modified and marker carry controls. Header
/// values cannot hold ESC (HTTP parsers refuse it) but can hold C1 in UTF-8.
fn page_attack() -> Behaviour {
    let body = format!("<html><meta name=\"m\" content=\"{ATTACK}\">hello</html>");
    raw(
        "200 OK",
        &[
            ("Content-Type", b"text/html"),
            ("ETag", "\"\u{9b}2J\u{85}\"".as_bytes()),
            ("Last-Modified", "Mon\u{9d}0;x\u{9c}".as_bytes()),
            ("Cache-Control", b"s-maxage=60"),
            ("Content-Length", body.len().to_string().as_bytes()),
        ],
        body.as_bytes(),
    )
}

fn redirect_attack() -> Behaviour {
    raw(
        "302 Found",
        &[
            ("Location", "/x\u{9b}2J".as_bytes()),
            ("Content-Length", b"0"),
        ],
        b"",
    )
}

/// Headers promise 1000 bytes; 5 arrive, then the connection closes.
fn truncated_page() -> Behaviour {
    raw(
        "200 OK",
        &[("Content-Type", b"text/html"), ("Content-Length", b"1000")],
        b"<html",
    )
}

fn broken_chunking() -> Behaviour {
    raw(
        "200 OK",
        &[
            ("Content-Type", b"text/html"),
            ("Transfer-Encoding", b"chunked"),
        ],
        b"5\r\n<html\r\nzz\r\nnot a chunk size\r\n",
    )
}

fn write_config(s: &Scratch, public: &str, endpoint: &str) {
    let text = format!(
        r#"[sites.sim]
public_url = "{public}"
rate_per_second = 0
timeout = "2s"
connect_timeout = "1s"
tags = ["posts"]

[sites.sim.secret]
env = "{SECRET_ENV}"

[sites.sim.endpoint]
url = "{endpoint}"

[[sites.sim.routes]]
path = "/blog/hello"
tags = ["posts"]
marker = '<meta name="m" content="([^"]+)"'
"#
    );
    std::fs::write(s.config_path(), text).unwrap();
}

/// Valid UTF-8 and no character a terminal acts on.
fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("{what} is not UTF-8 ({e}): {bytes:?}"));
    let bad: Vec<(usize, char)> = text
        .char_indices()
        .filter(|&(_, c)| matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'))
        .collect();
    assert!(
        bad.is_empty(),
        "{what} has control characters {bad:?}:\n{text}"
    );
}

fn run(s: &Scratch, args: &[&str]) -> Output {
    let output = s.isrctl().args(args).output().unwrap();
    let what = args.join(" ");
    assert_terminal_safe(&format!("stdout of `{what}`"), &output.stdout);
    assert_terminal_safe(&format!("stderr of `{what}`"), &output.stderr);
    s.assert_no_canary(&output);
    output
}

const COMMANDS: [&[&str]; 8] = [
    &["revalidate", "sim", "--path", "/blog/hello"],
    &["revalidate", "sim", "--path", "/blog/hello", "--json"],
    &["check", "sim", "--path", "/blog/hello", "-v"],
    &["check", "sim", "--path", "/blog/hello", "--json"],
    &["probe", "sim", "--path", "/blog/hello"],
    &["probe", "sim", "--path", "/blog/hello", "--json"],
    &["routes", "sim"],
    &["history"],
];

#[test]
fn escape_sequences_from_servers_reach_the_terminal_escaped() {
    let rt = runtime();
    let endpoints = [
        endpoint_json_attack(),
        endpoint_text_attack(),
        endpoint_gzip(),
    ];
    let pages = [page_attack(), redirect_attack()];
    for (endpoint, page) in endpoints.into_iter().zip(pages.iter().cycle()) {
        let endpoint = rt.block_on(Hostile::start(endpoint)).unwrap();
        let page = rt.block_on(Hostile::start(page.clone())).unwrap();
        let s = Scratch::new();
        write_config(
            &s,
            &page.url(),
            &format!("{}/api/revalidate", endpoint.url()),
        );
        for args in COMMANDS {
            let output = run(&s, args);
            let code = output.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "`{}`: {output:?}",
                args.join(" ")
            );
        }
        // The attack is shown, escaped, where it matters.
        let shown = run(&s, &["revalidate", "sim", "--path", "/blog/hello"]);
        assert_eq!(shown.status.code(), Some(1));
        let text = String::from_utf8_lossy(&shown.stdout);
        assert!(
            text.contains("\\x1b]52;") || text.contains("binary body"),
            "{text}"
        );
        let history = std::fs::read_to_string(s.history_file()).unwrap();
        assert_terminal_safe("history", history.replace("\\u", "").as_bytes());
        assert!(!history.contains('\u{1b}') && !history.contains('\u{9b}'));
    }
}

#[test]
fn the_page_attack_is_shown_escaped_in_probe() {
    let rt = runtime();
    let page = rt.block_on(Hostile::start(page_attack())).unwrap();
    let s = Scratch::new();
    write_config(&s, &page.url(), &format!("{}/api/revalidate", page.url()));
    let output = run(&s, &["probe", "sim", "--path", "/blog/hello"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("marker \\x1b]52;c;cHduZWQ=\\x07"), "{text}");
    assert!(text.contains("etag \"\\x9b2J\\x85\""), "{text}");
    let json = run(&s, &["probe", "sim", "--path", "/blog/hello", "--json"]);
    let doc = common::json(&json);
    let marker = &doc["pages"][0]["layers"][0]["fingerprint"]["marker"];
    assert_eq!(
        marker,
        "\\x1b]52;c;cHduZWQ=\\x07\\x1b]0;pwned\\x07\\x9b2J\\x7f\\x08"
    );
}

#[test]
fn a_layer_whose_body_failed_is_a_failed_layer() {
    let rt = runtime();
    for behaviour in [truncated_page(), broken_chunking(), Behaviour::SlowDrip] {
        let page = rt.block_on(Hostile::start(behaviour.clone())).unwrap();
        let s = Scratch::new();
        write_config(&s, &page.url(), &format!("{}/api/revalidate", page.url()));
        let output = run(&s, &["probe", "sim", "--path", "/blog/hello", "--json"]);
        assert_eq!(output.status.code(), Some(1), "{behaviour:?}: {output:?}");
        let doc = common::json(&output);
        let public = &doc["pages"][0]["layers"][0];
        assert_eq!(public["status"], 200, "{public:#}");
        assert!(public["error"].is_string(), "{public:#}");
        assert!(
            public["fingerprint"].is_null(),
            "no page to compare: {public:#}"
        );

        let text = run(&s, &["probe", "sim", "--path", "/blog/hello"]);
        assert_eq!(text.status.code(), Some(1));
        let shown = String::from_utf8_lossy(&text.stdout);
        assert!(
            shown.contains("200, but the body did not arrive whole"),
            "{shown}"
        );

        let check = run(&s, &["check", "sim", "--path", "/blog/hello", "--json"]);
        assert_eq!(check.status.code(), Some(1));
        let doc = common::json(&check);
        let failed = doc["findings"].as_array().unwrap().iter().any(|f| {
            f["check"] == "cache_layers"
                && f["severity"] == "problem"
                && f["title"]
                    .as_str()
                    .unwrap()
                    .contains("the body did not arrive whole")
        });
        assert!(failed, "{doc:#}");
    }
}

/// A cache that sends no `Age` (nginx's proxy_cache): an older copy is not
/// called "past its TTL: it should fetch anew soon" (nginx may keep it an
/// hour); its age is said to be unknown.
#[test]
fn a_cache_without_age_is_not_said_to_be_past_its_ttl() {
    let rt = runtime();
    let page = |marker: &str, cache: &[u8]| {
        raw(
            "200 OK",
            &[
                ("Content-Type", b"text/html"),
                ("Cache-Control", b"public, s-maxage=3600"),
                ("X-Cache-Status", cache),
            ],
            format!("<html><body>price {marker}</body></html>").as_bytes(),
        )
    };
    let public = rt.block_on(Hostile::start(page("old", b"HIT"))).unwrap();
    let origin = rt.block_on(Hostile::start(page("new", b"MISS"))).unwrap();
    let s = Scratch::new();
    std::fs::write(
        s.config_path(),
        format!(
            "[sites.sim]\npublic_url = \"{}\"\norigins = [\"{}\"]\ncdn = \"nginx\"\ntimeout = \"2s\"\n\n[sites.sim.secret]\nenv = \"{SECRET_ENV}\"\n",
            public.url(),
            origin.url()
        ),
    )
    .unwrap();
    let out = run(&s, &["check", "sim", "--path", "/a"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("past its TTL"), "{stdout}");
    assert!(
        stdout.contains("it sends no Age, so its age is unknown"),
        "{stdout}"
    );
}
