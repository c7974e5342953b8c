//! `isrctl watch SITE [--path P…] [--interval 30s]`: read the watched pages
//! again and again at a gentle rate; per page and layer, the age of the
//! copy visitors get and a countdown to its expiry; what turned stale or
//! fresh said when it happens, and the bell rung when a page turns fresh.
//! On a terminal, lines for a person; piped (or `--json`), one JSON line
//! per read. `--metrics ADDR` serves the latest reads to Prometheus.

use crate::cli::drive::Driver;
use crate::cli::metrics::{self, Metrics};
use crate::cli::output::Output;
use crate::cli::unknown_site;
use crate::engine::EngineEvent;
use crate::engine::watcher::{WatchPlan, Watched};
use crate::model::config::Config;
use crate::model::exit::Exit;
use crate::model::redact::Redactor;
use crate::model::standing::Standing;
use crate::model::tone::Tone;
use clap::Args;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The site's name, as in [sites.NAME]
    pub site: String,
    /// A page to watch (repeatable) [default: the site's key pages]
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<String>,
    /// Time between two reads of the pages (at least 1s)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::cli::flags::parse_duration)]
    pub interval: Duration,
    /// Stop after this many rounds [default: until Ctrl-C]
    #[arg(long, value_name = "N")]
    pub rounds: Option<u64>,
    /// Serve the latest reads in Prometheus's text format at http://ADDR/metrics, e.g. 127.0.0.1:9464
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,
    /// One JSON line per read (also when stdout is not a terminal)
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub output: Output,
}

/// Gentler than this is fine; faster is a load test, not a watch.
const SHORTEST_INTERVAL: Duration = Duration::from_secs(1);

pub async fn run(config: &Config, args: WatchArgs) -> Exit {
    let Some(site) = config.site(&args.site) else {
        return unknown_site(config, &args.site);
    };
    if args.interval < SHORTEST_INTERVAL {
        errln!(
            "error: --interval is at least 1s: a watch reads every layer of every page each time"
        );
        return Exit::Usage;
    }
    let paths = match args.paths.is_empty() {
        true => site.key_pages(),
        false => args.paths.clone(),
    };
    let metrics = match serve_metrics(args.metrics).await {
        Ok(metrics) => metrics,
        Err(exit) => return exit,
    };
    // Piped, a line per read is for a program: JSON.
    let output = match std::io::stdout().is_terminal() {
        true => args.output,
        false => Output::Json,
    };
    output.human(|| {
        outln!(
            "watching {} every {}: {} (Ctrl-C stops)",
            site.name,
            crate::model::text::duration_words(args.interval.as_secs()),
            paths.join(", ")
        )
    });
    let plan = WatchPlan {
        paths,
        interval: args.interval,
        rounds: args.rounds,
    };
    let driver = Driver::new(site, None);
    let operation = driver.engine.watch(0, plan);
    let mut shown = Shown::default();
    driver
        .run(operation, "stopping the watch", |event| {
            if let EngineEvent::Watched { watched, .. } = event {
                if let Some(m) = &metrics {
                    m.observe(&watched);
                }
                shown.show(&watched, output);
            }
        })
        .await;
    match shown.all_fresh() {
        true => Exit::Ok,
        false => Exit::Failed,
    }
}

/// The metrics server, listening before the first read, or why not.
async fn serve_metrics(addr: Option<std::net::SocketAddr>) -> Result<Option<Arc<Metrics>>, Exit> {
    let Some(addr) = addr else { return Ok(None) };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        errln!("error: --metrics {addr}: cannot listen there ({e}): choose a free address, e.g. 127.0.0.1:9464");
        Exit::Usage
    })?;
    // The port the system chose when asked for 0.
    let bound = listener.local_addr().unwrap_or(addr);
    let metrics = Arc::new(Metrics::new());
    tokio::spawn(metrics::serve(listener, metrics.clone()));
    errln!("metrics: http://{bound}/metrics");
    Ok(Some(metrics))
}

/// What each page last stood at, to say what changed.
#[derive(Default)]
struct Shown {
    last: HashMap<String, Standing>,
}

impl Shown {
    fn show(&mut self, watched: &Watched, output: Output) {
        let before = self.last.insert(watched.path.clone(), watched.standing);
        if output.is_json() {
            Output::json_line("watch", watched, &Redactor::default());
            return;
        }
        let turned = before.filter(|b| *b != watched.standing);
        print_read(watched, turned.is_some());
        if turned.is_some() && watched.standing == Standing::Fresh {
            crate::cli::bell::ring(&format!("{} is fresh everywhere", watched.path));
        }
    }

    fn all_fresh(&self) -> bool {
        !self.last.is_empty() && self.last.values().all(|s| *s == Standing::Fresh)
    }
}

fn print_read(w: &Watched, turned: bool) {
    let clock = crate::model::text::local_clock(w.time);
    let head = match (turned, w.standing) {
        (true, Standing::Fresh) => format!("{} turned fresh", w.standing.symbol()),
        (true, _) => format!("{} turned {}", w.standing.symbol(), w.standing.as_str()),
        (false, _) => w.standing.symbol().to_string(),
    };
    let tone = match w.standing {
        Standing::Fresh => Tone::Good,
        Standing::Stale => Tone::Bad,
        _ => Tone::Warning,
    };
    let rest = format!(
        " {} · {}{}\n",
        crate::model::safe_text::one_line(&w.path),
        crate::model::safe_text::one_line(&w.said),
        layers_words(w)
    );
    crate::model::out::stdout_toned(&format!("{clock} {head}"), tone, &rest);
}

/// "public: copy 2 min old, expires in 58 min (13:00 CET)", per layer
/// that says.
fn layers_words(w: &Watched) -> String {
    let mut out = String::new();
    // What visitors get and what each origin would give them; the RSC
    // copies are in the JSON lines and the metrics.
    let shown = w.layers.iter().filter(|l| !l.layer.contains("RSC"));
    for layer in shown {
        let Some(age) = layer.age_s else { continue };
        out.push_str(&format!(
            " · {}: copy {} old",
            layer.layer,
            crate::model::text::duration_words(age)
        ));
        match layer.expires_in_s {
            Some(left) if left >= 0 => {
                let left = left as u64;
                out.push_str(&format!(
                    ", expires in {}",
                    crate::model::text::duration_words(left)
                ));
                if let Some(clock) = crate::model::text::clock_after(left, w.time) {
                    out.push_str(&format!(" ({clock})"));
                }
            }
            Some(past) => out.push_str(&format!(
                ", past its TTL by {}",
                crate::model::text::duration_words(past.unsigned_abs())
            )),
            None => {}
        }
    }
    out
}
