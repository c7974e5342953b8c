//! What this process appended since the index was last brought up to
//! date, kept so the index can be brought up to date without reading
//! those lines back: a bulk run of 10,000 targets re-read and re-parsed
//! its own 10,000 lines at the end (a tenth of its time, issue 31).
//!
//! Only when nothing else touched the file in between: the appends are
//! one unbroken run of bytes that starts where the index ends and ends
//! where the file ends. Anything else (another instance appending, a torn
//! line terminated, an index rewritten meanwhile, more records than are
//! worth holding) falls back to reading the file, as before.

use super::index;
use super::{History, PURGE, REVALIDATE, Record, judges_a_page};
use crate::model::target::Target;
use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::ops::Range;

/// Past this many records the appends are not held: a run of a million
/// targets would hold them all. The index is then brought up to date by
/// reading the file, as before.
const HELD_MAX: usize = 100_000;

/// The appends of one process, in order.
#[derive(Default)]
pub struct Appends {
    /// The bytes written, while they are one unbroken run.
    span: Option<Range<u64>>,
    records: Vec<Record>,
    /// The same records as written: one line each.
    text: Vec<u8>,
    /// Something the records alone do not say: read the file instead.
    broken: bool,
}

impl Appends {
    /// Appends that say nothing: the index is brought up to date by
    /// reading the file.
    pub fn unusable() -> Appends {
        Appends {
            broken: true,
            ..Appends::default()
        }
    }

    /// `records` were written as `text` (a line each) at `bytes`; `clean`
    /// is false when the write also terminated a torn line before them.
    pub(super) fn note(
        &mut self,
        bytes: Range<u64>,
        records: Vec<Record>,
        text: &[u8],
        clean: bool,
    ) {
        let follows = self
            .span
            .as_ref()
            .is_none_or(|span| span.end == bytes.start);
        if self.broken || !clean || !follows || self.records.len() + records.len() > HELD_MAX {
            *self = Appends::unusable();
            return;
        }
        let start = self.span.as_ref().map_or(bytes.start, |span| span.start);
        self.span = Some(start..bytes.end);
        self.records.extend(records);
        if !self.text.is_empty() {
            self.text.push(b'\n');
        }
        self.text.extend_from_slice(text);
    }
}

/// Which of the index's lists a record's action belongs to; `None` for
/// the actions the index does not keep.
fn list_of(action: &str) -> Option<u8> {
    match action {
        REVALIDATE => Some(0),
        PURGE => Some(1),
        action if judges_a_page(action) => Some(2),
        _ => None,
    }
}

/// What the index is keyed and ordered by, read from a record's JSON.
#[derive(serde::Deserialize)]
struct KeyOf<'a> {
    #[serde(borrow)]
    site: Cow<'a, str>,
    target: Target,
    #[serde(borrow)]
    action: Cow<'a, str>,
}

/// One record the new index may keep: its key, how new it is (the old
/// index's are oldest, then the appends in order), its JSON text.
struct Entry<'a> {
    site: &'a str,
    target: &'a Target,
    action: &'a str,
    age: usize,
    text: &'a [u8],
}

impl History {
    /// Writes the index with `appends` laid over it, when they are all that
    /// was written after it: the old index's records are not parsed (only
    /// their keys) and the appended ones are not read back. False when the
    /// file must be read instead. The caller holds the exclusive lock on
    /// `file`.
    pub(super) fn index_after(&self, file: &File, appends: Appends) -> io::Result<bool> {
        let Some(span) = appends.span.clone().filter(|_| !appends.broken) else {
            return Ok(false);
        };
        let Some(bytes) = index::read_capped(&self.index)? else {
            return Ok(false);
        };
        let Some(old) = index::parsed_usable::<index::Unread>(&self.index, &bytes, file)? else {
            return Ok(false);
        };
        if old.offset != span.start || file.metadata()?.len() != span.end {
            return Ok(false);
        }
        let keys = old
            .last
            .iter()
            .map(|raw| serde_json::from_str::<KeyOf>(raw.get()).ok());
        let Some(old_keys) = keys.collect::<Option<Vec<_>>>() else {
            return Ok(false);
        };
        let old_entries = old_keys.iter().zip(&old.last).map(|(key, raw)| Entry {
            site: &key.site,
            target: &key.target,
            action: &key.action,
            age: 0,
            text: raw.get().as_bytes(),
        });
        let lines = appends.text.split(|&b| b == b'\n');
        let new_entries = appends
            .records
            .iter()
            .zip(lines)
            .enumerate()
            .map(|(i, (rec, text))| Entry {
                site: &rec.site,
                target: &rec.target,
                action: &rec.action,
                age: i + 1,
                text,
            });
        let kept = newest_of_each(old_entries.chain(new_entries).collect());
        // The index must never cover bytes that a power loss could take away.
        file.sync_data()?;
        let tail = index::tail_sha256(file, span.end)?;
        let lines = old.lines + appends.records.len() as u64;
        let text = index::written_text(span.end, lines, &tail, kept.iter().map(|e| e.text));
        index::write_bytes(&self.index, &text)?;
        Ok(true)
    }
}

/// In the index's order (site, target, action), the newest entry of each
/// site, target and list; the actions the index does not keep dropped.
fn newest_of_each(mut entries: Vec<Entry<'_>>) -> Vec<Entry<'_>> {
    entries.retain(|e| list_of(e.action).is_some());
    entries.sort_by(|a, b| {
        (a.site, a.target, a.action, a.age).cmp(&(b.site, b.target, b.action, b.age))
    });
    let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut group_start = 0;
    for entry in entries {
        let same_page = |e: &Entry| e.site == entry.site && e.target == entry.target;
        if !kept.last().is_some_and(same_page) {
            group_start = kept.len();
        }
        let list = list_of(entry.action);
        let rival = kept[group_start..]
            .iter()
            .position(|e| list_of(e.action) == list);
        match rival {
            Some(at) if kept[group_start + at].age > entry.age => {}
            Some(at) => {
                kept.remove(group_start + at);
                kept.push(entry);
            }
            None => kept.push(entry),
        }
    }
    kept.sort_by(|a, b| (a.site, a.target, a.action).cmp(&(b.site, b.target, b.action)));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::target::Target;

    fn record(path: &str, action: &str, n: i64) -> Record {
        Record {
            time: jiff::Timestamp::from_second(1_700_000_000 + n).unwrap_or_default(),
            operator: "alice@box".into(),
            site: "s".into(),
            target: Target::path(path),
            action: action.into(),
            outcome: "revalidated".into(),
            status: Some(200),
            latency_ms: Some(1),
            message: Some(format!("#{n}")),
            reason: None,
            secret: None,
        }
    }

    fn batch(from: i64) -> Vec<Record> {
        (from..from + 5)
            .map(|n| {
                record(
                    &format!("/{}", n % 7),
                    ["revalidate", "purge", "verify"][n as usize % 3],
                    n,
                )
            })
            .collect()
    }

    /// The index a full read of the file gives.
    fn read_whole(history: &History) -> String {
        let _ = std::fs::remove_file(&history.index);
        history.update_index().unwrap();
        std::fs::read_to_string(&history.index).unwrap()
    }

    #[test]
    fn noted_appends_update_the_index_as_a_full_read_does() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(dir.path()).unwrap();
        history.append_all(&batch(0)).unwrap();
        history.update_index().unwrap();
        let mut appends = Appends::default();
        for from in [10, 20, 30] {
            history.append_noted(batch(from), &mut appends).unwrap();
        }
        let file = File::open(&history.file).unwrap();
        let laid = history.index_after(&file, appends).unwrap();
        assert!(laid, "nothing else wrote: the file is not read");
        let laid_over = std::fs::read_to_string(&history.index).unwrap();
        assert_eq!(laid_over, read_whole(&history));
        // Again, through the call a run ends with.
        let mut appends = Appends::default();
        history.append_noted(batch(40), &mut appends).unwrap();
        history.update_index_after(appends).unwrap();
        let laid_over = std::fs::read_to_string(&history.index).unwrap();
        assert_eq!(laid_over, read_whole(&history));
    }

    #[test]
    fn another_writer_between_the_appends_means_reading_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(dir.path()).unwrap();
        history.append_all(&batch(0)).unwrap();
        history.update_index().unwrap();
        let mut appends = Appends::default();
        history.append_noted(batch(10), &mut appends).unwrap();
        // Another instance appends, then ours again.
        History::open(dir.path())
            .unwrap()
            .append_all(&batch(20))
            .unwrap();
        history.append_noted(batch(30), &mut appends).unwrap();
        let file = File::open(&history.file).unwrap();
        assert!(!history.index_after(&file, appends).unwrap());
        // And after ours, or with the index moved meanwhile: read too.
        let mut appends = Appends::default();
        history.append_noted(batch(40), &mut appends).unwrap();
        History::open(dir.path())
            .unwrap()
            .append_all(&batch(50))
            .unwrap();
        assert!(!history.index_after(&file, appends).unwrap());
        let mut appends = Appends::default();
        history.append_noted(batch(60), &mut appends).unwrap();
        history.update_index().unwrap();
        assert!(!history.index_after(&file, appends).unwrap());
        // Whatever the path, the index is the one a full read gives.
        let mut appends = Appends::default();
        history.append_noted(batch(70), &mut appends).unwrap();
        History::open(dir.path())
            .unwrap()
            .append_all(&batch(80))
            .unwrap();
        history.update_index_after(appends).unwrap();
        let updated = std::fs::read_to_string(&history.index).unwrap();
        assert_eq!(updated, read_whole(&history));
        assert!(updated.contains("#84"), "the other writer's records are in");
    }

    #[test]
    fn a_torn_line_terminated_by_an_append_means_reading_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(dir.path()).unwrap();
        history.append_all(&batch(0)).unwrap();
        history.update_index().unwrap();
        let mut torn = std::fs::OpenOptions::new()
            .append(true)
            .open(&history.file)
            .unwrap();
        std::io::Write::write_all(&mut torn, b"{\"time\":").unwrap();
        let mut appends = Appends::default();
        history.append_noted(batch(10), &mut appends).unwrap();
        let file = File::open(&history.file).unwrap();
        assert!(!history.index_after(&file, appends).unwrap());
    }
}
