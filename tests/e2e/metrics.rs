//! `isrctl watch --metrics` scraped by a real Prometheus (Debian's
//! `prometheus`, installed by testbed/install.sh): a product page Varnish
//! still serves after both origins re-rendered it is watched, and
//! Prometheus's own query API returns its copy's age and its standing;
//! `promtool check rules` accepts the README's alert rule.

use crate::testbed::{Testbed, exclusive, unique_slug};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(name: &str) -> PathBuf {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .unwrap();
    let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
    assert!(
        !path.is_empty(),
        "{name} IS NOT INSTALLED: bash testbed/install.sh installs it (apt-get install -y prometheus)"
    );
    PathBuf::from(path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config(dir: &Path, tb: &Testbed) -> PathBuf {
    let file = dir.join("metrics.toml");
    let text = format!(
        "[sites.testbed]\npublic_url = \"{}\"\norigins = [\"{}\", \"{}\"]\ncdn = \"varnish\"\n\
         [sites.testbed.secret]\nenv = \"REVALIDATE_SECRET\"\n",
        tb.cdn, tb.origins[0], tb.origins[1]
    );
    std::fs::write(&file, text).unwrap();
    file
}

/// `isrctl watch` with its metrics on a port the system chose; the URL.
fn start_watch(tb: &Testbed, dir: &Path, path: &str) -> (Running, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("isrctl"))
        .env_remove("ISRCTL_CONFIG")
        .env("XDG_STATE_HOME", dir)
        .env("REVALIDATE_SECRET", &tb.secret)
        .arg("--config")
        .arg(config(dir, tb))
        .args(["watch", "testbed", "--path", path, "--interval", "1s"])
        .args(["--metrics", "127.0.0.1:0", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().strip_prefix("metrics: ").map(str::to_string);
    let url = url.unwrap_or_else(|| panic!("watch said {line:?}"));
    (Running(child), url)
}

fn start_prometheus(dir: &Path, target: &str) -> (Running, String) {
    let port = free_port();
    let scrape = dir.join("prometheus.yml");
    std::fs::write(
        &scrape,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: isrctl\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let child = Command::new(tool("prometheus"))
        .arg(format!("--config.file={}", scrape.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Running(child), format!("http://127.0.0.1:{port}"))
}

/// Prometheus's answer to an instant query: the first sample's value,
/// once there is one.
fn query(tb: &Testbed, prometheus: &str, promql: &str) -> f64 {
    let start = Instant::now();
    loop {
        let url = format!("{prometheus}/api/v1/query");
        let answer = tb.get_json(&url, &[("query", promql)]);
        let value = answer
            .as_ref()
            .and_then(|a| a["data"]["result"][0]["value"][1].as_str());
        if let Some(value) = value {
            return value.parse().unwrap();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "Prometheus never answered {promql}: {answer:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn prometheus_scrapes_the_watch_and_its_query_returns_the_stale_pages_age() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let dir = tempfile::tempdir().unwrap();
    let slug = unique_slug("metrics");
    tb.set_price(&slug, "10");
    let path = format!("/shop/{slug}");
    assert_eq!(tb.fetch(&tb.cdn, &path).price(), "10");
    tb.set_price(&slug, "11");
    tb.revalidate_origins_by_hand(&path, "11");
    std::thread::sleep(Duration::from_secs(2));
    let held = tb.fetch(&tb.cdn, &path);
    assert_eq!(
        held.price(),
        "10",
        "Varnish still serves the old copy: {held:?}"
    );
    let age_then: f64 = held.header("age").unwrap().parse().unwrap();

    let (_watch, metrics) = start_watch(&tb, dir.path(), &path);
    let target = metrics
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_string();
    let (_prometheus, prometheus) = start_prometheus(dir.path(), &target);
    let age = query(
        &tb,
        &prometheus,
        &format!(r#"isrctl_copy_age_seconds{{path="{path}",layer="public"}}"#),
    );
    let age_now: f64 = tb
        .fetch(&tb.cdn, &path)
        .header("age")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        age >= age_then && age <= age_now,
        "the age Prometheus has ({age}) is the copy's (Age {age_then} then, {age_now} now)"
    );
    let stale = query(
        &tb,
        &prometheus,
        &format!(r#"isrctl_page_standing{{path="{path}",standing="stale"}}"#),
    );
    assert_eq!(stale, 1.0);
}

#[test]
fn promtool_accepts_the_readmes_alert_rule() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- alert-rule -->")
        .expect("the README's rule");
    let end = readme.find("<!-- /alert-rule -->").expect("its end");
    let block = &readme[start..end];
    let yaml = block
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a yaml block");
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, yaml).unwrap();
    let out = Command::new(tool("promtool"))
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("SUCCESS: 2 rules found"), "{said}");
}
