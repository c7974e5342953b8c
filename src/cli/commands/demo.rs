//! `isrctl demo`: simulated sites on loopback that show each
//! troubleshooting case, and the config that points isrctl at them.
//!
//! - `healthy`: the secret matches, paths and tags revalidate.
//! - `token-mismatch`: the config's secret is not the app's (401).
//! - `stale-cdn`: a CDN in front keeps the old HTML for its s-maxage.
//! - `silent-noop`: a site where `blog/hello` (no slash) would be answered
//!   revalidated:true and do nothing; the linter refuses it.

use crate::model::exit::Exit;
use crate::sim::{OriginOptions, SimCdn, SimOrigin};

/// The app's secret in every simulated origin.
const APP_SECRET: &str = "d3mo-app-7c41e9";
/// What the token-mismatch site's config holds instead.
const STALE_SECRET: &str = "d3mo-old-9a22f0";
/// Preferred ports, so a printed config keeps working across runs.
const BASE_PORT: u16 = 47810;

/// Each demo site's concrete pages (its routes but the pattern).
const DEMO_PAGES: [&str; 5] = ["/", "/about", "/blog/hello", "/blog/world", "/products/1"];

/// The running simulated sites; dropping it stops them and removes its
/// directory.
pub struct Demo {
    /// This demo's own directory: config.toml, secrets/, state/ (history).
    /// One per demo, so two demos never share a file, and demo results
    /// never reach the user's real history.
    pub dir: std::path::PathBuf,
    /// Where the secret files live (the config reads secrets from files).
    pub secrets_dir: std::path::PathBuf,
    pub healthy: SimOrigin,
    pub mismatch: SimOrigin,
    pub stale_origin: SimOrigin,
    pub stale_cdn: SimCdn,
    pub noop: SimOrigin,
}

impl Demo {
    /// Start every site, on the preferred ports when free.
    pub async fn start() -> std::io::Result<Demo> {
        let dir = new_demo_dir()?;
        let secrets_dir = dir.join("secrets");
        std::fs::create_dir_all(&secrets_dir)?;
        write_atomically(&secrets_dir.join("app.secret"), APP_SECRET)?;
        write_atomically(&secrets_dir.join("last-year.secret"), STALE_SECRET)?;
        let healthy = origin(BASE_PORT).await?;
        let mismatch = origin(BASE_PORT + 1).await?;
        let stale_origin = origin(BASE_PORT + 2).await?;
        let stale_cdn = match SimCdn::start_on(BASE_PORT + 3, &stale_origin.url()).await {
            Ok(cdn) => cdn,
            Err(_) => SimCdn::start(&stale_origin.url()).await?,
        };
        // Visitors have been reading the site: the CDN holds its pages.
        stale_cdn.warm(&DEMO_PAGES).await;
        let noop = origin(BASE_PORT + 4).await?;
        let demo = Demo {
            dir,
            secrets_dir,
            healthy,
            mismatch,
            stale_origin,
            stale_cdn,
            noop,
        };
        // Written now, so `demo --print-config` elsewhere finds it.
        write_atomically(&demo.config_file(), &demo.config_text())?;
        Ok(demo)
    }

    /// This demo's config file (the console's header names it).
    pub fn config_file(&self) -> std::path::PathBuf {
        self.dir.join("config.toml")
    }

    /// A config for these sites, with comments saying what each shows.
    pub fn config_text(&self) -> String {
        let mut text = String::from(
            "# isrctl demo: simulated Next.js sites on loopback, started by `isrctl demo`.\n\
             # Secrets are read from files; isrctl shows only their source and a fingerprint.\n",
        );
        text += &site(
            "healthy",
            "everything works: revalidate a path or the tag posts",
            &self.healthy.url(),
            &[],
            &self.secret_file("app.secret"),
        );
        text += &site(
            "token-mismatch",
            "the secret here is not the app's: every revalidation is refused (401)",
            &self.mismatch.url(),
            &[],
            &self.secret_file("last-year.secret"),
        );
        text += &site(
            "stale-cdn",
            "a CDN keeps the HTML for s-maxage=3600: the origin is fresh, visitors see the old page; press f to make it fresh (revalidate, then purge the CDN)",
            &self.stale_cdn.url(),
            &[self.stale_origin.url()],
            &self.secret_file("app.secret"),
        );
        text += &site(
            "silent-noop",
            "try --path blog/hello: Next.js would answer revalidated:true and do nothing, so isrctl refuses it",
            &self.noop.url(),
            &[],
            &self.secret_file("app.secret"),
        );
        text
    }

    fn secret_file(&self, name: &str) -> String {
        self.secrets_dir.join(name).display().to_string()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `isrctl-demo-USER-`: the prefix of every demo directory of this user.
fn demo_prefix() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "user".to_string());
    let user: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("isrctl-demo-{user}-")
}

/// A directory of its own for each demo (process id and a counter).
fn new_demo_dir() -> std::io::Result<std::path::PathBuf> {
    let stem = format!("{}{}", demo_prefix(), std::process::id());
    new_dir_in(&std::env::temp_dir(), &stem)
}

/// `base/stem-N`, made now by this process, readable by its user only:
/// a name that exists (left by someone else, a link, mode 777) is never
/// reused, the next number is taken (`create_dir` does not follow a link
/// and fails on anything already there).
fn new_dir_in(base: &std::path::Path, stem: &str) -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    for _ in 0..1000 {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = base.join(format!("{stem}-{n}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free demo directory name"))
}

/// The config of a demo running now, newest first: its file and text. A
/// directory left by a demo that was killed is skipped (nothing answers).
async fn running_demo_config() -> Option<(std::path::PathBuf, String)> {
    let prefix = demo_prefix();
    let mut candidates: Vec<(std::time::SystemTime, std::path::PathBuf)> =
        std::fs::read_dir(std::env::temp_dir())
            .ok()?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .map(|e| e.path().join("config.toml"))
            .filter_map(|file| Some((file.metadata().ok()?.modified().ok()?, file)))
            .collect();
    candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
    for (_, file) in candidates {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(config) = crate::model::config::parse(&text, &file) else {
            continue;
        };
        if config.sites.iter().all(|s| answers(&s.public_url)) {
            return Some((file, text));
        }
    }
    None
}

fn answers(url: &url::Url) -> bool {
    let Ok(addrs) = url.socket_addrs(|| None) else {
        return false;
    };
    addrs.iter().any(|addr| {
        std::net::TcpStream::connect_timeout(addr, std::time::Duration::from_millis(300)).is_ok()
    })
}

/// Another demo may be reading the file: never let it see it half written.
fn write_atomically(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temp, content)?;
    std::fs::rename(&temp, path)
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

fn site(name: &str, what: &str, public: &str, origins: &[String], secret_file: &str) -> String {
    let origins = if origins.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = origins.iter().map(|o| format!("\"{o}\"")).collect();
        // The simulated CDN answers like the testbed's Varnish (X-Cache,
        // Age) and takes PURGE like it.
        format!("origins = [{}]\ncdn = \"varnish\"\n", quoted.join(", "))
    };
    let purge = if origins.is_empty() {
        String::new()
    } else {
        format!("\n[sites.{name}.purge]\nprovider = \"varnish\"\n")
    };
    format!(
        r#"
# {what}
[sites.{name}]
public_url = "{public}"
{origins}tags = ["posts", "products"]

[sites.{name}.secret]
file = "{secret_file}"
{purge}
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

/// Start the sites and open the console on them; or print the config of
/// the demo running elsewhere.
pub async fn run(print_config: bool, read_only: bool) -> Exit {
    if print_config {
        return print_running_config().await;
    }
    let demo = match Demo::start().await {
        Ok(demo) => demo,
        Err(e) => {
            errln!("error: cannot start the simulated sites on loopback: {e}");
            return Exit::Failed;
        }
    };
    let file = demo.config_file();
    match crate::model::config::parse(&demo.config_text(), &file) {
        Ok(config) => {
            let history = Some(demo.dir.join("state"));
            crate::cli::open_console_with_history(
                crate::model::config::Staged::Whole(config),
                read_only,
                history,
            )
            .await
        }
        Err(e) => {
            errln!("error: the demo config does not load (a bug): {e}");
            Exit::Failed
        }
    }
}

/// The running demo's config, so the command line can be tried on the
/// very sites it serves; never a config for sites nobody serves.
async fn print_running_config() -> Exit {
    match running_demo_config().await {
        Some((file, text)) => {
            errln!("# the config of the demo running now ({})", file.display());
            if let Some(dir) = file.parent() {
                errln!(
                    "# its history: isrctl --state-dir {} history",
                    dir.join("state").display()
                );
            }
            out!("{text}");
            Exit::Ok
        }
        None => {
            errln!(
                "error: no demo is running: start `isrctl demo` in another terminal, then run this again"
            );
            Exit::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// Round three, item 6: the demo never reuses a directory it did not
    /// make, nor follows a link planted where its directory would be.
    #[test]
    fn a_demo_directory_is_made_new_never_reused_or_followed() {
        let base = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let stem = "isrctl-demo-test-1";
        // The first names the counter gives are taken (nothing else in
        // this test binary makes a demo directory): a 777 directory and a
        // link to another directory, alternately.
        let mut planted = Vec::new();
        for n in 0..64 {
            let path = base.path().join(format!("{stem}-{n}"));
            if n % 2 == 0 {
                std::fs::create_dir(&path).unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
            } else {
                std::os::unix::fs::symlink(elsewhere.path(), &path).unwrap();
            }
            planted.push(path);
        }
        let made = new_dir_in(base.path(), stem).unwrap();
        assert!(!planted.contains(&made), "{made:?} was planted");
        let mode = std::fs::symlink_metadata(&made)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{made:?}");
        assert!(
            std::fs::read_dir(elsewhere.path())
                .unwrap()
                .next()
                .is_none()
        );
    }
}
