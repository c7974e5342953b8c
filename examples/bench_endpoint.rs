//! The benchmark's revalidation endpoint: answers every request at once
//! with `{"revalidated":true,"now":…}`, like the App Router handler, on a
//! loopback port. `cargo run --release --example bench_endpoint -- 8099`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a tool, not the product

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8099);
    let app = axum::Router::new().fallback(|| async {
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            r#"{"revalidated":true,"now":1795000000000}"#,
        )
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("a free loopback port");
    eprintln!("bench endpoint on http://127.0.0.1:{port}");
    axum::serve(listener, app).await.unwrap();
}
