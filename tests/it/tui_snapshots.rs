//! Whole screens, as a user sees them, at 80×24 and 120×40; and no panic
//! at any size from 1×1 to 300×100.

use crate::common;

use common::console::*;
use crossterm::event::KeyCode;
use isrctl::model::target::Target;
use isrctl::tui::message::Message;
use isrctl::tui::state::State;
use ratatui::style::{Color, Modifier};

/// Two results in: one revalidated, one 401 on the other site.
fn with_results() -> State {
    let mut s = state(false, true);
    feed(
        &mut s,
        [finished(
            "healthy",
            Target::path("/blog/hello"),
            revalidated(),
        )],
    );
    feed(
        &mut s,
        [finished(
            "token-mismatch",
            Target::path("/blog/hello"),
            unauthorized(),
        )],
    );
    feed(&mut s, [key('j'), key('j')]);
    s
}

#[test]
fn sites_and_routes() {
    let s = with_results();
    insta::assert_snapshot!("sites_routes_80x24", screen(&s, 80, 24));
    insta::assert_snapshot!("sites_routes_120x40", screen(&s, 120, 40));
}

#[test]
fn activity_with_a_401_explained() {
    let mut s = with_results();
    feed(
        &mut s,
        [code(KeyCode::BackTab), key('j'), code(KeyCode::Enter)],
    );
    let text = screen(&s, 120, 40);
    assert!(text.contains("unauthorized 401"));
    assert!(text.contains("fix: token mismatch"));
    assert!(text.contains("secret=***"));
    insta::assert_snapshot!("activity_401_80x24", screen(&s, 80, 24));
    insta::assert_snapshot!("activity_401_120x40", text);
}

#[test]
fn confirmation_dialog() {
    let mut s = state(false, true);
    feed(&mut s, [key(' '), key(' '), key(' '), key('r')]);
    let text = screen(&s, 80, 24);
    assert!(text.contains("Revalidate 3 targets on healthy?"));
    insta::assert_snapshot!("confirm_80x24", text);
    insta::assert_snapshot!("confirm_120x40", screen(&s, 120, 40));
}

#[test]
fn help_overlay() {
    let mut s = state(false, true);
    feed(&mut s, [key('?')]);
    insta::assert_snapshot!("help_80x24", screen(&s, 80, 24));
    insta::assert_snapshot!("help_120x40", screen(&s, 120, 40));
}

#[test]
fn read_only_banner_and_no_sending_keys() {
    let mut s = state(true, true);
    feed(&mut s, [key('r')]);
    let text = screen(&s, 80, 24);
    assert!(text.contains("READ-ONLY"));
    let footer = text.lines().last().unwrap();
    assert!(
        !footer.contains("revalidate") && !footer.contains(" t tag"),
        "{footer}"
    );
    insta::assert_snapshot!("read_only_80x24", text);
    insta::assert_snapshot!("read_only_120x40", screen(&s, 120, 40));
}

#[test]
fn no_color_keeps_the_selection_visible() {
    let s = with_results();
    let terminal = render(&s, 80, 24);
    let buffer = terminal.backend().buffer();
    let colored = buffer
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    let colored_with_color = {
        let mut c = with_results();
        c.theme.color = true;
        let t = render(&c, 80, 24);
        t.backend()
            .buffer()
            .content()
            .iter()
            .filter(|c| c.fg != Color::Reset)
            .count()
    };
    assert!(colored_with_color > 0, "the color theme does use color");
    let s = {
        let mut s = s;
        s.theme.color = false;
        s
    };
    let terminal = render(&s, 80, 24);
    let buffer = terminal.backend().buffer();
    let colored_now = buffer
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(colored_now, 0, "NO_COLOR: no cell has a colour");
    let _ = colored;
    // The selected route's row is drawn in reverse video.
    let row = (0..24u16)
        .find(|&y| {
            (0..80u16)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .contains("/blog/hello")
        })
        .unwrap();
    let reversed = (0..80u16)
        .filter(|&x| buffer[(x, row)].modifier.contains(Modifier::REVERSED))
        .count();
    assert!(reversed > 20, "the selection is visible without colour");
    insta::assert_snapshot!("no_color_80x24", terminal.backend().to_string());
    insta::assert_snapshot!("no_color_120x40", screen(&s, 120, 40));
}

#[test]
fn terminal_too_small_says_so() {
    let s = state(false, true);
    assert!(screen(&s, 30, 6).contains("terminal too small"));
}

#[test]
fn no_panic_at_any_size() {
    let mut states = vec![with_results(), state(true, false)];
    for keys in [
        vec![key('?')],
        vec![key(' '), key(' '), key('r')],
        vec![key('a')],
        vec![key('t')],
        vec![key('/')],
    ] {
        let mut s = with_results();
        feed(&mut s, keys);
        states.push(s);
    }
    // One with a checklist streaming in.
    let mut checking = with_results();
    feed(&mut checking, [key('c')]);
    let mut finding = isrctl::engine::checks::Finding::new(
        isrctl::engine::checks::CheckId::CacheLayers,
        isrctl::engine::checks::Severity::Problem,
        "the CDN serves a copy 1,800 s old and may keep it 1,800 s more (s-maxage=3600)",
    )
    .evidence("public: 200 · varnish HIT · age 1800 s")
    .fix("purge the page at the CDN");
    finding.path = Some("/blog/hello".into());
    feed(
        &mut checking,
        [isrctl::tui::message::Message::Engine(
            isrctl::tui::message::EngineEvent::Check {
                site: 0,
                event: isrctl::engine::checks::CheckEvent::Finding(finding),
            },
        )],
    );
    assert!(
        screen(&checking, 120, 40).contains("✗ /blog/hello: the CDN serves a copy 1,800 s old")
    );
    states.push(checking);
    // Every width at a few heights, and every height at a few widths.
    let sizes: Vec<(u16, u16)> = (1..=300u16)
        .flat_map(|w| [1, 10, 24].map(|h| (w, h)))
        .chain((1..=100u16).flat_map(|h| [1, 40, 80].map(|w| (w, h))))
        .chain([(300, 100), (120, 40)])
        .collect();
    for s in &states {
        for &(width, height) in &sizes {
            render(s, width, height);
        }
    }
}

/// A purge shows in the VERIFIED column until a newer verdict replaces it,
/// and in the details pane as "purged just now".
#[test]
fn a_purge_shows_in_the_table_and_the_details() {
    use isrctl::engine::EngineEvent;
    use isrctl::model::purge::{PurgeItem, PurgeKind, PurgeOutcome};
    use isrctl::tui::message::Message;
    let mut s = with_results();
    let outcome = PurgeOutcome {
        provider: "varnish",
        call: "PURGE http://127.0.0.1:47813/blog/hello (Host: 127.0.0.1:47813)".into(),
        covers: vec![PurgeItem::Path("/blog/hello".into())],
        kind: PurgeKind::Purged,
        explanation: "varnish purged it".into(),
        fix: None,
        status: Some(200),
        message: None,
        latency_ms: Some(2),
        invalidation: None,
    };
    feed(
        &mut s,
        [Message::Engine(EngineEvent::Purged {
            site: 0,
            target: None,
            outcome: Box::new(outcome),
        })],
    );
    let text = screen(&s, 120, 40);
    let row = text
        .lines()
        .find(|l| l.contains("/blog/hello "))
        .unwrap()
        .to_string();
    assert!(row.contains("purged"), "{row}");
    assert!(text.contains("purged just now"), "{text}");
}

/// After `v`, the verdict and what to do about it (the key that does it)
/// open the details pane, above the fold at every size the README names.
#[test]
fn the_verdict_and_its_fix_come_first_at_every_size() {
    use isrctl::engine::checks::Verdict;
    let mut s = state(false, true);
    feed(&mut s, [key('j'), key('j')]);
    assert_eq!(s.selected_route().unwrap().path, "/blog/hello");
    feed(
        &mut s,
        [verified(
            "healthy",
            "/blog/hello",
            Verdict::FreshAtOriginStaleAtCdn,
        )],
    );
    for (width, height) in [(80, 24), (120, 40), (60, 16), (40, 10)] {
        let text = screen(&s, width, height);
        assert!(
            text.contains("✗ fresh_at_origin_stale_at_cdn"),
            "{width}×{height}:\n{text}"
        );
        assert!(text.contains("press f "), "{width}×{height}:\n{text}");
        if (width, height) == (80, 24) {
            assert_eq!(
                readme_picture(),
                plain(&s, 80, 24),
                "the README's console picture"
            );
        }
        insta::assert_snapshot!(format!("verdict_first_{width}x{height}"), text);
    }
    // A revalidation after the verification: the verdict is old news,
    // marked so in the table; the answer is the revalidation now.
    let later = s.now + jiff::SignedDuration::from_secs(60);
    feed(
        &mut s,
        [
            Message::Tick(later),
            finished("healthy", Target::path("/blog/hello"), revalidated()),
        ],
    );
    let text = screen(&s, 80, 24);
    assert!(text.contains("✓ revalidated 200"), "{text}");
    assert!(text.contains("cdn stale?"), "{text}");
}

/// Below 60×16 the panes take turns: the routes (with the answer's two
/// lines under them), Tab to the details; PATH keeps its room.
#[test]
fn a_small_terminal_shows_one_pane_at_a_time() {
    let mut s = with_results();
    let text = screen(&s, 40, 10);
    assert!(
        text.contains("┌▶Routes") && !text.contains("Sites"),
        "{text}"
    );
    assert!(text.contains("/blog/hello"), "{text}");
    feed(&mut s, [code(KeyCode::Tab)]);
    let text = screen(&s, 40, 10);
    assert!(
        text.contains("┌▶Details") && !text.contains("Routes"),
        "{text}"
    );
}

/// `z` gives the details pane the whole body, and back.
#[test]
fn z_zooms_the_details_pane() {
    let mut s = with_results();
    feed(&mut s, [key('z')]);
    let text = screen(&s, 80, 24);
    assert!(!text.contains("Sites"), "{text}");
    assert!(text.contains("┌▶Details"), "focused, and says so: {text}");
    feed(&mut s, [key('z')]);
    assert!(screen(&s, 80, 24).contains("┌ Sites"));
}

/// `G` in the details pane stops at its last screenful (not past it, into
/// an empty pane), and `k` then moves up at once.
#[test]
fn g_in_the_details_pane_stops_at_the_last_line() {
    let mut s = with_results();
    // 80×16: the details pane cannot show it all.
    feed(&mut s, [code(KeyCode::Tab), key('G')]);
    render(&s, 80, 16);
    feed(&mut s, [key('G')]);
    let bottom = s.details_scroll;
    assert!(bottom > 0 && bottom < 50, "{bottom}");
    let text = screen(&s, 80, 16);
    assert!(
        text.contains("12:00:00 healthy"),
        "the last line shows:\n{text}"
    );
    feed(&mut s, [key('k')]);
    assert_eq!(s.details_scroll, bottom - 1);
}

/// `t` says which tag Enter will send before it is pressed: typing "post"
/// selects the configured "posts".
#[test]
fn the_tag_picker_says_which_tag_enter_sends() {
    let mut s = state(false, true);
    feed(&mut s, [key('t')]);
    feed(&mut s, typed("post"));
    let text = screen(&s, 80, 24);
    assert!(
        text.contains("enter sends \"posts\" (the selected tag"),
        "{text}"
    );
}

/// The history view at 80×24 and 40×10: newest first, local time with its
/// zone, a problem outcome, the reason, and the selected record's words.
#[test]
fn the_history_view() {
    let mut s = with_results();
    let record = |site: &str, action: &str, outcome: &str, mins: i64| isrctl::history::Record {
        time: noon() - jiff::SignedDuration::from_mins(mins),
        operator: "ana@laptop".into(),
        site: site.into(),
        target: Target::path("/blog/hello"),
        action: action.into(),
        outcome: outcome.into(),
        status: Some(401),
        latency_ms: Some(3),
        message: Some("Invalid token".into()),
        reason: Some("price fix, ticket 123".into()),
        secret: None,
    };
    let records = vec![
        record("healthy", "purge", "purged", 45),
        record("token-mismatch", "revalidate", "unauthorized", 5),
    ];
    feed(
        &mut s,
        [Message::Engine(
            isrctl::tui::message::EngineEvent::HistoryLoaded { records },
        )],
    );
    feed(&mut s, [key('H')]);
    insta::assert_snapshot!("history_80x24", screen(&s, 80, 24));
    let picture = plain(&s, 80, 16);
    assert_eq!(
        readme_picture_after("The history view"),
        picture,
        "the README's history picture; now:\n{picture}"
    );
    insta::assert_snapshot!("history_40x10", screen(&s, 40, 10));
    for (w, h) in [(1, 1), (20, 5), (300, 100)] {
        render(&s, w, h);
    }
}

/// Help says what each key does and which of v, f and P to press; `/`
/// narrows it to the lines that mention a word.
#[test]
fn help_explains_the_keys_and_searches() {
    let mut s = with_results();
    feed(&mut s, [key('?')]);
    let whole = screen(&s, 120, 40);
    assert!(whole.contains("Which key fixes a stale page?"), "{whole}");
    assert!(
        whole.contains("P purge: the origins are already fresh"),
        "{whole}"
    );
    feed(&mut s, [key('/')]);
    feed(&mut s, typed("cdn"));
    feed(&mut s, [code(KeyCode::Enter)]);
    insta::assert_snapshot!("help_search_cdn_80x24", screen(&s, 80, 24));
}

/// The screen as plain lines, trailing blanks trimmed.
fn plain(state: &State, width: u16, height: u16) -> String {
    let terminal = render(state, width, height);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            let line: String = (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first picture in the README's console section.
fn readme_picture() -> String {
    readme_picture_after("## The console")
}

/// The README's first picture after `marker`, trailing blanks trimmed.
fn readme_picture_after(marker: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find(marker).unwrap()..];
    let start = section.find("```\n").unwrap() + 4;
    let end = start + section[start..].find("```").unwrap();
    section[start..end]
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each demo site after its key action, at every size the README names:
/// the answer (what happened and the key that fixes it) is above the fold,
/// and the message line says what the last action did.
#[test]
fn each_demo_site_after_its_key_action_at_every_size() {
    use isrctl::engine::checks::Verdict;
    let go_to = |s: &mut State, site: &str| {
        feed(s, [key(':')]);
        feed(s, typed(&format!("site {site}")));
        feed(s, [code(KeyCode::Enter)]);
    };
    // healthy: `t`, Enter sends the tag posts; its result has no row.
    let mut healthy = demo_sites();
    feed(&mut healthy, [key('t'), code(KeyCode::Enter)]);
    feed(
        &mut healthy,
        [finished("healthy", Target::tag("posts"), revalidated())],
    );
    // token-mismatch: `r` on /blog/hello: 401, with the fix.
    let mut mismatch = demo_sites();
    go_to(&mut mismatch, "token-mismatch");
    feed(&mut mismatch, [key('r')]);
    feed(
        &mut mismatch,
        [finished(
            "token-mismatch",
            Target::path("/blog/hello"),
            unauthorized(),
        )],
    );
    // stale-cdn: `v` on /blog/hello: the CDN keeps the old page; press f.
    let mut stale = demo_sites();
    go_to(&mut stale, "stale-cdn");
    feed(&mut stale, [key('j'), key('v')]);
    feed(
        &mut stale,
        [verified(
            "stale-cdn",
            "/blog/hello",
            Verdict::FreshAtOriginStaleAtCdn,
        )],
    );
    // silent-noop: `a blog/hello`, Enter: refused, the linter's fix offered.
    let mut noop = demo_sites();
    go_to(&mut noop, "silent-noop");
    feed(&mut noop, [key('a')]);
    feed(&mut noop, typed("blog/hello"));
    feed(&mut noop, [code(KeyCode::Enter)]);

    let cases: [(&str, &State, &str, &str); 4] = [
        ("healthy", &healthy, "tag posts revalidated 200", "posts"),
        (
            "mismatch",
            &mismatch,
            "unauthorized 401",
            "fix: token mismatch",
        ),
        (
            "stale_cdn",
            &stale,
            "✗ fresh_at_origin_stale_at_cdn",
            "press f",
        ),
        (
            "noop",
            &noop,
            "did you mean /blog/hello?",
            "tab: /blog/hello",
        ),
    ];
    for (name, state, answer, fix) in cases {
        for (width, height) in [(80, 24), (120, 40), (60, 16), (40, 10)] {
            let text = screen(state, width, height);
            let flat: String = text.lines().collect::<Vec<_>>().join("");
            let squeezed: String = flat.chars().filter(|c| !"│\" ".contains(*c)).collect();
            let want = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
            assert!(
                squeezed.contains(&want(answer)),
                "{name} {width}×{height}:\n{text}"
            );
            assert!(
                squeezed.contains(&want(fix)),
                "{name} {width}×{height}: {fix}\n{text}"
            );
            insta::assert_snapshot!(format!("demo_{name}_{width}x{height}"), text);
        }
    }
}

/// The "why?" prompt before the session's first send, at 80×24.
#[test]
fn the_reason_prompt() {
    let mut s = state(false, true);
    s.reason_asked = false;
    feed(&mut s, [key('j'), key('r')]);
    feed(&mut s, typed("price fix"));
    let text = screen(&s, 80, 24);
    assert!(text.contains("why? price fix"), "{text}");
    insta::assert_snapshot!("reason_prompt_80x24", text);
}

/// A verdict from before (history: fresh everywhere), then `c` finds the
/// CDN stale now: the answer at a glance is the checks', not the older
/// verdict that contradicts the list below it (issue 27, item 11).
#[test]
fn the_answer_is_the_newest_checks_not_an_older_verdict() {
    use isrctl::engine::EngineEvent;
    use isrctl::engine::checks::{CheckEvent, CheckId, Finding, Severity, Verdict};
    let mut s = state(false, true);
    feed(&mut s, [key('j'), key('j')]);
    feed(
        &mut s,
        [verified("healthy", "/blog/hello", Verdict::FreshEverywhere)],
    );
    assert!(screen(&s, 100, 30).contains("✓ fresh_everywhere"));
    let later = s.now + jiff::SignedDuration::from_secs(60);
    feed(&mut s, [Message::Tick(later), key('c')]);
    let mut stale = Finding::new(
        CheckId::CacheLayers,
        Severity::Problem,
        "the CDN serves a copy 5 min old",
    )
    .fix("purge the CDN");
    stale.path = Some("/blog/hello".into());
    feed(
        &mut s,
        [Message::Engine(EngineEvent::Check {
            site: 0,
            event: CheckEvent::Finding(stale),
        })],
    );
    let text = screen(&s, 100, 30);
    assert!(text.contains("✗ the CDN serves a copy 5 min old"), "{text}");
    assert!(!text.contains("✓ fresh_everywhere"), "{text}");
}
