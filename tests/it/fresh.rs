//! `isrctl fresh` through the binary on simulated sites: two origin
//! instances (each its own ISR cache) behind a caching layer that keeps
//! HTML for an hour and takes PURGE, like the testbed's Varnish.

use crate::common;

use common::{CANARY, SECRET_ENV, Scratch, json, runtime};
use isrctl::sim::{OriginOptions, SimCdn, SimOrigin};
use tokio::runtime::Runtime;

fn origin(rt: &Runtime) -> SimOrigin {
    rt.block_on(SimOrigin::start(OriginOptions {
        secret: CANARY.to_string(),
        ..OriginOptions::default()
    }))
    .unwrap()
}

fn config(s: &Scratch, public: &str, origins: &[String], purge: &str) {
    let quoted: Vec<String> = origins.iter().map(|o| format!("\"{o}\"")).collect();
    let text = format!(
        r#"[sites.sim]
public_url = "{public}"
origins = [{}]
cdn = "varnish"
rate_per_second = 0
timeout = "3s"
{purge}

[sites.sim.secret]
env = "{SECRET_ENV}"

[[sites.sim.routes]]
path = "/blog/hello"
tags = ["posts"]
marker = '<meta name="isr-rendered-at" content="([^"]+)"'
"#,
        quoted.join(", ")
    );
    std::fs::write(s.config_path(), text).unwrap();
}

fn marker(rt: &Runtime, url: String) -> String {
    let html = rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() });
    regex::Regex::new(r#"isr-rendered-at" content="([^"]+)""#)
        .unwrap()
        .captures(&html)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no marker in {html}"))
}

/// Two instances, a CDN in front of the first holding a copy: after a
/// revalidation through the CDN only instance 1 and not the CDN would be
/// fresh. `fresh` fixes both layers.
#[test]
fn fresh_revalidates_every_origin_purges_the_cdn_and_proves_it() {
    let rt = runtime();
    let (one, two) = (origin(&rt), origin(&rt));
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let old = marker(&rt, format!("{}/blog/hello", cdn.url()));
    let s = Scratch::new();
    config(
        &s,
        &cdn.url(),
        &[one.url(), two.url()],
        "[sites.sim.purge]\nprovider = \"varnish\"",
    );

    let out = s
        .isrctl()
        .args([
            "fresh",
            "sim",
            "--path",
            "/blog/hello",
            "--deadline",
            "10s",
            "--json",
        ])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["fresh"], true);
    let result = &doc["results"][0];
    let requests: Vec<&str> = result["revalidations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["request"].as_str().unwrap())
        .collect();
    assert_eq!(requests.len(), 2, "one per instance: {requests:?}");
    assert!(requests[0].contains(&one.url()) && requests[1].contains(&two.url()));
    assert_eq!(one.endpoint_requests(), 1);
    assert_eq!(two.endpoint_requests(), 1);
    assert!(
        result["steps"][0]
            .as_str()
            .unwrap()
            .starts_with("every origin serves the new page"),
        "{result:#}"
    );
    assert_eq!(result["purges"][0]["kind"], "purged");
    assert_eq!(result["verifications"][0]["verdict"], "fresh_everywhere");

    // Every layer, read directly, serves the new page.
    let now = marker(&rt, format!("{}/blog/hello", one.url()));
    assert_ne!(now, old);
    assert_eq!(marker(&rt, format!("{}/blog/hello", cdn.url())), now);
    assert_ne!(marker(&rt, format!("{}/blog/hello", two.url())), old);

    // History has both instances' revalidations, the purge and the verdict.
    let history = s.read(&s.history_file());
    assert_eq!(
        history.matches("\"action\":\"revalidate\"").count(),
        2,
        "{history}"
    );
    assert_eq!(
        history.matches("\"action\":\"purge\"").count(),
        1,
        "{history}"
    );
    assert!(
        history.contains("\"outcome\":\"fresh_everywhere\""),
        "{history}"
    );
}

/// After a tag revalidation Next.js serves the old page once (STALE): a
/// purge then would make the CDN keep the old page again. `fresh` waits
/// until every origin serves the new page before it purges.
#[test]
fn fresh_for_a_tag_purges_only_after_the_stale_answer_is_gone() {
    let rt = runtime();
    let one = origin(&rt);
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let s = Scratch::new();
    config(
        &s,
        &cdn.url(),
        &[one.url()],
        "[sites.sim.purge]\nprovider = \"varnish\"",
    );
    let out = s
        .isrctl()
        .args(["fresh", "sim", "--tag", "posts", "--deadline", "10s"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("every origin serves the new page"), "{text}");
    assert!(
        text.contains("fresh: 1 of 1 page(s) on sim serve the new page at every layer"),
        "{text}"
    );
    let origin_now = marker(&rt, format!("{}/blog/hello", one.url()));
    assert_eq!(marker(&rt, format!("{}/blog/hello", cdn.url())), origin_now);
}

#[test]
fn without_a_purge_the_cdn_stays_stale_and_fresh_says_so() {
    let rt = runtime();
    let one = origin(&rt);
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let s = Scratch::new();
    config(&s, &cdn.url(), &[one.url()], "");
    let out = s
        .isrctl()
        .args(["fresh", "sim", "--path", "/blog/hello", "--deadline", "3s"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("site sim has no [sites.sim.purge]"), "{text}");
    assert!(text.contains("fresh_at_origin_stale_at_cdn"), "{text}");
    assert!(text.contains("NOT fresh"), "{text}");
}

#[test]
fn every_origin_revalidation_gives_one_result_per_instance() {
    let rt = runtime();
    let (one, two) = (origin(&rt), origin(&rt));
    let s = Scratch::new();
    config(&s, &one.url(), &[one.url(), two.url()], "");
    let out = s
        .isrctl()
        .args([
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--every-origin",
            "--json",
        ])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    let instances = doc["results"][0]["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 2, "{doc:#}");
    assert!(
        instances
            .iter()
            .all(|i| i["outcome"]["kind"] == "revalidated")
    );
    assert_eq!((one.endpoint_requests(), two.endpoint_requests()), (1, 1));
}

/// Round three, item 18: `revalidate --verify --every-origin --json` runs
/// `fresh` without the purge, and prints revalidate's document (its
/// instances and verifications), not fresh's.
#[test]
fn every_origin_verify_prints_revalidates_document() {
    let rt = runtime();
    let (one, two) = (origin(&rt), origin(&rt));
    let s = Scratch::new();
    config(&s, &one.url(), &[one.url(), two.url()], "");
    let out = s
        .isrctl()
        .args([
            "revalidate",
            "sim",
            "--path",
            "/blog/hello",
            "--every-origin",
            "--verify",
            "--deadline",
            "10s",
            "--json",
        ])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["command"], "revalidate", "{doc:#}");
    let result = &doc["results"][0];
    assert_eq!(
        result["instances"].as_array().map(Vec::len),
        Some(2),
        "{doc:#}"
    );
    assert!(
        result["verifications"]
            .as_array()
            .is_some_and(|v| !v.is_empty()),
        "{doc:#}"
    );
}

/// The session reads each secret when some work first needs it, and once:
/// a purge never runs the revalidation secret's command (a password
/// manager prompt for nothing), and `fresh` reads the purge token once for
/// all its targets.
#[test]
fn each_secret_is_read_once_and_only_when_needed() {
    let rt = runtime();
    let one = origin(&rt);
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello", "/blog/world"]));
    let s = Scratch::new();
    let secret_runs = s.state_home().join("secret-runs");
    let token_runs = s.state_home().join("token-runs");
    std::fs::create_dir_all(s.state_home()).unwrap();
    let text = format!(
        r#"[sites.sim]
public_url = "{public}"
origins = ["{origin}"]
cdn = "varnish"
rate_per_second = 0
timeout = "3s"

[sites.sim.secret]
command = ["sh", "-c", "echo run >> '{secret_runs}'; printf %s '{CANARY}'"]

[sites.sim.purge]
provider = "http"
url = "{{url}}"
method = "PURGE"
headers = {{ "X-Purge-Token" = "{{token}}" }}

[sites.sim.purge.token]
command = ["sh", "-c", "echo run >> '{token_runs}'; printf tok-5e1f"]

[[sites.sim.routes]]
path = "/blog/hello"
marker = '<meta name="isr-rendered-at" content="([^"]+)"'

[[sites.sim.routes]]
path = "/blog/world"
marker = '<meta name="isr-rendered-at" content="([^"]+)"'
"#,
        public = cdn.url(),
        origin = one.url(),
        secret_runs = secret_runs.display(),
        token_runs = token_runs.display(),
    );
    std::fs::write(s.config_path(), text).unwrap();
    let runs = |file: &std::path::Path| s.read(file).lines().count();

    let purge = s
        .isrctl()
        .args([
            "purge",
            "sim",
            "--path",
            "/blog/hello",
            "--path",
            "/blog/world",
            "--yes",
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&purge.stdout).to_string()
        + &String::from_utf8_lossy(&purge.stderr);
    assert_eq!(purge.status.code(), Some(0), "{said}");
    assert!(
        !secret_runs.exists(),
        "a purge ran the revalidation secret's command:\n{said}"
    );
    assert_eq!(
        runs(&token_runs),
        1,
        "the purge token is read once per session:\n{said}"
    );

    rt.block_on(cdn.warm(&["/blog/hello", "/blog/world"]));
    let fresh = s
        .isrctl()
        .args([
            "fresh",
            "sim",
            "--path",
            "/blog/hello",
            "--path",
            "/blog/world",
        ])
        .args(["--yes", "--deadline", "10s"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&fresh.stdout).to_string()
        + &String::from_utf8_lossy(&fresh.stderr);
    assert_eq!(fresh.status.code(), Some(0), "{said}");
    assert_eq!(
        runs(&secret_runs),
        1,
        "the secret is read once for both targets:\n{said}"
    );
    assert_eq!(
        runs(&token_runs),
        2,
        "fresh reads the purge token once for both targets:\n{said}"
    );
    assert!(
        !said.contains("tok-5e1f"),
        "the purge token was shown:\n{said}"
    );
}

/// `fresh --help` lists fresh's own flags only: it always revalidates every
/// origin, purges and verifies, so those switches (and --dry-run) are not
/// offered, and passing one is a usage error.
#[test]
fn fresh_offers_only_its_own_flags() {
    let s = Scratch::new();
    let help = s.isrctl().args(["fresh", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--path",
        "--tag",
        "--deadline",
        "--retry-after",
        "--yes",
        "--json",
    ] {
        assert!(text.contains(flag), "{flag} missing:\n{text}");
    }
    for flag in ["--dry-run", "--purge", "--every-origin", "--verify"] {
        assert!(!text.contains(flag), "{flag} offered:\n{text}");
    }
    let out = s
        .isrctl()
        .args(["fresh", "sim", "--path", "/a", "--purge"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The origins already serve the new page (someone revalidated them) and
/// only the CDN is old, while isrctl's own revalidation is refused: `fresh`
/// still purges the CDN's copy, and says both (issue 27, item 10).
#[test]
fn fresh_purges_a_stale_cdn_even_when_its_revalidation_is_refused() {
    let rt = runtime();
    let (one, two) = (origin(&rt), origin(&rt));
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let old = marker(&rt, format!("{}/blog/hello", cdn.url()));
    // Someone else revalidates both instances; each renders anew.
    for o in [&one, &two] {
        rt.block_on(async {
            let url = format!(
                "{}/api/revalidate?secret={CANARY}&path=/blog/hello",
                o.url()
            );
            let answer = reqwest::Client::new().post(url).send().await.unwrap();
            assert_eq!(answer.status(), 200);
        });
        assert_ne!(marker(&rt, format!("{}/blog/hello", o.url())), old);
    }
    let s = Scratch::new();
    config(
        &s,
        &cdn.url(),
        &[one.url()],
        "[sites.sim.purge]\nprovider = \"varnish\"",
    );

    let out = s
        .isrctl()
        .env(SECRET_ENV, "not-the-app-secret")
        .args([
            "fresh",
            "sim",
            "--path",
            "/blog/hello",
            "--deadline",
            "5s",
            "--json",
        ])
        .output()
        .unwrap();
    let doc = json(&out);
    let result = &doc["results"][0];
    assert_eq!(
        result["revalidations"][0]["outcome"]["kind"], "unauthorized",
        "{doc:#}"
    );
    assert_eq!(result["purges"][0]["kind"], "purged", "{doc:#}");
    assert!(
        result["steps"].to_string().contains("the revalidation did not go through, but the origins already serve a page the CDN does not"),
        "{result:#}"
    );
    assert_ne!(
        out.status.code(),
        Some(0),
        "the revalidation failed: {doc:#}"
    );
    // Read directly: the CDN serves what origin 1 serves.
    let now = marker(&rt, format!("{}/blog/hello", one.url()));
    assert_eq!(marker(&rt, format!("{}/blog/hello", cdn.url())), now);
    assert_ne!(now, old);
}
