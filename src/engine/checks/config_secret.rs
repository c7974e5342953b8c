//! Check 1, config and secret (no side effects): the secret resolves and is
//! not empty; the endpoint would not carry it in the clear; TLS
//! verification is on; where the cache-layer view will come from.

use super::{CheckId, Emitter, Finding, Session, Severity};
use crate::model::config::is_loopback;

const CHECK: CheckId = CheckId::ConfigSecret;

pub fn run(ctx: &Session, out: &Emitter) {
    secret(ctx, out);
    transport(ctx, out);
    origins(ctx, out);
}

fn secret(ctx: &Session, out: &Emitter) {
    let source = ctx.site.secret.describe();
    match ctx.secret() {
        Ok(secret) => out.emit(
            Finding::new(CHECK, Severity::Ok, "the secret resolves")
                .evidence(secret.fingerprint()),
        ),
        Err(e) => out.emit(
            Finding::new(CHECK, Severity::Problem, "the secret cannot be read")
                .evidence(format!("source: {source}"))
                .evidence(e.to_string())
                .fix("make the source give the value the app has in its env var (isrctl config check shows the fingerprint)"),
        ),
    }
}

fn transport(ctx: &Session, out: &Emitter) {
    let endpoint = &ctx.site.endpoint.url;
    let origin = endpoint.origin().ascii_serialization();
    if endpoint.scheme() == "http" && !is_loopback(endpoint) {
        out.emit(
            Finding::new(
                CHECK,
                Severity::Problem,
                "the endpoint is plain http: the secret travels in the clear",
            )
            .evidence(format!("endpoint {origin}"))
            .fix("use https for the public URL or set the endpoint url to an https address"),
        );
    } else {
        out.emit(
            Finding::new(
                CHECK,
                Severity::Ok,
                "the secret travels only over https or loopback",
            )
            .evidence(format!("endpoint {origin}")),
        );
    }
    if !ctx.site.tls_verify {
        out.emit(
            Finding::new(CHECK, Severity::Warning, "TLS certificate verification is off for this site")
                .fix("remove tls_verify = false once the certificate is valid: anyone in between could read the secret"),
        );
    }
}

fn origins(ctx: &Session, out: &Emitter) {
    let site = &ctx.site;
    let finding = if site.origins.is_empty() {
        Finding::new(
            CHECK,
            Severity::Ok,
            "no origins configured: the origin's view comes from a cache-busted public URL",
        )
        .fix("add origins = [\"http://10.0.0.5:3000\", …] to compare each instance with the CDN")
    } else {
        let list: Vec<String> = site.origins.iter().map(|o| o.to_string()).collect();
        Finding::new(
            CHECK,
            Severity::Ok,
            format!("{} origin instance(s) configured", site.origins.len()),
        )
        .evidence(list.join(", "))
    };
    out.emit(finding);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::checks::testing::{collect, test_site};

    fn findings(public_url: &str, extra: &str) -> Vec<Finding> {
        let ctx = crate::engine::checks::testing::session(&test_site(public_url, extra));
        collect(|out| run(&ctx, out))
    }

    #[test]
    fn plain_http_to_a_remote_host_is_a_problem_loopback_is_not() {
        let remote = findings("http://blog.example.com", "");
        assert!(
            remote
                .iter()
                .any(|f| f.severity == Severity::Problem && f.title.contains("in the clear"))
        );
        let local = findings("http://127.0.0.1:3000", "");
        assert!(
            local.iter().all(|f| f.severity == Severity::Ok),
            "{local:?}"
        );
        assert!(
            local[0].evidence[0].contains("3 chars"),
            "fingerprint, not the value: {local:?}"
        );
        assert!(!format!("{local:?}").contains("tok\""));
    }

    #[test]
    fn tls_off_warns_and_unset_env_is_a_problem() {
        let f = findings("https://x.com", "tls_verify = false");
        assert!(
            f.iter()
                .any(|f| f.severity == Severity::Warning && f.title.contains("TLS"))
        );
        let text = "[sites.t]\npublic_url = \"https://x.com\"\n[sites.t.secret]\nenv = \"ISRCTL_UNIT_UNSET_VAR\"\n";
        let config = crate::model::config::parse(text, std::path::Path::new("t.toml")).unwrap();
        let ctx = crate::engine::checks::testing::session(&config.sites[0]);
        let f = collect(|out| run(&ctx, out));
        let problem = f.iter().find(|f| f.severity == Severity::Problem).unwrap();
        assert!(
            problem
                .evidence
                .iter()
                .any(|e| e.contains("ISRCTL_UNIT_UNSET_VAR"))
        );
    }
}
