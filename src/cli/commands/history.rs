//! `isrctl history [SITE] [--since DURATION]`.

use crate::cli::output::Output;
use crate::cli::output::{JSON_VERSION, json_fragment};
use crate::cli::unknown_site;
use crate::history::{History, Record};
use crate::model::config;
use crate::model::exit::Exit;
use crate::model::text::{fit, millis};
use std::path::Path;

/// What to show: `isrctl history`'s filters.
pub struct Filter<'a> {
    pub site: Option<&'a str>,
    pub since: Option<&'a str>,
    pub limit: Option<usize>,
    /// revalidate, verify, check, purge
    pub action: Option<&'a str>,
    pub outcome: Option<&'a str>,
}

/// `isrctl history`: a site the config does not name is an error, not an
/// empty history (when there is a config to ask). The config is read only
/// when no record names the site (a million routes take seconds to load),
/// or up front for JSON, which starts printing its document at once.
pub fn for_config(config_flag: Option<&Path>, filter: Filter<'_>, output: Output) -> Exit {
    // A record may hold a configured secret (written by hand, by an older
    // isrctl): masked like everything else printed, without loading every
    // route of the config.
    if let Ok(file) = config::locate(config_flag) {
        crate::model::out::hide(config::peek_secrets_in(&file).iter().map(String::as_str));
    }
    let site = filter.site;
    let site_is_unknown = || {
        let name = site?;
        let config = config::locate(config_flag)
            .and_then(|f| config::load(&f))
            .ok()?;
        config
            .site(name)
            .is_none()
            .then(|| unknown_site(&config, name))
    };
    if output.is_json()
        && let Some(exit) = site_is_unknown()
    {
        return exit;
    }
    run(filter, output, &site_is_unknown)
}

/// `site_is_unknown` is asked when nothing was found for a site: an
/// unknown site is an error (with its "did you mean"), not an empty history.
pub fn run(filter: Filter<'_>, output: Output, site_is_unknown: &dyn Fn() -> Option<Exit>) -> Exit {
    let Filter {
        site,
        since,
        limit,
        action,
        outcome,
    } = filter;
    let cutoff = match since.map(parse_since).transpose() {
        Ok(cutoff) => cutoff,
        Err(message) => {
            errln!("error: {message}");
            return Exit::Usage;
        }
    };
    let Some(dir) = History::default_dir() else {
        errln!("error: cannot find the history directory: set XDG_STATE_HOME or HOME");
        return Exit::Usage;
    };
    let history = match History::open(&dir) {
        Ok(history) => history,
        Err(e) => {
            errln!("error: cannot read history in {}: {e}", dir.display());
            return Exit::Failed;
        }
    };
    let wanted = |r: &Record| {
        site.is_none_or(|s| r.site == s)
            && cutoff.is_none_or(|c| r.time >= c)
            && action.is_none_or(|a| r.action == a)
            && outcome.is_none_or(|o| r.outcome == o)
    };
    let mut out = Printer::new(output);
    // With --limit only the newest N are read, from the end of the file;
    // without it each record is printed as it is read. Memory stays
    // bounded either way.
    let read = match limit {
        Some(n) => history.newest(n, wanted).map(|(records, warnings)| {
            records.into_iter().for_each(|r| out.record(r));
            warnings
        }),
        None => history.stream(|record| {
            if wanted(&record) {
                out.record(record);
            }
        }),
    };
    let warnings = match read {
        Ok(warnings) => warnings,
        Err(e) => {
            errln!("error: cannot read history in {}: {e}", dir.display());
            return Exit::Failed;
        }
    };
    if out.printed == 0
        && !output.is_json()
        && site.is_some()
        && let Some(exit) = site_is_unknown()
    {
        return exit;
    }
    out.finish(&warnings, since);
    Exit::Ok
}

/// Hands records, in batches, to a [`Writer`] on a thread of its own,
/// which formats and prints them while this thread reads and parses the
/// file: over a million lines the two take about as long each, and a
/// second core does one while the first does the other. Order is kept
/// (one channel); a few batches at most are held.
struct Printer {
    printed: usize,
    batch: Vec<Record>,
    sender: Option<std::sync::mpsc::SyncSender<Vec<Record>>>,
    writer: Option<std::thread::JoinHandle<Writer>>,
}

/// Records a batch holds.
const BATCH: usize = 1024;

impl Printer {
    fn new(output: Output) -> Printer {
        let (sender, batches) = std::sync::mpsc::sync_channel::<Vec<Record>>(4);
        let writer = std::thread::spawn(move || {
            let mut writer = Writer::new(output);
            for batch in batches {
                batch.iter().for_each(|r| writer.record(r));
            }
            writer
        });
        Printer {
            printed: 0,
            batch: Vec::with_capacity(BATCH),
            sender: Some(sender),
            writer: Some(writer),
        }
    }

    fn record(&mut self, record: Record) {
        self.printed += 1;
        self.batch.push(record);
        if self.batch.len() >= BATCH {
            self.send_batch();
        }
    }

    fn send_batch(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        if let Some(sender) = &self.sender {
            let _ = sender.send(batch);
        }
    }

    fn finish(mut self, warnings: &[String], since: Option<&str>) {
        self.send_batch();
        drop(self.sender.take());
        if let Some(writer) = self.writer.take().and_then(|w| w.join().ok()) {
            writer.finish(warnings, since);
        }
    }
}

/// Prints records as they come: lines, or one JSON document written
/// piece by piece (`{"isrctl":1,"command":"history","records":[…],
/// "warnings":[…]}`), so no list of records is ever held.
struct Writer {
    output: Output,
    printed: usize,
    /// Printed text not yet written: one write per 64 KB, not per record
    /// (a million records were a million system calls).
    pending: String,
}

const WRITE_EVERY: usize = 64 * 1024;

impl Writer {
    fn new(output: Output) -> Writer {
        if output.is_json() {
            out!("{{\"isrctl\": {JSON_VERSION}, \"command\": \"history\", \"records\": [");
        }
        Writer {
            output,
            printed: 0,
            pending: String::new(),
        }
    }

    fn record(&mut self, r: &Record) {
        use std::fmt::Write;
        if self.output.is_json() {
            let comma = if self.printed == 0 { "" } else { "," };
            let _ = write!(self.pending, "{comma}\n  {}", json_fragment(r, "null"));
        } else {
            if self.printed == 0 {
                let zone = jiff::ZonedDateTime::now().strftime("%Z").to_string();
                let _ = writeln!(
                    self.pending,
                    "{:19}  {:16}  {:14}  {:10}  {:28}  {:>6}  {:>7}  TARGET  (REASON)",
                    format!("TIME ({zone})"),
                    "OPERATOR",
                    "SITE",
                    "ACTION",
                    "OUTCOME",
                    "STATUS",
                    "LATENCY"
                );
            }
            let local = r.time.to_zoned_datetime(jiff::tz::TimeZone::system());
            let reason = r
                .reason
                .as_deref()
                .map(|why| format!("  ({why})"))
                .unwrap_or_default();
            let _ = writeln!(
                self.pending,
                "{}  {:16}  {:14}  {:10}  {:28}  {:>6}  {:>7}  {}{reason}",
                local.strftime("%Y-%m-%d %H:%M:%S"),
                fit(&r.operator, 16),
                fit(&r.site, 14),
                fit(&r.action, 10),
                fit(&r.outcome, 28),
                r.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                millis(r.latency_ms),
                r.target
            );
        }
        self.printed += 1;
        if self.pending.len() >= WRITE_EVERY {
            self.write_pending();
        }
    }

    fn write_pending(&mut self) {
        crate::model::out::stdout(&self.pending);
        self.pending.clear();
    }

    fn finish(mut self, warnings: &[String], since: Option<&str>) {
        self.write_pending();
        if self.output.is_json() {
            outln!("\n], \"warnings\": {}}}", json_fragment(&warnings, "[]"));
            return;
        }
        for warning in warnings {
            errln!("warning: history: {warning}");
        }
        if self.printed == 0 {
            outln!(
                "nothing recorded{}",
                since
                    .map(|s| format!(" in the last {s}"))
                    .unwrap_or_default()
            );
        }
    }
}

/// "30m", "2h", "7d", "1h30m" → the time that long ago.
fn parse_since(text: &str) -> Result<jiff::Timestamp, String> {
    let invalid = || format!("--since {text:?} is not a duration: write e.g. 30m, 2h or 7d");
    let duration = match text.strip_suffix('d').map(str::parse::<i64>) {
        Some(Ok(days)) => jiff::SignedDuration::from_hours(days.saturating_mul(24)),
        Some(Err(_)) => return Err(invalid()),
        None => text
            .parse::<jiff::SignedDuration>()
            .map_err(|_| invalid())?,
    };
    jiff::Timestamp::now()
        .checked_sub(duration)
        .map_err(|_| format!("--since {text:?} is too far back"))
}
