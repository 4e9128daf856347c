//! Saving and loading a whole gallery.
//!
//! # File format (version 1, little-endian)
//! | bytes | content |
//! |---|---|
//! | 8 | magic `BMGALLRY` |
//! | 4 | format version (1) |
//! | 4 | reserved, 0 |
//! | 8 | payload length in bytes |
//! | 4 | CRC-32 (IEEE 802.3, as zlib/PNG) of the payload |
//! | 4 | reserved, 0 |
//! | n | payload |
//!
//! The payload holds the face model tag and dimension, both calibrations (JSON), then every
//! subject: id, face embedding (if any) and each finger impression (position, view header,
//! minutiae as x, y, angle `f32`, kind and quality bytes). Extended data (ridge counts,
//! cores, deltas) is not kept. First-stage descriptors and the matcher's candidate sides
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
//! concurrent saves from other processes are undisturbed). [`load`] checks magic, version, length and
//! checksum before parsing, and every count inside the payload against the bytes left, so a
//! corrupt file is a typed [`GalleryError`], never a panic or a huge allocation.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::calibration::Calibration;
use crate::face::{FaceTemplate, Precision};
use crate::finger::matcher::Matcher;
use crate::finger::template::{
    FingerPosition, FingerView, ImpressionType, Minutia, MinutiaKind, MinutiaQuality, Resolution,
};
use crate::gallery::{Gallery, GalleryConfig, GalleryError, Subject, SubjectId};

/// The magic bytes at the start of a gallery file.
pub const MAGIC: &[u8; 8] = b"BMGALLRY";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
const HEADER_LEN: usize = 32;

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

/// Writes `gallery` to `path` atomically.
pub fn save(gallery: &Gallery, path: &Path) -> Result<(), GalleryError> {
    save_inner(gallery, path, None)
}

pub(crate) fn save_inner(
    gallery: &Gallery,
    path: &Path,
    fail_after: Option<u64>,
) -> Result<(), GalleryError> {
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
        write_payload(gallery, &mut out).map_err(&err)?;
        let (crc, len) = (out.crc.clone().finalize(), out.written);
        let mut file = out.inner.into_inner().map_err(|e| err(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(&err)?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes());
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
    out.write_all(&(s.len() as u32).to_le_bytes())?;
    out.write_all(s.as_bytes())
}

fn put_calibration(out: &mut impl Write, c: &Option<Calibration>) -> std::io::Result<()> {
    match c {
        None => out.write_all(&[0]),
        Some(c) => {
            out.write_all(&[1])?;
            let json = serde_json::to_string(c).map_err(std::io::Error::other)?;
            put_str(out, &json)
        }
    }
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
    out.write_all(&(cfg.face_dim as u32).to_le_bytes())?;
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

    /// A count of items each at least `min_item_bytes` long, checked against the bytes left.
    fn count(&mut self, n: u64, min_item_bytes: usize) -> Result<usize, GalleryError> {
        let left = (self.data.len() - self.at) as u64;
        if n.saturating_mul(min_item_bytes as u64) > left {
            return Err(self.corrupt(format!("count {n} does not fit in the {left} bytes left")));
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<&'a str, GalleryError> {
        let n = self.u32()? as u64;
        let n = self.count(n, 1)?;
        let at = self.at;
        std::str::from_utf8(self.take(n)?).map_err(|_| GalleryError::Corrupt {
            offset: at,
            reason: "text is not UTF-8".into(),
        })
    }

    fn calibration(&mut self) -> Result<Option<Calibration>, GalleryError> {
        match self.u8()? {
            0 => Ok(None),
            1 => {
                let at = self.at;
                let json = self.str()?;
                let c: Calibration =
                    serde_json::from_str(json).map_err(|e| GalleryError::Corrupt {
                        offset: at,
                        reason: format!("calibration: {e}"),
                    })?;
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
}

/// Reads a gallery file written by [`save`].
pub fn load(path: &Path, matcher: Matcher) -> Result<Gallery, GalleryError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(io_err(path))?;
    from_bytes(&bytes, matcher)
}

/// Parses a gallery file's bytes.
pub fn from_bytes(bytes: &[u8], matcher: Matcher) -> Result<Gallery, GalleryError> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(GalleryError::NotAGallery);
    }
    if bytes.len() < HEADER_LEN {
        return Err(GalleryError::Corrupt {
            offset: bytes.len(),
            reason: "file shorter than its header".into(),
        });
    }
    let word =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let version = word(8);
    if version != VERSION {
        return Err(GalleryError::UnsupportedVersion(version, VERSION));
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
    let mut c = Cursor {
        data: payload,
        at: 0,
    };
    let face_model = c.str()?.to_string();
    let face_dim = c.u32()? as usize;
    let face_precision = match c.u8()? {
        0 => Precision::F32,
        1 => Precision::F16,
        2 => Precision::I8,
        b => return Err(c.corrupt(format!("bad precision code {b}"))),
    };
    let finger_calibration = c.calibration()?;
    let face_calibration = c.calibration()?;
    let config = GalleryConfig {
        face_model,
        face_dim,
        face_precision,
        finger_calibration,
        face_calibration,
    };
    let n = c.u64()?;
    let n = c.count(n, 9)?;
    let mut subjects = Vec::with_capacity(n);
    for _ in 0..n {
        let at = c.at;
        let id = SubjectId::new(c.str()?).map_err(|e| GalleryError::Corrupt {
            offset: at,
            reason: e.to_string(),
        })?;
        let mut subject = Subject::new(id);
        match c.u8()? {
            0 => {}
            1 => {
                let dim = c.count(config.face_dim as u64, 4)?;
                let values = (0..dim).map(|_| c.f32()).collect::<Result<Vec<_>, _>>()?;
                subject = subject.with_face(FaceTemplate::new(&config.face_model, &values)?);
            }
            b => return Err(c.corrupt(format!("bad face flag {b}"))),
        }
        let impressions = c.u32()? as u64;
        let impressions = c.count(impressions, 16)?;
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
            let m = c.u32()? as u64;
            let m = c.count(m, 14)?;
            view.minutiae.reserve(m);
            for _ in 0..m {
                let (x, y, angle) = (c.f32()?, c.f32()?, c.f32()?);
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
        subjects.push(subject);
    }
    if c.at != payload.len() {
        return Err(c.corrupt("trailing bytes after the last subject"));
    }
    let gallery = Gallery::with_matcher(config, matcher);
    gallery.enrol_many(subjects)?;
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
        assert!(save_inner(&g, &path, Some(20)).is_err());
        let back = Gallery::load(&path).unwrap();
        assert_eq!(back.len(), 1);
        assert!(back.contains(&SubjectId::new("alice").unwrap()));
        // A complete save then replaces it.
        save(&g, &path).unwrap();
        assert_eq!(Gallery::load(&path).unwrap().len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
