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
        let line = read_line_capped(&mut reader, &mut buf)?;
        if line.consumed == 0 {
            return Ok(scan);
        }
        let line_no = scan.end.lines + 1;
        let complete = line.complete;
        if line.cut {
            scan.warnings.push(format!(
                "{} line {line_no}: longer than 1 MiB: skipped (isrctl writes a few KiB per record)",
                file.display()
            ));
        } else {
            match parse_line(&buf) {
                Ok(Some(rec)) => on_record(rec),
                Ok(None) => {}
                Err(e) => scan.warnings.push(warning(file, line_no, complete, &e)),
            }
        }
        if complete {
            scan.end.offset += line.consumed as u64;
            scan.end.lines += 1;
            scan.lines_read += 1;
        }
    }
}

/// One line as read: the bytes it took, whether it ended with a newline,
/// and whether it was longer than [`super::RECORD_CAP`] (then `buf` holds
/// only its start, and the caller skips it).
struct Line {
    consumed: usize,
    complete: bool,
    cut: bool,
}

/// Read one line into `buf`, keeping at most `RECORD_CAP` bytes of it: one
/// planted line of hundreds of MiB is passed over, never held whole.
fn read_line_capped(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Line> {
    let mut line = Line {
        consumed: 0,
        complete: false,
        cut: false,
    };
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(line);
        }
        let end = available.iter().position(|&b| b == b'\n');
        let chunk = &available[..end.map_or(available.len(), |i| i + 1)];
        let room = super::RECORD_CAP.saturating_sub(buf.len());
        if line.cut || chunk.len() > room {
            line.cut = true;
        } else {
            buf.extend_from_slice(chunk);
        }
        let taken = chunk.len();
        reader.consume(taken);
        line.consumed += taken;
        if end.is_some() {
            line.complete = true;
            return Ok(line);
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
