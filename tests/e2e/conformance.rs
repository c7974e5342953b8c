//! Conformance of the simulation: the same scenarios against the simulated
//! origin (`isrctl::sim::SimOrigin`, in-process) and against real Next.js
//! 16.4.6 (origin instance 1 of the testbed), comparing what a client can
//! observe: the status (and JSON keys) of each endpoint answer, and for each
//! GET its status, `x-nextjs-cache` and whether the ETag changed.
//!
//! Where they differ, the simulation is wrong: fix `src/sim/origin.rs`.
//! Needs `--features e2e` and a running testbed (DEVELOPING.md, "Testbed").

use crate::testbed;

use isrctl::sim::{OriginOptions, SimOrigin, SimPage};
use reqwest::Method;
use std::collections::HashMap;
use std::time::Duration;
use testbed::{Testbed, exclusive};

enum Step {
    /// GET a page.
    Get(&'static str),
    /// POST /api/revalidate?… (`{secret}` is replaced by the secret).
    App(&'static str),
    /// GET /api/revalidate?… (the route handler only has POST).
    AppGet(&'static str),
    /// GET /api/pages-revalidate?…
    Pages(&'static str),
    /// POST /api/webhook with `x-webhook-secret` (`{secret}` replaced) and a body.
    Hook(&'static str, Option<&'static str>),
}
use Step::*;

struct Scenario {
    name: &'static str,
    /// Pages brought to a settled HIT first; their ETag is the baseline.
    settle: &'static [&'static str],
    steps: &'static [Step],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "settled pages are HITs with a stable ETag",
        settle: &["/", "/about", "/posts"],
        steps: &[Get("/"), Get("/about"), Get("/about"), Get("/posts")],
    },
    Scenario {
        name: "an unknown page is the prerendered not-found page",
        settle: &[],
        steps: &[Get("/nope"), Get("/blog/nope")],
    },
    Scenario {
        name: "a trailing slash is redirected",
        settle: &[],
        steps: &[Get("/about/"), Get("/blog/hello/?utm=x")],
    },
    Scenario {
        name: "path revalidation: the next GET renders (MISS), then HIT",
        settle: &["/blog/hello", "/blog/world"],
        steps: &[
            App("secret={secret}&path=/blog/hello"),
            Get("/blog/hello"),
            Get("/blog/hello"),
            Get("/blog/world"),
        ],
    },
    Scenario {
        name: "a path without leading slash: 200 revalidated, nothing happens",
        settle: &["/blog/hello"],
        steps: &[
            App("secret={secret}&path=blog/hello"),
            Get("/blog/hello"),
            Get("/blog/hello"),
        ],
    },
    Scenario {
        name: "a pattern without type: 200 revalidated, nothing happens",
        settle: &["/blog/hello", "/blog/world"],
        steps: &[
            App("secret={secret}&path=/blog/%5Bslug%5D"),
            Get("/blog/hello"),
            Get("/blog/world"),
        ],
    },
    Scenario {
        name: "a pattern with type=page: every page of it",
        settle: &["/blog/hello", "/blog/world", "/about"],
        steps: &[
            App("secret={secret}&path=/blog/%5Bslug%5D&type=page"),
            Get("/blog/hello"),
            Get("/blog/world"),
            Get("/blog/hello"),
            Get("/about"),
        ],
    },
    Scenario {
        name: "a revalidated path with a trailing slash works",
        settle: &["/about"],
        steps: &[App("secret={secret}&path=/about/"), Get("/about")],
    },
    Scenario {
        name: "tag revalidation: STALE once (old page), then fresh",
        settle: &["/posts", "/blog/hello", "/about"],
        steps: &[
            App("secret={secret}&tag=posts"),
            Get("/posts"),
            Get("/posts"),
            Get("/posts"),
            Get("/blog/hello"),
            Get("/blog/hello"),
            Get("/about"),
        ],
    },
    Scenario {
        name: "a wrong or missing secret: 401, nothing happens",
        settle: &["/about"],
        steps: &[
            App("secret=wrong&path=/about"),
            App("path=/about"),
            Get("/about"),
        ],
    },
    Scenario {
        name: "no path or tag: 400; GET on the route handler: 405",
        settle: &["/about"],
        steps: &[
            App("secret={secret}"),
            AppGet("secret={secret}&path=/about"),
            Get("/about"),
        ],
    },
    Scenario {
        name: "pages router: res.revalidate regenerates before answering",
        settle: &["/about"],
        steps: &[Pages("secret={secret}&path=/about"), Get("/about")],
    },
    Scenario {
        name: "pages router: what throws (500) and what does not",
        settle: &["/about"],
        steps: &[
            Pages("secret={secret}&path=about"),
            Pages("secret={secret}&path=/blog/nope"),
            Pages("secret={secret}&path=/api/revalidate"),
            Pages("secret={secret}&path=/nope"),
            Pages("secret=wrong&path=/about"),
            Pages("secret={secret}"),
            Get("/about"),
        ],
    },
    Scenario {
        name: "CMS webhook: the slug's page is revalidated; a slug of no page is a no-op",
        settle: &["/blog/hello", "/about"],
        steps: &[
            Hook("wrong", Some(r#"{"entry":{"slug":"hello"}}"#)),
            Hook("{secret}", None),
            Hook("{secret}", Some("{}")),
            Get("/blog/hello"),
            Hook("{secret}", Some(r#"{"entry":{"slug":"hello"}}"#)),
            Get("/blog/hello"),
            Get("/blog/hello"),
            Hook("{secret}", Some(r#"{"entry":{"slug":"about"}}"#)),
            Get("/about"),
        ],
    },
];

/// Run every scenario against `base`; one line per observation.
fn observe(tb: &Testbed, base: &str) -> Vec<(&'static str, Vec<String>)> {
    SCENARIOS
        .iter()
        .map(|scenario| {
            let mut etags: HashMap<&str, String> = HashMap::new();
            for path in scenario.settle {
                etags.insert(path, tb.settle_at(base, path).etag().to_string());
            }
            let mut lines = Vec::new();
            for step in scenario.steps {
                lines.push(match step {
                    Get(path) => {
                        let page = tb.fetch(base, path);
                        let etag = match etags.insert(path, page.etag().to_string()) {
                            None => "first",
                            Some(old) if old == page.etag() => "same",
                            Some(_) => "changed",
                        };
                        let mut line =
                            format!("GET {path} → {} {} etag {etag}", page.status, page.cache());
                        if let Some(location) = page.header("location") {
                            line.push_str(&format!(" location {location}"));
                        }
                        if page.cache() == "STALE" {
                            // Let the background regeneration finish.
                            std::thread::sleep(Duration::from_millis(500));
                        }
                        line
                    }
                    App(query) => endpoint(tb, base, Method::POST, "/api/revalidate", query),
                    AppGet(query) => endpoint(tb, base, Method::GET, "/api/revalidate", query),
                    Pages(query) => endpoint(tb, base, Method::GET, "/api/pages-revalidate", query),
                    Hook(secret, body) => webhook(tb, base, secret, *body),
                });
            }
            (scenario.name, lines)
        })
        .collect()
}

fn endpoint(tb: &Testbed, base: &str, method: Method, route: &str, query: &str) -> String {
    let (status, json) = tb.call(
        base,
        method.clone(),
        &format!("{route}?{}", query.replace("{secret}", &tb.secret)),
    );
    format!("{method} {route}?{query} → {status} {}", shape(&json))
}

fn webhook(tb: &Testbed, base: &str, secret: &str, body: Option<&str>) -> String {
    let secret_value = secret.replace("{secret}", &tb.secret);
    let (status, json) = tb.call_with(
        base,
        Method::POST,
        "/api/webhook",
        &[("x-webhook-secret", &secret_value)],
        body,
    );
    format!(
        "POST /api/webhook secret {secret} body {} → {status} {}",
        body.unwrap_or("(none)"),
        shape(&json)
    )
}

/// An answer's JSON keys (with booleans' values), sorted.
fn shape(json: &serde_json::Value) -> String {
    match json {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<String> = map
                .iter()
                .map(|(k, v)| match v {
                    serde_json::Value::Bool(b) => format!("{k}:{b}"),
                    _ => k.clone(),
                })
                .collect();
            keys.sort();
            format!("{{{}}}", keys.join(","))
        }
        serde_json::Value::Null => "(no JSON)".to_string(),
        other => other.to_string(),
    }
}

#[test]
fn the_simulated_origin_behaves_like_next_js() {
    let _turn = exclusive();
    let tb = Testbed::get();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(SimOrigin::start(OriginOptions {
            secret: tb.secret.clone(),
            // The testbed app's pages (testbed/nextjs/app).
            pages: vec![
                SimPage::new("/", &[]),
                SimPage::new("/about", &[]),
                SimPage::new("/blog/hello", &["posts"]),
                SimPage::new("/blog/world", &["posts"]),
                SimPage::new("/posts", &["posts"]),
            ],
            ..OriginOptions::default()
        }))
        .unwrap();

    let real = observe(&tb, &tb.origins[0]);
    let simulated = observe(&tb, &sim.url());

    let mut report = String::new();
    for ((name, real), (_, simulated)) in real.iter().zip(&simulated) {
        if real != simulated {
            report.push_str(&format!("\n## {name}\n"));
            for i in 0..real.len().max(simulated.len()) {
                let r = real.get(i).map(String::as_str).unwrap_or("");
                let s = simulated.get(i).map(String::as_str).unwrap_or("");
                let mark = if r == s { " " } else { "≠" };
                report.push_str(&format!("{mark} next.js: {r}\n  sim:     {s}\n"));
            }
        }
    }
    assert!(
        report.is_empty(),
        "the simulation differs from Next.js 16.4.6:{report}"
    );
    // Print what was compared (cargo test shows it with --nocapture).
    for (name, lines) in &real {
        println!("## {name}");
        for line in lines {
            println!("  {line}");
        }
    }
}
