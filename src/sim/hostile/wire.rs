//! Raw HTTP/1.1 on the socket: reading a request head and body within
//! caps, writing status lines, heads and whole answers.

use super::*;

/// What we need from a request head.
pub(super) struct Head {
    pub(super) target: String,
    content_length: u64,
    chunked: bool,
    /// Body bytes that arrived together with the head.
    buffered: Vec<u8>,
}

/// Read up to the blank line ending the head; `None` if the client closed
/// (or sent garbage) first.
pub(super) async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Head>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..end]);
    let mut lines = text.split("\r\n");
    let Some(target) = lines.next().and_then(|l| l.split(' ').nth(1)) else {
        return Ok(None);
    };
    let mut head = Head {
        target: target.to_string(),
        content_length: 0,
        chunked: false,
        buffered: buf[end + 4..].to_vec(),
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            head.content_length = value.parse().unwrap_or(0);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    Ok(Some(head))
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Read the request body and throw it away, so that closing the socket
/// afterwards doesn't turn our answer into a reset.
pub(super) async fn discard_body(stream: &mut TcpStream, head: &Head) -> std::io::Result<()> {
    let read = async {
        let mut seen = head.buffered.clone();
        let mut chunk = [0u8; 8192];
        loop {
            let done = if head.chunked {
                seen.ends_with(b"0\r\n\r\n")
            } else {
                seen.len() as u64 >= head.content_length
            };
            if done || seen.len() as u64 > MAX_BODY {
                return Ok(());
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            // Only the tail matters for chunked; only the count otherwise.
            seen.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or(Ok(()))
}

pub(super) fn status_line(status: u16) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    format!("HTTP/1.1 {status} {reason}\r\n")
}

/// Write a head (status, headers, `Connection: close`, and the length if
/// known) without the body.
pub(super) async fn write_head(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    content_length: Option<u64>,
) -> std::io::Result<()> {
    let mut head = status_line(status);
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(len) = content_length {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await
}

pub(super) async fn respond(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<()> {
    write_head(stream, status, headers, Some(body.len() as u64)).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}
