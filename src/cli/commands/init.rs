//! `isrctl init URL`: look at a site the way a visitor's browser would
//! (its page, its sitemap, its usual revalidate paths, never a secret),
//! and write a commented config to start from. An existing config is never
//! overwritten.

use crate::model::cache_headers::{Cdn, HeaderList, interpret};
use crate::model::exit::Exit;
use reqwest::{Client, StatusCode};
use std::path::Path;
use url::Url;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The site's public URL, e.g. https://blog.example.com
    pub url: String,
    /// The site's name in the config [default: from the host name]
    #[arg(long)]
    pub name: Option<String>,
    /// Print the config instead of writing it
    #[arg(long)]
    pub stdout: bool,
}

/// Where route handlers for revalidation usually live, in the order tried.
const ENDPOINT_PATHS: [&str; 3] = [
    "/api/revalidate",
    "/api/revalidation",
    "/api/revalidate-path",
];

/// What looking at the site found.
struct Found {
    public_url: Url,
    name: String,
    /// The CDN and the headers that named it.
    cdn: Option<(Cdn, Vec<String>)>,
    /// `x-nextjs-cache` or `x-powered-by: Next.js` on the page.
    nextjs: Option<String>,
    /// An endpoint path and what it answered without a secret.
    endpoint: Option<(String, u16)>,
    /// The endpoint answered 308 to its own path with a slash: Next.js's
    /// `trailingSlash: true` (it applies to API routes too).
    trailing_slash: bool,
    sitemap: bool,
    /// What could not be looked at.
    notes: Vec<String>,
}

pub async fn run(args: InitArgs, config_flag: Option<&Path>) -> Exit {
    let public_url = match parse_url(&args.url) {
        Ok(url) => url,
        Err(why) => {
            errln!("error: {why}");
            return Exit::Usage;
        }
    };
    let target = match args.stdout {
        true => None,
        false => match crate::model::config::path_to_write(config_flag) {
            Some(path) if path.exists() => {
                errln!(
                    "error: {} exists and is kept as it is: write elsewhere with --config FILE, or print with --stdout",
                    path.display()
                );
                return Exit::Usage;
            }
            Some(path) => Some(path),
            None => {
                errln!("error: no place for a config: pass --config FILE or --stdout");
                return Exit::Usage;
            }
        },
    };
    let client = match crate::wire::http::client(&Default::default(), true) {
        Ok(client) => client,
        Err(e) => {
            errln!("error: cannot build the HTTP client: {e}");
            return Exit::Failed;
        }
    };
    let name = args.name.unwrap_or_else(|| name_from_host(&public_url));
    let found = look(&client, public_url, name).await;
    for line in summary(&found) {
        errln!("{line}");
    }
    let text = config_text(&found);
    match target {
        None => {
            out!("{text}");
            Exit::Ok
        }
        Some(path) => write_new(&path, &text, &found.name),
    }
}

fn parse_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text)
        .map_err(|e| format!("{text:?} is not a URL ({e}): write e.g. https://blog.example.com"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{text:?} is not an http(s) URL: write e.g. https://blog.example.com"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL carries credentials: give the public URL without them".into());
    }
    let mut url = url;
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// `blog.example.com` → `blog`; `www.example.com` → `example`.
fn name_from_host(url: &Url) -> String {
    let host = url.host_str().unwrap_or("site");
    let mut labels = host.split('.').filter(|l| *l != "www");
    let first = labels.next().unwrap_or("site");
    let name: String = first
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() { "site".into() } else { name }
}

async fn look(client: &Client, public_url: Url, name: String) -> Found {
    let mut found = Found {
        public_url,
        name,
        cdn: None,
        nextjs: None,
        endpoint: None,
        trailing_slash: false,
        sitemap: false,
        notes: Vec::new(),
    };
    match client.get(found.public_url.clone()).send().await {
        Ok(page) => {
            let headers = HeaderList::from_map(page.headers());
            let report = interpret(&headers, None);
            found.cdn = report.cdn.map(|cdn| (cdn, report.cdn_evidence.clone()));
            found.nextjs = headers
                .first("x-nextjs-cache")
                .map(|v| format!("x-nextjs-cache: {v}"))
                .or_else(|| {
                    headers
                        .first("x-powered-by")
                        .filter(|v| v.contains("Next.js"))
                        .map(|v| format!("x-powered-by: {v}"))
                });
        }
        Err(e) => found.notes.push(format!("the page did not answer: {e}")),
    }
    (found.endpoint, found.trailing_slash) = find_endpoint(client, &found.public_url).await;
    found.sitemap = has_sitemap(client, &found.public_url).await;
    found
}

/// The first usual path that exists: any answer but 404 (a 401 without
/// the secret, a 405 for GET on a POST handler), and whether it lives at
/// its slash form. Asked with GET and no secret: a handler that checks its
/// secret does nothing, and a POST-only one is not run at all.
async fn find_endpoint(client: &Client, base: &Url) -> (Option<(String, u16)>, bool) {
    for path in ENDPOINT_PATHS {
        let Some(status) = answer_to_get(client, base, path).await else {
            continue;
        };
        if status.is_redirection() {
            let slashed = format!("{path}/");
            if let Some(status) = answer_to_get(client, base, &slashed).await
                && exists(status)
            {
                // Written without the slash: trailing_slash = true adds it.
                return (Some((path.to_string(), status.as_u16())), true);
            }
        }
        if exists(status) {
            return (Some((path.to_string(), status.as_u16())), false);
        }
    }
    (None, false)
}

fn exists(status: StatusCode) -> bool {
    status != StatusCode::NOT_FOUND && !status.is_server_error() && !status.is_redirection()
}

async fn answer_to_get(client: &Client, base: &Url, path: &str) -> Option<StatusCode> {
    let url = under(base, path).ok()?;
    client.get(url).send().await.ok().map(|a| a.status())
}

async fn has_sitemap(client: &Client, base: &Url) -> bool {
    let Ok(url) = under(base, "/sitemap.xml") else {
        return false;
    };
    match client.get(url).send().await {
        Ok(answer) if answer.status().is_success() => answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("xml")),
        _ => false,
    }
}

/// `path` under the public URL's own path (a basePath).
fn under(base: &Url, path: &str) -> Result<Url, url::ParseError> {
    let prefix = base.path().trim_end_matches('/');
    base.join(&format!("{prefix}{path}"))
}

/// What was found, for stderr.
fn summary(found: &Found) -> Vec<String> {
    let mut lines = vec![format!("looked at {}:", found.public_url)];
    lines.push(match &found.cdn {
        Some((cdn, evidence)) => format!("  CDN: {} ({})", cdn.name(), evidence.join(", ")),
        None => "  CDN: none seen in the page's headers".into(),
    });
    lines.push(match &found.nextjs {
        Some(evidence) => format!("  Next.js: yes ({evidence})"),
        None => "  Next.js: not seen in the headers (a CDN may hide them)".into(),
    });
    lines.push(match &found.endpoint {
        Some((path, status)) => format!("  endpoint: {path} answers {status} without a secret"),
        None => format!(
            "  endpoint: none of {} answered: set url in [sites.{}.endpoint]",
            ENDPOINT_PATHS.join(", "),
            found.name
        ),
    });
    lines.push(match found.sitemap {
        true => "  sitemap: /sitemap.xml (its pages become routes)".into(),
        false => "  sitemap: none at /sitemap.xml".into(),
    });
    lines.extend(found.notes.iter().map(|n| format!("  note: {n}")));
    lines
}

/// The config, commented with what was found and what to do next.
fn config_text(found: &Found) -> String {
    let name = &found.name;
    let env = format!(
        "{}_REVALIDATE_SECRET",
        name.to_ascii_uppercase().replace('-', "_")
    );
    let mut text = format!(
        "# Written by `isrctl init {url}`: a start, from what the site showed.\n\
         # Every key is explained in config.example.toml (README, \"Configuration\").\n\
         # Next: export {env}=… (the secret your revalidate route checks),\n\
         # then run `isrctl config check` and `isrctl check {name}`.\n\n\
         [sites.{name}]\npublic_url = \"{url}\"\n",
        url = found.public_url.as_str().trim_end_matches('/'),
    );
    match &found.cdn {
        Some((cdn, evidence)) => {
            text += &format!(
                "# Seen in the headers: {}\ncdn = \"{}\"\n",
                evidence.join(", "),
                cdn_key(*cdn)
            )
        }
        None => {
            text += "# No CDN seen in the headers; name yours if there is one:\n# cdn = \"cloudflare\"\n"
        }
    }
    text += "# The origin instance(s) behind the CDN, to verify each and find a stale one:\n# origins = [\"http://10.0.0.5:3000\"]\n";
    if found.trailing_slash {
        text += "# The revalidate route answered 308 to its slash form: next.config has\n# trailingSlash: true.\ntrailing_slash = true\n";
    }
    match found.sitemap {
        true => text += "sitemap = \"/sitemap.xml\"\n",
        false => text += "# sitemap = \"/sitemap.xml\"\n",
    }
    text += &format!("\n[sites.{name}.secret]\nenv = \"{env}\"\n\n[sites.{name}.endpoint]\n");
    match &found.endpoint {
        Some((path, status)) => {
            text += &format!(
                "# {path} answered {status} to a GET without a secret.\nurl = \"{path}\"\n"
            )
        }
        None => {
            text += "# No revalidate route answered at the usual paths: set yours.\nurl = \"/api/revalidate\"\n"
        }
    }
    text += match found.endpoint {
        // A GET handler refused the missing secret: the Pages Router shape
        // (res.revalidate in an API route) answers GET.
        Some((_, 401 | 403)) => {
            "preset = \"pages-router\"   # GET, res.revalidate(path); or \"app-router\" (POST, tags)\n\n"
        }
        _ => {
            "preset = \"app-router\"   # POST, revalidatePath/revalidateTag; or \"pages-router\" (GET)\n\n"
        }
    };
    text += &format!(
        "# The pages you revalidate most; add tags your fetches use.\n[[sites.{name}.routes]]\npath = \"/\"\n"
    );
    text
}

/// The config's `cdn` value for a detected CDN.
fn cdn_key(cdn: Cdn) -> &'static str {
    match cdn {
        Cdn::Vercel => "vercel",
        Cdn::Cloudflare => "cloudflare",
        Cdn::Fastly => "fastly",
        Cdn::Cloudfront => "cloudfront",
        Cdn::Akamai => "akamai",
        Cdn::Varnish => "varnish",
        Cdn::Nginx => "nginx",
        Cdn::Generic => "generic",
    }
}

/// Create the file, never replacing one (a config written meanwhile is kept).
fn write_new(path: &Path, text: &str, name: &str) -> Exit {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        errln!("error: cannot create {}: {e}", dir.display());
        return Exit::Failed;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    match file.and_then(|mut f| f.write_all(text.as_bytes())) {
        Ok(()) => {
            errln!(
                "wrote {}: next, set the secret and run `isrctl config check`, then `isrctl check {name}`",
                path.display()
            );
            Exit::Ok
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            errln!("error: {} exists and is kept as it is", path.display());
            Exit::Usage
        }
        Err(e) => {
            errln!("error: cannot write {}: {e}", path.display());
            Exit::Failed
        }
    }
}
