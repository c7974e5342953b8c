//! Appending records: one write under one lock, torn lines terminated,
//! a full disk's part-write cut off again.

use super::{Appends, History, RECORD_CAP, Record};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

impl History {
    pub fn append(&self, rec: &Record) -> io::Result<()> {
        self.append_all(std::slice::from_ref(rec))
    }

    /// All records in one write under one lock.
    pub fn append_all(&self, recs: &[Record]) -> io::Result<()> {
        self.write_records(recs).map(|_| ())
    }

    /// As [`History::append_all`], and noted in `appends`, so that
    /// [`History::update_index_after`] need not read them back.
    pub fn append_noted(&self, recs: Vec<Record>, appends: &mut Appends) -> io::Result<()> {
        match self.write_records(&recs) {
            Ok(Some(wrote)) => {
                appends.note(wrote.bytes, recs, &wrote.lines, wrote.clean);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => {
                *appends = Appends::unusable();
                Err(e)
            }
        }
    }

    /// What was written; `None` when there was nothing to write.
    fn write_records(&self, recs: &[Record]) -> io::Result<Option<Wrote>> {
        if recs.is_empty() {
            return Ok(None);
        }
        // Encode before locking to keep the lock short. serde_json escapes
        // newlines inside strings, so each record is exactly one line.
        let mut buf = vec![b'\n'];
        let mut longest = 0;
        for rec in recs {
            let line_start = buf.len();
            serde_json::to_writer(&mut buf, rec)?;
            longest = longest.max(buf.len() - line_start);
            buf.push(b'\n');
        }
        crate::model::files::state_file(&self.file)?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.file)?;
        file.lock()?;
        // A crash mid-write may have left an unterminated line; terminate it
        // so it stays one skipped line instead of swallowing this record.
        let start = if ends_with_newline(&file)? { 1 } else { 0 };
        let before = file.metadata()?.len();
        // File has no user-space buffer: write_all hands the bytes straight
        // to the kernel in one write() (it loops only on a short write).
        let written = (&file).write_all(&buf[start..]);
        if written.is_err() {
            // A full disk takes part of the bytes: cut them off again, so
            // no torn record is left for every later read to skip. (Under
            // the lock: no other append came in between.)
            let _ = file.set_len(before);
        }
        written?;
        // A line past the cap is skipped by every read: not one to hold.
        let clean = start == 1 && longest < RECORD_CAP;
        let written = before..before + (buf.len() - start) as u64;
        // The lines alone: no leading newline, none after the last.
        buf.pop();
        buf.remove(0);
        Ok(Some(Wrote {
            bytes: written,
            lines: buf,
            clean,
        }))
    }
}

/// One write of records.
struct Wrote {
    /// Where in the file.
    bytes: std::ops::Range<u64>,
    /// The records' lines, without the last newline.
    lines: Vec<u8>,
    /// The records alone: not also the end of a torn line before them,
    /// and no line past what a read takes.
    clean: bool,
}

fn ends_with_newline(file: &File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] == b'\n')
}
