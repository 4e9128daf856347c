//! A tamper-evident audit log: an append-only file of watchlist events (enrol, replace,
//! remove, purge, identify, verify, load, save) that an auditor can check was not edited.
//!
//! Each event is one line of JSON: its sequence number, time, the operator or gate that
//! caused it, the subject ids involved and the decision returned; never biometric data. Each
//! line carries `prev`, the previous line's hash, and `hash`, SHA-256 over `prev` and the
//! line's own fields (HMAC-SHA-256 under a key when the log is keyed), so editing, removing,
//! inserting or reordering any line breaks the chain at that line. Without a key anyone who
//! can write the file can rebuild a whole new chain; with a key (kept away from the file's
//! writers) they cannot.
//!
//! Appends write the whole line with one `write` and then `fsync`. A crash in the middle of
//! an append leaves a last line without its newline: [`verify`] reports it
//! ([`Verification::torn_tail`]) and [`AuditLog::open`] refuses to append after it
//! ([`AuditError::TornTail`]) until an operator has looked at it; it is never silently
//! dropped or accepted.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The hash that stands before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest line read back (an entry of many subject ids stays far below).
const MAX_LINE_BYTES: usize = 1 << 20;

/// A 256-bit HMAC key for the chain; zeroised when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AuditKey([u8; 32]);

impl AuditKey {
    /// A key from 32 bytes.
    pub fn new(bytes: [u8; 32]) -> AuditKey {
        AuditKey(bytes)
    }

    /// A key from a key file's contents: 32 raw bytes, or 64 hex digits (surrounding
    /// whitespace ignored).
    pub fn parse(raw: &[u8]) -> Result<AuditKey, AuditError> {
        crate::key_file::parse(raw)
            .map(|k| AuditKey(*k))
            .map_err(AuditError::KeyFormat)
    }

    /// A key from a slice, which must hold exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<AuditKey, AuditError> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| AuditError::KeyLength(bytes.len()))?;
        Ok(AuditKey(array))
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Subjects enrolled.
    Enrol,
    /// A subject's record replaced.
    Replace,
    /// Subjects removed.
    Remove,
    /// Expired subjects purged.
    Purge,
    /// A 1:N search.
    Identify,
    /// A 1:1 comparison against a claimed identity.
    Verify,
    /// A gallery loaded.
    Load,
    /// A gallery saved.
    Save,
}

/// One event, as the caller states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// Seconds since the Unix epoch (UTC).
    pub time: i64,
    /// The operator or gate that caused the event.
    pub operator: String,
    /// What happened.
    pub action: AuditAction,
    /// The subject ids involved (enrolled, removed, returned as candidates, claimed).
    pub subjects: Vec<String>,
    /// The decision returned, if any (e.g. "hit", "no hit", "accept", "reject").
    pub decision: Option<String>,
}

/// One line of the log: the event with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// Seconds since the Unix epoch (UTC).
    pub time: i64,
    /// The operator or gate.
    pub operator: String,
    /// What happened.
    pub action: AuditAction,
    /// The subject ids involved.
    pub subjects: Vec<String>,
    /// The decision returned.
    pub decision: Option<String>,
    /// The previous entry's hash (64 zeros before the first).
    pub prev: String,
    /// This entry's hash (hex).
    pub hash: String,
}

/// The fields the hash covers, in a fixed order.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    time: i64,
    operator: &'a str,
    action: AuditAction,
    subjects: &'a [String],
    decision: &'a Option<String>,
    prev: &'a str,
}

impl AuditEntry {
    /// The hash this entry should carry.
    fn expected_hash(&self, key: Option<&AuditKey>) -> String {
        let body = Hashed {
            seq: self.seq,
            time: self.time,
            operator: &self.operator,
            action: self.action,
            subjects: &self.subjects,
            decision: &self.decision,
            prev: &self.prev,
        };
        // Serialising plain strings and numbers cannot fail.
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        match key {
            None => hex(&Sha256::digest(&bytes)),
            Some(k) => {
                // HMAC accepts keys of any length.
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&k.0)
                    .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
                mac.update(&bytes);
                hex(&mac.finalize().into_bytes())
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why the log could not be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AuditError {
    /// Reading or writing the file failed.
    #[error("audit log {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The last line has no newline: an append was interrupted. Look at the log (and `verify`
    /// it) before appending again.
    #[error(
        "audit log {path} ends with a half-written entry (line {line}); verify it before appending"
    )]
    TornTail {
        /// The file.
        path: PathBuf,
        /// The line number of the half-written entry.
        line: usize,
    },
    /// The existing log does not verify, so nothing is appended to it.
    #[error("audit log {path} is broken at line {line}: {reason}")]
    Broken {
        /// The file.
        path: PathBuf,
        /// The first broken line.
        line: usize,
        /// What is wrong there.
        reason: String,
    },
    /// A key that is not 32 bytes.
    #[error("an audit key has 32 bytes, not {0}")]
    KeyLength(usize),
    /// A key file that holds neither 32 bytes nor 64 hex digits.
    #[error("audit key file: {0}")]
    KeyFormat(String),
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Complete entries that verified, in order, before the first broken one.
    pub verified: usize,
    /// The first broken line (1-based) and why, if any.
    pub first_broken: Option<(usize, String)>,
    /// The last line has no newline (an interrupted append); it is not counted as verified.
    pub torn_tail: Option<usize>,
    /// The hash of the last verified entry (64 zeros when none).
    pub last_hash: String,
}

impl Verification {
    /// Whether every line verified and the file ends cleanly.
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none() && self.torn_tail.is_none()
    }
}

/// Checks the chain of the log at `path` (with `key` when the log is keyed).
pub fn verify(path: &Path, key: Option<&AuditKey>) -> Result<Verification, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut reader = BufReader::new(file);
    let mut out = Verification {
        verified: 0,
        first_broken: None,
        torn_tail: None,
        last_hash: GENESIS.to_string(),
    };
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(io)?;
        if n == 0 {
            break;
        }
        number += 1;
        if line.last() != Some(&b'\n') {
            if n > MAX_LINE_BYTES {
                out.first_broken = Some((number, "line longer than 1 MiB".into()));
            } else {
                out.torn_tail = Some(number);
            }
            break;
        }
        let entry: AuditEntry = match serde_json::from_slice(&line[..line.len() - 1]) {
            Ok(e) => e,
            Err(e) => {
                out.first_broken = Some((number, format!("not an audit entry: {e}")));
                break;
            }
        };
        let reason = if entry.seq != out.verified as u64 + 1 {
            Some(format!(
                "sequence number {} where {} was due (an entry removed, inserted or moved)",
                entry.seq,
                out.verified + 1
            ))
        } else if entry.prev != out.last_hash {
            Some("does not chain to the entry before it".to_string())
        } else if entry.hash != entry.expected_hash(key) {
            Some(if key.is_some() {
                "hash does not match its contents under this key (edited, or another key)".into()
            } else {
                "hash does not match its contents (edited)".into()
            })
        } else {
            None
        };
        if let Some(r) = reason {
            out.first_broken = Some((number, r));
            break;
        }
        out.verified += 1;
        out.last_hash = entry.hash;
    }
    Ok(out)
}

/// An audit log open for appending.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
    key: Option<AuditKey>,
    seq: u64,
    last_hash: String,
}

impl AuditLog {
    /// Opens (or creates) the log at `path`. The existing entries are verified first: a log
    /// that does not verify gives [`AuditError::Broken`], one that ends with a half-written
    /// entry [`AuditError::TornTail`]; nothing is appended to either.
    pub fn open(path: &Path, key: Option<AuditKey>) -> Result<AuditLog, AuditError> {
        let io = |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(io)?;
        let v = verify(path, key.as_ref())?;
        if let Some((line, reason)) = v.first_broken {
            return Err(AuditError::Broken {
                path: path.to_path_buf(),
                line,
                reason,
            });
        }
        if let Some(line) = v.torn_tail {
            return Err(AuditError::TornTail {
                path: path.to_path_buf(),
                line,
            });
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file,
            key,
            seq: v.verified as u64,
            last_hash: v.last_hash,
        })
    }

    /// Appends an event and makes it durable (one write of the whole line, then fsync).
    pub fn append(&mut self, event: AuditEvent) -> Result<AuditEntry, AuditError> {
        let mut entry = AuditEntry {
            seq: self.seq + 1,
            time: event.time,
            operator: event.operator,
            action: event.action,
            subjects: event.subjects,
            decision: event.decision,
            prev: self.last_hash.clone(),
            hash: String::new(),
        };
        entry.hash = entry.expected_hash(self.key.as_ref());
        let mut line = serde_json::to_vec(&entry).unwrap_or_default();
        line.push(b'\n');
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.seq = entry.seq;
        self.last_hash = entry.hash.clone();
        Ok(entry)
    }

    /// Entries in the log.
    pub fn len(&self) -> u64 {
        self.seq
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.seq == 0
    }
}

/// The current time in seconds since the Unix epoch (0 if the clock is before it).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: usize) -> AuditEvent {
        AuditEvent {
            time: 1_780_000_000 + i as i64,
            operator: "gate-7".into(),
            action: if i.is_multiple_of(2) {
                AuditAction::Identify
            } else {
                AuditAction::Enrol
            },
            subjects: vec![format!("P-{i:03}")],
            decision: i.is_multiple_of(2).then(|| "no hit".to_string()),
        }
    }

    fn write_log(path: &Path, n: usize, key: Option<AuditKey>) {
        let mut log = AuditLog::open(path, key).unwrap();
        for i in 0..n {
            log.append(event(i)).unwrap();
        }
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn rewrite(path: &Path, lines: &[String]) {
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }

    #[test]
    fn an_intact_log_verifies_and_reopens_where_it_ended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        write_log(&path, 5, None);
        let v = verify(&path, None).unwrap();
        assert!(v.is_intact());
        assert_eq!(v.verified, 5);
        let mut log = AuditLog::open(&path, None).unwrap();
        assert_eq!(log.len(), 5);
        let e = log.append(event(5)).unwrap();
        assert_eq!((e.seq, e.prev.clone()), (6, v.last_hash));
        assert_eq!(verify(&path, None).unwrap().verified, 6);
        // No biometric data: the line holds exactly the fields above.
        assert!(lines(&path)[0].starts_with("{\"seq\":1,\"time\":"));
    }

    #[test]
    fn edited_deleted_swapped_and_inserted_entries_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        write_log(&path, 6, None);
        let orig = lines(&path);
        // Edited: a decision changed.
        let mut edited = orig.clone();
        edited[2] = edited[2].replace("no hit", "hit!!!");
        rewrite(&path, &edited);
        let v = verify(&path, None).unwrap();
        assert_eq!(v.first_broken.as_ref().map(|b| b.0), Some(3), "{v:?}");
        assert_eq!(v.verified, 2);
        assert!(matches!(
            AuditLog::open(&path, None),
            Err(AuditError::Broken { line: 3, .. })
        ));
        // Deleted.
        let mut deleted = orig.clone();
        deleted.remove(3);
        rewrite(&path, &deleted);
        assert_eq!(verify(&path, None).unwrap().first_broken.unwrap().0, 4);
        // Swapped.
        let mut swapped = orig.clone();
        swapped.swap(1, 4);
        rewrite(&path, &swapped);
        assert_eq!(verify(&path, None).unwrap().first_broken.unwrap().0, 2);
        // The last entry removed: the chain itself cannot tell (a log may end anywhere), which
        // is why gates keep the last hash elsewhere; what is left verifies.
        rewrite(&path, &orig[..5]);
        assert!(verify(&path, None).unwrap().is_intact());
        // Garbage.
        let mut garbage = orig.clone();
        garbage[0] = "hello".into();
        rewrite(&path, &garbage);
        assert_eq!(verify(&path, None).unwrap().first_broken.unwrap().0, 1);
    }

    #[test]
    fn a_key_is_needed_to_forge_and_to_verify() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let key = AuditKey::new([7; 32]);
        write_log(&path, 4, Some(key.clone()));
        assert!(verify(&path, Some(&key)).unwrap().is_intact());
        // Another key, or none: the first entry already fails.
        let other = AuditKey::new([8; 32]);
        assert_eq!(
            verify(&path, Some(&other)).unwrap().first_broken.unwrap().0,
            1
        );
        assert_eq!(verify(&path, None).unwrap().first_broken.unwrap().0, 1);
        // Someone without the key edits an entry and recomputes a plain SHA-256 chain from it:
        // the keyed check still fails there.
        let mut entries: Vec<AuditEntry> = lines(&path)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        entries[1].subjects = vec!["someone-else".into()];
        let mut prev = entries[0].hash.clone();
        for e in &mut entries[1..] {
            e.prev = prev.clone();
            e.hash = e.expected_hash(None);
            prev = e.hash.clone();
        }
        let forged: Vec<String> = entries
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        rewrite(&path, &forged);
        assert_eq!(
            verify(&path, Some(&key)).unwrap().first_broken.unwrap().0,
            2
        );
        assert!(AuditKey::from_slice(&[1; 31]).is_err());
        assert_eq!(format!("{key:?}"), "AuditKey(..)");
    }

    #[test]
    fn a_half_written_last_entry_is_reported_never_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        write_log(&path, 3, None);
        let bytes = std::fs::read(&path).unwrap();
        let full = bytes.len();
        // Every cut inside the last entry: the first two verify, the third is a torn tail.
        let third_start = lines(&path)[..2].iter().map(|l| l.len() + 1).sum::<usize>();
        for cut in third_start + 1..full {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let v = verify(&path, None).unwrap();
            assert_eq!((v.verified, v.torn_tail), (2, Some(3)), "cut at {cut}");
            assert!(!v.is_intact());
            assert!(matches!(
                AuditLog::open(&path, None),
                Err(AuditError::TornTail { line: 3, .. })
            ));
        }
    }
}
