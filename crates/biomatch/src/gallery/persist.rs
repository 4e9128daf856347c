//! Saving and loading a whole gallery.
//!
//! # File format (version 2, little-endian)
//! | bytes | content |
//! |---|---|
//! | 8 | magic `BMGALLRY` |
//! | 4 | format version (2; version 1 files are still read) |
//! | 4 | flags: bit 0 set when the payload is encrypted (other bits 0) |
//! | 8 | payload length in bytes |
//! | 4 | CRC-32 (IEEE 802.3, as zlib/PNG) of the payload as stored |
//! | 4 | reserved, 0 |
//! | n | payload, or when encrypted: 12-byte nonce, the payload encrypted with AES-256-GCM, 16-byte tag (the header's first 16 bytes are authenticated with it; see [`GalleryKey`]) |
//!
//! The payload holds the face model tag and dimension, both calibrations (description, then
//! the impostor scores as `f64`, highest first; version 1 stored them as JSON), then every
//! subject: id, face embedding (if any), each finger impression (position, view header,
//! minutiae as x, y, angle `f32`, kind and quality bytes) and, from version 2, the watchlist
//! [`Record`] (category code and text, agency, reference, action, validity window as `i64`
//! seconds, fields). Extended data (ridge counts, cores, deltas) is not kept. First-stage
//! descriptors and the matcher's candidate sides
//! ([`PreparedCandidate`](crate::finger::matcher::PreparedCandidate)) are not stored: loading
//! rebuilds them, in parallel, exactly as enrolment does.
//!
//! # Atomic replace
//! [`save`] writes to a temporary file in the target's directory, flushes it to disk
//! (`fsync`), renames it over the target (atomic on POSIX file systems) and flushes the
//! directory. A crash at any point leaves either the previous file or the new one, both
//! complete; a stale temporary file is never read. On Linux a successful save also removes
//! the temporary files earlier saves to the same target left behind when their process died
//! (their name carries the writer's process id; files of live processes are left alone, so
//! concurrent saves from other processes are undisturbed).
//!
//! # Erasure
//! Every save writes a new file from the gallery's current subjects and renames it over the
//! old one: after a `remove` or [`Gallery::purge`] and a save, no byte of a removed
//! subject's id, templates or record is in the gallery file. (Blocks of the old file may
//! remain on the storage device until the file system reuses them; encrypt the gallery so
//! that such remnants are unreadable without the key.)
//!
//! # Untrusted files
//! A gallery file is untrusted input even when its checksum is valid (anyone can compute a
//! CRC-32). [`load`] reads at most [`LoadLimits::max_file_bytes`] of a regular file, then checks
//! magic, version, length and checksum before parsing, and every count and length inside the
//! payload against the bytes left and the [`LoadLimits`] before reserving anything for it. The
//! face-model tag (at most [`MAX_MODEL_TAG_BYTES`]) is read once and shared by every face.
//! Every inconsistency found once the file has been read, including a duplicate subject id, a
//! non-finite minutia, an invalid embedding or a record over the gallery's limits, is
//! [`GalleryError::Corrupt`] (`BIOMATCH_STATUS_CORRUPT_DATA` in the C API): never a panic, an
//! abort or an allocation the limits do not bound.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::calibration::Calibration;
use crate::face::params::{MAX_DIM, MAX_MODEL_TAG_BYTES, MIN_DIM};
use crate::face::{FaceTemplate, Precision};
use crate::finger::matcher::Matcher;
use crate::finger::template::{
    FingerPosition, FingerView, ImpressionType, Minutia, MinutiaKind, MinutiaQuality, Resolution,
};
use crate::gallery::encryption::{self, GalleryKey};
use crate::gallery::params::{MAX_FINGERS_PER_SUBJECT, MAX_IMPRESSIONS, MAX_MINUTIAE};
use crate::gallery::record::{Category, MAX_RECORD_FIELDS, MAX_RECORD_TEXT_BYTES, Record};
use crate::gallery::{Gallery, GalleryConfig, GalleryError, Subject, SubjectId};
use crate::load_limits::{LoadLimits, ReadCappedError, read_capped};

/// The magic bytes at the start of a gallery file.
pub const MAGIC: &[u8; 8] = b"BMGALLRY";
/// The format version this build writes (it also reads version 1).
pub const VERSION: u32 = 2;
/// Header flag: the payload is encrypted.
const FLAG_ENCRYPTED: u32 = 1;
const HEADER_LEN: usize = 32;
/// Longest calibration description read, in bytes.
const MAX_DESCRIPTION_BYTES: usize = 64 << 10;

/// A writer that counts and checksums what passes through it.
struct Checksummed<W: Write> {
    inner: W,
    crc: crc32fast::Hasher,
    written: u64,
    /// Test hook: fail once this many payload bytes have been written (a simulated crash).
    fail_after: Option<u64>,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(limit) = self.fail_after
            && self.written + buf.len() as u64 > limit
        {
            let n = (limit - self.written) as usize;
            self.inner.write_all(&buf[..n])?;
            self.written += n as u64;
            return Err(std::io::Error::other("simulated crash during save"));
        }
        self.inner.write_all(buf)?;
        self.crc.update(buf);
        self.written += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> GalleryError + '_ {
    move |source| GalleryError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "gallery".into());
    path.with_file_name(format!(".{name}.tmp.{}.{n}", std::process::id()))
}

/// The process id a temporary file name of a save to `path` carries, if `name` is one.
fn temp_owner(path: &Path, name: &str) -> Option<u32> {
    let target = path.file_name()?.to_string_lossy();
    let rest = name.strip_prefix('.')?.strip_prefix(&*target)?;
    let (pid, n) = rest.strip_prefix(".tmp.")?.split_once('.')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Removes the temporary files of saves to `path` whose writing process no longer exists
/// (best effort: errors are ignored, and nothing is removed where process liveness cannot be
/// checked).
fn remove_orphaned_temps(path: &Path) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = temp_owner(path, &name.to_string_lossy()) else {
            continue;
        };
        if pid != me && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `gallery` to `path` atomically, unencrypted.
pub fn save(gallery: &Gallery, path: &Path) -> Result<(), GalleryError> {
    save_inner(gallery, path, None, None)
}

/// Writes `gallery` to `path` atomically, encrypted under `key` (AES-256-GCM). The payload is
/// built in one buffer in memory (about the size of the file) and encrypted where it lies;
/// the buffer's earlier, smaller allocations made while it grew are freed without being
/// overwritten. Saving under a new key re-encrypts atomically: the file holds either the old
/// or the new encryption.
pub fn save_encrypted(
    gallery: &Gallery,
    path: &Path,
    key: &GalleryKey,
) -> Result<(), GalleryError> {
    save_inner(gallery, path, Some(key), None)
}

/// The header's first 16 bytes (authenticated with an encrypted payload).
fn header_start(flags: u32) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..].copy_from_slice(&flags.to_le_bytes());
    h
}

pub(crate) fn save_inner(
    gallery: &Gallery,
    path: &Path,
    key: Option<&GalleryKey>,
    fail_after: Option<u64>,
) -> Result<(), GalleryError> {
    // A configuration the loader would refuse is refused here, before any file is touched
    // (so no dimension is ever truncated to 32 bits, no tag written that cannot be read).
    gallery.config().validate()?;
    let tmp = temp_path(path);
    let err = io_err(&tmp);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(&err)?;
    let result = (|| {
        let mut out = Checksummed {
            inner: BufWriter::new(file),
            crc: crc32fast::Hasher::new(),
            written: 0,
            fail_after: None,
        };
        out.inner.write_all(&[0u8; HEADER_LEN]).map_err(&err)?;
        out.fail_after = fail_after;
        let flags = if key.is_some() { FLAG_ENCRYPTED } else { 0 };
        match key {
            None => write_payload(gallery, &mut out).map_err(&err)?,
            Some(key) => {
                // Room for the nonce, then the payload, encrypted in place (no second copy).
                let mut buf = vec![0u8; encryption::NONCE_BYTES];
                write_payload(gallery, &mut buf).map_err(&err)?;
                encryption::seal_in_place(key, &header_start(flags), &mut buf)?;
                out.write_all(&buf).map_err(&err)?;
            }
        }
        let (crc, len) = (out.crc.clone().finalize(), out.written);
        let mut file = out.inner.into_inner().map_err(|e| err(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(&err)?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(&header_start(flags));
        header.extend_from_slice(&len.to_le_bytes());
        header.extend_from_slice(&crc.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes());
        file.write_all(&header).map_err(&err)?;
        file.sync_all().map_err(&err)?;
        Ok(())
    })();
    if let Err(e) = result {
        if fail_after.is_none() {
            let _ = std::fs::remove_file(&tmp);
        }
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(io_err(path))?;
    remove_orphaned_temps(path);
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        // Flushing the directory makes the rename itself durable; not every platform can
        // open a directory, which only weakens durability, not atomicity.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn put_str(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    let len = u32::try_from(s.len())
        .map_err(|_| std::io::Error::other("a text longer than 4 GiB cannot be saved"))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(s.as_bytes())
}

fn put_calibration(out: &mut impl Write, c: &Option<Calibration>) -> std::io::Result<()> {
    match c {
        None => out.write_all(&[0]),
        Some(c) => {
            out.write_all(&[1])?;
            put_str(out, c.description())?;
            let scores = c.impostor_scores();
            out.write_all(&(scores.len() as u64).to_le_bytes())?;
            for s in scores {
                out.write_all(&s.to_le_bytes())?;
            }
            Ok(())
        }
    }
}

fn put_record(out: &mut impl Write, r: Option<&Record>) -> std::io::Result<()> {
    let Some(r) = r else {
        return out.write_all(&[0]);
    };
    out.write_all(&[1, r.category.code()])?;
    let text = match &r.category {
        Category::Other(t) => t.as_str(),
        _ => "",
    };
    for s in [text, &r.agency, &r.reference, &r.action] {
        put_str(out, s)?;
    }
    out.write_all(&r.valid_from.to_le_bytes())?;
    out.write_all(&r.valid_until.to_le_bytes())?;
    out.write_all(&(r.fields.len() as u32).to_le_bytes())?;
    for (k, v) in &r.fields {
        put_str(out, k)?;
        put_str(out, v)?;
    }
    Ok(())
}

fn quality_byte(q: MinutiaQuality) -> u8 {
    match q {
        MinutiaQuality::Score(s) => s.min(100),
        MinutiaQuality::Unknown => 254,
        MinutiaQuality::Failed => 255,
    }
}

fn write_payload(gallery: &Gallery, out: &mut impl Write) -> std::io::Result<()> {
    let cfg = gallery.config();
    put_str(out, &cfg.face_model)?;
    let dim = u32::try_from(cfg.face_dim)
        .map_err(|_| std::io::Error::other("face dimension does not fit in 32 bits"))?;
    out.write_all(&dim.to_le_bytes())?;
    out.write_all(&[match cfg.face_precision {
        Precision::F32 => 0,
        Precision::F16 => 1,
        Precision::I8 => 2,
    }])?;
    put_calibration(out, &cfg.finger_calibration)?;
    put_calibration(out, &cfg.face_calibration)?;
    let subjects = gallery.subjects();
    out.write_all(&(subjects.len() as u64).to_le_bytes())?;
    for s in &subjects {
        put_str(out, s.id().as_str())?;
        match s.face() {
            None => out.write_all(&[0])?,
            Some(f) => {
                out.write_all(&[1])?;
                for v in f.values() {
                    out.write_all(&v.to_le_bytes())?;
                }
            }
        }
        out.write_all(&(s.impression_count() as u32).to_le_bytes())?;
        for (pos, v) in s.impressions() {
            out.write_all(&[pos.0, v.view_number, v.impression_type.0, v.finger_quality])?;
            for x in [v.width, v.height, v.resolution.x_ppcm, v.resolution.y_ppcm] {
                out.write_all(&x.to_le_bytes())?;
            }
            out.write_all(&(v.minutiae.len() as u32).to_le_bytes())?;
            for m in &v.minutiae {
                for x in [m.x, m.y, m.angle] {
                    out.write_all(&x.to_le_bytes())?;
                }
                out.write_all(&[m.kind.code(), quality_byte(m.quality)])?;
            }
        }
        put_record(out, s.record())?;
    }
    Ok(())
}

/// A bounds-checked reader over the payload.
struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn corrupt(&self, reason: impl Into<String>) -> GalleryError {
        GalleryError::Corrupt {
            offset: self.at,
            reason: reason.into(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], GalleryError> {
        if self.data.len() - self.at < n {
            return Err(self.corrupt(format!(
                "needed {n} bytes, {} left",
                self.data.len() - self.at
            )));
        }
        let s = &self.data[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, GalleryError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, GalleryError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().unwrap_or_default(),
        ))
    }

    fn u32(&mut self) -> Result<u32, GalleryError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }

    fn u64(&mut self) -> Result<u64, GalleryError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    fn f32(&mut self) -> Result<f32, GalleryError> {
        Ok(f32::from_bits(self.u32()?))
    }

    fn i64(&mut self) -> Result<i64, GalleryError> {
        Ok(self.u64()? as i64)
    }

    /// A count of items each at least `min_item_bytes` long, checked against the bytes left.
    fn count(&mut self, n: u64, min_item_bytes: usize) -> Result<usize, GalleryError> {
        let left = (self.data.len() - self.at) as u64;
        if n.saturating_mul(min_item_bytes as u64) > left {
            return Err(self.corrupt(format!("count {n} does not fit in the {left} bytes left")));
        }
        Ok(n as usize)
    }

    /// A length-prefixed UTF-8 text of at most `max` bytes (`what` names it in errors).
    fn str(&mut self, max: usize, what: &str) -> Result<&'a str, GalleryError> {
        let at = self.at;
        let n = self.u32()? as u64;
        if n > max as u64 {
            return Err(GalleryError::Corrupt {
                offset: at,
                reason: format!("{what} of {n} bytes exceeds the limit of {max} bytes"),
            });
        }
        let n = self.count(n, 1)?;
        let at = self.at;
        std::str::from_utf8(self.take(n)?).map_err(|_| GalleryError::Corrupt {
            offset: at,
            reason: "text is not UTF-8".into(),
        })
    }

    fn calibration(&mut self, version: u32) -> Result<Option<Calibration>, GalleryError> {
        match self.u8()? {
            0 => Ok(None),
            1 => {
                let at = self.at;
                let c: Calibration = if version == 1 {
                    let json = self.str(usize::MAX, "calibration")?;
                    serde_json::from_str(json).map_err(|e| GalleryError::Corrupt {
                        offset: at,
                        reason: format!("calibration: {e}"),
                    })?
                } else {
                    let description = self.str(MAX_DESCRIPTION_BYTES, "calibration description")?;
                    let n = self.u64()?;
                    let n = self.count(n, 8)?;
                    let bytes = self.take(n * 8)?;
                    let scores: Vec<f64> = bytes
                        .chunks_exact(8)
                        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default()))
                        .collect();
                    Calibration::from_impostor_scores(&scores)
                        .map_err(|e| GalleryError::Corrupt {
                            offset: at,
                            reason: format!("calibration: {e}"),
                        })?
                        .with_description(description)
                };
                if c.is_empty() {
                    return Err(GalleryError::Corrupt {
                        offset: at,
                        reason: "calibration without impostor scores".into(),
                    });
                }
                Ok(Some(c))
            }
            b => Err(self.corrupt(format!("bad calibration flag {b}"))),
        }
    }

    fn record(&mut self) -> Result<Option<Record>, GalleryError> {
        match self.u8()? {
            0 => Ok(None),
            1 => {
                let at = self.at;
                let code = self.u8()?;
                let text = self.str(MAX_RECORD_TEXT_BYTES, "category text")?;
                let category = Category::from_code(code, text).map_err(corrupt_at(at))?;
                let mut r = Record::new(category, self.str(MAX_RECORD_TEXT_BYTES, "agency")?);
                r.reference = self.str(MAX_RECORD_TEXT_BYTES, "reference")?.to_string();
                r.action = self.str(MAX_RECORD_TEXT_BYTES, "action")?.to_string();
                r.valid_from = self.i64()?;
                r.valid_until = self.i64()?;
                let n_at = self.at;
                let n = self.u32()? as usize;
                if n > MAX_RECORD_FIELDS {
                    return Err(GalleryError::Corrupt {
                        offset: n_at,
                        reason: format!("{n} record fields (at most {MAX_RECORD_FIELDS})"),
                    });
                }
                for _ in 0..n {
                    let k = self.str(MAX_RECORD_TEXT_BYTES, "field name")?;
                    let v = self.str(MAX_RECORD_TEXT_BYTES, "field value")?;
                    if r.fields.insert(k.to_string(), v.to_string()).is_some() {
                        return Err(self.corrupt(format!("record field {k:?} appears twice")));
                    }
                }
                r.validate().map_err(corrupt_at(at))?;
                Ok(Some(r))
            }
            b => Err(self.corrupt(format!("bad record flag {b}"))),
        }
    }
}

/// Reads an unencrypted gallery file written by [`save`], within the default [`LoadLimits`].
pub fn load(path: &Path, matcher: Matcher) -> Result<Gallery, GalleryError> {
    load_with_limits(path, matcher, &LoadLimits::default())
}

/// Reads a gallery file written by [`save`] within `limits`: a file over
/// [`LoadLimits::max_file_bytes`] is [`GalleryError::Corrupt`] (and is not read past the
/// limit); a path that is not a regular file (a FIFO, a device) is [`GalleryError::Io`].
pub fn load_with_limits(
    path: &Path,
    matcher: Matcher,
    limits: &LoadLimits,
) -> Result<Gallery, GalleryError> {
    load_with_key(path, matcher, limits, None)
}

/// As [`load_with_limits`], for a file encrypted by [`save_encrypted`] when `key` is given
/// (then an unencrypted file is [`GalleryError::NotEncrypted`]); without a key an encrypted
/// file is [`GalleryError::KeyRequired`].
pub fn load_with_key(
    path: &Path,
    matcher: Matcher,
    limits: &LoadLimits,
    key: Option<&GalleryKey>,
) -> Result<Gallery, GalleryError> {
    let bytes = read_capped(path, limits.max_file_bytes).map_err(|e| match e {
        ReadCappedError::Io(source) => io_err(path)(source),
        ReadCappedError::TooLarge { limit } => GalleryError::Corrupt {
            offset: 0,
            reason: format!("file is larger than the limit of {limit} bytes (LoadLimits)"),
        },
    })?;
    from_bytes_with_key(&bytes, matcher, limits, key)
}

/// Parses a gallery file's bytes within the default [`LoadLimits`].
pub fn from_bytes(bytes: &[u8], matcher: Matcher) -> Result<Gallery, GalleryError> {
    from_bytes_with_limits(bytes, matcher, &LoadLimits::default())
}

/// Any error found while turning parsed records into a gallery, as corrupt data.
fn corrupt_at(offset: usize) -> impl Fn(GalleryError) -> GalleryError {
    move |e| match e {
        e @ GalleryError::Corrupt { .. } => e,
        other => GalleryError::Corrupt {
            offset,
            reason: other.to_string(),
        },
    }
}

/// Parses an unencrypted gallery file's bytes within `limits` (see the
/// [module documentation](self)).
pub fn from_bytes_with_limits(
    bytes: &[u8],
    matcher: Matcher,
    limits: &LoadLimits,
) -> Result<Gallery, GalleryError> {
    from_bytes_with_key(bytes, matcher, limits, None)
}

/// Parses a gallery file's bytes within `limits`, decrypting with `key` (see
/// [`load_with_key`] for what a key, or its absence, requires of the file).
pub fn from_bytes_with_key(
    bytes: &[u8],
    matcher: Matcher,
    limits: &LoadLimits,
    key: Option<&GalleryKey>,
) -> Result<Gallery, GalleryError> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(GalleryError::NotAGallery);
    }
    if bytes.len() < HEADER_LEN {
        return Err(GalleryError::Corrupt {
            offset: bytes.len(),
            reason: "file shorter than its header".into(),
        });
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(GalleryError::Corrupt {
            offset: 0,
            reason: format!(
                "file of {} bytes is larger than the limit of {} bytes (LoadLimits)",
                bytes.len(),
                limits.max_file_bytes
            ),
        });
    }
    let word =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let version = word(8);
    if !(1..=VERSION).contains(&version) {
        return Err(GalleryError::UnsupportedVersion(version, VERSION));
    }
    let flags = word(12);
    if flags & !FLAG_ENCRYPTED != 0 || (version == 1 && flags != 0) {
        return Err(GalleryError::Corrupt {
            offset: 0,
            reason: format!("unknown header flags {flags:#x}"),
        });
    }
    if word(28) != 0 {
        return Err(GalleryError::Corrupt {
            offset: 0,
            reason: "reserved header word is not 0".into(),
        });
    }
    let encrypted = flags & FLAG_ENCRYPTED != 0;
    match (encrypted, key) {
        (true, None) => return Err(GalleryError::KeyRequired),
        (false, Some(_)) => return Err(GalleryError::NotEncrypted),
        _ => {}
    }
    let len = u64::from(word(16)) | (u64::from(word(20)) << 32);
    let stored = word(24);
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != len {
        return Err(GalleryError::Corrupt {
            offset: HEADER_LEN,
            reason: format!("payload is {} bytes, header says {len}", payload.len()),
        });
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(payload);
    let computed = crc.finalize();
    if computed != stored {
        return Err(GalleryError::ChecksumMismatch { stored, computed });
    }
    match key {
        Some(key) => {
            let plain = encryption::open(key, &bytes[..16], payload)?;
            parse_payload(&plain, version, matcher, limits)
        }
        None => parse_payload(payload, version, matcher, limits),
    }
}

fn parse_payload(
    payload: &[u8],
    version: u32,
    matcher: Matcher,
    limits: &LoadLimits,
) -> Result<Gallery, GalleryError> {
    let mut c = Cursor {
        data: payload,
        at: 0,
    };
    // The tag is read once; every face shares this one copy.
    let face_model: Arc<str> = Arc::from(c.str(MAX_MODEL_TAG_BYTES, "face model tag")?);
    let dim_at = c.at;
    let face_dim = c.u32()? as usize;
    if !(MIN_DIM..=MAX_DIM).contains(&face_dim) {
        return Err(GalleryError::Corrupt {
            offset: dim_at,
            reason: format!("face dimension {face_dim} is outside {MIN_DIM}..={MAX_DIM}"),
        });
    }
    let face_precision = match c.u8()? {
        0 => Precision::F32,
        1 => Precision::F16,
        2 => Precision::I8,
        b => return Err(c.corrupt(format!("bad precision code {b}"))),
    };
    let finger_calibration = c.calibration(version)?;
    let face_calibration = c.calibration(version)?;
    let config = GalleryConfig {
        face_model: face_model.to_string(),
        face_dim,
        face_precision,
        finger_calibration,
        face_calibration,
    };
    let n_at = c.at;
    let n = c.u64()?;
    // Smallest subject record: id length (4) + 1 id byte + face flag (1) + impression count (4)
    // (+ record flag (1) from version 2).
    let n = c.count(n, if version == 1 { 10 } else { 11 })?;
    if n > limits.max_subjects {
        return Err(GalleryError::Corrupt {
            offset: n_at,
            reason: format!(
                "{n} subjects exceed the limit of {} (LoadLimits)",
                limits.max_subjects
            ),
        });
    }
    // Capacity grows with the records actually parsed, never from the count alone.
    let mut subjects = Vec::with_capacity(n.min(1024));
    let mut seen: HashSet<SubjectId> = HashSet::with_capacity(n.min(1024));
    let (mut faces, mut impressions_total) = (0usize, 0usize);
    for _ in 0..n {
        let at = c.at;
        let id =
            SubjectId::new(c.str(SubjectId::MAX_BYTES, "subject id")?).map_err(corrupt_at(at))?;
        if !seen.insert(id.clone()) {
            return Err(GalleryError::Corrupt {
                offset: at,
                reason: format!("subject {id:?} appears twice"),
            });
        }
        let mut subject = Subject::new(id);
        match c.u8()? {
            0 => {}
            1 => {
                faces += 1;
                if faces > limits.max_faces {
                    return Err(
                        c.corrupt(format!("more than {} faces (LoadLimits)", limits.max_faces))
                    );
                }
                let face_at = c.at;
                let dim = c.count(config.face_dim as u64, 4)?;
                let values = (0..dim).map(|_| c.f32()).collect::<Result<Vec<_>, _>>()?;
                let face = FaceTemplate::with_shared_model(&face_model, &values)
                    .map_err(|e| corrupt_at(face_at)(e.into()))?;
                subject = subject.with_face(face);
            }
            b => return Err(c.corrupt(format!("bad face flag {b}"))),
        }
        let count_at = c.at;
        let impressions = c.u32()? as u64;
        let impressions = c.count(impressions, 16)?;
        impressions_total += impressions;
        if impressions > MAX_FINGERS_PER_SUBJECT * MAX_IMPRESSIONS
            || impressions_total > limits.max_impressions
        {
            return Err(GalleryError::Corrupt {
                offset: count_at,
                reason: format!(
                    "{impressions} impressions in one subject, {impressions_total} in all: over \
                     the limits of {} per subject and {} per file (LoadLimits)",
                    MAX_FINGERS_PER_SUBJECT * MAX_IMPRESSIONS,
                    limits.max_impressions
                ),
            });
        }
        for _ in 0..impressions {
            let head = c.take(4)?;
            let (pos, view_number, itype, fq) = (head[0], head[1], head[2], head[3]);
            let (w, h, rx, ry) = (c.u16()?, c.u16()?, c.u16()?, c.u16()?);
            let mut view = FingerView::new(
                w,
                h,
                Resolution {
                    x_ppcm: rx,
                    y_ppcm: ry,
                },
            );
            view.finger_position = FingerPosition(pos);
            view.view_number = view_number;
            view.impression_type = ImpressionType(itype);
            view.finger_quality = fq;
            let m_at = c.at;
            let m = c.u32()? as u64;
            let m = c.count(m, 14)?;
            if m > MAX_MINUTIAE {
                return Err(GalleryError::Corrupt {
                    offset: m_at,
                    reason: format!("{m} minutiae in one view (at most {MAX_MINUTIAE})"),
                });
            }
            view.minutiae.reserve(m);
            for _ in 0..m {
                let minutia_at = c.at;
                let (x, y, angle) = (c.f32()?, c.f32()?, c.f32()?);
                if !(x.is_finite() && y.is_finite() && angle.is_finite()) {
                    return Err(GalleryError::Corrupt {
                        offset: minutia_at,
                        reason: "a minutia coordinate or angle is NaN or infinite".into(),
                    });
                }
                let kind = MinutiaKind::from_code(c.u8()?);
                let quality = match c.u8()? {
                    254 => MinutiaQuality::Unknown,
                    255 => MinutiaQuality::Failed,
                    q => MinutiaQuality::Score(q.min(100)),
                };
                view.minutiae.push(Minutia {
                    x,
                    y,
                    angle,
                    kind,
                    quality,
                });
            }
            subject.add_finger(view);
        }
        if version >= 2 {
            subject.set_record(c.record()?);
        }
        subject.validate().map_err(corrupt_at(at))?;
        subjects.push(subject);
    }
    if c.at != payload.len() {
        return Err(c.corrupt("trailing bytes after the last subject"));
    }
    let gallery = Gallery::with_matcher(config, matcher);
    gallery.enrol_many(subjects).map_err(corrupt_at(n_at))?;
    Ok(gallery)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Gallery {
        let g = Gallery::new(GalleryConfig::new("m", 128));
        let mut v = FingerView::new(300, 400, Resolution::PPI_500);
        v.minutiae.push(Minutia {
            x: 10.0,
            y: 20.0,
            angle: 30.0,
            kind: MinutiaKind::Bifurcation,
            quality: MinutiaQuality::Score(40),
        });
        let s = Subject::new(SubjectId::new("alice").unwrap())
            .with_face(FaceTemplate::new("m", &[0.5; 128]).unwrap())
            .with_finger(v);
        g.enrol(s).unwrap();
        g
    }

    #[test]
    fn a_crash_during_save_leaves_the_previous_file_loadable() {
        let dir = std::env::temp_dir().join(format!("bm-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("g.bmg");
        let g = sample();
        save(&g, &path).unwrap();
        g.enrol(
            Subject::new(SubjectId::new("bob").unwrap())
                .with_face(FaceTemplate::new("m", &[-0.5; 128]).unwrap()),
        )
        .unwrap();
        // Crash half-way through the payload: the error surfaces, the old file stays.
        assert!(save_inner(&g, &path, None, Some(20)).is_err());
        let back = Gallery::load(&path).unwrap();
        assert_eq!(back.len(), 1);
        assert!(back.contains(&SubjectId::new("alice").unwrap()));
        // A complete save then replaces it.
        save(&g, &path).unwrap();
        assert_eq!(Gallery::load(&path).unwrap().len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
