//! The command line: a thin front end over the engine.
//!
//! Every reporting command prints human text, or with `--json` one JSON
//! document whose shape is documented in the README (`"isrctl": 1` marks
//! its version). Exit codes: 0 all good, 1 some target failed, 2 usage or
//! config error.
//!
//! May use: `engine`, `history`, `model`, and `tui` in one place (opening
//! the console), `sim` for the demo; never `wire`.

mod bell;
mod commands;
mod drive;
mod flags;
mod generated;
mod invocation;
mod load;
mod metrics;
mod output;
mod print;
mod progress;
mod unsent;

pub use commands::demo;
use commands::{
    check, fresh, history as history_cmd, init, probe, purge, revalidate, sites, stale, status,
    watch,
};

use crate::history::History;
use crate::model::config::{self, Config};
use clap::CommandFactory;
use clap::{Args, Parser, Subcommand};
pub(crate) use invocation::{as_invoked, shell_word};
use load::{load_config, load_staged, with_config};
use output::Output;
use std::path::PathBuf;
use std::process::ExitCode;

pub use output::JSON_VERSION;

pub use crate::model::exit::Exit;

#[derive(Debug, Parser)]
#[command(
    name = "isrctl",
    version = concat!(env!("CARGO_PKG_VERSION"), env!("ISRCTL_BUILD_DETAIL")),
    about = "On-call console for on-demand ISR sites: revalidate paths and tags, see what happened, find out why a page is still stale.\nWithout a subcommand, opens the console on the configured sites.",
    after_help = "Exit codes: 0 all good, 1 some target failed, 2 usage or config error, 130 Ctrl-C left targets unsent.\nConfig: --config FILE, else $ISRCTL_CONFIG, else ~/.config/isrctl/config.toml (see config.example.toml)."
)]
pub struct Cli {
    /// Config file [default: $ISRCTL_CONFIG, else $XDG_CONFIG_HOME/isrctl/config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where history, the log and sitemap copies live [default: $XDG_STATE_HOME/isrctl]
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Refuse everything that would revalidate or purge, in every command
    /// and in the console (exit 2, nothing sent)
    #[arg(long, global = true)]
    pub read_only: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the configured sites: URLs, endpoint, secret source, routes and tags
    Sites(OutputFlag),
    /// List a site's routes with their last revalidation from history
    Routes {
        /// The site's name, as in [sites.NAME]
        site: String,
        /// Read the site's sitemap again (conditionally) before listing
        #[arg(long)]
        refresh: bool,
        #[command(flatten)]
        output: OutputFlag,
    },
    /// Every site in one line: its worst current finding (key pages read now, plus history); exit 1 when one is not fresh
    #[command(
        after_help = "Key pages are the routes with key = true, else each site's first three paths; they are read at every layer (nothing is revalidated). History adds the last verification, probe or stale finding of every other page, and revalidations that failed.\nSymbols: ● fresh, ○ unknown (nothing says it is fresh), ! look at it, ✗ stale or failing.\nExamples:\n  isrctl status\n  isrctl status shop blog --json"
    )]
    Status(status::StatusArgs),
    /// The pages of a site's sitemap that are probably stale now: each page's lastmod against the last revalidation and each layer's copy
    #[command(
        after_help = "Reads the sitemap again (conditionally), then each page at every layer as a visitor would (one layer after another, within the site's limits); nothing is revalidated or purged.\nExit 1 when a page is listed.\nExamples:\n  isrctl stale shop\n  isrctl stale shop --older-than 10m --limit 20\n  isrctl stale shop --json | isrctl fresh shop --paths-from - --yes"
    )]
    Stale(stale::StaleArgs),
    /// Read pages again and again: per layer the age of the copy visitors get and a countdown to its expiry; the bell when one turns fresh
    #[command(
        after_help = "Each round reads every watched page at every layer (nothing is revalidated), one page after another, then waits the interval. On a terminal, a line per read, with what turned stale or fresh; piped or with --json, one JSON line per read.\nExit when stopped (Ctrl-C, or --rounds): 0 when every watched page was last fresh, else 1.\nExamples:\n  isrctl watch shop --path /pricing --interval 30s\n  isrctl watch shop --metrics 127.0.0.1:9464"
    )]
    Watch(watch::WatchArgs),
    /// Revalidate paths and/or tags on a site through its endpoint
    #[command(
        after_help = "Paths are linted before anything is sent: `about` is refused (did you mean /about?), and so is a dynamic pattern such as /blog/[slug] without --type.\nMore than one target needs --yes unless you confirm at a terminal prompt.\nExamples:\n  isrctl revalidate blog --path /blog/hello\n  isrctl revalidate blog --tag posts --yes\n  isrctl revalidate blog --path '/blog/[slug]' --type page\n  cut -f1 changed.txt | isrctl revalidate blog --paths-from - --yes --json"
    )]
    Revalidate(flags::RevalidateArgs),
    /// Find out why a page is still stale: config, path, reachability, auth, cache layers
    #[command(
        after_help = "Passive by default: nothing is revalidated. --active also revalidates each path and verifies the page changed at every layer (and dry-runs a CMS webhook when the endpoint has a path_body).\nFindings print as they arrive: ok, warning, problem, could_not_check. Exit 1 when a problem is found.\nExamples:\n  isrctl check blog --path /blog/hello\n  isrctl check blog --path /blog/hello --active --deadline 60s\n  isrctl check blog --json"
    )]
    Check(check::CheckArgs),
    /// Make pages fresh everywhere: revalidate on every origin, wait for them, purge the CDN, verify every layer
    #[command(
        after_help = "Each step is printed as it happens; exit 0 only when every layer serves the new page.\nThe purge waits until every origin serves the new page: after revalidateTag the first origin answer is the old page (STALE), and purging then would make the CDN keep it again.\nExamples:\n  isrctl fresh blog --path /blog/hello\n  isrctl fresh blog --tag posts --yes --deadline 60s"
    )]
    Fresh(flags::FreshArgs),
    /// Purge pages (paths, tags, prefixes, everything) from the site's CDN
    Purge(purge::PurgeArgs),
    /// Fetch a page through the CDN, from each origin and cache-busted, and read its cache headers
    #[command(
        after_help = "Nothing is revalidated. Redirects are reported, not followed.\nExamples:\n  isrctl probe https://blog.example.com/blog/hello\n  isrctl probe blog --path /blog/hello --json"
    )]
    Probe(probe::ProbeArgs),
    /// Show the revalidation history, newest last
    History {
        /// Only this site
        site: Option<String>,
        /// Only records newer than this, e.g. 30m, 2h, 7d
        #[arg(long, value_name = "DURATION")]
        since: Option<String>,
        /// At most this many records (the newest)
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Only this action: revalidate, verify, check, probe, purge or stale
        #[arg(long, value_name = "ACTION", value_parser = ["revalidate", "verify", "check", "probe", "purge", "stale"])]
        action: Option<String>,
        /// Only this outcome, e.g. unauthorized, fresh_everywhere, not_purged
        #[arg(long, value_name = "OUTCOME")]
        outcome: Option<String>,
        #[command(flatten)]
        output: OutputFlag,
    },
    /// Look at a site (its page, sitemap and usual revalidate paths; no secret sent) and write a config to start from
    #[command(
        after_help = "An existing config is never overwritten. Asks with GET only: a revalidate route that checks its secret does nothing, and a POST-only one is not run.\nExamples:\n  isrctl init https://blog.example.com\n  isrctl init https://shop.example.com --name shop --config ./isrctl.toml\n  isrctl init https://blog.example.com --stdout"
    )]
    Init(init::InitArgs),
    /// Work with the config file
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(
        after_help = "Examples:\n  isrctl completions bash > ~/.local/share/bash-completion/completions/isrctl\n  isrctl completions zsh > \"${fpath[1]}/_isrctl\"\n  isrctl completions fish > ~/.config/fish/completions/isrctl.fish"
    )]
    Completions {
        /// The shell to complete in
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), every subcommand included
    #[command(after_help = "Example:\n  isrctl man > ~/.local/share/man/man1/isrctl.1")]
    Man,
    /// Open the console on simulated sites (healthy, token mismatch, stale CDN, silent no-op)
    Demo {
        /// Print the config of the demo running in another terminal and exit
        #[arg(long)]
        print_config: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate and lint the config file (errors name file:line:column)
    Check(OutputFlag),
}

#[derive(Debug, Args, Clone, Copy)]
pub struct OutputFlag {
    /// Print one JSON document (shape documented in the README)
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub mode: Output,
}

/// Parse arguments and run; what `main` calls.
pub async fn main() -> ExitCode {
    use clap::FromArgMatches;
    let cli = match Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    invocation::remember(cli.config.as_deref(), cli.state_dir.as_deref());
    // Before the log opens: it lives in the state directory too.
    if let Some(dir) = cli.state_dir.clone() {
        crate::model::files::set_state_dir(dir);
    }
    // AWS's credentials in the environment are masked in everything shown
    // or kept, whether or not this command signs with them (a reason may
    // hold a pasted key).
    crate::model::out::hide(
        crate::model::secret::ambient_secrets()
            .iter()
            .map(String::as_str),
    );
    // Keep the guard alive so buffered log lines are flushed on exit.
    let _log_guard = crate::model::logging::init();
    let exit = run(cli).await;
    match crate::model::out::incomplete() {
        (false, _) => exit.into(),
        (true, why) => {
            if let Some(why) = why {
                errln!("error: the output could not be written: {why}");
            }
            // Usage errors keep their 2; anything else that lost output or
            // history is a failure.
            match exit {
                Exit::Usage => exit.into(),
                _ => Exit::Failed.into(),
            }
        }
    }
}

pub async fn run(cli: Cli) -> Exit {
    let config_flag = cli.config.as_deref();
    if cli.read_only
        && let Some(what) = cli.command.as_ref().and_then(sends_something)
    {
        errln!("error: --read-only: {what} would revalidate or purge; nothing was sent");
        return Exit::Usage;
    }
    match cli.command {
        None => match load_staged(config_flag) {
            Ok(config) => open_console(config, cli.read_only).await,
            Err(exit) => exit,
        },
        Some(Command::Sites(output)) => with_config(config_flag, |c| sites::sites(c, output.mode)),
        Some(Command::Routes {
            site,
            refresh,
            output,
        }) => match load_config(config_flag) {
            Ok(config) => sites::routes(&config, &site, output.mode, refresh).await,
            Err(exit) => exit,
        },
        Some(Command::Revalidate(args)) => match load_config(config_flag) {
            Ok(config) => revalidate::run(&config, args).await,
            Err(exit) => exit,
        },
        Some(Command::Check(args)) => match load_config(config_flag) {
            Ok(config) => check::run(&config, args).await,
            Err(exit) => exit,
        },
        Some(Command::Fresh(args)) => match load_config(config_flag) {
            Ok(config) => fresh::run(&config, args.into()).await,
            Err(exit) => exit,
        },
        Some(Command::Status(args)) => match load_config(config_flag) {
            Ok(config) => status::run(&config, args).await,
            Err(exit) => exit,
        },
        Some(Command::Watch(args)) => match load_config(config_flag) {
            Ok(config) => watch::run(&config, args).await,
            Err(exit) => exit,
        },
        Some(Command::Stale(args)) => match load_config(config_flag) {
            Ok(config) => stale::run(&config, args).await,
            Err(exit) => exit,
        },
        Some(Command::Purge(args)) => match load_config(config_flag) {
            Ok(config) => purge::run(&config, args).await,
            Err(exit) => exit,
        },
        Some(Command::Probe(args)) => probe::run(config_flag, args).await,
        Some(Command::Init(args)) => init::run(args, config_flag).await,
        Some(Command::History {
            site,
            since,
            limit,
            action,
            outcome,
            output,
        }) => {
            let filter = history_cmd::Filter {
                site: site.as_deref(),
                since: since.as_deref(),
                limit,
                action: action.as_deref(),
                outcome: outcome.as_deref(),
            };
            history_cmd::for_config(config_flag, filter, output.mode)
        }
        Some(Command::Config {
            command: ConfigCommand::Check(output),
        }) => sites::config_check(config_flag, output.mode),
        Some(Command::Demo { print_config }) => demo::run(print_config, cli.read_only).await,
        Some(Command::Completions { shell }) => generated::print(generated::completions(shell)),
        Some(Command::Man) => generated::print(generated::man_page()),
    }
}

/// Subcommands that read no config and keep no state of yours: their
/// help does not list `--config` and `--state-dir` (global flags), nor
/// `--read-only` where nothing could be sent.
const SELF_CONTAINED: [&str; 3] = ["demo", "completions", "man"];

/// The command line as `--help`, completions and the man page show it:
/// the derive's definitions, with each global flag listed only where it
/// does something. A subcommand that has an argument of a global's id is
/// not given the global (clap skips it when propagating): a hidden one of
/// the same id stands in for it there.
pub fn command() -> clap::Command {
    let mut cli = Cli::command();
    for name in SELF_CONTAINED {
        let hidden = |id: &'static str, long: &'static str| {
            clap::Arg::new(id)
                .long(long)
                .hide(true)
                .value_parser(clap::value_parser!(PathBuf))
        };
        cli = cli.mut_subcommand(name, |sub| {
            let sub = sub
                .arg(hidden("config", "config"))
                .arg(hidden("state_dir", "state-dir"));
            match name {
                "demo" => sub,
                _ => sub.arg(
                    clap::Arg::new("read_only")
                        .long("read-only")
                        .hide(true)
                        .action(clap::ArgAction::SetTrue),
                ),
            }
        });
    }
    cli
}

/// What a command would send that `--read-only` forbids, if anything.
fn sends_something(command: &Command) -> Option<&'static str> {
    match command {
        Command::Revalidate(args) if !args.dry_run => Some("`revalidate`"),
        Command::Check(args) if args.active => Some("`check --active`"),
        Command::Purge(args) if !args.dry_run => Some("`purge`"),
        Command::Fresh(_) => Some("`fresh`"),
        _ => None,
    }
}

/// The one place the command line reaches into the console: to open it,
/// and to check its `[keys]` table for `config check` (only the console
/// knows its actions and keys).
mod console {
    pub use crate::tui::{Options, keys::KeyMap, run};
}

async fn open_console(config: config::Staged, read_only: bool) -> Exit {
    open_console_with_history(config, read_only, None).await
}

async fn open_console_with_history(
    config: config::Staged,
    read_only: bool,
    history_dir: Option<std::path::PathBuf>,
) -> Exit {
    let options = console::Options {
        read_only,
        history_dir,
    };
    let ended = console::run(config, options).await;
    if ended.cut_off.is_empty() {
        return ended.exit;
    }
    // Quitting cut work off: say it, and how to resume it (exit 130).
    let mut sites: Vec<&str> = ended.cut_off.iter().map(|(s, _)| s.as_str()).collect();
    sites.dedup();
    for site in sites {
        let mine = ended.cut_off.iter().filter(|(s, _)| s == site);
        unsent::report(site, None, unsent::CUT_OFF, mine.map(|(_, t)| t));
    }
    Exit::Interrupted
}

/// History to read (`routes`): without it the command goes on and says so.
fn open_history() -> Option<History> {
    history_or_why()
        .inspect_err(|why| errln!("warning: {why}: no past results are shown"))
        .ok()
}

/// The history in the state directory, or why it cannot be used.
fn history_or_why() -> Result<History, String> {
    let dir = History::default_dir()
        .ok_or("no history directory (set XDG_STATE_HOME or HOME, or --state-dir)")?;
    History::open(&dir).map_err(|e| format!("history at {} is unavailable ({e})", dir.display()))
}

fn unknown_site(config: &Config, name: &str) -> Exit {
    let names: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
    let guess = crate::model::text::closest(name, names.iter().copied())
        .map(|g| format!(": did you mean {g}?"))
        .unwrap_or_default();
    errln!(
        "error: no site named {name:?} in {}{guess}; configured: {}",
        config.file.display(),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    );
    Exit::Usage
}
