//! `isrctl probe URL | SITE --path P`: fetch a page through each layer and
//! read its cache headers, without revalidating anything.

use crate::cli::output::Output;
use crate::cli::print::print_finding;
use crate::cli::{load_config, unknown_site};
use crate::engine::checks::Severity;
use crate::engine::checks::cache_layers::ProbedPage;
use crate::model::exit::Exit;
use crate::model::redact::Redactor;
use crate::model::trouble::Trouble;
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
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub output: Output,
}

pub async fn run(config_flag: Option<&Path>, args: ProbeArgs) -> Exit {
    let pages = match Url::parse(&args.what) {
        Ok(url) if !url.username().is_empty() || url.password().is_some() => {
            errln!(
                "error: the URL carries credentials (user:password@{}): isrctl would show them; probe the URL without them",
                url.host_str().unwrap_or_default()
            );
            return Exit::Usage;
        }
        Ok(url) if matches!(url.scheme(), "http" | "https") => crate::engine::probe::probe_url(url)
            .await
            .map(|page| vec![page]),
        _ => match probe_site(config_flag, &args).await {
            Ok(pages) => pages,
            Err(exit) => return exit,
        },
    };
    let pages = match pages {
        Ok(pages) => pages,
        Err(why) => {
            errln!("error: {why}");
            return Exit::Usage;
        }
    };
    report(&args, &pages)
}

async fn probe_site(
    config_flag: Option<&Path>,
    args: &ProbeArgs,
) -> Result<Result<Vec<ProbedPage>, Trouble>, Exit> {
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
    let probes = args
        .paths
        .iter()
        .map(|path| crate::engine::probe::probe_path(site, path));
    let pages: Result<Vec<ProbedPage>, Trouble> = futures::future::join_all(probes)
        .await
        .into_iter()
        .collect();
    Ok(pages)
}

fn report(args: &ProbeArgs, pages: &[ProbedPage]) -> Exit {
    let report = ProbeReport {
        target: &args.what,
        pages,
    };
    args.output
        .report("probe", &report, &Redactor::default(), |report| {
            report.pages.iter().for_each(print_page)
        });
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
