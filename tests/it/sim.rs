//! The simulated origin, CDN and hostile endpoints behave as measured on real Next.js (DEVELOPING.md, "Testbed") says
//! Next.js 16.4.6, a caching CDN and broken servers do: checked the way a
//! user with curl would check them.

use std::time::{Duration, Instant};

use isrctl::sim::hostile::refused_port;
use isrctl::sim::{Behaviour, Hostile, OriginOptions, SimCdn, SimOrigin};
use reqwest::header::HeaderMap;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
    fn cache(&self) -> &str {
        self.header("x-nextjs-cache").unwrap()
    }
    fn etag(&self) -> &str {
        self.header("etag").unwrap()
    }
    fn marker(&self) -> &str {
        let start = self.body.find("<p id=\"marker\">").unwrap();
        let end = self.body[start..].find("</p>").unwrap();
        &self.body[start..start + end]
    }
}

async fn get(url: &str) -> Page {
    let response = client().get(url).send().await.unwrap();
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

/// Send to an endpoint; status and the JSON answer.
async fn call(method: reqwest::Method, url: &str) -> (u16, serde_json::Value) {
    let response = client().request(method, url).send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

async fn revalidate(origin: &str, query: &str) -> (u16, serde_json::Value) {
    let url = format!("{origin}/api/revalidate?{query}");
    call(reqwest::Method::POST, &url).await
}

async fn start() -> SimOrigin {
    SimOrigin::start(OriginOptions::default()).await.unwrap()
}

#[tokio::test]
async fn pages_are_prerendered_hits_with_next_headers() {
    let origin = start().await;
    let page = get(&format!("{}/blog/hello", origin.url())).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.cache(), "HIT");
    assert_eq!(page.header("x-nextjs-prerender"), Some("1"));
    assert_eq!(page.header("x-nextjs-stale-time"), Some("300"));
    assert_eq!(
        page.header("cache-control"),
        Some("s-maxage=3600, stale-while-revalidate=31532400")
    );
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.etag().starts_with('"') && page.etag().len() > 2);
    assert!(page.header("date").unwrap().ends_with(" GMT"));
    assert!(page.header("age").is_none());
    assert!(page.header("last-modified").is_none());
    assert!(
        page.body
            .contains("<meta name=\"isr-rendered-at\" content=\"0-")
    );
    assert!(page.marker().contains("rendered generation 0 at "));
    assert_eq!(origin.generation("/blog/hello"), Some(0));

    // Trailing slash: a 308 to the page, query kept (as next start does).
    let slash = get(&format!("{}/blog/hello/?utm=x", origin.url())).await;
    assert_eq!(slash.status, 308);
    assert_eq!(slash.header("location"), Some("/blog/hello?utm=x"));
    // The query string plays no part in finding the page.
    let query = get(&format!("{}/blog/hello?utm=x", origin.url())).await;
    assert_eq!(query.etag(), page.etag());
    assert_eq!(get(&format!("{}/", origin.url())).await.status, 200);

    let missing = get(&format!("{}/blog/nope", origin.url())).await;
    assert_eq!(missing.status, 404);
    // The prerendered not-found page, as next start serves it.
    assert_eq!(missing.cache(), "HIT");
    assert_eq!(origin.generation("/blog/nope"), None);
}

#[tokio::test]
async fn path_revalidation_makes_the_next_get_a_miss_with_new_content() {
    let origin = start().await;
    let url = format!("{}/blog/hello", origin.url());
    let before = get(&url).await;

    let (status, json) = revalidate(&origin.url(), "secret=sim-secret&path=/blog/hello").await;
    assert_eq!(status, 200);
    assert_eq!(json["revalidated"], true);
    assert!(json["now"].as_i64().unwrap() > 1_700_000_000_000);

    let miss = get(&url).await;
    assert_eq!(miss.cache(), "MISS");
    assert_ne!(miss.etag(), before.etag());
    assert_ne!(miss.marker(), before.marker());
    assert!(miss.marker().contains("generation 1"));
    let hit = get(&url).await;
    assert_eq!(hit.cache(), "HIT");
    assert_eq!(hit.etag(), miss.etag());
    assert_eq!(origin.generation("/blog/hello"), Some(1));
    // Other pages are untouched.
    assert_eq!(origin.generation("/blog/world"), Some(0));
}

#[tokio::test]
async fn path_without_leading_slash_is_a_silent_no_op() {
    let origin = start().await;
    let url = format!("{}/blog/hello", origin.url());
    let before = get(&url).await;
    let (status, json) = revalidate(&origin.url(), "secret=sim-secret&path=blog/hello").await;
    assert_eq!(status, 200);
    assert_eq!(json["revalidated"], true);
    let after = get(&url).await;
    assert_eq!(after.cache(), "HIT");
    assert_eq!(after.etag(), before.etag());
    assert_eq!(origin.generation("/blog/hello"), Some(0));
}

#[tokio::test]
async fn unknown_path_is_accepted_and_changes_nothing() {
    let origin = start().await;
    let (status, json) = revalidate(&origin.url(), "secret=sim-secret&path=/nope").await;
    assert_eq!((status, &json["revalidated"]), (200, &true.into()));
    assert_eq!(origin.generation("/"), Some(0));
}

#[tokio::test]
async fn trailing_slash_revalidates_the_page() {
    let origin = start().await;
    revalidate(&origin.url(), "secret=sim-secret&path=/blog/hello/").await;
    let page = get(&format!("{}/blog/hello", origin.url())).await;
    assert_eq!(page.cache(), "MISS");
    assert_eq!(origin.generation("/blog/hello"), Some(1));
}

#[tokio::test]
async fn dynamic_pattern_needs_a_type() {
    let origin = start().await;
    let base = origin.url();
    let hello = get(&format!("{base}/blog/hello")).await;

    let (status, json) = revalidate(&base, "secret=sim-secret&path=/blog/%5Bslug%5D").await;
    assert_eq!((status, json["revalidated"].as_bool()), (200, Some(true)));
    let same = get(&format!("{base}/blog/hello")).await;
    assert_eq!(same.cache(), "HIT");
    assert_eq!(same.etag(), hello.etag());

    revalidate(&base, "secret=sim-secret&path=/blog/[slug]&type=page").await;
    for page in ["/blog/hello", "/blog/world"] {
        let fresh = get(&format!("{base}{page}")).await;
        assert_eq!(fresh.cache(), "MISS", "{page}");
        assert_eq!(origin.generation(page), Some(1), "{page}");
    }
    assert_eq!(origin.generation("/about"), Some(0));
    assert_eq!(origin.generation("/products/1"), Some(0));
}

#[tokio::test]
async fn layout_revalidation_of_root_covers_every_page() {
    let origin = start().await;
    revalidate(&origin.url(), "secret=sim-secret&path=/&type=layout").await;
    for page in ["/", "/about", "/blog/hello", "/products/1"] {
        let fresh = get(&format!("{}{page}", origin.url())).await;
        assert_eq!(fresh.cache(), "MISS", "{page}");
    }
}

#[tokio::test]
async fn tag_revalidation_serves_stale_once_then_fresh() {
    let origin = start().await;
    let url = format!("{}/blog/hello", origin.url());
    let before = get(&url).await;

    let (status, json) = revalidate(&origin.url(), "secret=sim-secret&tag=posts").await;
    assert_eq!(status, 200);
    assert_eq!(json["revalidated"], true);
    assert!(json["now"].is_i64());

    let stale = get(&url).await;
    assert_eq!(stale.cache(), "STALE");
    assert_eq!(stale.etag(), before.etag());
    assert_eq!(stale.body, before.body);
    // Real Next.js 16.4.6 says HIT here, not MISS (tests/conformance.rs).
    let fresh = get(&url).await;
    assert_eq!(fresh.cache(), "HIT");
    assert_ne!(fresh.etag(), before.etag());
    assert!(fresh.marker().contains("generation 1"));
    assert_eq!(get(&url).await.cache(), "HIT");
    // Pages without the tag are not affected.
    let product = get(&format!("{}/products/1", origin.url())).await;
    assert_eq!(product.cache(), "HIT");
}

#[tokio::test]
async fn endpoint_rejects_bad_token_missing_path_and_wrong_method() {
    let origin = start().await;
    let base = origin.url();
    let (status, json) = revalidate(&base, "secret=wrong&path=/about").await;
    assert_eq!(status, 401);
    assert_eq!(json["message"], "Invalid token");
    assert_eq!(revalidate(&base, "path=/about").await.0, 401);

    let (status, json) = revalidate(&base, "secret=sim-secret").await;
    assert_eq!(status, 400);
    assert_eq!(json["message"], "Path is required");

    let url = format!("{base}/api/revalidate?secret=sim-secret&path=/about");
    assert_eq!(call(reqwest::Method::GET, &url).await.0, 405);
    assert_eq!(origin.generation("/about"), Some(0));
    assert_eq!(origin.endpoint_requests(), 4);
}

#[tokio::test]
async fn pages_router_endpoint_throws_on_bad_path_and_regenerates_at_once() {
    let origin = start().await;
    let endpoint = format!("{}/api/pages-revalidate", origin.url());
    let get_endpoint = |q: &str| {
        let url = format!("{endpoint}?{q}");
        async move { call(reqwest::Method::GET, &url).await }
    };

    let (status, json) = get_endpoint("secret=nope&path=/about").await;
    assert_eq!(
        (status, json["message"].as_str()),
        (401, Some("Invalid token"))
    );
    assert_eq!(get_endpoint("secret=sim-secret").await.0, 400);
    let (status, json) = get_endpoint("secret=sim-secret&path=about").await;
    assert_eq!(status, 500);
    assert_eq!(json["message"], "Error revalidating");
    // As measured on the testbed: a slug its dynamic route did not
    // prerender and an API route throw; an unknown top-level path revalidates
    // the not-found page and "succeeds".
    assert_eq!(
        get_endpoint("secret=sim-secret&path=/blog/nope").await.0,
        500
    );
    assert_eq!(
        get_endpoint("secret=sim-secret&path=/api/revalidate")
            .await
            .0,
        500
    );
    assert_eq!(get_endpoint("secret=sim-secret&path=/nope").await.0, 200);

    let before = get(&format!("{}/about", origin.url())).await;
    let (status, json) = get_endpoint("secret=sim-secret&path=/about").await;
    assert_eq!(status, 200);
    assert_eq!(json, serde_json::json!({"revalidated": true}));
    assert_eq!(origin.generation("/about"), Some(1));
    let after = get(&format!("{}/about", origin.url())).await;
    assert_ne!(after.etag(), before.etag());
    assert!(after.marker().contains("generation 1"));
}

#[tokio::test]
async fn endpoint_counts_requests_and_concurrency() {
    let origin = SimOrigin::start(OriginOptions {
        endpoint_delay: Duration::from_millis(300),
        ..OriginOptions::default()
    })
    .await
    .unwrap();
    let base = origin.url();
    let calls = (0..4).map(|_| revalidate(&base, "secret=sim-secret&path=/about"));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|(status, _)| *status == 200));
    assert_eq!(origin.endpoint_requests(), 4);
    assert!(origin.max_concurrent_endpoint_requests() >= 2);
    assert!(origin.max_concurrent_endpoint_requests() <= 4);
}

#[tokio::test]
async fn cdn_keeps_serving_the_old_copy_after_origin_revalidation() {
    let origin = start().await;
    let cdn = SimCdn::start(&origin.url()).await.unwrap();
    let via_cdn = format!("{}/blog/hello", cdn.url());

    let first = get(&via_cdn).await;
    assert_eq!(first.header("x-cache"), Some("MISS"));
    assert_eq!(first.header("age"), Some("0"));
    assert_eq!(first.header("via"), Some("1.1 sim-cdn"));
    assert_eq!(first.cache(), "HIT"); // the origin's header, passed through
    assert_eq!(
        first.header("cache-control"),
        Some("s-maxage=3600, stale-while-revalidate=31532400")
    );
    let old_etag = first.etag().to_string();

    // Revalidate through the CDN: /api/ passes straight through.
    let (status, json) = revalidate(&cdn.url(), "secret=sim-secret&path=/blog/hello").await;
    assert_eq!((status, json["revalidated"].as_bool()), (200, Some(true)));

    let at_origin = get(&format!("{}/blog/hello", origin.url())).await;
    assert_eq!(at_origin.cache(), "MISS");
    assert_ne!(at_origin.etag(), old_etag);

    let cached = get(&via_cdn).await;
    assert_eq!(cached.header("x-cache"), Some("HIT"));
    assert_eq!(cached.etag(), old_etag);
    let age: u64 = cached.header("age").unwrap().parse().unwrap();
    assert!(age < 5);

    let busted = get(&format!("{via_cdn}?cb=1")).await;
    assert_eq!(busted.header("x-cache"), Some("MISS"));
    assert_eq!(busted.etag(), at_origin.etag());
    assert_eq!(cdn.origin_requests(), 3);
}

#[tokio::test]
async fn cdn_passes_api_and_non_get_requests_through_uncached() {
    let origin = start().await;
    let cdn = SimCdn::start(&origin.url()).await.unwrap();
    let pages_endpoint = format!("{}/api/pages-revalidate?secret=bad&path=/", cdn.url());
    for _ in 0..2 {
        let (status, json) = call(reqwest::Method::GET, &pages_endpoint).await;
        assert_eq!(
            (status, json["message"].as_str()),
            (401, Some("Invalid token"))
        );
    }
    assert_eq!(revalidate(&cdn.url(), "secret=sim-secret").await.0, 400);
    assert_eq!(origin.endpoint_requests(), 3);

    // A 404 from the origin says no-store: not cached either.
    for _ in 0..2 {
        assert_eq!(get(&format!("{}/nope", cdn.url())).await.status, 404);
    }
    assert_eq!(cdn.origin_requests(), 5);
}

async fn hostile(b: Behaviour) -> Hostile {
    Hostile::start(b).await.unwrap()
}

#[tokio::test]
async fn hostile_answers_revalidated_and_logs_targets() {
    let server = hostile(Behaviour::Revalidated).await;
    let url = format!("{}/api/revalidate?path=/x", server.url());
    let (status, json) = call(reqwest::Method::POST, &url).await;
    assert_eq!((status, json["revalidated"].as_bool()), (200, Some(true)));
    assert!(json["now"].is_i64());
    assert_eq!(server.requests(), 1);
    assert_eq!(server.received_targets(), vec!["/api/revalidate?path=/x"]);
    assert_eq!(server.request_times().len(), 1);
}

#[tokio::test]
async fn hostile_status_sends_what_it_is_told() {
    let server = hostile(Behaviour::Status {
        status: 422,
        body: r#"{"message":"bad slug"}"#.into(),
        content_type: "application/json".into(),
    })
    .await;
    let response = client()
        .post(format!("{}/any", server.url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), r#"{"message":"bad slug"}"#);
}

#[tokio::test]
async fn hostile_rate_limits_then_accepts() {
    let server = hostile(Behaviour::RateLimited {
        retry_after_secs: 1,
        times: 2,
    })
    .await;
    let url = format!("{}/r", server.url());
    for _ in 0..2 {
        let response = client().post(&url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 429);
        assert_eq!(response.headers()["retry-after"], "1");
    }
    assert_eq!(call(reqwest::Method::POST, &url).await.0, 200);
    assert_eq!(server.requests(), 3);
    let times = server.request_times();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn hostile_hang_never_answers() {
    let server = hostile(Behaviour::Hang).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = impatient
        .post(format!("{}/r", server.url()))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn hostile_slow_drip_sends_headers_then_trickles() {
    let server = hostile(Behaviour::SlowDrip).await;
    let mut response = client()
        .get(format!("{}/r", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut received = 0;
    let deadline = Instant::now() + Duration::from_millis(1200);
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline.into(), response.chunk()).await
    {
        received += chunk.len();
    }
    // "{" at once, then a byte every 500 ms: a handful in 1.2 s, never done.
    assert!((1..=4).contains(&received), "{received}");
}

#[tokio::test]
async fn hostile_huge_body_announces_200_mib() {
    let server = hostile(Behaviour::HugeBody).await;
    let mut response = client()
        .get(format!("{}/r", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.content_length(), Some(200 * 1024 * 1024));
    let mut received = 0;
    while received < 1024 * 1024 {
        received += response.chunk().await.unwrap().unwrap().len();
    }
    // Dropping the response mid-body must not upset the server.
    drop(response);
    assert_eq!(call(reqwest::Method::GET, &server.url()).await.0, 200);
}

#[tokio::test]
async fn hostile_gzip_bomb_is_small_on_the_wire() {
    let server = hostile(Behaviour::GzipBomb).await;
    let mut response = client()
        .get(format!("{}/r", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let length = response.content_length().unwrap();
    assert!(length < 8_000_000, "{length}");
    let first = response.chunk().await.unwrap().unwrap();
    assert_eq!(&first[..3], &[0x1f, 0x8b, 8]);
}

#[tokio::test]
async fn hostile_reset_closes_without_an_answer() {
    let server = hostile(Behaviour::Reset).await;
    let result = client().post(format!("{}/r", server.url())).send().await;
    assert!(result.is_err());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn hostile_redirects_are_reported_not_followed() {
    let server = hostile(Behaviour::RedirectTo("https://evil.example/steal".into())).await;
    let response = client()
        .post(format!("{}/r?secret=s", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(response.headers()["location"], "https://evil.example/steal");

    let looping = hostile(Behaviour::RedirectLoop).await;
    let url = format!("{}/r?secret=s", looping.url());
    let response = client().post(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(response.headers()["location"], url.as_str());
}

#[tokio::test]
async fn hostile_delay_holds_requests_in_flight() {
    let server = hostile(Behaviour::Delay(
        Duration::from_millis(300),
        Box::new(Behaviour::Revalidated),
    ))
    .await;
    let url = format!("{}/r", server.url());
    let started = Instant::now();
    let calls = (0..3).map(|_| call(reqwest::Method::POST, &url));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|(status, _)| *status == 200));
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(server.requests(), 3);
    assert!(server.max_concurrent() >= 2);
}

#[tokio::test]
async fn refused_port_refuses() {
    let port = refused_port().await;
    let error = client()
        .get(format!("http://127.0.0.1:{port}/"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect());
}
