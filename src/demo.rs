//! `isrctl demo`: simulated sites on loopback that show each
//! troubleshooting case, and the config that points isrctl at them.
//!
//! - `healthy`: the secret matches, paths and tags revalidate.
//! - `token-mismatch`: the config's secret is not the app's (401).
//! - `stale-cdn`: a CDN in front keeps the old HTML for its s-maxage.
//! - `silent-noop`: a site where `blog/hello` (no slash) would be answered
//!   revalidated:true and do nothing; the linter refuses it.

use crate::cli::Exit;
use crate::sim::{OriginOptions, SimCdn, SimOrigin};

/// The app's secret in every simulated origin.
const APP_SECRET: &str = "demo-secret";
/// What the token-mismatch site's config holds instead.
const STALE_SECRET: &str = "last-years-secret";
/// Preferred ports, so a printed config keeps working across runs.
const BASE_PORT: u16 = 47810;

/// The running simulated sites; dropping it stops them.
pub struct Demo {
    pub healthy: SimOrigin,
    pub mismatch: SimOrigin,
    pub stale_origin: SimOrigin,
    pub stale_cdn: SimCdn,
    pub noop: SimOrigin,
}

impl Demo {
    /// Start every site, on the preferred ports when free.
    pub async fn start() -> std::io::Result<Demo> {
        let healthy = origin(BASE_PORT).await?;
        let mismatch = origin(BASE_PORT + 1).await?;
        let stale_origin = origin(BASE_PORT + 2).await?;
        let stale_cdn = match SimCdn::start_on(BASE_PORT + 3, &stale_origin.url()).await {
            Ok(cdn) => cdn,
            Err(_) => SimCdn::start(&stale_origin.url()).await?,
        };
        let noop = origin(BASE_PORT + 4).await?;
        Ok(Demo {
            healthy,
            mismatch,
            stale_origin,
            stale_cdn,
            noop,
        })
    }

    /// A config for these sites, with comments saying what each shows.
    pub fn config_text(&self) -> String {
        let mut text = String::from(
            "# isrctl demo: simulated Next.js sites on loopback, started by `isrctl demo`.\n\
             # Secrets come from a command, as a password manager would give them.\n",
        );
        text += &site(
            "healthy",
            "everything works: revalidate a path or the tag posts",
            &self.healthy.url(),
            &[],
            APP_SECRET,
        );
        text += &site(
            "token-mismatch",
            "the secret here is not the app's: every revalidation is refused (401)",
            &self.mismatch.url(),
            &[],
            STALE_SECRET,
        );
        text += &site(
            "stale-cdn",
            "a CDN keeps the HTML for s-maxage=3600: the origin is fresh, visitors see the old page",
            &self.stale_cdn.url(),
            &[self.stale_origin.url()],
            APP_SECRET,
        );
        text += &site(
            "silent-noop",
            "try --path blog/hello: Next.js would answer revalidated:true and do nothing, so isrctl refuses it",
            &self.noop.url(),
            &[],
            APP_SECRET,
        );
        text
    }
}

async fn origin(port: u16) -> std::io::Result<SimOrigin> {
    let options = |port| OriginOptions {
        secret: APP_SECRET.to_string(),
        port,
        ..OriginOptions::default()
    };
    match SimOrigin::start(options(port)).await {
        Ok(origin) => Ok(origin),
        Err(_) => SimOrigin::start(options(0)).await,
    }
}

fn site(name: &str, what: &str, public: &str, origins: &[String], secret: &str) -> String {
    let origins = if origins.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = origins.iter().map(|o| format!("\"{o}\"")).collect();
        format!("origins = [{}]\n", quoted.join(", "))
    };
    format!(
        r#"
# {what}
[sites.{name}]
public_url = "{public}"
{origins}tags = ["posts", "products"]

[sites.{name}.secret]
command = ["printf", "%s", "{secret}"]

[[sites.{name}.routes]]
path = "/"

[[sites.{name}.routes]]
path = "/about"

[[sites.{name}.routes]]
path = "/blog/hello"
tags = ["posts"]
marker = '<meta name="isr-rendered-at" content="([^"]+)"'

[[sites.{name}.routes]]
path = "/blog/world"
tags = ["posts"]

[[sites.{name}.routes]]
pattern = "/blog/[slug]"
type = "page"
tags = ["posts"]

[[sites.{name}.routes]]
path = "/products/1"
tags = ["products"]
"#
    )
}

/// Until the console exists: start the sites, write and print the config,
/// and serve until Ctrl-C.
pub async fn run(print_config: bool) -> Exit {
    let demo = match Demo::start().await {
        Ok(demo) => demo,
        Err(e) => {
            eprintln!("error: cannot start the simulated sites on loopback: {e}");
            return Exit::Failed;
        }
    };
    let text = demo.config_text();
    if print_config {
        print!("{text}");
        return Exit::Ok;
    }
    let file = std::env::temp_dir().join("isrctl-demo.toml");
    if let Err(e) = std::fs::write(&file, &text) {
        eprintln!("error: cannot write {}: {e}", file.display());
        return Exit::Failed;
    }
    println!("Simulated sites are running on loopback. In another terminal:\n");
    println!("  export ISRCTL_CONFIG={}", file.display());
    println!("  isrctl sites");
    println!("  isrctl revalidate healthy --path /blog/hello");
    println!("  isrctl revalidate token-mismatch --path /blog/hello   # 401, explained");
    println!("  isrctl revalidate silent-noop --path blog/hello        # refused before sending");
    println!("  isrctl revalidate healthy --tag posts");
    println!("  isrctl history\n");
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    Exit::Ok
}
