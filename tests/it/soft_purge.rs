//! `fresh` chooses a soft purge only when it is safe: every origin serves
//! the new page with a validator (ETag or Last-Modified) a CDN can
//! revalidate a copy marked stale against; otherwise it purges hard and
//! says why. Cloudflare's `invalidate_cache` (its soft purge, the same
//! selectors as `purge_cache`) through its simulation.

use crate::common::{CANARY, SECRET_ENV, Scratch, json, runtime};
use isrctl::sim::{OriginOptions, SimCdn, SimCloudflare, SimOrigin};

const TOKEN_ENV: &str = "ISRCTL_SOFT_TOKEN";
const TOKEN: &str = "SOFT-TOKEN-61c0-canary";

fn config(s: &Scratch, public: &str, origins: &[String], cloudflare: &str) {
    let quoted: Vec<String> = origins.iter().map(|o| format!("\"{o}\"")).collect();
    let text = format!(
        r#"[sites.sim]
public_url = "{public}"
origins = [{}]
cdn = "varnish"
rate_per_second = 0
timeout = "3s"

[sites.sim.secret]
env = "{SECRET_ENV}"

[sites.sim.purge]
provider = "cloudflare"
zone_id = "zone-1"
soft = true
api_url = "{cloudflare}"

[sites.sim.purge.token]
env = "{TOKEN_ENV}"

[[sites.sim.routes]]
path = "/blog/hello"
tags = ["posts"]
"#,
        quoted.join(", ")
    );
    std::fs::write(s.config_path(), text).unwrap();
}

/// `fresh` on two origins (ETags or not) behind a CDN, its purge going to
/// a soft Cloudflare: the purges Cloudflare took, and the steps said.
fn fresh_with_etags(etags: bool) -> (Vec<isrctl::sim::cloudflare::Purge>, Vec<String>) {
    let rt = runtime();
    let options = || OriginOptions {
        secret: CANARY.to_string(),
        etags,
        ..OriginOptions::default()
    };
    let one = rt.block_on(SimOrigin::start(options())).unwrap();
    let two = rt.block_on(SimOrigin::start(options())).unwrap();
    let cdn = rt.block_on(SimCdn::start(&one.url())).unwrap();
    rt.block_on(cdn.warm(&["/blog/hello"]));
    let cloudflare = rt
        .block_on(SimCloudflare::start("zone-1", TOKEN, 100, 100.0))
        .unwrap();
    let s = Scratch::new();
    config(
        &s,
        &cdn.url(),
        &[one.url(), two.url()],
        &cloudflare.api_url(),
    );
    let out = s
        .isrctl()
        .env(TOKEN_ENV, TOKEN)
        .args([
            "fresh",
            "sim",
            "--path",
            "/blog/hello",
            "--deadline",
            "3s",
            "--json",
        ])
        .output()
        .unwrap();
    s.assert_no_canary(&out);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
    let steps = json(&out)["results"][0]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{out:?}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect();
    (cloudflare.purges(), steps)
}

#[test]
fn with_a_validator_at_every_origin_the_purge_is_soft() {
    let (purges, steps) = fresh_with_etags(true);
    assert_eq!(purges.len(), 1, "{purges:?}");
    assert!(
        purges[0].soft,
        "invalidate_cache, not purge_cache: {purges:?}"
    );
    assert!(
        steps.iter().any(|s| s.starts_with("soft purge: every origin serves the new page with a validator")),
        "{steps:#?}"
    );
}

#[test]
fn without_a_validator_the_purge_is_hard_and_says_why() {
    let (purges, steps) = fresh_with_etags(false);
    assert_eq!(purges.len(), 1, "{purges:?}");
    assert!(!purges[0].soft, "purge_cache: {purges:?}");
    assert!(
        steps.iter().any(|s| s
            .contains("sends /blog/hello without a validator (ETag or Last-Modified)")
            && s.contains("(hard)")),
        "{steps:#?}"
    );
}
