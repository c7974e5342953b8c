//! Shared by the tests that need the real testbed (`testbed/`, DEVELOPING.md
//! "Testbed"): where it runs, its secret, and plain HTTP to look at pages.
//!
//! These tests are built only with `--features e2e`. With the feature on and
//! the testbed not running they fail, loudly: a skipped end-to-end test
//! would look like a passing one.

use regex::Regex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

pub struct Testbed {
    /// Varnish, the site's public URL.
    pub cdn: String,
    /// A second Varnish with the Varnish documentation's purge shapes
    /// (`testbed/varnish/docs.vcl`).
    pub docs_vcl: String,
    /// Varnish with FOSHttpCache's BAN and varnish-modules' xkey
    /// (`testbed/varnish/foshttpcache.vcl`).
    pub fos_vcl: String,
    /// Varnish with the documentation's lurker-friendly BAN
    /// (`testbed/varnish/lurker.vcl`).
    pub lurker_vcl: String,
    /// Varnish keeping every GET answer an hour (varnish/keep-all.vcl).
    pub keep_all_vcl: String,
    /// moto's server (CloudFront's API) and the distribution it holds.
    pub moto: String,
    pub cloudfront_distribution: String,
    /// nginx's proxy_cache with ngx_cache_purge (`testbed/nginx/`).
    pub nginx: String,
    /// The two `next start` instances; Varnish and the endpoint use the first.
    pub origins: [String; 2],
    /// Two more instances sharing one ISR cache on Redis (site `shared`).
    pub shared_origins: [String; 2],
    /// The Redis port those two keep their pages in.
    pub shared_store_port: String,
    /// nginx as a round-robin load balancer over both instances, no cache.
    pub round_robin: String,
    /// The deploy origin (`testbed/redeploy.sh` switches its build) and
    /// the Varnish before it.
    pub deploy_origin: String,
    pub deploy_cdn: String,
    /// The Pages Router site (`testbed/nextjs/blog-site`): its public URL,
    /// with the base path (`…/blog`); trailingSlash, locales en and de.
    pub blog_site: String,
    /// The shop pages' data (`testbed/nextjs/lib/shop.js`): one JSON file
    /// per product, which the tests edit.
    pub data_dir: PathBuf,
    pub secret: String,
    client: reqwest::Client,
    rt: tokio::runtime::Runtime,
}

/// One GET of a page, as a user with curl would see it.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
    /// The price a shop page shows (HTML or RSC payload): `price 12.00`.
    pub fn price(&self) -> String {
        static PRICE: OnceLock<Regex> = OnceLock::new();
        let re = PRICE.get_or_init(|| Regex::new(r"price ([0-9.]+)").unwrap());
        re.captures(&self.body)
            .unwrap_or_else(|| panic!("no price in (status {}):\n{}", self.status, self.body))[1]
            .to_string()
    }
    /// Varnish's `X-Cache` (HIT or MISS), or "-".
    pub fn edge(&self) -> &str {
        self.header("x-cache").unwrap_or("-")
    }
    /// `x-nextjs-cache` (HIT, MISS, STALE), or "-" when absent.
    pub fn cache(&self) -> &str {
        self.header("x-nextjs-cache").unwrap_or("-")
    }
    pub fn etag(&self) -> &str {
        self.header("etag").unwrap_or("-")
    }
    /// The render-time marker from `<meta name="isr-rendered-at">`, checked
    /// against the text node that repeats it.
    pub fn marker(&self) -> String {
        static META: OnceLock<Regex> = OnceLock::new();
        let meta = META.get_or_init(|| {
            Regex::new(r#"<meta name="isr-rendered-at" content="([^"]+)""#).unwrap()
        });
        let value = meta
            .captures(&self.body)
            .unwrap_or_else(|| panic!("no isr-rendered-at marker in:\n{}", self.body))[1]
            .to_string();
        assert!(
            self.body.contains(&format!(">rendered at {value}<")),
            "the marker's text node does not repeat {value}:\n{}",
            self.body
        );
        value
    }
}

impl Testbed {
    /// The running testbed, from `testbed/.run/env` (written by
    /// `testbed/start.sh`); panics with what to do when it is not running.
    pub fn get() -> Testbed {
        let env_file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testbed/.run/env");
        let text = std::fs::read_to_string(&env_file).unwrap_or_else(|e| {
            panic!(
                "THE TESTBED IS NOT RUNNING ({}: {e}).\n\
                 These tests run against real Next.js and Varnish. Start them with\n  \
                 bash testbed/install.sh && bash testbed/build.sh && bash testbed/start.sh\n\
                 or run plain `cargo test` without --features e2e.",
                env_file.display()
            )
        });
        let vars: HashMap<&str, &str> = text
            .lines()
            .filter_map(|l| l.trim().trim_start_matches("export ").split_once('='))
            .collect();
        let var = |k: &str| {
            vars.get(k)
                .unwrap_or_else(|| panic!("{} lacks {k}", env_file.display()))
                .to_string()
        };
        let testbed = Testbed {
            cdn: var("TESTBED_CDN_URL"),
            docs_vcl: var("TESTBED_DOCS_VCL_URL"),
            nginx: var("TESTBED_NGINX_URL"),
            fos_vcl: var("TESTBED_FOS_VCL_URL"),
            lurker_vcl: var("TESTBED_LURKER_VCL_URL"),
            keep_all_vcl: var("TESTBED_KEEP_ALL_VCL_URL"),
            moto: var("TESTBED_MOTO_URL"),
            cloudfront_distribution: var("TESTBED_CLOUDFRONT_DISTRIBUTION"),
            origins: [var("TESTBED_ORIGIN_1_URL"), var("TESTBED_ORIGIN_2_URL")],
            shared_origins: [
                var("TESTBED_SHARED_ORIGIN_3_URL"),
                var("TESTBED_SHARED_ORIGIN_4_URL"),
            ],
            shared_store_port: var("TESTBED_SHARED_STORE_PORT"),
            round_robin: var("TESTBED_ROUND_ROBIN_URL"),
            blog_site: var("TESTBED_BLOG_SITE_URL"),
            deploy_origin: var("TESTBED_DEPLOY_ORIGIN_URL"),
            deploy_cdn: var("TESTBED_DEPLOY_CDN_URL"),
            data_dir: PathBuf::from(var("TESTBED_DATA_DIR")),
            secret: var("REVALIDATE_SECRET"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // next start closes idle keep-alive connections after 5 s:
                // a reused one fails "error sending request".
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        };
        // The env file outlives a crashed testbed: ask each server.
        let blog_endpoint = format!("{}/api/revalidate/", testbed.blog_site);
        for url in [
            &testbed.cdn,
            &testbed.docs_vcl,
            &testbed.fos_vcl,
            &testbed.lurker_vcl,
            &testbed.keep_all_vcl,
            &testbed.nginx,
            &testbed.round_robin,
            &testbed.origins[0],
            &testbed.origins[1],
        ]
        .map(|base| format!("{base}/api/pages-revalidate"))
        .iter()
        .chain([&blog_endpoint])
        {
            let answer = testbed
                .rt
                .block_on(async { testbed.client.get(url.as_str()).send().await });
            match answer {
                Ok(r) if r.status() == 401 => {}
                other => panic!(
                    "THE TESTBED IS NOT ANSWERING: GET {url} gave {other:?}, expected 401.\n\
                     Restart it: bash testbed/stop.sh; bash testbed/start.sh"
                ),
            }
        }
        testbed
    }

    /// GET from moto's CloudFront API. moto picks the service from the
    /// SigV4 credential scope and does not check the signature, so a
    /// scope is all a plain read needs.
    pub fn cloudfront_get(&self, path: &str) -> String {
        let url = format!(
            "{}/2020-05-31/distribution/{}{path}",
            self.moto, self.cloudfront_distribution
        );
        let scope = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=0";
        self.rt.block_on(async {
            let r = self
                .client
                .get(&url)
                .header("authorization", scope)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "GET {url}: {}", r.status());
            r.text().await.unwrap()
        })
    }

    /// GET `base` + `path` without following redirects.
    pub fn fetch(&self, base: &str, path: &str) -> Page {
        self.fetch_with(base, path, &[])
    }

    /// The same with request headers.
    pub fn fetch_with(&self, base: &str, path: &str, headers: &[(&str, &str)]) -> Page {
        let url = format!("{base}{path}");
        self.rt.block_on(async {
            let mut request = self.client.get(&url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            let status = response.status().as_u16();
            let mut headers = HashMap::new();
            for (name, value) in response.headers() {
                // Next.js sometimes sends x-nextjs-prerender twice: keep one.
                headers.insert(
                    name.as_str().to_string(),
                    value.to_str().unwrap_or("").to_string(),
                );
            }
            let body = response.text().await.unwrap();
            Page {
                status,
                headers,
                body,
            }
        })
    }

    /// Set a product's data, as a CMS editor would: the shop page
    /// `/shop/<slug>` shows `price <price>` once it is rendered again.
    pub fn set_price(&self, slug: &str, price: &str) {
        write_price(&self.data_dir, slug, price);
    }

    /// The CMS publishes `price` after `delay` (a CMS that lags behind its
    /// own webhook); join the handle to know it has.
    pub fn set_price_later(
        &self,
        slug: &str,
        price: &str,
        delay: Duration,
    ) -> std::thread::JoinHandle<()> {
        let (dir, slug, price) = (self.data_dir.clone(), slug.to_string(), price.to_string());
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            write_price(&dir, &slug, &price);
        })
    }

    /// The page's RSC payload at `base`, as a client-side navigation gets
    /// it: `RSC: 1` with the `_rsc` value Next.js expects without router
    /// headers (none): never the bare URL, whose 307 a cache would keep.
    pub fn rsc(&self, base: &str, path: &str) -> Page {
        let sep = if path.contains('?') { '&' } else { '?' };
        self.fetch_with(base, &format!("{path}{sep}_rsc"), &[("rsc", "1")])
    }

    /// GET from origin instance 1 (2 for `instance = 1`).
    pub fn origin(&self, instance: usize, path: &str) -> Page {
        self.fetch(&self.origins[instance], path)
    }

    /// Bring a page at origin 1 to a settled state (a `HIT`, no revalidation
    /// pending), whatever earlier tests left behind; returns that HIT.
    pub fn settle(&self, path: &str) -> Page {
        self.settle_at(&self.origins[0], path)
    }

    /// The same for a page at any origin (also the simulated one).
    pub fn settle_at(&self, base: &str, path: &str) -> Page {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let page = self.fetch(base, path);
            assert_eq!(page.status, 200, "GET {path}: {page:?}");
            if page.cache() == "HIT" {
                return page;
            }
            assert!(
                Instant::now() < deadline,
                "{path} did not settle to HIT: {page:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A request to `base` + `path_and_query` (an endpoint): (status, JSON
    /// body or null).
    pub fn call(
        &self,
        base: &str,
        method: reqwest::Method,
        path_and_query: &str,
    ) -> (u16, serde_json::Value) {
        self.call_with(base, method, path_and_query, &[], None)
    }

    /// The same with request headers and a body.
    pub fn call_with(
        &self,
        base: &str,
        method: reqwest::Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let url = format!("{base}{path_and_query}");
        self.rt.block_on(async {
            let mut request = self.client.request(method, &url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(body) = body {
                request = request.body(body.to_string());
            }
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            (
                status,
                serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
            )
        })
    }
}

impl Testbed {
    /// GET `url` with `query` and read its JSON (another server's API,
    /// e.g. Prometheus's); `None` when it did not answer JSON.
    pub fn get_json(&self, url: &str, query: &[(&str, &str)]) -> Option<serde_json::Value> {
        let url = url::Url::parse_with_params(url, query).ok()?;
        self.rt.block_on(async {
            let answer = self.client.get(url).send().await.ok()?;
            serde_json::from_str(&answer.text().await.ok()?).ok()
        })
    }

    /// A product page rendered and cached (HIT) at both origins with `price`.
    pub fn product_at_both_origins(&self, name: &str, price: &str) -> String {
        let slug = unique_slug(name);
        self.set_price(&slug, price);
        let path = format!("/shop/{slug}");
        for base in &self.origins {
            let page = self.settle_at(base, &path);
            assert_eq!(page.price(), price, "{page:?}");
        }
        path
    }

    /// Revalidate `path` on both origins with plain HTTP, as someone else
    /// (or time-based ISR) would, and wait until each serves `price`.
    pub fn revalidate_origins_by_hand(&self, path: &str, price: &str) {
        for base in &self.origins {
            let query = format!("/api/revalidate?secret={}&path={path}", self.secret);
            let (status, body) = self.call(base, reqwest::Method::POST, &query);
            assert_eq!((status, body["revalidated"].as_bool()), (200, Some(true)));
            let deadline = Instant::now() + Duration::from_secs(15);
            while self.fetch(base, path).price() != price {
                assert!(
                    Instant::now() < deadline,
                    "{base}{path} never served {price}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// `isrctl --config testbed/isrctl.toml ARGS`, the built binary, with
/// `$REVALIDATE_SECRET` = `secret` and a scratch state directory. Fails if
/// the testbed's secret shows in stdout, stderr, the history or the log.
pub fn isrctl(tb: &Testbed, secret: &str, args: &[&str]) -> std::process::Output {
    let state = tempfile::tempdir().unwrap();
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testbed/isrctl.toml");
    let output = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .env_remove("ISRCTL_CONFIG")
        .env("XDG_STATE_HOME", state.path())
        .env("HOME", state.path())
        .env("REVALIDATE_SECRET", secret)
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    let files = ["history.jsonl", "isrctl.log"]
        .map(|f| std::fs::read_to_string(state.path().join("isrctl").join(f)).unwrap_or_default());
    for (what, text) in [
        (
            "stdout",
            String::from_utf8_lossy(&output.stdout).to_string(),
        ),
        (
            "stderr",
            String::from_utf8_lossy(&output.stderr).to_string(),
        ),
        ("history", files[0].clone()),
        ("log", files[1].clone()),
    ] {
        assert!(
            !text.contains(&tb.secret),
            "the secret leaked into {what}:\n{text}"
        );
    }
    output
}

/// `isrctl --config CONFIG ARGS` with `stdin`, keeping its state (history,
/// sitemap copies) in `state` from one call to the next. Fails if the
/// testbed's secret shows in stdout or stderr.
pub fn isrctl_kept(
    tb: &Testbed,
    state: &std::path::Path,
    config: &std::path::Path,
    args: &[&str],
    stdin: &[u8],
) -> std::process::Output {
    let output = assert_cmd::Command::cargo_bin("isrctl")
        .unwrap()
        .env_remove("ISRCTL_CONFIG")
        .env("XDG_STATE_HOME", state)
        .env("HOME", state)
        .env("REVALIDATE_SECRET", &tb.secret)
        .arg("--config")
        .arg(config)
        .args(args)
        .write_stdin(stdin.to_vec())
        .output()
        .unwrap();
    for text in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(text);
        assert!(!text.contains(&tb.secret), "the secret leaked:\n{text}");
    }
    output
}

/// `isrctl ARGS --json` with the testbed's secret: (exit code, document).
pub fn isrctl_json(tb: &Testbed, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = isrctl(tb, &tb.secret, &all);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), doc)
}

/// `revalidate SITE --path P --verify --deadline 5s --json`: (exit code,
/// the target's result: request, lint, outcome, verifications).
pub fn revalidate_verify(tb: &Testbed, site: &str, path: &str) -> (Option<i32>, serde_json::Value) {
    let args = [
        "revalidate",
        site,
        "--path",
        path,
        "--verify",
        "--deadline",
        "5s",
    ];
    let (code, doc) = isrctl_json(tb, &args);
    (code, doc["results"][0].clone())
}

/// A product slug no earlier run used: the testbed's caches outlive runs.
pub fn unique_slug(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{nanos:x}")
}

/// The testbed is one shared, stateful site: tests of one binary that touch
/// it take turns. A panicking test does not poison the others.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A product's data file, written whole then renamed: a render never reads
/// half a file.
fn write_price(dir: &std::path::Path, slug: &str, price: &str) {
    let json = format!(r#"{{"name":"{slug}","price":"{price}"}}"#);
    let tmp = dir.join(format!(".{slug}.json.tmp"));
    std::fs::write(&tmp, json).unwrap();
    std::fs::rename(&tmp, dir.join(format!("{slug}.json"))).unwrap();
}
