//! `isrctl init URL` through the binary, on a simulated Next.js origin
//! behind a simulated CDN: it finds the endpoint and the cache from what
//! the site answers, writes a config that loads, sends no secret and
//! revalidates nothing, and never overwrites a config.

use crate::common;

use common::{CANARY, Scratch, runtime};
use isrctl::sim::{OriginOptions, SimCdn, SimOrigin};

#[test]
fn init_writes_a_config_from_what_the_site_shows_and_keeps_an_existing_one() {
    let rt = runtime();
    let app = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: CANARY.to_string(),
            ..Default::default()
        }))
        .unwrap();
    let cdn = rt.block_on(SimCdn::start(&app.url())).unwrap();
    let s = Scratch::new();
    let out = s
        .isrctl()
        .args(["init", &cdn.url(), "--name", "blog"])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("endpoint: /api/revalidate answers 405 without a secret"),
        "{said}"
    );
    assert!(said.contains("wrote "), "{said}");
    // A POST-only route handler (as Next.js's) answers GET with 405: found,
    // and never run.
    assert!(said.contains("Next.js: yes (x-nextjs-cache"), "{said}");
    assert_eq!(app.targeted_endpoint_requests(), 0, "no path or tag asked");
    assert_eq!(
        app.endpoint_requests_with_secret(CANARY),
        0,
        "no secret sent"
    );
    assert_eq!(app.generation("/"), Some(0), "nothing was regenerated");

    let written = s.read(&s.config_path());
    assert!(written.contains("[sites.blog]"), "{written}");
    assert!(
        written.contains("cdn = \"generic\""),
        "the simulated cache: {written}"
    );
    assert!(
        written.contains(&format!("public_url = \"{}\"", cdn.url())),
        "{written}"
    );
    assert!(written.contains("url = \"/api/revalidate\""), "{written}");
    assert!(
        written.contains("env = \"BLOG_REVALIDATE_SECRET\""),
        "{written}"
    );
    // What was written loads, and the site is reachable through it.
    let check = s
        .isrctl()
        .env("BLOG_REVALIDATE_SECRET", CANARY)
        .args(["config", "check"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}\n{written}");

    // A second init keeps the first config as it is.
    let again = s.isrctl().args(["init", &cdn.url()]).output().unwrap();
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists and is kept"));
    assert_eq!(s.read(&s.config_path()), written);
    // --stdout prints instead.
    let printed = s
        .isrctl()
        .args(["init", &cdn.url(), "--stdout"])
        .output()
        .unwrap();
    assert_eq!(printed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&printed.stdout).contains("[sites.site-127-0-0-1]"));
}

/// A Varnish on 127.0.0.1 with a sitemap: what the trial's newcomer ran.
async fn varnish_site() -> (String, tokio::task::JoinHandle<()>) {
    site_answering(&[
        ("x-varnish", "32770 3"),
        ("via", "1.1 varnish (Varnish/7.1)"),
        ("age", "12"),
    ])
    .await
}

/// A site whose home page answers with `headers` (a CDN's), and a
/// sitemap of one page.
async fn site_answering(
    headers: &'static [(&'static str, &'static str)],
) -> (String, tokio::task::JoinHandle<()>) {
    use axum::http::header;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let base = url.clone();
    let home = move || async move {
        let mut map = axum::http::HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, header::HeaderValue::from_static(value));
        }
        (map, "<html></html>")
    };
    let app = axum::Router::new()
        .route(
            "/sitemap.xml",
            axum::routing::get(move || async move {
                let xml = format!(
                    r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/products/lamp</loc></url></urlset>"#
                );
                ([(header::CONTENT_TYPE, "application/xml")], xml)
            }),
        )
        .route("/", axum::routing::get(home));
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, task)
}

/// init recognises Netlify (its `Cache-Status` members, `x-nf-request-id`)
/// and Akamai (`X-Cache: TCP_…`, AkamaiGHost) and writes their `[purge]`
/// skeleton with where the credentials come from; the config loads.
#[test]
fn init_writes_the_purge_skeleton_of_the_platform_it_recognises() {
    let rt = runtime();
    let netlify: &'static [(&str, &str)] = &[
        (
            "cache-status",
            "\"Netlify Durable\"; hit, \"Netlify Edge\"; fwd=miss",
        ),
        ("x-nf-request-id", "01HX"),
    ];
    let akamai: &'static [(&str, &str)] = &[
        (
            "x-cache",
            "TCP_HIT from a23-45-67-89.deploy.akamaitechnologies.com (AkamaiGHost/22.1)",
        ),
        ("server", "AkamaiGHost"),
    ];
    for (headers, expected) in [
        (netlify, "# provider = \"netlify\"\n# site_id = "),
        (akamai, "# provider = \"akamai\"\n# section = \"default\""),
    ] {
        let (url, _site) = rt.block_on(site_answering(headers));
        let s = Scratch::new();
        let out = s
            .isrctl()
            .args(["init", &url, "--name", "shop"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let written = s.read(&s.config_path());
        assert!(written.contains(expected), "{expected} in:\n{written}");
        let check = s
            .isrctl()
            .env("SHOP_REVALIDATE_SECRET", CANARY)
            .args(["config", "check"])
            .output()
            .unwrap();
        assert_eq!(check.status.code(), Some(0), "{check:?}\n{written}");
    }
}

/// Trial item 6: init on an address names the site and its secret's
/// variable so bash can export it and `config check` takes it, writes the
/// `[purge]` for the Varnish it saw, reads the sitemap once, and the
/// no-config error points to init.
#[test]
fn init_on_an_address_writes_names_a_shell_takes_and_the_purge_it_saw() {
    let rt = runtime();
    let (url, _site) = rt.block_on(varnish_site());
    let s = Scratch::new();
    let none = s.isrctl().args(["sites"]).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("isrctl init https://"),
        "{none:?}"
    );

    let out = s.isrctl().args(["init", &url]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("1 page(s)"), "the sitemap read once: {said}");
    let written = s.read(&s.config_path());
    for expected in [
        "[sites.site-127-0-0-1]",
        "env = \"SITE_127_0_0_1_REVALIDATE_SECRET\"",
        "[sites.site-127-0-0-1.purge]\nprovider = \"varnish\"",
        "probe_on_start = true",
        "key = true",
    ] {
        assert!(written.contains(expected), "{expected} in:\n{written}");
    }
    let check = s
        .isrctl()
        .env("SITE_127_0_0_1_REVALIDATE_SECRET", CANARY)
        .args(["config", "check"])
        .output()
        .unwrap();
    s.assert_no_canary(&check);
    assert_eq!(check.status.code(), Some(0), "{check:?}\n{written}");
    // The console and `routes` list the sitemap's page without a refresh.
    let routes = s
        .isrctl()
        .args(["routes", "site-127-0-0-1"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&routes.stdout).contains("/products/lamp"),
        "{routes:?}"
    );
}

#[test]
fn init_refuses_what_is_not_a_site_url() {
    let s = Scratch::new();
    for bad in [
        "blog.example.com",
        "ftp://example.com",
        "https://user:pw@example.com",
    ] {
        let out = s.isrctl().args(["init", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {out:?}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("pw"),
            "{out:?}"
        );
    }
    assert!(!s.config_path().exists());
}

/// Round three, items 12 and 13: `init` on a site that does not answer
/// writes nothing and exits 1; a `--name` that is not a plain name (a
/// quote, a space, a dot, a newline: TOML syntax or a broken table) is
/// refused before anything is looked at; a name made from an IP address
/// starts with a letter, so its secret's variable can be exported.
#[test]
fn init_writes_nothing_for_a_silent_site_or_a_name_that_is_not_plain() {
    let rt = runtime();
    let closed = rt.block_on(isrctl::sim::hostile::refused_port());
    let s = Scratch::new();
    let out = s
        .isrctl()
        .args(["init", &format!("http://127.0.0.1:{closed}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did not answer"),
        "{out:?}"
    );
    assert!(!s.config_path().exists(), "nothing written");

    for name in ["a\"b", "x y", "a.b", "a\n[sites.evil]", "", "-x"] {
        let out = s
            .isrctl()
            .args([
                "init",
                &format!("http://127.0.0.1:{closed}"),
                &format!("--name={name}"),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--name"),
            "{name:?}: {out:?}"
        );
        assert!(!s.config_path().exists(), "nothing written");
    }

    let app = rt
        .block_on(SimOrigin::start(OriginOptions::default()))
        .unwrap();
    let out = s
        .isrctl()
        .args(["init", &app.url(), "--stdout"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let table = text.lines().find(|l| l.starts_with("[sites.")).unwrap();
    let name = &table["[sites.".len()..table.len() - 1];
    assert!(
        name.starts_with(|c: char| c.is_ascii_alphabetic()),
        "{table}"
    );
    assert!(
        text.contains(&format!(
            "env = \"{}_REVALIDATE_SECRET\"",
            name.to_uppercase().replace('-', "_")
        )),
        "{text}"
    );
}
