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
    assert!(String::from_utf8_lossy(&printed.stdout).contains("[sites.site-127]"));
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
