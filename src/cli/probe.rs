//! `isrctl probe URL | SITE --path P`: fetch a page through each layer and
//! read its cache headers, without revalidating anything.

use super::check::print_finding;
use super::output::print_document;
use super::{Exit, load_config, unknown_site};
use crate::checks::Severity;
use crate::checks::cache_layers::ProbedPage;
use crate::config::{Limits, Site};
use crate::probe::{self, Layer, LayerKind, ProbeSettings};
use crate::redact::Redactor;
use clap::Args;
use serde::Serialize;
use std::path::Path;
use url::Url;

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A page URL (https://…), or a site's name with --path
    #[arg(value_name = "URL|SITE")]
    pub what: String,
    /// With a site: the path to probe (repeatable)
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<String>,
    /// Print one JSON document (shape documented in the README)
    #[arg(long)]
    pub json: bool,
}

pub async fn run(config_flag: Option<&Path>, args: ProbeArgs) -> Exit {
    let pages = match Url::parse(&args.what) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => probe_url(url).await,
        _ => match probe_site(config_flag, &args).await {
            Ok(pages) => pages,
            Err(exit) => return exit,
        },
    };
    let Ok(pages) = pages else {
        errln!("error: cannot build the HTTP client");
        return Exit::Usage;
    };
    report(&args, &pages)
}

/// A bare URL: the URL itself and a cache-busted copy.
async fn probe_url(url: Url) -> Result<Vec<ProbedPage>, ()> {
    let client = crate::http::client(&Limits::default(), true).map_err(|_| ())?;
    let settings = ProbeSettings {
        client,
        marker: None,
        cdn: None,
    };
    let layers = vec![
        Layer {
            kind: LayerKind::Public,
            url: url.clone(),
        },
        Layer {
            kind: LayerKind::CacheBusted,
            url: probe::cache_busted(&url),
        },
    ];
    let path = url.path().to_string();
    Ok(vec![ProbedPage::new(
        path,
        probe::probe_all(&settings, &layers).await,
    )])
}

async fn probe_site(
    config_flag: Option<&Path>,
    args: &ProbeArgs,
) -> Result<Result<Vec<ProbedPage>, ()>, Exit> {
    let config = load_config(config_flag)?;
    let Some(site) = config.site(&args.what) else {
        return Err(unknown_site(&config, &args.what));
    };
    if args.paths.is_empty() {
        errln!(
            "error: give --path with a site, e.g. isrctl probe {} --path /",
            site.name
        );
        return Err(Exit::Usage);
    }
    let probes = args.paths.iter().map(|path| probe_path(site, path));
    let pages: Result<Vec<ProbedPage>, ()> = futures::future::join_all(probes)
        .await
        .into_iter()
        .collect();
    Ok(pages)
}

async fn probe_path(site: &Site, path: &str) -> Result<ProbedPage, ()> {
    let settings = ProbeSettings::for_site(site, path).map_err(|_| ())?;
    let layers = probe::site_layers(site, path);
    Ok(ProbedPage::new(
        path.to_string(),
        probe::probe_all(&settings, &layers).await,
    ))
}

fn report(args: &ProbeArgs, pages: &[ProbedPage]) -> Exit {
    if args.json {
        let report = ProbeReport {
            target: &args.what,
            pages,
        };
        print_document("probe", &report, &Redactor::default());
    } else {
        pages.iter().for_each(print_page);
    }
    let problem = pages.iter().any(|p| p.worst() == Severity::Problem);
    if problem { Exit::Failed } else { Exit::Ok }
}

/// The `probe` report (README, "JSON output").
#[derive(Serialize)]
struct ProbeReport<'a> {
    target: &'a str,
    pages: &'a [ProbedPage],
}

fn print_page(p: &ProbedPage) {
    outln!("{}", p.path);
    for l in &p.layers {
        outln!("  {:<22} {}", l.label, l.summary());
        outln!("  {:<22} {}", "", l.url);
        if let Some(fp) = &l.fingerprint {
            outln!("  {:<22} {}", "", fp.summary());
        }
        for note in l.cache.iter().flat_map(|c| c.notes.iter()) {
            outln!("  {:<22} note: {note}", "");
        }
    }
    for f in &p.conclusions {
        print_finding(f, true, &Redactor::default());
    }
}
