//! The console's behaviour, driven through `update` with key messages and
//! engine events: no terminal, no network.

use crate::common;

use common::console::*;
use crossterm::event::KeyCode;
use isrctl::model::standing::Standing;
use isrctl::model::target::{PageType, Target};
use isrctl::tui::message::{Command, EngineEvent, Message};
use isrctl::tui::state::{Level, Modal, Pane};

#[test]
fn moving_and_switching_panes_and_sites() {
    let mut s = state(false, true);
    assert_eq!(s.focus, Pane::Routes);
    feed(&mut s, [key('j'), key('j')]);
    assert_eq!(s.selected_route().unwrap().path, "/blog/hello");
    feed(&mut s, [key('G')]);
    assert_eq!(s.selected_route().unwrap().path, "/products/1");
    feed(&mut s, [key('g'), code(KeyCode::BackTab), key('j')]);
    assert_eq!(s.focus, Pane::Sites);
    assert_eq!(s.site().unwrap().name, "token-mismatch");
    assert_eq!(s.visible.len(), 1, "the routes of the newly selected site");
    feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(s.focus, Pane::Routes);
}

#[test]
fn r_revalidates_the_selected_route_and_the_result_streams_in() {
    let mut s = state(false, true);
    let commands = feed(&mut s, [key('j'), key('j'), key('r')]);
    assert_eq!(
        commands,
        vec![Command::Revalidate {
            site: 0,
            targets: planned(vec![Target::path("/blog/hello")])
        }]
    );
    assert_eq!(s.in_flight, 1);
    assert!(s.is_pending(s.site_id("healthy").unwrap(), &Target::path("/blog/hello")));

    feed(
        &mut s,
        [finished(
            "healthy",
            Target::path("/blog/hello"),
            revalidated(),
        )],
    );
    assert_eq!(s.in_flight, 0);
    let result = s
        .result_for(s.site_id("healthy").unwrap(), &Target::path("/blog/hello"))
        .unwrap();
    assert_eq!(result.outcome, "revalidated");
    assert_eq!(result.status, Some(200));
    assert_eq!(
        s.health(0),
        Standing::Unknown,
        "a revalidation says nothing of the page until it is verified"
    );
    assert!(s.activity[0].text.contains("/blog/hello revalidated 200"));
}

#[test]
fn a_pattern_route_is_sent_with_its_type() {
    let mut s = state(false, true);
    let commands = feed(&mut s, [key('j'), key('j'), key('j'), key('j'), key('r')]);
    assert_eq!(
        commands,
        vec![Command::Revalidate {
            site: 0,
            targets: planned(vec![Target::pattern("/blog/[slug]", PageType::Page)])
        }]
    );
}

#[test]
fn several_targets_ask_first_with_cancel_focused() {
    let mut s = state(false, true);
    // Space marks and moves down: marks / and /about.
    assert!(feed(&mut s, [key(' '), key(' '), key('r')]).is_empty());
    let Some(Modal::Confirm {
        targets,
        send_focused,
        ..
    }) = &s.modal
    else {
        panic!("expected a confirmation, got {:?}", s.modal);
    };
    assert_eq!(targets.len(), 2);
    assert!(!send_focused, "Cancel is focused by default");
    // Enter on Cancel sends nothing.
    assert!(feed(&mut s, [code(KeyCode::Enter)]).is_empty());
    assert!(s.modal.is_none());
    assert_eq!(s.in_flight, 0);
    // Esc also cancels.
    feed(&mut s, [key('r')]);
    assert!(feed(&mut s, [code(KeyCode::Esc)]).is_empty());
    assert!(s.modal.is_none());
    // Tab to Send, Enter sends both.
    let commands = feed(&mut s, [key('r'), code(KeyCode::Tab), code(KeyCode::Enter)]);
    assert_eq!(
        commands,
        vec![Command::Revalidate {
            site: 0,
            targets: planned(vec![Target::path("/"), Target::path("/about")])
        }]
    );
    assert_eq!(s.in_flight, 2);
    assert!(s.marked_routes().is_empty(), "marks are cleared once sent");
}

#[test]
fn ctrl_a_marks_every_shown_route() {
    let mut s = state(false, true);
    feed(&mut s, [key('/')]);
    feed(&mut s, typed("blog"));
    feed(&mut s, [code(KeyCode::Enter), ctrl('a')]);
    assert_eq!(s.marked_routes().len(), 3);
    feed(&mut s, [key('r')]);
    assert!(matches!(&s.modal, Some(Modal::Confirm { targets, .. }) if targets.len() == 3));
}

#[test]
fn read_only_refuses_every_sending_action() {
    let mut s = state(true, true);
    for message in [key('r'), key('t'), key('a'), key('f'), key('P')] {
        assert!(feed(&mut s, [message]).is_empty());
        assert!(s.modal.is_none(), "no dialog opens in read-only mode");
        assert!(matches!(&s.status, Some((Level::Problem, text)) if text.contains("read-only")));
    }
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("path /about"));
    assert!(feed(&mut s, [code(KeyCode::Enter)]).is_empty());
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("tag posts"));
    assert!(feed(&mut s, [code(KeyCode::Enter)]).is_empty());
    assert_eq!(s.in_flight, 0);
    // Looking is still allowed.
    feed(&mut s, [key('j')]);
    assert_eq!(s.route_idx, 1);
    assert!(matches!(
        feed(&mut s, [key('y')]).as_slice(),
        [Command::Copy(_)]
    ));
}

#[test]
fn f_makes_the_selection_fresh_and_asks_first_for_several() {
    let mut s = state(false, true);
    let commands = feed(&mut s, [key('j'), key('f')]);
    assert_eq!(
        commands,
        vec![Command::Fresh {
            site: 0,
            targets: planned(vec![Target::path("/about")])
        }]
    );
    assert_eq!(s.in_flight, 1, "until its FreshDone");
    feed(&mut s, [key(' '), key(' '), key('f')]);
    assert!(
        matches!(&s.modal, Some(Modal::Confirm { targets, .. }) if targets.len() == 2),
        "{:?}",
        s.modal
    );
    let commands = feed(&mut s, [code(KeyCode::Tab), code(KeyCode::Enter)]);
    assert!(matches!(commands.as_slice(), [Command::Fresh { targets, .. }] if targets.len() == 2));
}

#[test]
fn p_without_a_purge_configured_says_how_to_configure_one() {
    let mut s = state(false, true);
    assert!(feed(&mut s, [key('j'), key('P')]).is_empty());
    assert!(
        matches!(&s.status, Some((Level::Problem, text)) if text.contains("has no [sites.healthy.purge]")),
        "{:?}",
        s.status
    );
}

#[test]
fn p_purges_the_selected_pages_and_asks_first_for_several() {
    let text = "[sites.cdn]\npublic_url = \"http://127.0.0.1:9\"\n[sites.cdn.secret]\nenv = \"X\"\n\
                [sites.cdn.purge]\nprovider = \"varnish\"\n\
                [[sites.cdn.routes]]\npath = \"/a\"\n[[sites.cdn.routes]]\npath = \"/b\"\n";
    let config = isrctl::model::config::parse(text, std::path::Path::new("p.toml")).unwrap();
    let mut s = isrctl::tui::state::State::new(
        &config,
        &isrctl::history::LastStates::default(),
        false,
        isrctl::tui::theme::Theme { color: true },
    );
    s.reason_asked = true;
    use isrctl::model::purge::PurgeItem;
    assert_eq!(
        feed(&mut s, [key('P')]),
        vec![Command::Purge {
            site: 0,
            items: vec![PurgeItem::Path("/a".into())]
        }]
    );
    feed(&mut s, [ctrl('a'), key('P')]);
    assert!(matches!(&s.modal, Some(Modal::Confirm { targets, .. }) if targets.len() == 2));
    let commands = feed(&mut s, [code(KeyCode::Tab), code(KeyCode::Enter)]);
    assert!(matches!(commands.as_slice(), [Command::Purge { items, .. }] if items.len() == 2));
}

/// A purge is work in flight until the engine says the run is done: a
/// CloudFront invalidation polls for minutes, and the header must not say
/// idle meanwhile (its Purged events come before the end of the run).
#[test]
fn a_purge_counts_as_in_flight_until_its_run_is_done() {
    let text = "[sites.cdn]\npublic_url = \"http://127.0.0.1:9\"\n[sites.cdn.secret]\nenv = \"X\"\n\
                [sites.cdn.purge]\nprovider = \"varnish\"\n\
                [[sites.cdn.routes]]\npath = \"/a\"\n";
    let config = isrctl::model::config::parse(text, std::path::Path::new("p.toml")).unwrap();
    let mut s = isrctl::tui::state::State::new(
        &config,
        &isrctl::history::LastStates::default(),
        false,
        isrctl::tui::theme::Theme { color: false },
    );
    s.reason_asked = true;
    let header = |s: &isrctl::tui::state::State| {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| isrctl::tui::view::view(s, f)).unwrap();
        terminal
            .backend()
            .to_string()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    feed(&mut s, [key('P')]);
    assert!(header(&s).contains("1 in flight"), "{}", header(&s));
    let outcome = isrctl::model::purge::PurgeOutcome {
        provider: "varnish",
        call: "PURGE http://127.0.0.1:9/a".into(),
        covers: vec![isrctl::model::purge::PurgeItem::Path("/a".into())],
        kind: isrctl::model::purge::PurgeKind::Purged,
        explanation: String::new(),
        fix: None,
        status: Some(200),
        message: None,
        latency_ms: Some(1),
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
    assert!(header(&s).contains("1 in flight"), "{}", header(&s));
    feed(
        &mut s,
        [Message::Engine(EngineEvent::PurgeDone {
            site: 0,
            items: 1,
        })],
    );
    assert!(header(&s).contains("idle"), "{}", header(&s));
}

#[test]
fn filter_narrows_the_routes_as_you_type_and_esc_clears_it() {
    let mut s = state(false, true);
    feed(&mut s, [key('/')]);
    feed(&mut s, typed("prod"));
    assert_eq!(s.visible.len(), 1);
    assert_eq!(s.selected_route().unwrap().path, "/products/1");
    feed(&mut s, [code(KeyCode::Enter)]);
    assert!(s.modal.is_none());
    assert_eq!(s.filter, "prod", "Enter keeps the filter");
    feed(&mut s, [code(KeyCode::Esc)]);
    assert_eq!(s.visible.len(), 6);
    // Tags match too.
    feed(&mut s, [key('/')]);
    feed(&mut s, typed("posts"));
    assert_eq!(s.visible.len(), 3);
}

/// Typing narrows from what is shown (a longer filter can only match
/// fewer routes); erasing, or new routes arriving, looks at them all
/// again. Either way the list is exactly what matches.
#[test]
fn every_filter_keystroke_shows_exactly_what_matches() {
    let expected = |s: &isrctl::tui::state::State| -> Vec<usize> {
        let needle = s.filter.to_lowercase();
        let has = |text: &str| text.to_lowercase().contains(&needle);
        s.sites[s.site_idx]
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                has(&r.path) || r.tags.iter().any(|t| has(t)) || r.labels.iter().any(|l| has(l))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let mut s = state(false, true);
    feed(&mut s, [key('/')]);
    let back = || code(KeyCode::Backspace);
    for message in [
        key('P'),
        key('o'),
        back(),
        key('r'),
        key('o'),
        back(),
        back(),
        back(),
        key('s'),
        key('T'),
    ] {
        feed(&mut s, [message]);
        assert_eq!(s.visible, expected(&s), "filter {:?}", s.filter);
    }
    feed(&mut s, [back(), back(), key('p'), key('o')]);
    let mut routes = s.sites[0].routes.to_vec();
    routes.push(sitemap_page("/porch".into()));
    sitemap_arrives(&mut s, routes);
    feed(&mut s, [key('r')]);
    assert_eq!(s.visible, expected(&s), "filter {:?}", s.filter);
    assert!(
        s.visible
            .iter()
            .any(|&i| s.sites[0].routes[i].path == "/porch")
    );
}

#[test]
fn ad_hoc_path_is_linted_as_typed_and_refused_until_fixed() {
    let mut s = state(false, true);
    feed(&mut s, [key('a')]);
    feed(&mut s, typed("about"));
    assert_eq!(
        s.ad_hoc_refusal("about")
            .unwrap()
            .split(" (")
            .next()
            .unwrap(),
        "paths start with '/': did you mean /about?"
    );
    assert!(
        feed(&mut s, [code(KeyCode::Enter)]).is_empty(),
        "a refused path is not sent"
    );
    assert!(
        matches!(s.modal, Some(Modal::Input { .. })),
        "the input stays open to fix it"
    );
    feed(&mut s, [code(KeyCode::Home), key('/')]);
    let commands = feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(
        commands,
        vec![Command::Revalidate {
            site: 0,
            targets: planned(vec![Target::path("/about")])
        }]
    );
    // A dynamic pattern typed without a type is refused too.
    assert!(
        s.ad_hoc_refusal("/blog/[slug]")
            .unwrap()
            .contains("dynamic pattern")
    );
}

#[test]
fn t_picks_a_configured_tag_or_sends_a_typed_one() {
    let mut s = state(false, true);
    let commands = feed(
        &mut s,
        [key('t'), code(KeyCode::Down), code(KeyCode::Enter)],
    );
    assert_eq!(
        commands,
        vec![Command::Revalidate {
            site: 0,
            targets: planned(vec![Target::tag("products")])
        }]
    );
    // A tag no route or site lists asks first (a typo goes out silently:
    // Next.js accepts any tag); Tab, Enter sends it anyway.
    feed(&mut s, [key('t')]);
    feed(&mut s, typed("campaign-7"));
    assert!(feed(&mut s, [code(KeyCode::Enter)]).is_empty());
    assert!(
        matches!(&s.modal, Some(Modal::Confirm { reason: Some(r), .. }) if r.contains("no route or site lists the tag"))
    );
    let commands = feed(&mut s, [code(KeyCode::Tab), code(KeyCode::Enter)]);
    assert_eq!(
        commands,
        vec![Command::Revalidate {
            site: 0,
            targets: planned(vec![Target::tag("campaign-7")])
        }]
    );
    // Esc closes the picker without sending.
    assert!(feed(&mut s, [key('t'), code(KeyCode::Esc)]).is_empty());
}

#[test]
fn y_copies_a_curl_that_names_the_secret_variable() {
    let mut s = state(false, true);
    let commands = feed(&mut s, [key('j'), key('y')]);
    let [Command::Copy(curl)] = commands.as_slice() else {
        panic!("expected one copy, got {commands:?}");
    };
    assert_eq!(
        curl,
        "curl -sS -X 'POST' 'http://127.0.0.1:47810/api/revalidate?secret='\"${HEALTHY_REVALIDATE_SECRET}\"'&path=%2Fabout'"
    );
    assert!(
        s.status.as_ref().unwrap().1.contains(curl.as_str()),
        "the command is shown too"
    );
}

#[test]
fn typos_in_typed_paths_and_tags_ask_first_and_say_why() {
    let mut s = state(false, true);
    for line in ["path /blgo/hello", "tag postz", "path /blog/nope/deeper"] {
        feed(&mut s, [key(':')]);
        feed(&mut s, typed(line));
        assert!(
            feed(&mut s, [code(KeyCode::Enter)]).is_empty(),
            ":{line} is not sent at once"
        );
        let Some(Modal::Confirm {
            reason: Some(reason),
            send_focused: false,
            ..
        }) = &s.modal
        else {
            panic!(":{line}: expected a confirmation, got {:?}", s.modal);
        };
        assert!(reason.contains("a typo?"), "{reason}");
        // Enter on the focused Cancel sends nothing.
        assert!(feed(&mut s, [code(KeyCode::Enter)]).is_empty());
        assert_eq!(s.in_flight, 0);
    }
    // Known ones go at once, a path a pattern covers included.
    for (line, target) in [
        ("path /blog/hello", Target::path("/blog/hello")),
        ("path /blog/other-post", Target::path("/blog/other-post")),
        ("tag posts", Target::tag("posts")),
    ] {
        feed(&mut s, [key(':')]);
        feed(&mut s, typed(line));
        let commands = feed(&mut s, [code(KeyCode::Enter)]);
        assert_eq!(
            commands,
            vec![Command::Revalidate {
                site: 0,
                targets: planned(vec![target])
            }],
            ":{line}"
        );
    }
}

#[test]
fn command_line_selects_sites_and_sends_paths_and_tags() {
    let mut s = state(false, true);
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("site token-mismatch"));
    feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(s.site().unwrap().name, "token-mismatch");
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("tag posts"));
    let commands = feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(
        commands,
        vec![Command::Revalidate {
            site: 1,
            targets: planned(vec![Target::tag("posts")])
        }]
    );
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("path blog"));
    assert!(
        feed(&mut s, [code(KeyCode::Enter)]).is_empty(),
        "linted like an ad-hoc path"
    );
    feed(&mut s, [code(KeyCode::Esc), key(':')]);
    feed(&mut s, typed("nonsense"));
    feed(&mut s, [code(KeyCode::Enter)]);
    assert!(matches!(&s.status, Some((Level::Problem, t)) if t.contains("unknown command")));
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("q"));
    let commands = feed(&mut s, [code(KeyCode::Enter)]);
    assert!(s.quit);
    assert_eq!(
        commands,
        vec![Command::CancelAll],
        "sends in flight are stopped"
    );
}

#[test]
fn quitting_with_requests_in_flight_stops_them() {
    let mut s = state(false, true);
    feed(&mut s, [key('r')]);
    assert_eq!(feed(&mut s, [key('q')]), vec![Command::CancelAll]);
    assert!(s.quit);
    let mut s = state(false, true);
    assert_eq!(feed(&mut s, [ctrl('c')]), Vec::<Command>::new());
    assert!(s.quit);
}

#[test]
fn esc_stops_sending_when_nothing_else_is_open() {
    let mut s = state(false, true);
    feed(&mut s, [key('r')]);
    assert_eq!(feed(&mut s, [code(KeyCode::Esc)]), vec![Command::CancelAll]);
}

/// `?` opens help; keys there scroll and search it and never act on the
/// routes behind it; Esc, q or ? close it.
#[test]
fn help_opens_on_question_mark_searches_and_closes_on_esc() {
    let mut s = state(false, true);
    feed(&mut s, [key('?')]);
    assert!(matches!(s.modal, Some(Modal::Help(_))));
    assert!(
        feed(&mut s, [key('r')]).is_empty(),
        "r in help sends nothing"
    );
    feed(&mut s, [key('/')]);
    feed(&mut s, typed("purge"));
    feed(&mut s, [code(KeyCode::Enter)]);
    let Some(Modal::Help(view)) = &s.modal else {
        panic!("help stays open: {:?}", s.modal)
    };
    assert_eq!(view.search, "purge");
    for close in [code(KeyCode::Esc), key('q'), key('?')] {
        feed(&mut s, [key('?')]);
        assert!(feed(&mut s, [close]).is_empty());
        assert!(s.modal.is_none());
    }
}

#[test]
fn a_run_that_cannot_start_is_reported_and_counted_down() {
    let mut s = state(false, true);
    feed(&mut s, [key('r')]);
    feed(
        &mut s,
        [Message::Engine(EngineEvent::NotStarted {
            site: 0,
            targets: vec![Target::path("/")],
            reason: isrctl::engine::StartError::Secret(
                isrctl::model::trouble::Trouble::unavailable(
                    "secret from env HEALTHY_REVALIDATE_SECRET: not set",
                ),
            ),
        })],
    );
    assert_eq!(s.in_flight, 0);
    assert!(!s.is_pending(s.site_id("healthy").unwrap(), &Target::path("/")));
    assert!(matches!(&s.status, Some((Level::Problem, t)) if t.contains("not set")));
}

#[test]
fn a_401_marks_the_site_failing_with_the_explanation_kept() {
    let mut s = state(false, true);
    feed(
        &mut s,
        [finished(
            "token-mismatch",
            Target::path("/blog/hello"),
            unauthorized(),
        )],
    );
    assert_eq!(s.health(1), Standing::Stale);
    let result = s
        .result_for(
            s.site_id("token-mismatch").unwrap(),
            &Target::path("/blog/hello"),
        )
        .unwrap();
    assert!(result.fix.as_ref().unwrap().contains("token mismatch"));
    assert_eq!(result.message.as_deref(), Some("Invalid token"));
}

#[test]
fn c_runs_the_checks_for_the_selection_and_findings_stream_into_a_checklist() {
    use isrctl::engine::checks::{CheckEvent, CheckId, Finding, Severity};
    let mut s = state(false, true);
    let commands = feed(&mut s, [key('j'), key('j'), key('c')]);
    assert_eq!(
        commands,
        vec![Command::RunChecks {
            site: 0,
            paths: vec!["/blog/hello".into()]
        }]
    );
    assert_eq!(s.in_flight, 1);
    let finding = Finding::new(
        CheckId::CacheLayers,
        Severity::Problem,
        "the CDN serves a copy 1,800 s old",
    )
    .fix("purge the CDN");
    feed(
        &mut s,
        [Message::Engine(EngineEvent::Check {
            site: 0,
            event: CheckEvent::Finding(finding),
        })],
    );
    let list = s.checklist.as_ref().unwrap();
    assert_eq!(list.findings.len(), 1);
    assert!(!list.done);
    feed(
        &mut s,
        [Message::Engine(EngineEvent::ChecksDone { site: 0 })],
    );
    assert!(s.checklist.as_ref().unwrap().done);
    assert_eq!(s.in_flight, 0);
    assert!(s.activity[0].text.contains("worst problem"));
    // Checks change nothing: read-only allows them.
    let mut ro = state(true, true);
    assert!(matches!(
        feed(&mut ro, [key('c')]).as_slice(),
        [Command::RunChecks { .. }]
    ));
}

#[test]
fn p_probes_the_selected_page_and_v_revalidates_and_verifies() {
    let mut s = state(false, true);
    assert_eq!(
        feed(&mut s, [key('j'), key('p')]),
        vec![Command::Probe {
            site: 0,
            path: "/about".into()
        }]
    );
    feed(
        &mut s,
        [Message::Engine(EngineEvent::Probed {
            site: 0,
            page: isrctl::engine::checks::cache_layers::ProbedPage::new(
                "/about".into(),
                Vec::new(),
                isrctl::model::config::CacheTopology::Unknown,
            ),
        })],
    );
    assert!(
        s.probe_for(s.site_id("healthy").unwrap(), "/about")
            .is_some()
    );
    assert_eq!(s.in_flight, 0);
    assert_eq!(
        feed(&mut s, [key('v')]),
        vec![Command::Verify {
            site: 0,
            targets: planned(vec![Target::path("/about")])
        }]
    );
    // Several targets: confirmed first, as for r.
    feed(&mut s, [key(' '), key(' ')]);
    feed(&mut s, [key('v')]);
    assert!(matches!(&s.modal, Some(Modal::Confirm { .. })));
    let commands = feed(&mut s, [code(KeyCode::Tab), code(KeyCode::Enter)]);
    assert!(matches!(commands.as_slice(), [Command::Verify { targets, .. }] if targets.len() == 2));
    // v sends: read-only refuses it.
    let mut ro = state(true, true);
    assert!(feed(&mut ro, [key('v')]).is_empty());
}

#[test]
fn every_key_on_a_config_without_sites_or_routes_is_harmless() {
    use isrctl::tui::theme::Theme;
    let texts = [
        "",
        "[sites.empty]\npublic_url = \"http://127.0.0.1:1\"\n[sites.empty.secret]\nenv = \"X\"\n",
    ];
    for text in texts {
        let config = isrctl::model::config::parse(text, std::path::Path::new("t.toml")).unwrap();
        let mut s = isrctl::tui::state::State::new(
            &config,
            &isrctl::history::LastStates::default(),
            false,
            Theme { color: true },
        );
        s.reason_asked = true;
        let keys: Vec<Message> = "jkgGrvcptay/ :?x"
            .chars()
            .map(key)
            .chain([
                code(KeyCode::Tab),
                code(KeyCode::Enter),
                code(KeyCode::Esc),
                ctrl('a'),
                code(KeyCode::PageDown),
            ])
            .collect();
        for k in keys {
            // Each key alone, and then Esc to close whatever it opened.
            feed(&mut s, [k, code(KeyCode::Esc)]);
            for (w, h) in [(80, 24), (1, 1), (40, 10)] {
                let mut terminal =
                    ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
                terminal.draw(|f| isrctl::tui::view::view(&s, f)).unwrap();
            }
        }
        assert!(s.pending.is_empty(), "no revalidation without a route");
    }
}

#[test]
fn a_long_paste_goes_into_the_input_as_text_and_esc_still_closes_it() {
    let mut s = state(false, true);
    feed(&mut s, [key('/')]);
    let pasted = format!("blog{}\u{1b}q\nr", "x".repeat(3000));
    assert!(feed(&mut s, [Message::Paste(pasted)]).is_empty());
    assert_eq!(
        s.filter,
        format!("blog{}qr", "x".repeat(3000)),
        "text, not keys"
    );
    assert!(matches!(s.modal, Some(Modal::Input { .. })), "still open");
    assert_eq!(s.in_flight, 0, "nothing in the paste ran as a key");
    feed(&mut s, [code(KeyCode::Esc)]);
    assert!(s.modal.is_none(), "the next Esc closes the filter");
    assert!(s.filter.is_empty());
    // Without an open input a paste does nothing.
    assert!(feed(&mut s, [Message::Paste("r".into())]).is_empty());
    assert_eq!(s.in_flight, 0);
}

/// A sitemap's pages are not needed for the first frame: the state is
/// built from the config alone and the pages arrive later as an event
/// (the engine reads the cached copy in the background), 100,000 of them
/// here, with the selection and marks of configured routes kept.
#[test]
fn sitemap_routes_arrive_after_the_first_frame() {
    let mut s = state(false, true);
    let configured = s.sites[0].routes.clone();
    assert_eq!(s.visible.len(), configured.len());
    feed(&mut s, [key('j'), key(' ')]);
    let selected = s.selected_route().unwrap().path.clone();
    let mut routes = configured.to_vec();
    routes.extend((0..100_000).map(|i| sitemap_page(format!("/p/{i}"))));
    sitemap_arrives(&mut s, routes);
    assert_eq!(s.visible.len(), configured.len() + 100_000);
    assert_eq!(s.selected_route().unwrap().path, selected);
    assert!(
        s.activity[0]
            .text
            .contains("100000 route(s) from its sitemap")
    );
    feed(&mut s, [key('/')]);
    feed(&mut s, typed("p/9999"));
    assert_eq!(s.visible.len(), 11, "/p/9999 and /p/99990…/p/99999");
}

/// A page a sitemap lists, as the engine merges it.
fn sitemap_page(path: String) -> isrctl::model::config::Route {
    isrctl::model::config::Route {
        path,
        page_type: None,
        tags: Vec::new(),
        marker: None,
        labels: vec!["sitemap".into()],
        key: false,
        lastmod: None,
    }
}

/// The engine's event: site 0's routes with its sitemap's pages.
fn sitemap_arrives(s: &mut isrctl::tui::state::State, routes: Vec<isrctl::model::config::Route>) {
    let event = EngineEvent::SitemapRoutes {
        site: 0,
        routes: routes.into(),
    };
    feed(s, [Message::Engine(event)]);
}

/// The message line: an informational message goes at the next key or
/// after a few seconds; a problem stays through moves and ticks until Esc.
#[test]
fn a_message_goes_at_the_next_key_and_a_problem_stays_until_esc() {
    let mut s = state(true, true);
    feed(&mut s, [key('r')]);
    assert!(matches!(&s.status, Some((Level::Problem, t)) if t.contains("read-only")));
    let later = s.now + jiff::SignedDuration::from_secs(60);
    feed(&mut s, [key('j'), key('k'), Message::Tick(later)]);
    assert!(s.status.is_some(), "a problem stays until acknowledged");
    feed(&mut s, [code(KeyCode::Esc)]);
    assert_eq!(s.status, None);

    let mut s = state(false, true);
    feed(&mut s, [key('y')]);
    assert!(matches!(&s.status, Some((Level::Info, t)) if t.starts_with("copying")));
    feed(&mut s, [key('j')]);
    assert_eq!(s.status, None, "the next key ends it");

    feed(&mut s, [key('y')]);
    let soon = s.now + jiff::SignedDuration::from_secs(2);
    feed(&mut s, [Message::Tick(soon)]);
    assert!(s.status.is_some(), "still shown after 2 s");
    let later = s.now + jiff::SignedDuration::from_secs(4);
    feed(&mut s, [Message::Tick(later)]);
    assert_eq!(s.status, None, "gone after 5 s");
}

/// From the Sites pane the selected route is not in view: `r`, `v`, `f`,
/// `P`, `c`, `p` and `y` open the site's routes and say so, sending nothing.
#[test]
fn route_keys_in_the_sites_pane_open_the_routes_instead_of_acting() {
    for k in ['r', 'v', 'f', 'P', 'c', 'p', 'y'] {
        let mut s = state(false, true);
        feed(&mut s, [code(KeyCode::BackTab)]);
        assert_eq!(s.focus, Pane::Sites);
        let commands = feed(&mut s, [key(k)]);
        assert!(commands.is_empty(), "{k}: {commands:?}");
        assert_eq!(s.focus, Pane::Routes, "{k}");
        assert!(
            matches!(&s.status, Some((Level::Info, t)) if t.contains("the routes of healthy")),
            "{k}"
        );
    }
}

/// `:reason TEXT` asks the engine to record the reason from now on, and
/// `:reason` alone stops it.
#[test]
fn colon_reason_sets_the_reason_for_the_session() {
    let mut s = state(false, true);
    let keys = command_line("reason price fix, ticket 123");
    let commands = feed(&mut s, keys);
    assert_eq!(
        commands,
        vec![Command::SetReason(Some("price fix, ticket 123".into()))]
    );
    let keys = command_line("reason");
    assert_eq!(feed(&mut s, keys), vec![Command::SetReason(None)]);
}

/// A site's badge is the worst of what is known now, by the one rule
/// `status` uses: a stale CDN copy is `✗` however it was found, a failed
/// latest result `✗`; a later success clears the failure but leaves its
/// page unverified (`○`) until it is verified.
#[test]
fn a_sites_badge_shows_its_worst_current_state() {
    use isrctl::engine::checks::Verdict;
    let mut s = state(false, true);
    assert_eq!(s.health(0), Standing::Unknown);
    feed(
        &mut s,
        [common::console::verified(
            "healthy",
            "/blog/hello",
            Verdict::FreshAtOriginStaleAtCdn,
        )],
    );
    assert_eq!(s.health(0), Standing::Stale, "cdn stale is not ok");
    feed(
        &mut s,
        [common::console::verified(
            "healthy",
            "/blog/hello",
            Verdict::FreshEverywhere,
        )],
    );
    assert_eq!(s.health(0), Standing::Fresh);
    feed(
        &mut s,
        [finished("healthy", Target::path("/about"), unauthorized())],
    );
    assert_eq!(s.health(0), Standing::Stale);
    feed(
        &mut s,
        [finished("healthy", Target::path("/about"), revalidated())],
    );
    assert_eq!(
        s.health(0),
        Standing::Unknown,
        "the success replaced the failure; /about is not verified yet"
    );
}

/// `:site` with a typo names the site it probably meant.
#[test]
fn colon_site_with_a_typo_suggests_the_site() {
    let mut s = state(false, true);
    let keys = command_line("site token-mismach");
    feed(&mut s, keys);
    assert!(
        matches!(&s.status, Some((Level::Problem, t)) if t.ends_with("did you mean :site token-mismatch?")),
        "{:?}",
        s.status
    );
}

fn record(
    site: &str,
    action: &str,
    target: Target,
    outcome: &str,
    minutes_ago: i64,
) -> isrctl::history::Record {
    isrctl::history::Record {
        time: noon() - jiff::SignedDuration::from_mins(minutes_ago),
        operator: "ana@laptop".into(),
        site: site.into(),
        target,
        action: action.into(),
        outcome: outcome.into(),
        status: Some(200),
        latency_ms: Some(4),
        message: None,
        reason: None,
        secret: None,
    }
}

fn shown_targets(s: &isrctl::tui::state::State) -> Vec<String> {
    let Some(Modal::History(view)) = &s.modal else {
        panic!("the history view is not open: {:?}", s.modal)
    };
    s.history_rows(view)
        .map(|r| format!("{} {} {}", r.site, r.action, r.outcome))
        .collect()
}

/// `H` shows every recorded action newest first (read at start, then as
/// written), and narrows by action (`a`), site (`s`), problems (`p`),
/// time (`t`) and text (`/`); `:history` takes the same as words.
#[test]
fn h_shows_history_and_its_keys_narrow_it() {
    let mut s = state(false, true);
    let loaded = vec![
        record("healthy", "purge", Target::path("/about"), "purged", 3000),
        record(
            "token-mismatch",
            "revalidate",
            Target::path("/blog/hello"),
            "unauthorized",
            90,
        ),
        record("healthy", "check", Target::path("/"), "ok", 30),
    ];
    feed(
        &mut s,
        [Message::Engine(EngineEvent::HistoryLoaded {
            records: loaded.clone(),
        })],
    );
    let mut newest = record(
        "healthy",
        "verify",
        Target::tag("posts"),
        "fresh_everywhere",
        1,
    );
    newest.reason = Some("price fix, ticket 123".into());
    // Written this session, and also read from the file: kept once.
    feed(
        &mut s,
        [Message::Engine(EngineEvent::Recorded {
            records: vec![newest.clone()],
        })],
    );
    feed(
        &mut s,
        [Message::Engine(EngineEvent::HistoryLoaded {
            records: vec![newest],
        })],
    );

    feed(&mut s, [key('H')]);
    assert_eq!(
        shown_targets(&s),
        [
            "healthy verify fresh_everywhere",
            "healthy check ok",
            "token-mismatch revalidate unauthorized",
            "healthy purge purged"
        ]
    );
    feed(&mut s, [key('p')]);
    assert_eq!(
        shown_targets(&s),
        ["token-mismatch revalidate unauthorized"]
    );
    feed(&mut s, [key('p'), key('a')]);
    assert_eq!(
        shown_targets(&s),
        ["token-mismatch revalidate unauthorized"]
    );
    feed(&mut s, [key('a'), key('a'), key('a'), key('a'), key('s')]);
    assert_eq!(
        shown_targets(&s),
        ["healthy purge purged"],
        "purges of the selected site"
    );
    feed(&mut s, [key('t')]);
    assert!(
        shown_targets(&s).is_empty(),
        "the purge is older than an hour"
    );
    // `a` past purge is stale, then every action again.
    feed(&mut s, [key('t'), key('t'), key('a'), key('a'), key('s')]);
    assert_eq!(
        shown_targets(&s).len(),
        4,
        "a 7-day window, every action, every site"
    );
    feed(&mut s, [key('/')]);
    feed(&mut s, typed("ticket"));
    feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(shown_targets(&s), ["healthy verify fresh_everywhere"]);
    feed(&mut s, [code(KeyCode::Esc)]);
    assert!(s.modal.is_none(), "esc closes the view");

    feed(&mut s, [key(':')]);
    feed(&mut s, typed("history token-mismatch problems"));
    feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(
        shown_targets(&s),
        ["token-mismatch revalidate unauthorized"]
    );
    // `o` cycles through the outcomes there are, sorted, then all again.
    feed(&mut s, [code(KeyCode::Esc), key('H'), key('o')]);
    assert_eq!(shown_targets(&s), ["healthy verify fresh_everywhere"]);
    feed(&mut s, [key('o')]);
    assert_eq!(shown_targets(&s), ["healthy check ok"]);
    feed(&mut s, [key('o'), key('o'), key('o')]);
    assert_eq!(shown_targets(&s).len(), 4, "then every outcome again");
    feed(&mut s, [code(KeyCode::Esc), key(':')]);
    feed(&mut s, typed("history purged"));
    feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(
        shown_targets(&s),
        ["healthy purge purged"],
        "an outcome word"
    );
}

/// A page's verdict read from history at start is shown as before the
/// restart: in the details' answer and in the site's badge.
#[test]
fn verdicts_read_from_history_survive_a_restart() {
    let mut s = state(false, true);
    let mut verified = record(
        "healthy",
        "verify",
        Target::path("/blog/hello"),
        "fresh_at_origin_stale_at_cdn",
        5,
    );
    verified.message = Some(
        "/blog/hello: the origin serves the new page; the CDN still serves the old one".into(),
    );
    feed(
        &mut s,
        [Message::Engine(EngineEvent::HistoryLoaded {
            records: vec![verified],
        })],
    );
    let verdict = s
        .verdict_for(s.site_id("healthy").unwrap(), "/blog/hello")
        .expect("restored");
    assert_eq!(
        verdict.verdict,
        isrctl::engine::checks::Verdict::FreshAtOriginStaleAtCdn
    );
    assert!(
        verdict
            .explanation
            .starts_with("the origin serves the new page")
    );
    assert_eq!(s.health(0), Standing::Stale);
}

/// `a /blog/helo`: the pattern /blog/[slug] covers it, but it is one
/// letter from the configured /blog/hello. Enter asks "did you mean"
/// instead of sending; Tab in the input accepts the suggestion; the same
/// for a tag one letter from a configured one (`:tag post`).
#[test]
fn a_near_miss_of_a_configured_path_or_tag_asks_and_tab_accepts_the_fix() {
    let mut s = state(false, true);
    feed(&mut s, [key('a')]);
    feed(&mut s, typed("/blog/helo"));
    assert!(feed(&mut s, [code(KeyCode::Enter)]).is_empty(), "not sent");
    assert!(
        matches!(&s.modal, Some(Modal::Confirm { reason: Some(r), .. }) if r.starts_with("did you mean /blog/hello?")),
        "{:?}",
        s.modal
    );
    feed(&mut s, [code(KeyCode::Esc), key('a')]);
    feed(&mut s, typed("/blog/helo"));
    feed(&mut s, [code(KeyCode::Tab)]);
    let Some(Modal::Input { input, .. }) = &s.modal else {
        panic!("the input stays open: {:?}", s.modal)
    };
    assert_eq!(input.value(), "/blog/hello");
    assert_eq!(
        feed(&mut s, [code(KeyCode::Enter)]),
        vec![Command::Revalidate {
            site: 0,
            targets: planned(vec![Target::path("/blog/hello")])
        }]
    );
    // The linter's own suggestions are accepted the same way.
    feed(&mut s, [key('a')]);
    feed(&mut s, typed("about"));
    feed(&mut s, [code(KeyCode::Tab)]);
    assert!(matches!(&s.modal, Some(Modal::Input { input, .. }) if input.value() == "/about"));
    feed(&mut s, [code(KeyCode::Esc), key(':')]);
    feed(&mut s, typed("tag post"));
    assert!(feed(&mut s, [code(KeyCode::Enter)]).is_empty());
    assert!(
        matches!(&s.modal, Some(Modal::Confirm { reason: Some(r), .. }) if r.starts_with("did you mean posts?")),
        "{:?}",
        s.modal
    );
}

/// Tab completes the `:` command line: the verb, then a site, a tag, a
/// path; an unknown verb suggests the one meant.
#[test]
fn tab_completes_the_command_line_and_a_wrong_verb_is_corrected() {
    let mut s = state(false, true);
    let line = |s: &isrctl::tui::state::State| match &s.modal {
        Some(Modal::Input { input, .. }) => input.value().to_string(),
        other => panic!("the command line is not open: {other:?}"),
    };
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("si"));
    feed(&mut s, [code(KeyCode::Tab)]);
    assert_eq!(line(&s), "site ");
    feed(&mut s, typed("tok"));
    feed(&mut s, [code(KeyCode::Tab)]);
    assert_eq!(line(&s), "site token-mismatch");
    feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(s.site().unwrap().name, "token-mismatch");
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("site h"));
    feed(&mut s, [code(KeyCode::Tab), code(KeyCode::Enter)]);
    assert_eq!(s.site().unwrap().name, "healthy");
    // Two paths share "/blog/": Tab goes as far as they agree.
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("path /bl"));
    feed(&mut s, [code(KeyCode::Tab)]);
    assert_eq!(line(&s), "path /blog/");
    feed(&mut s, [code(KeyCode::Esc), key(':')]);
    feed(&mut s, typed("sit stale"));
    feed(&mut s, [code(KeyCode::Enter)]);
    assert!(
        matches!(&s.status, Some((Level::Problem, m)) if m.contains("did you mean :site?")),
        "{:?}",
        s.status
    );
}

fn shown_paths(s: &isrctl::tui::state::State) -> Vec<String> {
    let site = s.site().unwrap();
    s.visible
        .iter()
        .map(|&i| site.routes[i].path.clone())
        .collect()
}

/// `s` sorts the routes by the next column (failed results first under
/// OUTCOME, newest first under LAST), `S` reverses; the selected route
/// stays selected wherever it moves.
#[test]
fn s_sorts_the_routes_by_column_and_capital_s_reverses() {
    let mut s = state(false, true);
    feed(
        &mut s,
        [finished("healthy", Target::path("/about"), revalidated())],
    );
    s.now = noon() + jiff::SignedDuration::from_secs(60);
    feed(
        &mut s,
        [finished(
            "healthy",
            Target::path("/products/1"),
            unauthorized(),
        )],
    );
    feed(&mut s, [key('j')]); // /about selected
    feed(&mut s, [key('s')]);
    assert_eq!(
        shown_paths(&s),
        [
            "/",
            "/about",
            "/blog/[slug]",
            "/blog/hello",
            "/blog/world",
            "/products/1"
        ]
    );
    assert_eq!(
        s.selected_route().unwrap().path,
        "/about",
        "the selection follows"
    );
    feed(&mut s, [key('s')]);
    assert_eq!(
        &shown_paths(&s)[..2],
        ["/products/1", "/about"],
        "LAST: newest first"
    );
    feed(&mut s, [key('s')]);
    assert_eq!(
        &shown_paths(&s)[..2],
        ["/products/1", "/about"],
        "OUTCOME: failures first"
    );
    feed(&mut s, [key('S')]);
    assert_eq!(
        &shown_paths(&s)[4..],
        ["/about", "/products/1"],
        "reversed: failures last"
    );
    assert!(matches!(&s.status, Some((_, m)) if m.contains("sorted by OUTCOME, reversed")));
    feed(&mut s, [key('s'), key('s')]);
    assert_eq!(s.sort, None);
    assert_eq!(shown_paths(&s)[0], "/", "config order again");
}

/// The session's first send asks why first: the answer is recorded
/// (SetReason) before the send goes; Enter with nothing typed sends without
/// a reason; Esc sends nothing; it is asked once.
#[test]
fn the_first_send_asks_why_once() {
    let mut s = state(false, true);
    s.reason_asked = false;
    assert!(
        feed(&mut s, [key('j'), key('r')]).is_empty(),
        "held for the answer"
    );
    assert!(
        matches!(s.modal, Some(Modal::Reason { .. })),
        "{:?}",
        s.modal
    );
    feed(&mut s, typed("price fix, ticket 123"));
    let commands = feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(
        commands,
        vec![
            Command::SetReason(Some("price fix, ticket 123".into())),
            Command::Revalidate {
                site: 0,
                targets: planned(vec![Target::path("/about")])
            }
        ]
    );
    assert_eq!(s.in_flight, 1, "counted once sent");
    assert!(
        s.activity[0].text.contains("sending /about"),
        "{:?}",
        s.activity
    );
    // Asked once: the next send goes at once.
    assert_eq!(feed(&mut s, [key('r')]).len(), 1);

    // Skipped with an empty Enter; cancelled with Esc (nothing counted).
    for (answer, sent) in [(code(KeyCode::Enter), 1), (code(KeyCode::Esc), 0)] {
        let mut s = state(false, true);
        s.reason_asked = false;
        feed(&mut s, [key('j'), key('r')]);
        let commands = feed(&mut s, [answer]);
        assert_eq!(commands.len(), sent, "{commands:?}");
        assert!(!commands.iter().any(|c| matches!(c, Command::SetReason(_))));
        assert_eq!(s.in_flight, sent);
        assert_eq!(s.pending.len(), sent);
    }
    // Esc on the prompt gives the marks back: nothing was sent.
    let mut s = state(false, true);
    s.reason_asked = false;
    feed(&mut s, [key(' '), key(' '), key('r')]);
    assert!(matches!(s.modal, Some(Modal::Confirm { .. })));
    feed(&mut s, [code(KeyCode::Tab), code(KeyCode::Enter)]);
    assert!(
        matches!(s.modal, Some(Modal::Reason { .. })),
        "{:?}",
        s.modal
    );
    feed(&mut s, [code(KeyCode::Esc)]);
    assert_eq!(s.marks.len(), 2, "the two marks are back");
    assert_eq!(s.in_flight, 0);
    // `:reason` answers it ahead.
    let mut s = state(false, true);
    s.reason_asked = false;
    feed(&mut s, [key(':')]);
    feed(&mut s, typed("reason deploy 42"));
    feed(&mut s, [code(KeyCode::Enter)]);
    assert_eq!(feed(&mut s, [key('j'), key('r')]).len(), 1);
}

/// Trial item 1: the same finding gives the same symbol whichever key
/// found it — a stale CDN copy from `v` (a verdict) and from `p` (a probe)
/// are both `✗`.
#[test]
fn a_stale_cdn_is_the_same_badge_from_a_verification_and_a_probe() {
    use isrctl::engine::checks::{Severity, Verdict};
    let mut by_verify = state(false, true);
    feed(
        &mut by_verify,
        [common::console::verified(
            "healthy",
            "/blog/hello",
            Verdict::FreshAtOriginStaleAtCdn,
        )],
    );
    let mut by_probe = state(false, true);
    by_probe.set_probed(0, "/blog/hello", Severity::Problem);
    assert_eq!(by_verify.health(0), Standing::Stale);
    assert_eq!(by_probe.health(0), by_verify.health(0));
}

/// Trial item 1: passive checks cannot know the secret matches; findings
/// that could not be checked leave the site unknown (`○`), never `●`.
#[test]
fn passive_checks_that_could_not_tell_leave_the_badge_unknown() {
    use isrctl::engine::checks::{CheckEvent, CheckId, Finding, Severity};
    let mut s = state(false, true);
    feed(&mut s, [key('c')]);
    let finding = |severity, title: &str| {
        Message::Engine(EngineEvent::Check {
            site: 0,
            event: CheckEvent::Finding(Finding::new(CheckId::Auth, severity, title)),
        })
    };
    feed(
        &mut s,
        [
            finding(Severity::Ok, "the endpoint is reachable"),
            finding(
                Severity::CouldNotCheck,
                "passive: whether the secret matches is not known",
            ),
        ],
    );
    assert_eq!(s.health(0), Standing::Unknown);
}

/// Trial item 1: a tag revalidation leaves every route carrying the tag
/// unverified — the badge is no longer `●` and the page's VERIFIED cell
/// no longer says a bare `fresh`.
#[test]
fn a_tag_revalidation_leaves_the_routes_carrying_it_unverified() {
    use isrctl::engine::checks::Verdict;
    let mut s = state(false, true);
    feed(
        &mut s,
        [common::console::verified(
            "healthy",
            "/blog/hello",
            Verdict::FreshEverywhere,
        )],
    );
    assert_eq!(s.health(0), Standing::Fresh);
    s.now += jiff::SignedDuration::from_mins(1);
    feed(
        &mut s,
        [finished("healthy", Target::tag("posts"), revalidated())],
    );
    assert_eq!(s.health(0), Standing::Unknown);
    let screen = common::console::screen(&s, 140, 30);
    let row = screen
        .lines()
        .find(|l| l.contains("/blog/hello"))
        .expect("the route's row");
    assert!(row.contains("fresh?"), "{row}");
}

/// Trial item 3: a site whose sitemap was never read says so in the
/// Routes title, with the command that reads it; `:refresh` reads it, and
/// the title then counts its pages.
#[test]
fn the_routes_title_says_the_sitemap_was_not_read_and_colon_refresh_reads_it() {
    let mut s = state_with_sitemap();
    let title = title_of;
    assert!(
        title(&s).contains("sitemap not read: :refresh reads it"),
        "{}",
        title(&s)
    );
    let keys = command_line("refresh");
    assert_eq!(feed(&mut s, keys), vec![Command::ReadSitemap { site: 0 }]);
    assert!(title(&s).contains("reading the sitemap"), "{}", title(&s));
    let mut routes = s.sites[0].routes.to_vec();
    routes.push(sitemap_page("/shop/lamp".into()));
    routes.push(sitemap_page("/shop/desk".into()));
    sitemap_arrives(&mut s, routes);
    assert!(title(&s).contains("sitemap 2 page(s)"), "{}", title(&s));
    // The token-mismatch site has no sitemap: nothing said, and
    // `:refresh` there says how to add one.
    feed(
        &mut s,
        [code(KeyCode::BackTab), key('j'), code(KeyCode::Enter)],
    );
    assert!(!title_of(&s).contains("sitemap"));
    let keys = command_line("refresh");
    assert!(feed(&mut s, keys).is_empty());
    assert!(
        matches!(&s.status, Some((Level::Problem, t)) if t.contains("add sitemap = ")),
        "{:?}",
        s.status
    );
}

fn title_of(s: &isrctl::tui::state::State) -> String {
    common::console::screen(s, 140, 20)
        .lines()
        .find(|l| l.contains("Routes:"))
        .unwrap_or_default()
        .to_string()
}

/// Trial item 2: Esc during a bulk `v` tells the truth — a route never
/// sent keeps its "never" (no "just now"), a watch cut short shows no
/// verdict (no "could not tell, configure a marker"), and one line says
/// what the stop cut short once the last work has ended.
#[test]
fn esc_during_a_bulk_verify_says_what_was_not_sent_and_what_was_stopped() {
    use isrctl::engine::checks::Verdict;
    let mut s = state(false, true);
    // Mark /about and /blog/hello (marking moves on), then verify both.
    feed(&mut s, [key('j'), key(' '), key(' ')]);
    assert_eq!(s.marks.len(), 2, "{:?}", s.marks);
    feed(&mut s, [key('v')]);
    let sent = feed(&mut s, [code(KeyCode::Tab), code(KeyCode::Enter)]);
    assert!(
        matches!(sent.as_slice(), [Command::Verify { targets, .. }] if targets.len() == 2),
        "{sent:?}"
    );
    assert_eq!(feed(&mut s, [code(KeyCode::Esc)]), vec![Command::CancelAll]);
    let mut cancelled = revalidated();
    cancelled.kind = isrctl::model::outcome::OutcomeKind::Cancelled;
    cancelled.status = None;
    feed(
        &mut s,
        [
            common::console::verified_or_stopped(
                "healthy",
                "/blog/hello",
                Verdict::CouldNotTell,
                true,
            ),
            finished("healthy", Target::path("/about"), cancelled),
        ],
    );
    assert_eq!(s.in_flight, 0);
    let healthy = s.site_id("healthy").unwrap();
    assert!(
        s.result_for(healthy, &Target::path("/about")).is_none(),
        "never sent"
    );
    assert!(
        s.verdict_for(healthy, "/blog/hello").is_none(),
        "no verdict"
    );
    assert!(
        matches!(&s.status, Some((Level::Info, t)) if t.contains("1 not sent, 1 verification(s) stopped")),
        "{:?}",
        s.status
    );
    let screen = common::console::screen(&s, 140, 30);
    let about = screen.lines().find(|l| l.contains("/about")).unwrap();
    assert!(
        about.contains("never") && !about.contains("just now"),
        "{about}"
    );
    assert!(!screen.contains("could_not_tell"), "{screen}");
}

/// Trial item 4: at 80 columns the answer's fix wraps instead of stopping
/// mid-sentence — the token-mismatch answer's fix is on screen to its
/// last word.
#[test]
fn the_answers_fix_wraps_whole_at_80_columns() {
    let mut s = state(false, true);
    feed(
        &mut s,
        [finished(
            "token-mismatch",
            Target::path("/blog/hello"),
            unauthorized(),
        )],
    );
    feed(
        &mut s,
        [code(KeyCode::BackTab), key('j'), code(KeyCode::Enter)],
    );
    let site = s.site_id("token-mismatch").unwrap();
    let fix = s
        .result_for(site, &Target::path("/blog/hello"))
        .and_then(|r| r.fix.clone())
        .expect("a 401 has a fix");
    assert!(fix.chars().count() > 80, "a fix longer than a row: {fix}");
    let screen = common::console::screen(&s, 80, 24);
    // The answer: the rows between the Details title and the evidence
    // (which opens with the page's path, and repeats the fix below).
    let words: String = screen
        .lines()
        .skip_while(|l| !l.contains("Details"))
        .skip(1)
        .take_while(|l| !l.contains("│/blog/hello"))
        .map(|l| l.trim_matches(|c| c == '│' || c == '"' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    let squeezed = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed(&words).contains(&squeezed(&format!("fix: {fix}"))),
        "the whole fix:\n{fix}\non screen:\n{screen}"
    );
}

/// Trial item 4: while a dialog takes the keys the footer lists its keys,
/// not `r revalidate v verify …` that would do nothing; the "why?"
/// prompt's Enter and Esc are in sight even at 80 columns.
#[test]
fn the_footer_shows_the_open_dialogs_keys() {
    let mut s = state(false, true);
    let footer = |s: &isrctl::tui::state::State| {
        common::console::screen(s, 80, 24)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    assert!(footer(&s).contains("r revalidate"), "{}", footer(&s));
    feed(&mut s, [key(':')]);
    let shown = footer(&s);
    assert!(
        shown.contains("tab complete") && !shown.contains("revalidate"),
        "{shown}"
    );
    feed(&mut s, [code(KeyCode::Esc)]);
    s.reason_asked = false;
    feed(&mut s, [key('r')]);
    assert!(
        matches!(s.modal, Some(Modal::Reason { .. })),
        "{:?}",
        s.modal
    );
    let shown = footer(&s);
    assert!(
        shown.contains("enter send (empty: without a reason)")
            && shown.contains("esc send nothing"),
        "{shown}"
    );
}

/// Trial item 4: in history the columns give way so TARGET stays readable
/// on a narrow screen (it was 6 characters at 80 columns and gone at 60).
#[test]
fn history_keeps_the_target_readable_on_a_narrow_screen() {
    let mut s = state(false, true);
    let long = "/shop/a-rather-long-product-slug-for-winter";
    let loaded = vec![record(
        "token-mismatch",
        "verify",
        Target::path(long),
        "fresh_at_origin_stale_at_cdn",
        60,
    )];
    feed(
        &mut s,
        [Message::Engine(EngineEvent::HistoryLoaded {
            records: loaded,
        })],
    );
    feed(&mut s, [key('H')]);
    for (width, shown) in [(80u16, 24usize), (60, 14)] {
        let screen = common::console::screen(&s, width, 24);
        let row = screen
            .lines()
            .find(|l| l.contains("verify"))
            .unwrap_or_else(|| panic!("no row at {width}:\n{screen}"));
        assert!(
            row.contains(&long[..shown]),
            "{width} columns: {shown} characters of the target in {row}"
        );
    }
}

/// `:stale` in the console: the finder runs on the selected site, and the
/// pages it finds come back stale in the badge and marked, so `f` makes
/// them fresh.
#[test]
fn colon_stale_finds_the_stale_pages_and_marks_them_for_f() {
    use isrctl::engine::stale::{StalePage, StaleScan};
    use isrctl::model::judgement::StaleCopy;
    use isrctl::model::staleness::Reason;
    let mut s = state_with_sitemap();
    s.reason_asked = true;
    let keys = command_line("stale");
    assert_eq!(feed(&mut s, keys), vec![Command::FindStale { site: 0 }]);
    assert_eq!(s.in_flight, 1);
    let page = StalePage {
        path: "/about".into(),
        lastmod: None,
        last_revalidated: None,
        reasons: vec![Reason::CdnServesOldCopy {
            copy: StaleCopy::OldContent,
        }],
        why: vec!["the CDN serves an older copy the origins no longer serve".into()],
    };
    let scan = StaleScan {
        site: "healthy".into(),
        began: jiff::Timestamp::now(),
        pages: 6,
        undated: 0,
        unanswered: 0,
        sitemap_notes: Vec::new(),
        stale: vec![page.clone()],
        not_listed: 0,
        found: vec![page],
        cleared: Vec::new(),
    };
    feed(
        &mut s,
        [Message::Engine(EngineEvent::StaleScanned {
            site: 0,
            scan: Box::new(Ok(scan)),
        })],
    );
    assert_eq!(s.in_flight, 0);
    assert_eq!(s.health(0), Standing::Stale);
    assert!(
        matches!(&s.status, Some((Level::Problem, t)) if t.contains("1 of 6 pages probably stale, 1 marked")),
        "{:?}",
        s.status
    );
    let sent = feed(&mut s, [key('f')]);
    assert!(
        matches!(sent.as_slice(), [Command::Fresh { targets, .. }] if targets.len() == 1 && targets[0].target == Target::path("/about")),
        "{sent:?}"
    );
}

/// The console's test sites, the `healthy` one with a sitemap.
fn state_with_sitemap() -> isrctl::tui::state::State {
    let text = common::console::CONFIG.replace(
        "[sites.healthy.secret]",
        "sitemap = \"/sitemap.xml\"\n[sites.healthy.secret]",
    );
    let config = isrctl::model::config::parse(&text, std::path::Path::new("c.toml")).unwrap();
    isrctl::tui::state::State::new(
        &config,
        &isrctl::history::LastStates::default(),
        false,
        isrctl::tui::theme::Theme { color: false },
    )
}

/// The routes table shows when the sitemap says each page changed
/// (LASTMOD), beside when it was last revalidated, where the width allows.
#[test]
fn the_routes_table_shows_each_pages_lastmod() {
    let mut s = state_with_sitemap();
    s.now = common::console::noon();
    let mut routes = s.sites[0].routes.to_vec();
    let mut lamp = sitemap_page("/shop/lamp".into());
    lamp.lastmod = Some(s.now - jiff::SignedDuration::from_hours(3));
    routes.push(lamp);
    sitemap_arrives(&mut s, routes);
    let screen = common::console::screen(&s, 160, 30);
    assert!(screen.contains("LASTMOD"), "{screen}");
    let row = screen.lines().find(|l| l.contains("/shop/lamp")).unwrap();
    assert!(row.contains("3 h ago"), "{row}");
    let narrow = common::console::screen(&s, 100, 30);
    assert!(!narrow.contains("LASTMOD"), "it gives way first: {narrow}");
}

/// `w` watches the selected page: the engine re-reads it, each read is
/// kept and said when the page turns, and the bell rings once when it
/// turns fresh; `w` again stops the watch.
#[test]
fn w_watches_the_page_and_rings_the_bell_when_it_turns_fresh() {
    use isrctl::engine::watcher::{LayerCopy, Watched};
    let mut s = state(false, true);
    feed(&mut s, [key('j')]);
    let path = s.selected_route().unwrap().path.clone();
    assert_eq!(
        feed(&mut s, [key('w')]),
        vec![Command::Watch {
            site: 0,
            path: path.clone()
        }]
    );
    let read = |standing, age| {
        Message::Engine(EngineEvent::Watched {
            site: 0,
            watched: Box::new(Watched {
                site: "healthy".into(),
                path: path.clone(),
                time: common::console::noon(),
                round: 1,
                standing,
                said: String::new(),
                layers: vec![LayerCopy {
                    layer: "public".into(),
                    status: Some(200),
                    age_s: Some(age),
                    expires_in_s: Some(3600 - age as i64),
                }],
                lastmod: None,
                seconds_past_lastmod: 0,
                errors: 0,
            }),
        })
    };
    assert!(feed(&mut s, [read(Standing::Stale, 600)]).is_empty());
    assert_eq!(s.health(0), Standing::Stale);
    let screen = common::console::screen(&s, 120, 30);
    assert!(
        screen.contains("the copy visitors get is 10 min old"),
        "{screen}"
    );
    assert_eq!(
        feed(&mut s, [read(Standing::Fresh, 1)]),
        vec![Command::Bell]
    );
    assert!(
        feed(&mut s, [read(Standing::Fresh, 31)]).is_empty(),
        "one bell"
    );
    assert!(
        s.activity.iter().any(|a| a.text.contains("turned fresh")),
        "said in the activity log"
    );
    assert_eq!(
        feed(&mut s, [key('w')]),
        vec![Command::Unwatch { site: 0, path }]
    );
}
