//! Building a console state for tests without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use isrctl::model::outcome::Outcome;
use isrctl::model::target::Target;
use isrctl::tui::message::{Command, EngineEvent, Message};
use isrctl::tui::state::State;
use isrctl::tui::theme::Theme;
use isrctl::tui::update::update;
use std::path::Path;

pub const CONFIG: &str = r#"
[sites.healthy]
public_url = "http://127.0.0.1:47810"
tags = ["posts", "products"]
[sites.healthy.secret]
env = "HEALTHY_REVALIDATE_SECRET"
[[sites.healthy.routes]]
path = "/"
[[sites.healthy.routes]]
path = "/about"
[[sites.healthy.routes]]
path = "/blog/hello"
tags = ["posts"]
[[sites.healthy.routes]]
path = "/blog/world"
tags = ["posts"]
[[sites.healthy.routes]]
pattern = "/blog/[slug]"
type = "page"
tags = ["posts"]
[[sites.healthy.routes]]
path = "/products/1"
tags = ["products"]

[sites.token-mismatch]
public_url = "http://127.0.0.1:47811"
tags = ["posts"]
[sites.token-mismatch.secret]
env = "MISMATCH_REVALIDATE_SECRET"
[[sites.token-mismatch.routes]]
path = "/blog/hello"
"#;

/// The demo's four sites, as `isrctl demo` configures them (fixed ports:
/// nothing listens; results are fed as engine events).
pub fn demo_sites() -> State {
    let mut text = CONFIG.to_string();
    for (name, port) in [("stale-cdn", 47813), ("silent-noop", 47814)] {
        text += &format!(
            "[sites.{name}]\npublic_url = \"http://127.0.0.1:{port}\"\ntags = [\"posts\"]\n\
             [sites.{name}.secret]\nenv = \"DEMO_SECRET\"\n\
             [[sites.{name}.routes]]\npath = \"/\"\n[[sites.{name}.routes]]\npath = \"/blog/hello\"\ntags = [\"posts\"]\n\
             [[sites.{name}.routes]]\npattern = \"/blog/[slug]\"\ntype = \"page\"\n"
        );
    }
    let config = isrctl::model::config::parse(&text, Path::new("demo.toml")).unwrap();
    let mut state = State::new(
        &config,
        &isrctl::history::LastStates::default(),
        false,
        Theme { color: false },
    );
    state.now = noon();
    state.zone = jiff::tz::TimeZone::UTC;
    state.reason_asked = true;
    state
}

/// A fixed clock, so relative times and activity stamps are stable.
pub fn noon() -> jiff::Timestamp {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

pub fn state(read_only: bool, color: bool) -> State {
    let config = isrctl::model::config::parse(CONFIG, Path::new("demo.toml")).unwrap();
    let mut state = State::new(
        &config,
        &isrctl::history::LastStates::default(),
        read_only,
        Theme { color },
    );
    state.now = noon();
    // Snapshots must not depend on the machine's zone.
    state.zone = jiff::tz::TimeZone::UTC;
    // As after the first send's "why?" was answered (its own test asks it).
    state.reason_asked = true;
    state
}

pub fn key(c: char) -> Message {
    Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Message {
    Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Feed messages; return every command they produced.
pub fn feed(state: &mut State, messages: impl IntoIterator<Item = Message>) -> Vec<Command> {
    messages
        .into_iter()
        .flat_map(|m| update(state, m))
        .collect()
}

/// `:LINE` Enter on the console's command line.
pub fn command_line(line: &str) -> Vec<Message> {
    let mut keys = vec![key(':')];
    keys.extend(typed(line));
    keys.push(code(KeyCode::Enter));
    keys
}

pub fn typed(text: &str) -> Vec<Message> {
    text.chars().map(key).collect()
}

/// The engine's id of a site of [`CONFIG`] (its position there).
pub fn site_id(name: &str) -> usize {
    match name {
        "healthy" => 0,
        "token-mismatch" => 1,
        // The demo's other two, in `DEMO_SITES` only.
        "stale-cdn" => 2,
        "silent-noop" => 3,
        other => panic!("no site {other} in the test config"),
    }
}

pub fn finished(site: &str, target: Target, outcome: Outcome) -> Message {
    Message::Engine(EngineEvent::Finished {
        site: site_id(site),
        request: format!(
            "POST http://127.0.0.1:47810/api/revalidate?secret=***&path={}",
            target.value
        ),
        target,
        outcome: Box::new(outcome),
    })
}

/// A 401 as the classifier builds it from a real answer.
pub fn unauthorized() -> Outcome {
    let redactor = isrctl::model::redact::Redactor::default();
    let answer = isrctl::wire::revalidation::Answer {
        status: 401,
        body: br#"{"message":"Invalid token"}"#,
        is_html: false,
        retry_after: None,
        location: None,
        whole: true,
        redactor: &redactor,
        parsed: Default::default(),
    };
    let mut outcome = isrctl::wire::revalidation::classify(
        &answer,
        isrctl::model::endpoint::SuccessRule::RevalidatedTrue,
    );
    outcome.latency_ms = Some(3);
    outcome
}

pub fn revalidated() -> Outcome {
    let mut outcome = Outcome::new(
        isrctl::model::outcome::OutcomeKind::Revalidated,
        "the endpoint confirmed the revalidation",
    )
    .with_status(200);
    outcome.latency_ms = Some(12);
    outcome
}

/// Targets as the console plans them for the `healthy` site.
pub fn planned(targets: Vec<Target>) -> Vec<isrctl::engine::Planned> {
    let config = isrctl::model::config::parse(CONFIG, Path::new("demo.toml")).unwrap();
    isrctl::engine::plan(&config.sites[0], targets, false)
}

/// A verification of `path` on `site` with this verdict (no layers), as
/// the engine reports it after `v`.
pub fn verified(site: &str, path: &str, verdict: isrctl::engine::checks::Verdict) -> Message {
    verified_or_stopped(site, path, verdict, false)
}

/// The same, `stopped` when a cancel cut the watch short (the engine's
/// verdict is then `could_not_tell`).
pub fn verified_or_stopped(
    site: &str,
    path: &str,
    verdict: isrctl::engine::checks::Verdict,
    stopped: bool,
) -> Message {
    let target = Target::path(path);
    let verification = isrctl::engine::checks::Verification {
        site: site.to_string(),
        target: target.clone(),
        page: path.to_string(),
        verdict,
        explanation: "Next.js regenerated the page; the CDN serves a copy 2 min old and may keep it 58 min more, until 12:58 UTC (age 120 s of s-maxage=3600)".into(),
        fix: Some("purge the page at the CDN (isrctl fresh does it)".into()),
        outcome: revalidated(),
        layers: Vec::new(),
        rsc: None,
        cdn_was_stale: false,
        cache_topology: None,
        elapsed_ms: 900,
        deadline_ms: 10_000,
        stopped,
    };
    Message::Engine(EngineEvent::Verified {
        site: site_id(site),
        target,
        request: format!("POST http://127.0.0.1:47810/api/revalidate?secret=***&path={path}"),
        outcome: Box::new(revalidated()),
        verifications: vec![verification],
    })
}

/// The console drawn once on a terminal of `width` × `height`.
pub fn render(
    state: &State,
    width: u16,
    height: u16,
) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal
        .draw(|frame| isrctl::tui::view::view(state, frame))
        .unwrap();
    terminal
}

/// The screen's text, as a user reads it.
pub fn screen(state: &State, width: u16, height: u16) -> String {
    render(state, width, height).backend().to_string()
}
