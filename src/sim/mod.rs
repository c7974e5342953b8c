//! In-process stand-ins for the servers isrctl talks to, on loopback.
//! May use: `model` only (a simulation must not share the code it tests).
//!
//! - [`SimOrigin`]: a `next start` instance with ISR pages, the App Router
//!   revalidation route handler and the Pages Router `res.revalidate` route,
//!   behaving as measured on Next.js 16.4.6 (DEVELOPING.md, "Testbed").
//! - [`SimCdn`]: a caching layer that keeps HTML for its `s-maxage`, like a
//!   Varnish in front of the origin, so "origin fresh, CDN stale" happens.
//! - [`Hostile`]: a scripted endpoint that misbehaves on purpose (hangs,
//!   resets, floods, redirects, rate limits) for reliability tests.
//! - [`SimCloudflare`], [`SimFastly`], [`SimVercel`], [`SimCloudFront`],
//!   [`SimNetlify`], [`SimAkamai`]:
//!   the purge APIs, each as its documentation describes it.
//!
//! They serve the tests and `isrctl demo`; nothing here is used against a
//! real site.

pub mod akamai;
pub mod cdn;
pub mod cloudflare;
pub mod cloudfront;
pub mod fastly;
pub mod hostile;
pub mod netlify;
pub mod origin;
pub mod sigv4;
pub mod vercel;
pub mod world;

pub use akamai::{AkamaiClient, AkamaiPurge, SimAkamai};
pub use cdn::SimCdn;
pub use cloudflare::SimCloudflare;
pub use cloudfront::SimCloudFront;
pub use fastly::{FastlyPurge, SimFastly};
pub use hostile::{Behaviour, Hostile};
pub use netlify::{NetlifyPurge, SimNetlify};
pub use origin::{OriginOptions, SimOrigin, SimPage};
pub use vercel::{SimVercel, VercelPurge};

/// An axum app served on a free loopback port until dropped.
pub(crate) struct Served {
    pub(crate) addr: std::net::SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    pub(crate) async fn start(app: axum::Router) -> std::io::Result<Served> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Served { addr, task })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Requests an API simulation received; the first `limited` of them are
/// to be answered 429 (an account whose API budget is spent).
#[derive(Debug, Default)]
pub(crate) struct Arrivals {
    count: std::sync::atomic::AtomicUsize,
    limited: usize,
}

impl Arrivals {
    pub(crate) fn limiting_first(limited: usize) -> Arrivals {
        Arrivals {
            count: Default::default(),
            limited,
        }
    }

    /// Count one; whether it is among the first `limited`.
    pub(crate) fn arrive(&self) -> bool {
        let n = self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        n <= self.limited
    }

    pub(crate) fn count(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Milliseconds since the Unix epoch, as Next.js reports in `now`.
pub(crate) fn now_millis() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// An HTTP `Date` value (IMF-fixdate) for now.
pub(crate) fn http_date() -> String {
    jiff::Timestamp::now()
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Lower-case hex of some bytes (sha2 0.11 digests do not format as hex).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
