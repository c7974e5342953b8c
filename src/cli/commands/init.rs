//! `isrctl init URL`: look at a site the way a visitor's browser would
//! (its page, its sitemap, its usual revalidate paths, never a secret),
//! and write a commented config to start from. An existing config is never
//! overwritten.

use crate::engine::discover::{Discovery, ENDPOINT_PATHS, discover};
use crate::model::cache_headers::Cdn;
use crate::model::exit::Exit;
use std::path::Path;
use url::Url;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    // The text is clap's help, not rustdoc.
    #[allow(rustdoc::bare_urls)]
    /// The site's public URL, e.g. https://blog.example.com
    pub url: String,
    /// The site's name in the config [default: from the host name]
    #[arg(long)]
    pub name: Option<String>,
    /// Print the config instead of writing it
    #[arg(long)]
    pub stdout: bool,
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
    let name = match args.name {
        Some(name) => match plain_name(&name) {
            Ok(()) => name,
            Err(why) => {
                errln!(
                    "error: --name {}: {why}",
                    crate::model::safe_text::one_line(&format!("{name:?}"))
                );
                return Exit::Usage;
            }
        },
        None => name_from_host(&public_url),
    };
    let found = match discover(public_url, name).await {
        Ok(found) => found,
        Err(why) => {
            errln!("error: {why}");
            return Exit::Failed;
        }
    };
    for line in summary(&found) {
        errln!("{line}");
    }
    // A config written from nothing would look like what the site showed.
    if !found.answered {
        errln!(
            "error: {} did not answer: no config written; check the URL (and that the site is up), then run init again",
            found.public_url
        );
        return Exit::Failed;
    }
    let text = config_text(&found);
    match target {
        None => {
            out!("{text}");
            Exit::Ok
        }
        Some(path) => match write_new(&path, &text, &found.name) {
            Exit::Ok if found.sitemap => read_first_sitemap(&path, &found.name).await,
            exit => exit,
        },
    }
}

/// Read the new site's sitemap once, so the console and `routes` list its
/// pages from the start; a failure is said and changes nothing written.
async fn read_first_sitemap(config: &Path, name: &str) -> Exit {
    let loaded = crate::model::config::load(config);
    let site = loaded.as_ref().ok().and_then(|c| c.site(name));
    let (Some(site), Some(dir)) = (site, crate::model::files::state_dir()) else {
        return Exit::Ok;
    };
    let Some(sitemap) = &site.sitemap else {
        return Exit::Ok;
    };
    match crate::engine::sitemap_routes(site, sitemap, &dir, true).await {
        Ok(read) => errln!(
            "read {sitemap}: {} page(s), listed by the console and `isrctl routes {name}`",
            read.pages
        ),
        Err(why) => errln!(
            "warning: {sitemap} could not be read ({why}): `isrctl routes {name} --refresh` reads it later"
        ),
    }
    Exit::Ok
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

/// A site name init can write as `[sites.NAME]` and turn into an exported
/// variable (`NAME_REVALIDATE_SECRET`): a letter first, then letters,
/// digits, `-` and `_` (a dot would make nested tables, a quote or a line
/// break TOML of its own).
fn plain_name(name: &str) -> Result<(), &'static str> {
    let first_is_letter = name.starts_with(|c: char| c.is_ascii_alphabetic());
    let rest_plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    match first_is_letter && rest_plain {
        true => Ok(()),
        false => Err(
            "a site name starts with a letter and has letters, digits, '-' and '_' only, e.g. --name blog",
        ),
    }
}

/// `blog.example.com` → `blog`; `www.example.com` → `example`; an IP
/// address → `site-127-0-0-1` (a name starts with a letter, and every
/// part of the address tells two sites on one network apart).
fn name_from_host(url: &Url) -> String {
    if let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = url.host() {
        let address = url.host_str().unwrap_or_default();
        let parts = address.split(|c: char| !c.is_ascii_alphanumeric());
        let parts: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
        return format!("site-{}", parts.join("-").to_ascii_lowercase());
    }
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
    match name.chars().next() {
        None => "site".into(),
        Some(c) if c.is_ascii_alphabetic() => name,
        Some(_) => format!("site-{name}"),
    }
}

/// What was found, for stderr.
fn summary(found: &Discovery) -> Vec<String> {
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
fn config_text(found: &Discovery) -> String {
    let name = &found.name;
    let env = format!("{}_REVALIDATE_SECRET", env_prefix(name));
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
                cdn.config_name()
            )
        }
        None => {
            text += "# No CDN seen in the headers; name yours if there is one:\n# cdn = \"cloudflare\"\n"
        }
    }
    text += "# The origin instance(s) behind the CDN, to verify each and find a stale one:\n# origins = [\"http://10.0.0.5:3000\"]\n";
    text += "# The console reads the key pages as it opens (a GET per layer, nothing\n# revalidated), so the site's badge says how it is from the first frame.\nprobe_on_start = true\n";
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
    text += &purge_block(name, found.cdn.as_ref().map(|(cdn, _)| *cdn));
    text += &format!(
        "# The pages you revalidate most; add tags your fetches use. `key = true`:\n# `isrctl status` reads it.\n[[sites.{name}.routes]]\npath = \"/\"\nkey = true\n"
    );
    text
}

/// How to purge the CDN init saw: a working block where nothing more is
/// needed (Varnish: the public URL is the node), else a commented
/// skeleton with the token's variable (README, "Purge").
fn purge_block(name: &str, cdn: Option<Cdn>) -> String {
    let env = |provider: &str| format!("{}_{provider}_TOKEN", env_prefix(name));
    let skeleton = |provider: &str, keys: &str, token: &str| {
        format!(
            "# Purge the CDN too (`isrctl fresh`, the console's `f`): fill in and uncomment.\n\
             # [sites.{name}.purge]\n# provider = \"{provider}\"\n{keys}\
             # [sites.{name}.purge.token]\n# env = \"{token}\"\n\n"
        )
    };
    match cdn {
        Some(Cdn::Varnish) => format!(
            "# Varnish answers PURGE from where isrctl runs when its VCL allows it; the\n\
             # node is the public URL unless you list them (nodes = [\"http://10.0.0.7:6081\"]).\n\
             # method = \"BAN\" also drops the page's RSC copies (?_rsc=…), if the VCL bans.\n\
             [sites.{name}.purge]\nprovider = \"varnish\"\n\n"
        ),
        Some(Cdn::Cloudflare) => skeleton(
            "cloudflare",
            "# zone_id = \"…\"\n# mode = \"files\"\n",
            &env("CF"),
        ),
        Some(Cdn::Fastly) => skeleton("fastly", "# service_id = \"…\"\n", &env("FASTLY")),
        Some(Cdn::Vercel) => skeleton("vercel", "# project_id = \"…\"\n", &env("VERCEL")),
        Some(Cdn::Cloudfront) => format!(
            "# Purge the CDN too: fill in and uncomment (credentials: AWS_ACCESS_KEY_ID /\n\
             # AWS_SECRET_ACCESS_KEY, else ~/.aws/credentials).\n\
             # [sites.{name}.purge]\n# provider = \"cloudfront\"\n# distribution_id = \"…\"\n\n"
        ),
        Some(Cdn::Netlify) => skeleton(
            "netlify",
            "# site_id = \"…\"                # Site configuration › Site details\n",
            &env("NETLIFY"),
        ),
        Some(Cdn::Akamai) => format!(
            "# Purge the CDN too: fill in and uncomment (Fast Purge; EdgeGrid credentials\n\
             # from ~/.edgerc, the section of an API client with the CCU APIs grant).\n\
             # [sites.{name}.purge]\n# provider = \"akamai\"\n# section = \"default\"\n# cpcodes = [\"…\"]\n\n"
        ),
        Some(Cdn::Nginx) => format!(
            "# nginx's proxy_cache_purge (or another PURGE endpoint): fill in and uncomment.\n\
             # [sites.{name}.purge]\n# provider = \"http\"\n# method = \"PURGE\"\n\n"
        ),
        _ => String::new(),
    }
}

/// A site name as the start of an environment variable's name:
/// `site-127-0-0-1` → `SITE_127_0_0_1` (bash exports only letters,
/// digits and `_`).
fn env_prefix(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() => c.to_ascii_uppercase(),
            _ => '_',
        })
        .collect()
}

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
