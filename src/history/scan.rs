//! Reading history.jsonl line by line, tolerating damage.
//!
//! A bad line costs exactly that line: it is reported as a warning naming its
//! line number and the scan goes on.

use super::Record;
use std::io::{self, BufRead};
use std::path::Path;

/// Where a scan starts: a byte offset that is the start of a line, and how
/// many complete lines precede it (so warnings can name absolute line numbers).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Position {
    pub offset: u64,
    pub lines: u64,
}

/// What a scan saw.
pub(crate) struct Scan {
    /// Just after the last complete (newline-terminated) line. An unterminated
    /// tail is not covered, so a later scan looks at it again once an append
    /// has terminated it.
    pub end: Position,
    /// Number of complete lines read (not counting `end`'s predecessors).
    pub lines_read: u64,
    pub warnings: Vec<String>,
}

/// Reads every line from `reader` (positioned at `start`), handing each
/// readable record to `on_record` in file order.
pub(crate) fn scan(
    mut reader: impl BufRead,
    start: Position,
    file: &Path,
    mut on_record: impl FnMut(Record),
) -> io::Result<Scan> {
    let mut scan = Scan {
        end: start,
        lines_read: 0,
        warnings: Vec::new(),
    };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(scan);
        }
        let line_no = scan.end.lines + 1;
        let complete = buf.last() == Some(&b'\n');
        match parse_line(&buf) {
            Ok(Some(rec)) => on_record(rec),
            Ok(None) => {}
            Err(e) => scan.warnings.push(warning(file, line_no, complete, &e)),
        }
        if complete {
            scan.end.offset += buf.len() as u64;
            scan.end.lines += 1;
            scan.lines_read += 1;
        }
    }
}

/// `Ok(None)` for a blank line. An unterminated last line is accepted when it
/// parses: a torn write cannot produce a whole JSON object, and accepting it
/// keeps the answer the same before and after the next append terminates it.
fn parse_line(raw: &[u8]) -> Result<Option<Record>, serde_json::Error> {
    let line = raw.trim_ascii();
    if line.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(line).map(Some)
}

fn warning(file: &Path, line_no: u64, complete: bool, err: &serde_json::Error) -> String {
    let what = if complete {
        "not a valid record"
    } else {
        "incomplete last line (a writer probably stopped mid-write)"
    };
    format!("{} line {line_no}: skipped, {what}: {err}", file.display())
}
