//! `isrctl history [SITE] [--since DURATION]`.

use super::Exit;
use super::output::{millis, print_document};
use crate::history::{History, Record};

pub fn run(site: Option<&str>, since: Option<&str>, limit: Option<usize>, json: bool) -> Exit {
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
    let loaded = match History::open(&dir).and_then(|h| h.load()) {
        Ok(loaded) => loaded,
        Err(e) => {
            errln!("error: cannot read history in {}: {e}", dir.display());
            return Exit::Failed;
        }
    };
    let mut records: Vec<&Record> = loaded
        .records
        .iter()
        .filter(|r| site.is_none_or(|s| r.site == s))
        .filter(|r| cutoff.is_none_or(|c| r.time >= c))
        .collect();
    if let Some(limit) = limit {
        let skip = records.len().saturating_sub(limit);
        records.drain(..skip);
    }
    if json {
        let report = HistoryReport {
            records,
            warnings: &loaded.warnings,
        };
        print_document("history", &report, &Default::default());
        return Exit::Ok;
    }
    for warning in &loaded.warnings {
        errln!("warning: history: {warning}");
    }
    if records.is_empty() {
        outln!(
            "no revalidations recorded{}",
            since
                .map(|s| format!(" in the last {s}"))
                .unwrap_or_default()
        );
    }
    for r in records {
        outln!(
            "{}  {:18}  {:10}  {:16}  {:>4}  {:>7}  {}",
            r.time.strftime("%Y-%m-%d %H:%M:%S"),
            r.operator,
            r.site,
            r.outcome,
            r.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            millis(r.latency_ms),
            r.target
        );
    }
    Exit::Ok
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

/// The `history` report (README, "JSON output").
#[derive(serde::Serialize)]
struct HistoryReport<'a> {
    records: Vec<&'a Record>,
    warnings: &'a [String],
}
