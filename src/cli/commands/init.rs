//! `isrctl init URL`: look at a site the way a visitor's browser would
//! (its page, its sitemap, its usual revalidate paths, never a secret),
//! and write a commented config to start from. An existing config is never
//! overwritten.

use crate::engine::discover::{Discovery, ENDPOINT_PATHS, discover};
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
/// address → `site-127` (a name starts with a letter).
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
                cdn.config_name()
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
