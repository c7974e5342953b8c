//! The flags several commands share and what they plan from them: which
//! targets (`--path`, `--tag`, `--paths-from`), linted by the engine's one
//! plan, confirmed at a terminal or by `--yes`; `--deadline`.

mod fresh_args;

pub use fresh_args::FreshArgs;

use crate::cli::output::Output;
use crate::engine::Planned;
use crate::model::config::Site;
use crate::model::paths;
use crate::model::target::{PageType, Target};
use clap::{Args, ValueEnum};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;

/// What to revalidate: the site and its targets (`revalidate`, `fresh`).
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The site's name, as in [sites.NAME]
    pub site: String,
    /// A path to revalidate, e.g. /blog/hello (repeatable)
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<String>,
    /// A tag to revalidate (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    // The text is clap's help, not rustdoc: `[slug]` is not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    /// The type for dynamic patterns such as /blog/[slug]
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub page_type: Option<TypeArg>,
    /// Read paths from a file, one per line ('-' for stdin; blank lines and # comments skipped; JSON lines with a "path", as `isrctl stale --json` prints, give that path)
    #[arg(long, value_name = "FILE")]
    pub paths_from: Option<PathBuf>,
    /// Why: recorded with each result in history (the audit trail), e.g. "price fix, ticket 123"
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevalidateArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Print what would be sent (secret masked) and send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Send more than one target without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// After each revalidation, watch the page at every layer (CDN, each origin) until it changes or the deadline passes
    #[arg(long)]
    pub verify: bool,
    /// How long --verify waits for the page to change
    #[arg(long, value_name = "DURATION", default_value_t)]
    pub deadline: Deadline,
    /// When every origin re-renders the same content (the CMS lagged), wait this long, then revalidate and verify once more
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub retry_after: Option<std::time::Duration>,
    /// Send the revalidation to every origin instance's endpoint (each has its own ISR cache)
    #[arg(long)]
    pub every_origin: bool,
    /// Then purge the CDN once every origin serves the new page, and verify (as `isrctl fresh`)
    #[arg(long)]
    pub purge: bool,
    /// Send paths the linter refuses (for endpoints with unusual paths); each is shown as a warning
    #[arg(long)]
    pub no_lint: bool,
    /// Print one JSON document (shape documented in the README)
    #[arg(long = "json", action = clap::ArgAction::SetTrue, value_parser = Output::from_flag())]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TypeArg {
    Page,
    Layout,
}

impl From<TypeArg> for PageType {
    fn from(t: TypeArg) -> PageType {
        match t {
            TypeArg::Page => PageType::Page,
            TypeArg::Layout => PageType::Layout,
        }
    }
}

fn gather_targets(args: &TargetArgs) -> Result<Vec<Target>, String> {
    let page_type = args.page_type.map(PageType::from);
    let mut paths = args.paths.clone();
    if let Some(file) = &args.paths_from {
        paths.extend(read_paths(file)?);
    }
    let mut targets: Vec<Target> = paths
        .into_iter()
        .map(|p| match page_type {
            Some(t) if paths::is_dynamic_pattern(&p) => Target::pattern(p, t),
            _ => Target::path(p),
        })
        .collect();
    targets.extend(args.tags.iter().map(Target::tag));
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(t.clone()));
    Ok(targets)
}

/// Largest `--paths-from` input, a file or stdin: a million paths or so.
const PATHS_FILE_CAP: u64 = 64 * 1024 * 1024;
/// Most paths one run takes: past this, split the list (each path is a
/// request to the site, and a million is already hours at polite rates).
const MAX_PATHS: usize = 1_000_000;

fn read_paths(file: &std::path::Path) -> Result<Vec<String>, String> {
    let stdin = file.as_os_str() == "-";
    let reader: Box<dyn BufRead> = if stdin {
        // Stdin is capped like a file: `yes /a |` or `< /dev/zero` must end.
        Box::new(std::io::BufReader::new(
            std::io::stdin().lock().take(PATHS_FILE_CAP + 1),
        ))
    } else {
        let bytes = crate::model::files::read_regular(file, PATHS_FILE_CAP)
            .map_err(|why| format!("--paths-from {}: it {why}", file.display()))?;
        Box::new(std::io::Cursor::new(bytes))
    };
    let too_much = || {
        format!(
            "--paths-from {}: more than {} MiB or {} paths: split the list and run once per part",
            file.display(),
            PATHS_FILE_CAP / (1024 * 1024),
            crate::model::text::thousands(MAX_PATHS as u64)
        )
    };
    let mut reader = reader;
    let mut paths = Vec::new();
    let (mut read, mut line, mut number) = (0u64, Vec::new(), 0usize);
    loop {
        number += 1;
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("--paths-from {}: {e}", file.display()))?;
        read += n as u64;
        if n == 0 {
            break;
        }
        if read > PATHS_FILE_CAP || paths.len() >= MAX_PATHS {
            return Err(too_much());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.starts_with('{') {
            paths.extend(
                path_of_json_line(text).map_err(|why| {
                    format!("--paths-from {}: line {number}: {why}", file.display())
                })?,
            );
        } else if !text.is_empty() && !text.starts_with('#') {
            paths.push(text.to_string());
        }
    }
    Ok(paths)
}

/// A JSON line, as `isrctl stale --json` prints them: its `path`, or
/// nothing for a line without one (the summary).
fn path_of_json_line(text: &str) -> Result<Option<String>, String> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("starts with {{ but is not a JSON line ({e})"))?;
    match value.get("path") {
        None => Ok(None),
        Some(serde_json::Value::String(path)) => Ok(Some(path.clone())),
        Some(_) => Err("its \"path\" is not a string".into()),
    }
}

/// The targets the flags name, planned (linted), lint warnings printed;
/// `None` after saying why there is nothing to `verb`.
pub fn planned_or_say_why(site: &Site, args: &RevalidateArgs, verb: &str) -> Option<Vec<Planned>> {
    match gather_targets(&args.targets) {
        Ok(targets) if !targets.is_empty() => {
            let planned = crate::engine::plan(site, targets, args.no_lint);
            print_lint_warnings(&planned);
            Some(planned)
        }
        Ok(_) => {
            errln!("error: nothing to {verb}: give --path, --tag or --paths-from");
            None
        }
        Err(message) => {
            errln!("error: {message}");
            None
        }
    }
}

/// Lint warnings (overruled refusals included) go to stderr before anything is sent.
fn print_lint_warnings(planned: &[Planned]) {
    for p in planned {
        for finding in p.warnings() {
            errln!("warning: {}: {}", p.target, finding.message);
        }
    }
}

/// How many targets will be sent, once several were confirmed (`--yes`,
/// or an answer at the terminal); `None` when the user declined or
/// nobody could answer.
pub fn confirmed(site: &Site, planned: &[Planned], args: &RevalidateArgs) -> Option<usize> {
    let sendable = planned.iter().filter(|p| !p.is_refused()).count();
    // Only `--paths-from -` takes stdin; from a file, stdin is free to answer.
    let stdin_used = args
        .targets
        .paths_from
        .as_ref()
        .is_some_and(|f| f.as_os_str() == "-");
    let asked = sendable > 1 && !args.yes;
    (!asked || confirm(site, sendable, stdin_used)).then_some(sendable)
}

/// Ask at a terminal; refuse when nobody can answer.
fn confirm(site: &Site, count: usize, stdin_used: bool) -> bool {
    let interactive =
        !stdin_used && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        errln!(
            "error: refusing to send {count} revalidations to {} without --yes (no terminal to confirm at)",
            site.name
        );
        return false;
    }
    errout!(
        "Send {count} revalidations to {}?{} [y/N] ",
        site.name,
        how_long(site, count)
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    let yes = matches!(answer.trim(), "y" | "Y" | "yes");
    if !yes {
        errln!("cancelled: nothing sent");
    }
    yes
}

/// " At most 10/s (rate_per_second): ~50 s." — what the site's limits make
/// of a bulk run, said before it starts; nothing when the rate is unlimited.
fn how_long(site: &Site, count: usize) -> String {
    let Some(rate) = site.limits.rate_per_second.filter(|r| *r > 0.0) else {
        return String::new();
    };
    let secs = count as f64 / rate;
    format!(
        " At most {rate}/s (rate_per_second): ~{}.",
        crate::model::text::span(secs)
    )
}

/// A duration flag such as `30s`, `1500ms` or `2m`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    text.trim()
        .parse::<jiff::SignedDuration>()
        .ok()
        .and_then(|d| std::time::Duration::try_from(d).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?} is not a positive duration: write e.g. 30s, 1500ms or 2m"))
}

/// `--deadline`: how long a verification watches the page. Its default is
/// the engine's one default ([`crate::engine::verify::DEFAULT_DEADLINE`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Deadline(pub std::time::Duration);

impl Default for Deadline {
    fn default() -> Self {
        Deadline(crate::engine::verify::DEFAULT_DEADLINE)
    }
}

impl std::fmt::Display for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}s", self.0.as_secs())
    }
}

impl std::str::FromStr for Deadline {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        /// A watch longer than this is not a deadline (`99999h`).
        const LONGEST: std::time::Duration = std::time::Duration::from_secs(3600);
        match parse_duration(text)? {
            d if d > LONGEST => Err(format!(
                "{text:?} is longer than the 1h a verification may watch"
            )),
            d => Ok(Deadline(d)),
        }
    }
}

impl RevalidateArgs {
    /// How `--verify` and `fresh` watch the page.
    pub fn verify_plan(&self) -> crate::engine::verify::VerifyPlan {
        crate::engine::verify::VerifyPlan {
            deadline: self.deadline.0,
            retry_after: self.retry_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(extra: &str) -> Site {
        let text = format!(
            "[sites.s]\npublic_url = \"https://s.example\"\n{extra}\n[sites.s.secret]\nenv = \"S\"\n"
        );
        let config = crate::model::config::parse(&text, std::path::Path::new("t.toml")).unwrap();
        config.sites[0].clone()
    }

    #[test]
    fn the_prompt_says_how_long_the_site_limits_make_a_bulk_run() {
        assert_eq!(
            how_long(&site(""), 500),
            " At most 10/s (rate_per_second): ~50 s."
        );
        assert_eq!(
            how_long(&site("rate_per_second = 2"), 500),
            " At most 2/s (rate_per_second): ~5 min."
        );
        assert_eq!(how_long(&site("rate_per_second = 0"), 500), "");
    }
}
