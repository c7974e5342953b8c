//! last.json: the last record per (site, target) as of a byte offset into
//! history.jsonl, so startup reads only what was appended since.

use super::Record;
use super::scan::Position;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// How many bytes before `offset` the index fingerprints. Enough to notice a
/// history file that was replaced by a different, longer one; small enough to
/// keep the check constant-time.
const TAIL_CHECK_BYTES: u64 = 4096;

#[derive(Serialize, Deserialize)]
pub(crate) struct Index {
    /// Bytes of history.jsonl covered; always the end of a complete line.
    pub offset: u64,
    /// Complete lines in those bytes, so warnings past the index name
    /// absolute line numbers.
    #[serde(default)]
    pub lines: u64,
    /// SHA-256 of the last covered bytes; absent means "not checked".
    #[serde(default)]
    pub tail_sha256: Option<String>,
    /// The index keeps each page's last judgement too (probe, verify,
    /// stale); one written before it did is rebuilt.
    #[serde(default)]
    pub keeps_judgements: bool,
    pub last: Vec<Record>,
}

impl Index {
    pub fn position(&self) -> Position {
        Position {
            offset: self.offset,
            lines: self.lines,
        }
    }
}

const INDEX_CAP: u64 = 1024 * 1024 * 1024;

/// The index if it exists, parses and still matches `history`; `None` means
/// "rebuild from a full scan".
pub(crate) fn read_usable(path: &Path, history: &File) -> io::Result<Option<Index>> {
    // A FIFO or device in its place is an error that names it; a file past
    // the cap is rebuilt (an index of a million targets is ~200 MB).
    if !crate::model::files::state_file(path)? {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    io::Read::read_to_end(
        &mut io::Read::take(fs::File::open(path)?, INDEX_CAP + 1),
        &mut bytes,
    )?;
    if bytes.len() as u64 > INDEX_CAP {
        tracing::info!(path = %path.display(), "history index too large; rebuilding");
        return Ok(None);
    }
    let Ok(index) = serde_json::from_slice::<Index>(&bytes) else {
        tracing::info!(path = %path.display(), "history index unreadable; rebuilding");
        return Ok(None);
    };
    if !index.keeps_judgements {
        tracing::info!(path = %path.display(), "history index without judgements; rebuilding");
        return Ok(None);
    }
    if !matches(&index, history)? {
        tracing::info!(path = %path.display(), "history index stale; rebuilding");
        return Ok(None);
    }
    Ok(Some(index))
}

/// An offset beyond the end means the file was truncated or replaced; a tail
/// fingerprint that differs means it was replaced by another, longer file.
fn matches(index: &Index, history: &File) -> io::Result<bool> {
    if index.offset > history.metadata()?.len() {
        return Ok(false);
    }
    match &index.tail_sha256 {
        Some(want) => Ok(*want == tail_sha256(history, index.offset)?),
        None => Ok(true),
    }
}

pub(crate) fn tail_sha256(history: &File, offset: u64) -> io::Result<String> {
    let start = offset.saturating_sub(TAIL_CHECK_BYTES);
    let mut buf = vec![0; (offset - start) as usize];
    history.read_exact_at(&mut buf, start)?;
    Ok(Sha256::digest(&buf)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Temp file + rename, so a reader sees the old index or the new one, never
/// half of one. Synced before the rename so a power loss cannot leave an
/// empty index under the real name (a corrupt index would only cost a full
/// scan, but there is no reason to pay it).
pub(crate) fn write(path: &Path, index: &Index) -> io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let written = File::create(&tmp).and_then(|mut file| {
        file.write_all(&serde_json::to_vec(index)?)?;
        file.sync_all()
    });
    // A full disk leaves the old index in place, and no half-written copy.
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, path)
}
