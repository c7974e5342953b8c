//! Redirects end in a finding (issue 27, item 6), on the real app: a page
//! that redirects to itself at every layer (`/loop/…`, proxy.js) is a
//! redirect loop (exit 1) — never "point the URL at the final address" or
//! "revalidate the Location", which is the same path — and an unprefixed
//! page sent to its locale-prefixed one (`/intl/…` → `/en/intl/…`) names
//! that page and the locale. Ground truth by plain HTTP.

use crate::testbed::{Testbed, exclusive, isrctl, isrctl_json, unique_slug};

#[test]
fn a_page_that_redirects_to_itself_is_a_redirect_loop_in_every_command() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let path = format!("/loop/{}", unique_slug("loop"));
    for base in tb.origins.iter().chain([&tb.cdn]) {
        let page = tb.fetch(base, &path);
        assert_eq!(
            (page.status, page.header("location")),
            (307, Some(path.as_str())),
            "{base}"
        );
    }

    let (code, doc) = isrctl_json(&tb, &["probe", "shop", "--path", &path]);
    assert_eq!(
        doc["pages"][0]["judgement"]["origins"]["state"], "redirect_loop",
        "{doc:#}"
    );
    assert_eq!(code, Some(1), "{doc:#}");

    for args in [
        vec!["check", "shop", "--path", &path],
        vec![
            "revalidate",
            "shop",
            "--path",
            &path,
            "--verify",
            "--deadline",
            "3s",
        ],
        vec!["fresh", "shop-ban", "--path", &path, "--deadline", "3s"],
    ] {
        let out = isrctl(&tb, &tb.secret, &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("redirect loop"), "{args:?}:\n{stdout}");
        assert!(!stdout.contains("final address"), "{args:?}:\n{stdout}");
        assert!(
            !stdout.contains("the page the Location names"),
            "{args:?}:\n{stdout}"
        );
        assert!(
            !stdout.contains(&format!("revalidate and verify {path}")),
            "{args:?}:\n{stdout}"
        );
        assert_ne!(out.status.code(), Some(0), "{args:?}:\n{stdout}");
    }
}

#[test]
fn an_unprefixed_page_sent_to_its_locale_page_names_that_page_and_the_locale() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("intl");
    tb.set_price(&slug, "10.00");
    let path = format!("/intl/{slug}");
    let localized = format!("/en/intl/{slug}");
    let page = tb.fetch(&tb.origins[0], &path);
    assert_eq!(
        (page.status, page.header("location")),
        (307, Some(localized.as_str()))
    );
    assert_eq!(tb.fetch(&tb.origins[0], &localized).price(), "10.00");

    let (_, doc) = isrctl_json(&tb, &["probe", "shop", "--path", &path]);
    assert_eq!(
        doc["pages"][0]["judgement"]["origins"]["state"], "redirect",
        "{doc:#}"
    );
    let said = doc["pages"][0]["conclusions"].to_string();
    assert!(said.contains(&localized) && said.contains("en"), "{doc:#}");

    let out = isrctl(
        &tb,
        &tb.secret,
        &[
            "revalidate",
            "shop",
            "--path",
            &path,
            "--verify",
            "--deadline",
            "3s",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("revalidate and verify {localized}")),
        "{stdout}"
    );
    assert!(stdout.contains("en locale"), "{stdout}");
}

#[test]
fn a_localized_public_path_is_refused_with_the_route_path_revalidate_path_needs() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let slug = unique_slug("localized");
    tb.set_price(&slug, "10.00");
    let public = format!("/produkte/{slug}");
    let route = format!("/shop/{slug}");
    let origin = &tb.origins[0];
    assert_eq!(tb.settle_at(origin, &public).price(), "10.00");
    tb.set_price(&slug, "11.00");

    // Ground truth: revalidatePath with the public path changes nothing.
    let by_hand = format!("/api/revalidate?secret={}&path={public}", tb.secret);
    let (status, body) = tb.call(origin, reqwest::Method::POST, &by_hand);
    assert_eq!((status, body["revalidated"].as_bool()), (200, Some(true)));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        tb.fetch(origin, &public).price(),
        "10.00",
        "nothing changed"
    );

    // isrctl refuses it, naming the route's path.
    let out = isrctl(
        &tb,
        &tb.secret,
        &["revalidate", "testbed-localized", "--path", &public],
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains(&route), "{said}");
    assert_eq!(out.status.code(), Some(1), "refused before sending: {said}");

    // The path it names is the one that works.
    let out = isrctl(
        &tb,
        &tb.secret,
        &["revalidate", "testbed-localized", "--path", &route],
    );
    assert_eq!(out.status.code(), Some(0));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while tb.fetch(origin, &public).price() != "11.00" {
        assert!(
            std::time::Instant::now() < deadline,
            "the public page did not change"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
