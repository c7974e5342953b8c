//! Check 3, reachability (no side effects): DNS, TCP connect, TLS and time
//! to first byte for the public URL, each origin and the endpoint. Each
//! distinct scheme://host:port is tried once, all at the same time.

use super::{CheckId, Emitter, Finding, Session, Severity};
use std::time::{Duration, Instant};
use url::Url;

const CHECK: CheckId = CheckId::Reachability;
/// A first byte slower than this is worth a warning.
const SLOW_FIRST_BYTE: Duration = Duration::from_secs(2);

/// One address to try, and the roles it plays for the site.
#[derive(Clone, Debug, PartialEq)]
struct Target {
    url: Url,
    roles: Vec<String>,
}

pub async fn run(ctx: &Session, out: &Emitter) {
    let targets = targets(ctx);
    let tries = targets.iter().map(|t| try_target(ctx, t));
    for finding in futures::future::join_all(tries).await {
        out.emit(finding);
    }
}

/// Public URL, origins and endpoint, merged by origin (scheme, host, port).
fn targets(ctx: &Session) -> Vec<Target> {
    let site = &ctx.site;
    let mut all = vec![(site.public_url.clone(), "public URL".to_string())];
    for (i, o) in site.origins.iter().enumerate() {
        all.push((o.clone(), format!("origin {}", i + 1)));
    }
    all.push((site.endpoint.url.clone(), "endpoint".to_string()));
    let mut merged: Vec<Target> = Vec::new();
    for (url, role) in all {
        match merged.iter_mut().find(|t| t.url.origin() == url.origin()) {
            Some(t) => t.roles.push(role),
            None => merged.push(Target {
                url,
                roles: vec![role],
            }),
        }
    }
    merged
}

async fn try_target(ctx: &Session, target: &Target) -> Finding {
    let who = target.roles.join(", ");
    let host = target.url.host_str().unwrap_or("").to_string();
    let port = target.url.port_or_known_default().unwrap_or(80);
    let limit = ctx.site.limits.connect_timeout;
    let mut evidence = vec![target.url.origin().ascii_serialization()];
    let addr = match resolve(&host, port, limit).await {
        Ok((addr, line)) => {
            evidence.push(line);
            addr
        }
        Err(why) => return failed(&who, "its host name does not resolve", evidence, why),
    };
    match connect(addr, limit).await {
        Ok(line) => evidence.push(line),
        Err(why) => return failed(&who, "the TCP connection fails", evidence, why),
    }
    first_byte(ctx, &who, &target.url, evidence).await
}

async fn resolve(
    host: &str,
    port: u16,
    limit: Duration,
) -> Result<(std::net::SocketAddr, String), String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(((ip, port).into(), format!("DNS: not needed ({ip})")));
    }
    let started = Instant::now();
    let lookup = tokio::time::timeout(limit, tokio::net::lookup_host((host, port))).await;
    let mut addrs = match lookup {
        Ok(Ok(addrs)) => addrs,
        Ok(Err(e)) => return Err(format!("DNS: {e}")),
        Err(_) => return Err(format!("DNS: no answer within {} ms", limit.as_millis())),
    };
    let addr = addrs.next().ok_or_else(|| "DNS: no address".to_string())?;
    Ok((addr, format!("DNS: {} ms → {}", ms(started), addr.ip())))
}

async fn connect(addr: std::net::SocketAddr, limit: Duration) -> Result<String, String> {
    let started = Instant::now();
    match tokio::time::timeout(limit, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_stream)) => Ok(format!("connect: {} ms", ms(started))),
        Ok(Err(e)) => Err(format!("connect to {addr}: {e}")),
        Err(_) => Err(format!(
            "connect to {addr}: no answer within {} ms",
            limit.as_millis()
        )),
    }
}

/// A GET through the shared client: TLS (verified) and the first byte.
async fn first_byte(ctx: &Session, who: &str, url: &Url, mut evidence: Vec<String>) -> Finding {
    let started = Instant::now();
    let response = match ctx.client.get(url.clone()).send().await {
        Ok(r) => r,
        Err(e) => {
            let outcome = crate::wire::revalidation::transport_failure(&e, &ctx.redactor());
            let why = outcome.message.unwrap_or_default();
            return failed(who, &outcome.explanation, evidence, why);
        }
    };
    let elapsed = started.elapsed();
    if url.scheme() == "https" {
        evidence.push("TLS: certificate accepted".to_string());
    }
    evidence.push(format!(
        "first byte: {} ms (HTTP {})",
        elapsed.as_millis(),
        response.status().as_u16()
    ));
    if elapsed > SLOW_FIRST_BYTE {
        return Finding::new(CHECK, Severity::Warning, format!("{who}: reachable but slow"))
            .evidence_all(evidence)
            .fix("a slow origin makes verification slow too: check its load, or raise timeout for this site");
    }
    Finding::new(CHECK, Severity::Ok, format!("{who}: reachable")).evidence_all(evidence)
}

fn failed(who: &str, what: &str, mut evidence: Vec<String>, why: String) -> Finding {
    evidence.push(why);
    Finding::new(CHECK, Severity::Problem, format!("{who}: {what}"))
        .evidence_all(evidence)
        .fix(
            "check the URL's host and port in the config, DNS, firewalls, and that the server runs",
        )
}

fn ms(started: Instant) -> u128 {
    started.elapsed().as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::checks::testing::test_site;

    #[test]
    fn shared_origins_are_tried_once() {
        let site = test_site(
            "http://127.0.0.1:3000",
            "origins = [\"http://127.0.0.1:3000\", \"http://127.0.0.1:3001\"]",
        );
        let ctx = crate::engine::checks::testing::session(&site);
        let t = targets(&ctx);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].roles, vec!["public URL", "origin 1", "endpoint"]);
        assert_eq!(t[1].roles, vec!["origin 2"]);
    }

    #[tokio::test]
    async fn a_refused_port_is_a_problem_naming_the_role() {
        let port = crate::sim::hostile::refused_port().await;
        let site = test_site(&format!("http://127.0.0.1:{port}"), "");
        let ctx = crate::engine::checks::testing::session(&site);
        let f =
            crate::engine::checks::testing::collect_async(
                |out| async move { run(&ctx, &out).await },
            )
            .await;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Problem);
        assert!(
            f[0].title
                .starts_with("public URL, endpoint: the TCP connection fails"),
            "{f:?}"
        );
    }
}
