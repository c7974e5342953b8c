//! `isrctl sites`, `isrctl routes SITE`, `isrctl config check`.

use crate::cli::output::Output;
use crate::cli::print::ago;
use crate::cli::{open_history, unknown_site};
use crate::history::Record;
use crate::model::config::{self, Config, ConfigError, LoadError, Site};
use crate::model::exit::Exit;
use crate::model::secret::SecretSource;
use crate::model::text::millis;
use serde::Serialize;
use std::path::Path;

pub fn sites(config: &Config, output: Output) -> Exit {
    let report = SitesReport {
        config: &config.file,
        sites: config.sites.iter().map(SiteSummary::of).collect(),
    };
    output.report("sites", &report, &Default::default(), |_| {
        print_sites(config)
    });
    Exit::Ok
}

fn print_sites(config: &Config) {
    if config.sites.is_empty() {
        outln!("no sites in {}", config.file.display());
        return;
    }
    for site in &config.sites {
        outln!("{}", site.name);
        outln!("  public   {}", site.public_url);
        for origin in &site.origins {
            outln!("  origin   {origin}");
        }
        outln!(
            "  endpoint {} {}",
            site.endpoint.method.as_str(),
            site.endpoint.url
        );
        outln!("  secret   {}", site.secret.describe());
        if let Some(purge) = &site.purge {
            outln!("  purge    {}", purge_summary(purge));
        }
        outln!(
            "  routes   {}   tags {}",
            site.routes.len(),
            if site.tags.is_empty() {
                "-".to_string()
            } else {
                site.tags.join(", ")
            }
        );
    }
}

/// The `sites` report (README, "JSON output").
#[derive(Serialize)]
struct SitesReport<'a> {
    config: &'a Path,
    sites: Vec<SiteSummary<'a>>,
}

#[derive(Serialize)]
struct SiteSummary<'a> {
    name: &'a str,
    public_url: &'a str,
    origins: Vec<&'a str>,
    cdn: Option<&'a str>,
    endpoint: EndpointSummary<'a>,
    secret_source: String,
    /// The CDN purge, e.g. "cloudflare (token: env CF_API_TOKEN)", if any.
    purge: Option<String>,
    routes: usize,
    tags: &'a [String],
}

/// "varnish", "cloudflare (token: env CF_API_TOKEN)": never the token.
fn purge_summary(purge: &crate::model::purge::PurgeConfig) -> String {
    match &purge.token {
        Some(token) => format!("{} (token: {})", purge.provider.name(), token.describe()),
        None => purge.provider.name().to_string(),
    }
}

#[derive(Serialize)]
struct EndpointSummary<'a> {
    method: &'a str,
    url: &'a str,
}

impl<'a> SiteSummary<'a> {
    fn of(site: &'a Site) -> Self {
        SiteSummary {
            name: &site.name,
            public_url: site.public_url.as_str(),
            origins: site.origins.iter().map(|o| o.as_str()).collect(),
            cdn: site.cdn.as_deref(),
            endpoint: EndpointSummary {
                method: site.endpoint.method.as_str(),
                url: site.endpoint.url.as_str(),
            },
            secret_source: site.secret.describe(),
            purge: site.purge.as_ref().map(purge_summary),
            routes: site.routes.len(),
            tags: &site.tags,
        }
    }
}

pub async fn routes(config: &Config, name: &str, output: Output, refresh: bool) -> Exit {
    let Some(site) = config.site(name) else {
        return unknown_site(config, name);
    };
    let all_routes = match site_routes(site, refresh).await {
        Ok(routes) => routes,
        Err(why) => {
            errln!("error: {why}");
            return Exit::Failed;
        }
    };
    let last = open_history().and_then(|h| match h.last_states() {
        Ok(states) => {
            for warning in &states.warnings {
                errln!("warning: history: {warning}");
            }
            Some(states)
        }
        Err(e) => {
            errln!("warning: cannot read history: {e}");
            None
        }
    });
    let rows: Vec<Row> = all_routes
        .iter()
        .map(|route| {
            let target = route.target();
            let states = last.as_ref();
            Row {
                route,
                last: states.and_then(|l| l.get(&site.name, &target)),
                purge: states.and_then(|l| l.purge(&site.name, &target)),
            }
        })
        .collect();
    match output {
        // Built only when asked for: a sitemap site has 100,000 rows.
        Output::Json => {
            let report = RoutesReport {
                site: &site.name,
                routes: rows.iter().map(RouteRow::of).collect(),
            };
            output.report("routes", &report, &Default::default(), |_| {});
        }
        Output::Human => print_routes_table(&rows),
    }
    Exit::Ok
}

/// The configured routes and, with a sitemap, its pages from the cached
/// copy (read again from the site with `refresh`); notes on stderr.
async fn site_routes(site: &Site, refresh: bool) -> Result<Vec<config::Route>, String> {
    let Some(sitemap) = &site.sitemap else {
        if refresh {
            errln!(
                "warning: site {} has no sitemap: nothing to refresh",
                site.name
            );
        }
        return Ok(site.routes.to_vec());
    };
    let dir = crate::model::files::state_dir()
        .ok_or("cannot find the state directory: set XDG_STATE_HOME or HOME")?;
    let read = crate::engine::sitemap_routes(site, sitemap, &dir, refresh)
        .await
        .map_err(|t| t.to_string())?;
    if let Some(e) = &read.not_saved {
        errln!("warning: sitemap cache not written: {e}");
    }
    if read.fetched.is_none() && !refresh {
        errln!(
            "note: {} not read yet: run `isrctl routes {} --refresh`",
            sitemap,
            site.name
        );
    }
    for note in &read.notes {
        errln!("note: sitemap: {note}");
    }
    if let Some(fetched) = read.fetched {
        errln!(
            "{} page(s) from {sitemap}, read {}",
            read.pages,
            ago(fetched)
        );
    }
    Ok(read.routes)
}

/// The `routes` report (README, "JSON output").
#[derive(Serialize)]
struct RoutesReport<'a> {
    site: &'a str,
    routes: Vec<RouteRow<'a>>,
}

#[derive(Serialize)]
struct RouteRow<'a> {
    path: &'a str,
    #[serde(rename = "type")]
    page_type: Option<crate::model::target::PageType>,
    tags: &'a [String],
    labels: &'a [String],
    marker: Option<&'a str>,
    /// When the page last changed, as the sitemap says.
    lastmod: Option<jiff::Timestamp>,
    last: Option<&'a Record>,
    last_purge: Option<&'a Record>,
}

/// A route with its last revalidation and its last purge.
struct Row<'a> {
    route: &'a config::Route,
    last: Option<&'a Record>,
    purge: Option<&'a Record>,
}

impl<'a> RouteRow<'a> {
    fn of(row: &Row<'a>) -> Self {
        let route = row.route;
        RouteRow {
            path: &route.path,
            page_type: route.page_type,
            tags: &route.tags,
            labels: &route.labels,
            marker: route.marker.as_ref().map(|m| m.as_str()),
            lastmod: route.lastmod,
            last: row.last,
            last_purge: row.purge,
        }
    }
}

/// The widest the PATH column grows; longer paths are cut with "…" (the
/// JSON has them whole). A column as wide as a hostile path would also
/// overflow the formatter's width (65,535).
const PATH_COLUMN_MAX: usize = 72;

fn print_routes_table(rows: &[Row]) {
    let width = rows
        .iter()
        .map(|r| {
            r.route.path.chars().count() + r.route.page_type.map_or(0, |t| t.as_str().len() + 3)
        })
        .max()
        .unwrap_or(4)
        .clamp(4, PATH_COLUMN_MAX);
    outln!(
        "{:width$}  {:16}  {:16}  {:14}  {:8}  {:16}  TAGS",
        "PATH",
        "LASTMOD",
        "LAST REVALIDATED",
        "OUTCOME",
        "LATENCY",
        "LAST PURGED"
    );
    for Row {
        route,
        last: record,
        purge,
    } in rows
    {
        let path = match route.page_type {
            Some(t) => format!("{} ({})", route.path, t.as_str()),
            None => route.path.clone(),
        };
        let path = crate::model::safe_text::cut(&path, width);
        let (when, outcome, latency) = match record {
            Some(r) => (ago(r.time), r.outcome.clone(), millis(r.latency_ms)),
            None => ("never".to_string(), "-".to_string(), "-".to_string()),
        };
        let purged = purge.map_or("-".to_string(), |p| match p.outcome.as_str() {
            "purged" => ago(p.time),
            failed => format!("{} {failed}", ago(p.time)),
        });
        let lastmod = route.lastmod.map_or("-".to_string(), ago);
        outln!(
            "{path:width$}  {lastmod:16}  {when:16}  {outcome:14}  {latency:8}  {purged:16}  {}",
            route.tags.join(",")
        );
    }
}

pub fn config_check(flag: Option<&Path>, output: Output) -> Exit {
    let file = match config::locate(flag) {
        Ok(file) => file,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Usage;
        }
    };
    match config::load(&file) {
        Ok(config) => match crate::cli::console::KeyMap::from_config(&config) {
            Ok(_) => report_valid(&config, output),
            Err(errors) => report_invalid(&file, &errors, output),
        },
        Err(LoadError::Invalid(errors)) => report_invalid(&file, &errors, output),
        Err(e) => {
            errln!("error: {e}");
            Exit::Usage
        }
    }
}

fn report_valid(config: &Config, output: Output) -> Exit {
    let secrets: Vec<(String, String)> = config
        .sites
        .iter()
        .map(|s| (s.name.clone(), secret_status(&s.secret)))
        .collect();
    let report = ConfigReport {
        file: &config.file,
        ok: true,
        errors: Vec::new(),
        warnings: config.warnings.iter().map(Problem::of).collect(),
        sites: Some(
            secrets
                .iter()
                .map(|(name, secret)| SiteSecret { name, secret })
                .collect(),
        ),
    };
    output.report("config check", &report, &Default::default(), |_| {
        for warning in &config.warnings {
            errln!("warning: {warning}");
        }
        outln!(
            "{}: ok, {} site(s), {} warning(s)",
            config.file.display(),
            config.sites.len(),
            config.warnings.len()
        );
        for (name, secret) in &secrets {
            outln!("  {name}: secret {secret}");
        }
    });
    Exit::Ok
}

/// The secret's fingerprint when it can be read without side effects;
/// a command (a password manager may prompt) is only described.
fn secret_status(source: &SecretSource) -> String {
    match source {
        SecretSource::Command(_) => format!("{} (not run by config check)", source.describe()),
        _ => match source.resolve() {
            Ok(secret) => secret.fingerprint(),
            Err(e) => format!("unavailable: {e}"),
        },
    }
}

fn report_invalid(file: &Path, errors: &[ConfigError], output: Output) -> Exit {
    let report = ConfigReport {
        file,
        ok: false,
        errors: errors.iter().map(Problem::of).collect(),
        warnings: Vec::new(),
        sites: None,
    };
    output.report("config check", &report, &Default::default(), |_| {
        for error in errors {
            errln!("error: {error}");
        }
    });
    Exit::Usage
}

/// The `config check` report (README, "JSON output").
#[derive(Serialize)]
struct ConfigReport<'a> {
    file: &'a Path,
    ok: bool,
    errors: Vec<Problem<'a>>,
    warnings: Vec<Problem<'a>>,
    /// Only when the config loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    sites: Option<Vec<SiteSecret<'a>>>,
}

#[derive(Serialize)]
struct Problem<'a> {
    file: &'a Path,
    line: usize,
    column: usize,
    message: &'a str,
    fix: Option<&'a str>,
}

impl<'a> Problem<'a> {
    fn of(problem: &'a ConfigError) -> Self {
        Problem {
            file: &problem.file,
            line: problem.line,
            column: problem.column,
            message: &problem.message,
            fix: problem.fix.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct SiteSecret<'a> {
    name: &'a str,
    secret: &'a str,
}
