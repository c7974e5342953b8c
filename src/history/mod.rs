//! History: every revalidation, verification, check, probe and purge, with
//! time, operator, target, outcome and the operator's reason. It survives
//! restarts and is what the console shows as "last revalidated".
//!
//! May use: `model`. Written only through `engine::record`; read by the
//! engine and by both faces (`isrctl history`, the console's `H`).
//!
//! Storage is a directory with two files:
//! - `history.jsonl`: append-only, one JSON record per line. Each append is a
//!   single `write()` on an `O_APPEND` file under an exclusive `flock`, so two
//!   instances never interleave and a crash loses at most the record in flight.
//!   Readers skip a corrupt or truncated line with a warning.
//! - `last.json`: the index, the last record per (site, target) as of a byte
//!   offset, so [`History::last_states`] reads only what was appended since.
//!
//! Durability choice: appends are not fsynced. A `write()` that returned is in
//! the kernel and survives the process being killed, which is the crash this
//! design is about; an fsync per record would cost milliseconds each and bulk
//! runs append thousands. After a power loss the last seconds of history may be
//! missing or torn, which loading tolerates. [`History::update_index`] does
//! fsync history.jsonl before writing the index, so the index never claims
//! bytes the disk does not have.

mod append;
mod index;
mod noted;
mod scan;
mod tail;

/// The longest line read as a record: isrctl writes a few KiB at most, so
/// anything past this was planted, and is skipped without being held.
const RECORD_CAP: usize = 1 << 20;

use crate::model::target::Target;
pub use noted::Appends;
use scan::{Position, Scan, scan};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Past this many lines after the index, `last_states` refreshes the index so
/// the next startup does not read them again.
const LONG_TAIL_LINES: u64 = 1_000;

/// The `action` of a revalidation record; the others are "verify" and "check".
pub const REVALIDATE: &str = "revalidate";
/// The action of a purge record.
pub const PURGE: &str = "purge";
/// The action of a probe record (the console's `p`, `probe_on_start`).
pub const PROBE: &str = "probe";
/// The action of a verification record (outcome: the verdict).
pub const VERIFY: &str = "verify";
/// The action of a page `stale` found probably stale (outcome: the worst
/// reason).
pub const STALE: &str = "stale";

/// Records that say how a page was when it was last looked at: `status`
/// reads the latest per page.
fn judges_a_page(action: &str) -> bool {
    matches!(action, PROBE | VERIFY | STALE)
}

/// One line of history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub time: jiff::Timestamp,
    /// `user@host`, see [`operator`].
    pub operator: String,
    pub site: String,
    pub target: Target,
    /// What was done: "revalidate", "verify" (outcome: the verdict), "check"
    /// and "probe" (outcome: the worst severity), "purge" (outcome: the
    /// purge's kind).
    /// "revalidate" and "purge" records count for [`History::last_states`].
    pub action: String,
    /// Outcome class in snake_case, e.g. "revalidated", "unauthorized".
    pub outcome: String,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    /// Already redacted by the caller: history never sees a secret.
    pub message: Option<String>,
    /// Why it was done, as the operator said it (`--reason`, the console's
    /// prompt): the audit trail read after an incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The fingerprint of the secret a refused revalidation sent (source,
    /// length, sha256 prefix; never the secret): a later check tells a
    /// one-off secret from the configured one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl Record {
    /// Every free-text field (words, reason, target) through `mask`: what
    /// is written, and what is read back to be shown, keeps no secret.
    pub fn mask(&mut self, mask: impl Fn(&str) -> String) {
        for text in [&mut self.message, &mut self.reason].into_iter().flatten() {
            *text = mask(text);
        }
        self.target.value = mask(&self.target.value);
    }
}

/// Everything readable in the history, in append order.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub records: Vec<Record>,
    /// One per skipped line, naming the file and line number.
    pub warnings: Vec<String>,
}

/// The last record per (site, target).
#[derive(Clone, Debug, Default)]
pub struct LastStates {
    /// The last revalidation per target.
    pub last: HashMap<(String, Target), Record>,
    /// The last purge per purged item (a path, a tag, `prefix*`, `*`).
    pub purged: HashMap<(String, Target), Record>,
    /// The last judgement of each page: a probe, a verification, or
    /// `stale` finding it probably stale.
    pub seen: HashMap<(String, Target), Record>,
    pub warnings: Vec<String>,
}

impl LastStates {
    pub fn get(&self, site: &str, target: &Target) -> Option<&Record> {
        self.last.get(&(site.to_owned(), target.clone()))
    }

    pub fn purge(&self, site: &str, target: &Target) -> Option<&Record> {
        self.purged.get(&(site.to_owned(), target.clone()))
    }

    pub fn seen(&self, site: &str, target: &Target) -> Option<&Record> {
        self.seen.get(&(site.to_owned(), target.clone()))
    }
}

/// Who is acting: `$USER` (or `$LOGNAME`) `@` the host name.
pub fn operator() -> String {
    // Read once: a bulk run writes a record per target, and re-reading the
    // host name for each cost a tenth of the run's CPU (issue 11's profile).
    static OPERATOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OPERATOR.get_or_init(read_operator).clone()
}

fn read_operator() -> String {
    let user = env_nonempty("USER")
        .or_else(|| env_nonempty("LOGNAME"))
        .unwrap_or_else(|| "unknown".to_owned());
    let host = fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| env_nonempty("HOSTNAME"))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{user}@{host}")
}

fn env_nonempty(name: &str) -> Option<String> {
    let value = std::env::var_os(name)?;
    let value = value.to_string_lossy().trim().to_owned();
    (!value.is_empty()).then_some(value)
}

/// The last states being computed, with where the scan ended.
struct State {
    end: Position,
    maps: Maps,
    warnings: Vec<String>,
    /// Lines read from history.jsonl itself (not from the index).
    lines_read: u64,
}

/// A history directory. Cheap to create; every operation opens the files
/// afresh, so a History never holds a lock or a stale file handle.
#[derive(Clone, Debug)]
pub struct History {
    file: PathBuf,
    index: PathBuf,
}

impl History {
    /// `$XDG_STATE_HOME/isrctl`, else `$HOME/.local/state/isrctl`.
    pub fn default_dir() -> Option<PathBuf> {
        crate::model::files::state_dir()
    }

    /// Creates `dir` if needed; the files appear with the first append.
    pub fn open(dir: &Path) -> io::Result<History> {
        fs::create_dir_all(dir)?;
        Ok(History {
            file: dir.join("history.jsonl"),
            index: dir.join("last.json"),
        })
    }

    pub fn file_path(&self) -> &Path {
        &self.file
    }

    /// Every readable record in order; bad lines become warnings.
    pub fn load(&self) -> io::Result<Loaded> {
        let Some(file) = self.open_existing()? else {
            return Ok(Loaded::default());
        };
        // Shared lock: no half-written record of a concurrent append is seen.
        file.lock_shared()?;
        let mut records = Vec::new();
        let Scan { warnings, .. } = scan(
            BufReader::new(&file),
            Position::default(),
            &self.file,
            |rec| records.push(rec),
        )?;
        Ok(Loaded { records, warnings })
    }

    /// Every readable record in order, handed to `on_record` one at a time
    /// (memory does not grow with the history); bad lines become the
    /// returned warnings. Reads the file as it was when called: the lock is
    /// held only to find its end, so a slow reader (`| less`) never blocks
    /// a revalidation's append.
    pub fn stream(&self, on_record: impl FnMut(Record)) -> io::Result<Vec<String>> {
        let Some(file) = self.open_existing()? else {
            return Ok(Vec::new());
        };
        file.lock_shared()?;
        let end = file.metadata()?.len();
        file.unlock()?;
        let reader = BufReader::new(io::Read::take(&file, end));
        let Scan { warnings, .. } = scan(reader, Position::default(), &self.file, on_record)?;
        Ok(warnings)
    }

    /// Last record per (site, target): the index plus whatever was appended
    /// after it, so the cost does not grow with the history's length.
    pub fn last_states(&self) -> io::Result<LastStates> {
        let Some(file) = self.open_existing()? else {
            return Ok(LastStates::default());
        };
        file.lock_shared()?;
        let mut state = self.current_state(&file)?;
        file.unlock()?;
        if state.lines_read > LONG_TAIL_LINES {
            // Only an optimisation: failing to save it must not fail the read.
            if let Err(e) = self.save_index(&file, &state) {
                let path = self.index.display();
                state
                    .warnings
                    .push(format!("{path}: could not update: {e}"));
            }
        }
        Ok(LastStates {
            last: state.maps.last,
            purged: state.maps.purged,
            seen: state.maps.seen,
            warnings: state.warnings,
        })
    }

    /// Rewrites the index to cover the whole file. Call at the end of a run.
    pub fn update_index(&self) -> io::Result<()> {
        self.update_index_after(Appends::unusable())
    }

    /// As [`History::update_index`], laying `appends` over the index
    /// instead of reading them back when they are all that came after it.
    pub fn update_index_after(&self, appends: Appends) -> io::Result<()> {
        let Some(file) = self.open_existing()? else {
            return Ok(());
        };
        // Exclusive: no append can slip between the scan and the write.
        file.lock()?;
        if self.index_after(&file, appends)? {
            return Ok(());
        }
        let state = self.current_state(&file)?;
        write_index(&self.index, &file, &state)
    }

    /// Writes `state` as the index. `state` may be older than the file by
    /// now; that is fine, it is still correct for the offset it records.
    fn save_index(&self, file: &File, state: &State) -> io::Result<()> {
        file.lock()?;
        let result = write_index(&self.index, file, state);
        file.unlock()?;
        result
    }

    /// From the index when it is usable, else from a full scan.
    fn current_state(&self, file: &File) -> io::Result<State> {
        // An index that is not a regular file (a FIFO, a link to a device)
        // is only an optimisation lost: history is read whole instead.
        let (usable, unusable) = match index::read_usable(&self.index, file) {
            Ok(index) => (index, None),
            Err(e) => (
                None,
                Some(format!(
                    "{}: {e}; read history whole instead",
                    self.index.display()
                )),
            ),
        };
        let (start, mut maps) = match usable {
            Some(idx) => (idx.position(), Maps::from_records(idx.last)),
            None => (Position::default(), Maps::default()),
        };
        let mut reader = BufReader::new(file);
        reader.seek(SeekFrom::Start(start.offset))?;
        let scan = scan(reader, start, &self.file, |rec| maps.insert(rec))?;
        let mut warnings = scan.warnings;
        warnings.extend(unusable);
        Ok(State {
            end: scan.end,
            maps,
            warnings,
            lines_read: scan.lines_read,
        })
    }

    /// None when there is no history yet.
    fn open_existing(&self) -> io::Result<Option<File>> {
        if !crate::model::files::state_file(&self.file)? {
            return Ok(None);
        }
        match File::open(&self.file) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

type LastMap = HashMap<(String, Target), Record>;

/// The last record per (site, target) of each kind that counts.
#[derive(Default)]
struct Maps {
    last: LastMap,
    purged: LastMap,
    seen: LastMap,
}

impl Maps {
    fn from_records(records: Vec<Record>) -> Maps {
        let mut maps = Maps::default();
        records.into_iter().for_each(|rec| maps.insert(rec));
        maps
    }

    /// "Last revalidated" means a revalidation: check records are
    /// history, not the target's state.
    fn insert(&mut self, rec: Record) {
        let map = match rec.action.as_str() {
            REVALIDATE => &mut self.last,
            PURGE => &mut self.purged,
            action if judges_a_page(action) => &mut self.seen,
            _ => return,
        };
        map.insert((rec.site.clone(), rec.target.clone()), rec);
    }

    fn records(&self) -> impl Iterator<Item = &Record> {
        self.last
            .values()
            .chain(self.purged.values())
            .chain(self.seen.values())
    }
}

/// The order of the index's records.
fn index_order(rec: &Record) -> (&str, &Target, &str) {
    (&rec.site, &rec.target, &rec.action)
}

/// Caller holds the exclusive lock on `history`.
fn write_index(path: &Path, history: &File, state: &State) -> io::Result<()> {
    // The index must never cover bytes that a power loss could take away.
    history.sync_data()?;
    let mut last: Vec<&Record> = state.maps.records().collect();
    // Sorted so the file is deterministic and diffable.
    last.sort_by(|a, b| index_order(a).cmp(&index_order(b)));
    let index = index::Written {
        offset: state.end.offset,
        lines: state.end.lines,
        tail_sha256: Some(index::tail_sha256(history, state.end.offset)?),
        keeps_judgements: true,
        last,
    };
    index::write(path, &index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_is_user_at_host() {
        let op = operator();
        let (user, host) = op.split_once('@').expect("user@host");
        assert!(!user.is_empty() && !host.is_empty(), "{op}");
    }
}
