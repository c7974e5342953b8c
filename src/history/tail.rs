//! The newest records, read from the end of the file backwards (`history
//! --limit N`): the cost of the last N lines, whatever the file's length.

use super::{History, RECORD_CAP, Record};
use std::io;
use std::os::unix::fs::FileExt;

impl History {
    /// The newest `n` records that `wanted` accepts, oldest first, read
    /// from the end of the file backwards: `history --limit 5` costs the
    /// same on a history of ten lines or ten million.
    pub fn newest(
        &self,
        n: usize,
        wanted: impl Fn(&Record) -> bool,
    ) -> io::Result<(Vec<Record>, Vec<String>)> {
        let Some(file) = self.open_existing()? else {
            return Ok((Vec::new(), Vec::new()));
        };
        file.lock_shared()?;
        let mut end = file.metadata()?.len();
        file.unlock()?;
        const BLOCK: u64 = 64 * 1024;
        let (mut found, mut warnings) = (Vec::new(), Vec::new());
        // Bytes of a line cut by the block boundary, kept for the next block;
        // a line past RECORD_CAP is not kept at all (one huge line made this
        // quadratic and held it whole): skipped, said once.
        let mut carry: Vec<u8> = Vec::new();
        let mut skipping = false;
        while end > 0 && found.len() < n {
            let start = end.saturating_sub(BLOCK);
            let mut block = vec![0u8; (end - start) as usize];
            file.read_exact_at(&mut block, start)?;
            block.extend_from_slice(&carry);
            let mut lines: Vec<&[u8]> = block.split(|&b| b == b'\n').collect();
            if skipping {
                // The last piece is the rest of the huge line: drop it.
                lines.pop();
                if lines.is_empty() {
                    end = start;
                    continue;
                }
                skipping = false;
            }
            // The first piece may be the end of a line that began earlier.
            carry = if start > 0 {
                lines.remove(0).to_vec()
            } else {
                Vec::new()
            };
            if carry.len() > RECORD_CAP {
                warnings.push(format!(
                    "{}: a line near the end is longer than {} MiB: skipped",
                    self.file.display(),
                    RECORD_CAP >> 20
                ));
                carry = Vec::new();
                skipping = true;
            }
            for line in lines.into_iter().rev() {
                if found.len() == n {
                    break;
                }
                let line = line.trim_ascii();
                if line.is_empty() {
                    continue;
                }
                match serde_json::from_slice::<Record>(line) {
                    Ok(record) if wanted(&record) => found.push(record),
                    Ok(_) => {}
                    Err(e) => warnings.push(format!(
                        "{}: a line near the end is not a valid record ({e})",
                        self.file.display()
                    )),
                }
            }
            end = start;
        }
        found.reverse();
        Ok((found, warnings))
    }
}
