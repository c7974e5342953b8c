//! A scripted, misbehaving endpoint for reliability tests.
//!
//! Every path follows one [`Behaviour`]. The server speaks HTTP/1.1 by hand
//! on a raw `TcpListener`, one request per connection (`Connection: close`),
//! because several behaviours (never answering, resetting the connection,
//! dripping bytes forever) are things a well-behaved framework won't do.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::now_millis;

mod gzip_bomb;
mod wire;

use gzip_bomb::*;
use wire::*;

/// What a [`Hostile`] server does with each request.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// `200 {"revalidated":true,"now":…}`.
    Revalidated,
    /// Any status with any body: 401/403/400/404/422/500 with a JSON
    /// message, 200 with HTML, 200 `{"revalidated":false}`…
    Status {
        status: u16,
        body: String,
        content_type: String,
    },
    /// The first `times` requests get 429 with `Retry-After`, later ones
    /// are answered as [`Behaviour::Revalidated`].
    RateLimited { retry_after_secs: u64, times: usize },
    /// Read the request, never answer (until the client gives up).
    Hang,
    /// 200 and headers, then one body byte every 500 ms forever.
    SlowDrip,
    /// 200 `application/json` with a 200 MiB body: whitespace first, the
    /// `{"revalidated":true}` only at the very end.
    HugeBody,
    /// 200 `Content-Encoding: gzip`: a real gzip stream of about 6.5 MB that
    /// inflates to about 1 GiB of zero bytes.
    GzipBomb,
    /// Read the request, then reset the connection (RST) without an answer.
    Reset,
    /// 302 `Location: <url>`.
    RedirectTo(String),
    /// 302 to the very URL that was requested.
    RedirectLoop,
    /// Write these bytes as the whole answer (status line, headers, body),
    /// then close: escape sequences in a body or header, a body shorter
    /// than its `Content-Length`, broken chunked encoding.
    Raw(Vec<u8>),
    /// Wait, then behave as the inner behaviour.
    Delay(Duration, Box<Behaviour>),
}

const HUGE_BODY_LEN: u64 = 200 * 1024 * 1024;
const DRIP_INTERVAL: Duration = Duration::from_millis(500);
/// Largest request head accepted; a longer one gets the connection closed.
const MAX_HEAD: usize = 64 * 1024;
/// How much of a request body is read (and thrown away) at most.
const MAX_BODY: u64 = 16 * 1024 * 1024;
const BODY_TIMEOUT: Duration = Duration::from_secs(5);

struct Shared {
    behaviour: Behaviour,
    addr: SocketAddr,
    requests: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    rate_limited: AtomicUsize,
    log: Mutex<Vec<(Instant, String)>>,
}

impl Shared {
    /// A poisoned lock only means a test panicked elsewhere; the log is
    /// appended to whole, so keep using it.
    fn log(&self) -> MutexGuard<'_, Vec<(Instant, String)>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Holds one request as "in flight" until dropped.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared, target: String) -> InFlight<'a> {
        shared.log().push((Instant::now(), target));
        shared.requests.fetch_add(1, Ordering::SeqCst);
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running hostile server. Dropping it closes the listener and every
/// connection it still holds.
pub struct Hostile {
    shared: Arc<Shared>,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Hostile {
    /// Bind `127.0.0.1:0` and serve `b` in a background task.
    pub async fn start(b: Behaviour) -> std::io::Result<Hostile> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let shared = Arc::new(Shared {
            behaviour: b,
            addr: listener.local_addr()?,
            requests: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            rate_limited: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
        });
        let cancel = CancellationToken::new();
        let task = tokio::spawn(accept_loop(listener, shared.clone(), cancel.clone()));
        Ok(Hostile {
            shared,
            cancel,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// Requests received, on any path (counted once the head is read).
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The most requests that were being handled at the same time.
    pub fn max_concurrent(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// When each request arrived, in order (to prove Retry-After was waited).
    pub fn request_times(&self) -> Vec<Instant> {
        self.shared.log().iter().map(|(at, _)| *at).collect()
    }

    /// The request-target (`/path?query`) of each request, in order.
    pub fn received_targets(&self) -> Vec<String> {
        self.shared.log().iter().map(|(_, t)| t.clone()).collect()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.task.abort();
    }
}

/// A loopback port with nothing listening on it (bound, then released), for
/// "connection refused" tests.
pub async fn refused_port() -> u16 {
    match TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener.local_addr().map(|a| a.port()).unwrap_or(9),
        // Port 9 (discard) is practically never served on loopback.
        Err(_) => 9,
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, cancel: CancellationToken) {
    loop {
        let stream = tokio::select! {
            _ = cancel.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!("hostile accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let shared = shared.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                result = connection(stream, &shared) => {
                    if let Err(e) = result {
                        tracing::debug!("hostile connection ended: {e}");
                    }
                }
            }
        });
    }
}

/// One request on one connection.
async fn connection(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let Some(head) = read_head(&mut stream).await? else {
        return Ok(()); // closed before sending a full request head
    };
    let in_flight = InFlight::enter(shared, head.target.clone());
    discard_body(&mut stream, &head).await?;
    if let Behaviour::Delay(delay, inner) = &shared.behaviour {
        tokio::time::sleep(*delay).await;
        // Out of flight before the answer is written: the client frees its
        // slot only after reading the answer, so it can never be counted
        // here together with the request that slot admits next.
        drop(in_flight);
        return behave(&mut stream, inner, shared, &head.target).await;
    }
    let result = behave(&mut stream, &shared.behaviour, shared, &head.target).await;
    drop(in_flight);
    result
}

async fn behave(
    stream: &mut TcpStream,
    behaviour: &Behaviour,
    shared: &Shared,
    target: &str,
) -> std::io::Result<()> {
    match behaviour {
        Behaviour::Revalidated => revalidated(stream).await,
        Behaviour::Status {
            status,
            body,
            content_type,
        } => respond(stream, *status, &[("Content-Type", content_type)], body).await,
        Behaviour::RateLimited {
            retry_after_secs,
            times,
        } => {
            if shared.rate_limited.fetch_add(1, Ordering::SeqCst) >= *times {
                return revalidated(stream).await;
            }
            let retry_after = retry_after_secs.to_string();
            let headers = [
                ("Content-Type", "application/json"),
                ("Retry-After", retry_after.as_str()),
            ];
            respond(stream, 429, &headers, r#"{"message":"Too many requests"}"#).await
        }
        Behaviour::Hang => hang(stream).await,
        Behaviour::SlowDrip => slow_drip(stream).await,
        Behaviour::HugeBody => huge_body(stream).await,
        Behaviour::GzipBomb => gzip_bomb(stream).await,
        Behaviour::Reset => reset(stream),
        Behaviour::Raw(bytes) => {
            stream.write_all(bytes).await?;
            stream.shutdown().await
        }
        Behaviour::RedirectTo(url) => respond(stream, 302, &[("Location", url)], "").await,
        Behaviour::RedirectLoop => {
            let url = format!("http://{}{}", shared.addr, target);
            respond(stream, 302, &[("Location", &url)], "").await
        }
        Behaviour::Delay(delay, inner) => {
            tokio::time::sleep(*delay).await;
            Box::pin(behave(stream, inner, shared, target)).await
        }
    }
}

async fn revalidated(stream: &mut TcpStream) -> std::io::Result<()> {
    let body = format!(r#"{{"revalidated":true,"now":{}}}"#, now_millis());
    respond(stream, 200, &[("Content-Type", "application/json")], &body).await
}

/// Never answer; return once the client gives up and closes.
async fn hang(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut chunk = [0u8; 1024];
    while stream.read(&mut chunk).await? > 0 {}
    Ok(())
}

/// Headers at once, then a byte every 500 ms until the client leaves.
async fn slow_drip(stream: &mut TcpStream) -> std::io::Result<()> {
    write_head(stream, 200, &[("Content-Type", "application/json")], None).await?;
    stream.write_all(b"{").await?;
    loop {
        tokio::time::sleep(DRIP_INTERVAL).await;
        stream.write_all(b" ").await?;
    }
}

/// 200 MiB of JSON: whitespace, then `{"revalidated":true}` at the end, so
/// only a client that swallows it all sees a success.
async fn huge_body(stream: &mut TcpStream) -> std::io::Result<()> {
    const TAIL: &[u8] = br#"{"revalidated":true}"#;
    write_head(
        stream,
        200,
        &[("Content-Type", "application/json")],
        Some(HUGE_BODY_LEN),
    )
    .await?;
    let padding = vec![b' '; 64 * 1024];
    let mut left = HUGE_BODY_LEN - TAIL.len() as u64;
    while left > 0 {
        let n = left.min(padding.len() as u64) as usize;
        stream.write_all(&padding[..n]).await?;
        left -= n as u64;
    }
    stream.write_all(TAIL).await?;
    stream.shutdown().await
}

async fn gzip_bomb(stream: &mut TcpStream) -> std::io::Result<()> {
    let bomb = GzipBomb::new(GZIP_BOMB_REPEATS);
    let headers = [
        ("Content-Type", "application/json"),
        ("Content-Encoding", "gzip"),
    ];
    write_head(stream, 200, &headers, Some(bomb.len())).await?;
    stream.write_all(&bomb.prefix).await?;
    // The periodic middle is sent in big slices to keep syscalls few.
    let block = bomb.chunk.repeat(4096);
    let mut left = bomb.repeats;
    while left > 0 {
        let n = left.min(4096);
        stream.write_all(&block[..n * bomb.chunk.len()]).await?;
        left -= n;
    }
    stream.write_all(&bomb.suffix).await?;
    stream.shutdown().await
}

/// Reset the connection: with a zero linger time, closing sends RST
/// instead of FIN, which is what a crashing proxy looks like.
fn reset(stream: &mut TcpStream) -> std::io::Result<()> {
    // Deprecated because a *non-zero* linger blocks the thread on drop; a
    // zero linger never blocks.
    #[allow(deprecated)]
    stream.set_linger(Some(Duration::ZERO))
    // The caller drops the stream right after this returns.
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain bitwise CRC-32, to check the fast version against.
    fn crc32_slow(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn crc_of_zeros_matches_the_slow_way() {
        for n in [0usize, 1, 2, 7, 258, 1000, 70_001] {
            assert_eq!(crc32_of_zeros(n as u64), crc32_slow(&vec![0; n]), "n={n}");
        }
        // Known value: CRC-32 of one zero byte.
        assert_eq!(crc32_of_zeros(1), 0xD202_EF8D);
    }

    #[test]
    fn gzip_bomb_is_byte_aligned_and_small() {
        let bomb = GzipBomb::new(3);
        assert_eq!(bomb.prefix.len(), 10 + 3);
        assert_eq!(bomb.chunk.len(), 13);
        assert_eq!(bomb.suffix.len(), 1 + 8);
        // The whole stream for 3 repeats, checked once with Python's
        // gzip.decompress (6,451 zero bytes; CRC and size verified).
        let mut stream = bomb.prefix.clone();
        stream.extend(bomb.chunk.repeat(bomb.repeats));
        stream.extend(&bomb.suffix);
        let expected = "1f8b08000000000000ff631805a360148c8251300a46c1281805a360148c82\
                        51300a46c1281805a360148c8251300a46c1281805006f29917033190000";
        assert_eq!(crate::sim::hex(&stream), expected);
        let big = GzipBomb::new(GZIP_BOMB_REPEATS);
        assert!(big.len() < 8_000_000);
    }
}
