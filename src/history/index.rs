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

/// The index as written: its records borrowed, in the order given. The
/// fields are [`Index`]'s, in its order.
#[derive(Serialize)]
pub(crate) struct Written<'a> {
    pub offset: u64,
    pub lines: u64,
    pub tail_sha256: Option<String>,
    pub keeps_judgements: bool,
    pub last: Vec<&'a super::Record>,
}

/// The index with each record left as its JSON text: what bringing it up
/// to date reads when it need not look inside the records.
#[derive(Deserialize)]
pub(crate) struct Unread<'a> {
    pub offset: u64,
    #[serde(default)]
    pub lines: u64,
    #[serde(default)]
    pub tail_sha256: Option<String>,
    #[serde(default)]
    pub keeps_judgements: bool,
    #[serde(borrow)]
    pub last: Vec<&'a serde_json::value::RawValue>,
}

const INDEX_CAP: u64 = 1024 * 1024 * 1024;

/// The index if it exists, parses and still matches `history`; `None` means
/// "rebuild from a full scan".
pub(crate) fn read_usable(path: &Path, history: &File) -> io::Result<Option<Index>> {
    let Some(bytes) = read_capped(path)? else {
        return Ok(None);
    };
    parsed_usable(path, &bytes, history)
}

/// The index's bytes, when it exists and is not past the cap.
pub(crate) fn read_capped(path: &Path) -> io::Result<Option<Vec<u8>>> {
    // A FIFO or device in its place is an error that names it; a file past
    // the cap is rebuilt (an index of a million targets is ~200 MB).
    if !crate::model::files::state_file(path)? {
        return Ok(None);
    }
    let file = fs::File::open(path)?;
    let size = file.metadata().map_or(0, |m| m.len()).min(INDEX_CAP);
    let mut bytes = Vec::with_capacity(size as usize + 1);
    io::Read::read_to_end(&mut io::Read::take(file, INDEX_CAP + 1), &mut bytes)?;
    if bytes.len() as u64 > INDEX_CAP {
        tracing::info!(path = %path.display(), "history index too large; rebuilding");
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// What says whether an index still covers the history file: where it
/// ends, the fingerprint of the bytes before, whether it keeps judgements.
pub(crate) trait Header {
    fn header(&self) -> (u64, Option<&str>, bool);
}

impl Header for Index {
    fn header(&self) -> (u64, Option<&str>, bool) {
        (
            self.offset,
            self.tail_sha256.as_deref(),
            self.keeps_judgements,
        )
    }
}

impl Header for Unread<'_> {
    fn header(&self) -> (u64, Option<&str>, bool) {
        (
            self.offset,
            self.tail_sha256.as_deref(),
            self.keeps_judgements,
        )
    }
}

/// The index parsed from `bytes` (whole, or its records left as text),
/// when it still matches `history`.
pub(crate) fn parsed_usable<'a, T: Header + Deserialize<'a>>(
    path: &Path,
    bytes: &'a [u8],
    history: &File,
) -> io::Result<Option<T>> {
    let Ok(index) = serde_json::from_slice::<T>(bytes) else {
        tracing::info!(path = %path.display(), "history index unreadable; rebuilding");
        return Ok(None);
    };
    Ok(usable(path, history, index.header())?.then_some(index))
}

/// Whether an index with this header (offset, tail fingerprint, whether
/// it keeps judgements) still covers `history` as it is.
fn usable(
    path: &Path,
    history: &File,
    (offset, tail, keeps_judgements): (u64, Option<&str>, bool),
) -> io::Result<bool> {
    if !keeps_judgements {
        tracing::info!(path = %path.display(), "history index without judgements; rebuilding");
        return Ok(false);
    }
    if !matches(offset, tail, history)? {
        tracing::info!(path = %path.display(), "history index stale; rebuilding");
        return Ok(false);
    }
    Ok(true)
}

/// An offset beyond the end means the file was truncated or replaced; a tail
/// fingerprint that differs means it was replaced by another, longer file.
fn matches(offset: u64, tail: Option<&str>, history: &File) -> io::Result<bool> {
    if offset > history.metadata()?.len() {
        return Ok(false);
    }
    match tail {
        Some(want) => Ok(want == tail_sha256(history, offset)?),
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
pub(crate) fn write(path: &Path, index: &impl Serialize) -> io::Result<()> {
    write_bytes(path, &serde_json::to_vec(index)?)
}

/// [`Written`]'s JSON, its records given as their JSON text: the bytes
/// serde_json writes for it.
pub(crate) fn written_text<'a>(
    offset: u64,
    lines: u64,
    tail_sha256: &str,
    last: impl ExactSizeIterator<Item = &'a [u8]>,
) -> Vec<u8> {
    let head = format!(
        "{{\"offset\":{offset},\"lines\":{lines},\"tail_sha256\":\"{tail_sha256}\",\"keeps_judgements\":true,\"last\":["
    );
    let mut text = head.into_bytes();
    for (i, record) in last.enumerate() {
        if i > 0 {
            text.push(b',');
        }
        text.extend_from_slice(record);
    }
    text.extend_from_slice(b"]}");
    text
}

/// As [`write()`], with the index's bytes.
pub(crate) fn write_bytes(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let written = File::create(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    // A full disk leaves the old index in place, and no half-written copy.
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, path)
}
