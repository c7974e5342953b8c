//! Sitemaps that try to hurt, through the binary: an index that lists
//! itself (read once, and said), a `<loc>` of 10 MB (skipped at the
//! protocol's 2,048 characters, and `routes` still prints), a URL on the
//! same host but another port (another site: skipped, and the note names
//! it).

use crate::common;

use common::{SECRET_ENV, Scratch, runtime};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The same URL on the next port: another site on the same host.
fn next_port(url: &str) -> String {
    let (host, port) = url.rsplit_once(':').unwrap();
    let port: u16 = port.parse().unwrap();
    format!(
        "{host}:{}",
        if port < u16::MAX { port + 1 } else { port - 1 }
    )
}

struct Site {
    url: String,
    index_reads: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

async fn start_site() -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let index_reads = Arc::new(AtomicUsize::new(0));
    let reads = index_reads.clone();
    let base = url.clone();
    let app = axum::Router::new()
        .route(
            "/sitemap.xml",
            axum::routing::get(move || {
                reads.fetch_add(1, Ordering::SeqCst);
                async {
                    "<sitemapindex><sitemap><loc>/sitemap.xml</loc></sitemap>\
                     <sitemap><loc>/pages.xml</loc></sitemap></sitemapindex>"
                }
            }),
        )
        .route(
            "/pages.xml",
            axum::routing::get(move || {
                let long = format!("{base}/{}", "a".repeat(10 * 1024 * 1024));
                let other_port = next_port(&base);
                async move {
                    format!(
                        "<urlset><url><loc>/about</loc></url><url><loc>{long}</loc></url>\
                         <url><loc>{other_port}/elsewhere</loc></url></urlset>"
                    )
                }
            }),
        );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Site {
        url,
        index_reads,
        _task: task,
    }
}

#[test]
fn a_hostile_sitemap_is_read_once_capped_and_named() {
    let rt = runtime();
    let site = rt.block_on(start_site());
    let s = Scratch::new();
    std::fs::write(
        s.config_path(),
        format!(
            "[sites.sim]\npublic_url = \"{}\"\nsitemap = \"/sitemap.xml\"\n\n[sites.sim.secret]\nenv = \"{SECRET_ENV}\"\n",
            site.url
        ),
    )
    .unwrap();
    let out = s
        .isrctl()
        .args(["routes", "sim", "--refresh"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(site.index_reads.load(Ordering::SeqCst), 1, "{stderr}");
    assert!(
        stderr.contains("the index lists itself; read once"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 <loc>(s) over 2048 characters skipped"),
        "{stderr}"
    );
    let other = next_port(&site.url);
    assert!(
        stderr.contains(&format!("1 URL(s) of another site skipped ({other})")),
        "{stderr}"
    );
    assert!(stdout.contains("/about"), "{stdout}");
    assert!(!stdout.contains("/elsewhere"), "{stdout}");
    assert!(
        stdout.lines().all(|l| l.chars().count() < 300),
        "columns are cut"
    );

    // The cached copy, read without the network, prints as well.
    let again = s.isrctl().args(["routes", "sim"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0));
}

/// A route longer than a formatter's width (65,535) — planted in the
/// cached sitemap copy by an older isrctl or by hand — is cut in the table
/// and whole in JSON; in the config it is refused (Next.js ignores a
/// revalidatePath over 1,024 characters).
#[test]
fn a_route_longer_than_any_column_is_cut_not_a_panic() {
    let s = Scratch::new();
    let long = format!("/{}", "p".repeat(70_000));
    let config = |route: &str| {
        std::fs::write(
            s.config_path(),
            format!(
                "[sites.sim]\npublic_url = \"https://x.example\"\nsitemap = \"/sitemap.xml\"\n\n[sites.sim.secret]\nenv = \"{SECRET_ENV}\"\n{route}"
            ),
        )
        .unwrap()
    };
    config(&format!("\n[[sites.sim.routes]]\npath = \"{long}\"\n"));
    let out = s.isrctl().args(["routes", "sim"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr:.300}");
    assert!(
        stderr.contains("Next.js ignores a revalidatePath over 1024"),
        "{stderr:.300}"
    );

    config("");
    let copy = s.state_home().join("isrctl/sitemaps/sim.json");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let entries = format!("[{{\"path\":\"{long}\",\"lastmod\":null}}]");
    std::fs::write(
        &copy,
        format!("{{\"files\":{{}},\"map\":{{\"entries\":{entries},\"notes\":[],\"fetched\":\"2026-12-01T00:00:00Z\"}}}}"),
    )
    .unwrap();
    let out = s.isrctl().args(["routes", "sim"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ppp…"), "{stdout:.300}");
    let json = s
        .isrctl()
        .args(["routes", "sim", "--json"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&json.stdout).contains(&long));
}
