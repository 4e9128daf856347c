//! Saving and loading a face index: a versioned little-endian binary format with a CRC-32
//! checksum, written atomically (temporary file in the same directory, fsync, rename).
//!
//! Layout (version 1):
//! ```text
//! magic      8 bytes  "BMFACEIX"
//! version    u32      1
//! precision  u8       0 = f32, 1 = f16, 2 = int8
//! dim        u32      128..=4096
//! model      u32 length + UTF-8 bytes
//! calib      u64 length + JSON of the Calibration (length 0: none)
//! count      u64
//! rows       count x (id u64, then f32: dim x f32 | f16: dim x u16 | int8: scale f32 + dim x u8)
//! crc32      u32      of every byte before it
//! ```
//! Loading reads at most [`LoadLimits::max_file_bytes`] of a regular file, checks the declared
//! size and the checksum before parsing, and every length against the bytes that remain and
//! the [`LoadLimits`], so a corrupt or hostile file never causes a huge allocation or a panic.

use std::io::Write;
use std::path::Path;

use super::index::{Encoded, FaceIndex, Rows};
use super::params::{MAX_DIM, MAX_MODEL_TAG_BYTES, MIN_DIM};
use super::{FaceError, Precision};
use crate::calibration::Calibration;
use crate::load_limits::{LoadLimits, ReadCappedError, read_capped};

const MAGIC: &[u8; 8] = b"BMFACEIX";
const VERSION: u32 = 1;

fn io_err(path: &Path, e: std::io::Error) -> FaceError {
    FaceError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn precision_code(p: Precision) -> u8 {
    match p {
        Precision::F32 => 0,
        Precision::F16 => 1,
        Precision::I8 => 2,
    }
}

impl FaceIndex {
    /// Serialises the index (one consistent snapshot) and its calibration to bytes.
    ///
    /// An index whose model tag or dimension [`FaceIndex::from_bytes`] would refuse (a tag
    /// over [`MAX_MODEL_TAG_BYTES`], a dimension outside 128..=4096) is
    /// [`FaceError::ModelTagTooLong`] / [`FaceError::DimensionOutOfRange`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, FaceError> {
        super::check_model_tag(self.model())?;
        let dim = self.dim();
        if !(MIN_DIM..=MAX_DIM).contains(&dim) {
            return Err(FaceError::DimensionOutOfRange { got: dim });
        }
        let snap = self.snapshot();
        let count: usize = snap.segments.iter().map(|s| s.ids.len()).sum();
        let row_bytes = 8 + self.precision().bytes_per_vector(dim);
        let calib = self
            .calibration()
            .map(|c| serde_json::to_vec(&c).expect("a calibration always serialises"))
            .unwrap_or_default();
        let mut out = Vec::with_capacity(64 + self.model().len() + calib.len() + count * row_bytes);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.push(precision_code(self.precision()));
        // Both fit in 32 bits: checked above.
        out.extend_from_slice(&(dim as u32).to_le_bytes());
        out.extend_from_slice(&(self.model().len() as u32).to_le_bytes());
        out.extend_from_slice(self.model().as_bytes());
        out.extend_from_slice(&(calib.len() as u64).to_le_bytes());
        out.extend_from_slice(&calib);
        out.extend_from_slice(&(count as u64).to_le_bytes());
        for seg in &snap.segments {
            for (r, id) in seg.ids.iter().enumerate() {
                out.extend_from_slice(&id.to_le_bytes());
                let span = r * dim..(r + 1) * dim;
                match &seg.rows {
                    Rows::F32(v) => v[span]
                        .iter()
                        .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
                    Rows::F16(v) => v[span]
                        .iter()
                        .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
                    Rows::I8 { codes, scales } => {
                        out.extend_from_slice(&scales[r].to_le_bytes());
                        out.extend_from_slice(&codes[span]);
                    }
                }
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Writes the index to `path` atomically: a temporary file beside it is written, synced
    /// and renamed over `path`, so readers see the old file or the new one, never a mix.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), FaceError> {
        let path = path.as_ref();
        let bytes = self.to_bytes()?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "index".into());
        let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(io_err(path, e));
        }
        Ok(())
    }

    /// Reads an index written by [`FaceIndex::save`], within the default [`LoadLimits`].
    pub fn load(path: impl AsRef<Path>) -> Result<FaceIndex, FaceError> {
        FaceIndex::load_with_limits(path, &LoadLimits::default())
    }

    /// Reads an index written by [`FaceIndex::save`] within `limits`: a file over
    /// [`LoadLimits::max_file_bytes`] (not read past the limit) or holding more than
    /// [`LoadLimits::max_faces`] rows is [`FaceError::Corrupt`]; a path that is not a regular
    /// file (a FIFO, a device) is [`FaceError::Io`].
    pub fn load_with_limits(
        path: impl AsRef<Path>,
        limits: &LoadLimits,
    ) -> Result<FaceIndex, FaceError> {
        let path = path.as_ref();
        let bytes = read_capped(path, limits.max_file_bytes).map_err(|e| match e {
            ReadCappedError::Io(e) => io_err(path, e),
            ReadCappedError::TooLarge { limit } => FaceError::Corrupt(format!(
                "file is larger than the limit of {limit} bytes (LoadLimits)"
            )),
        })?;
        FaceIndex::from_bytes_with_limits(&bytes, limits)
    }

    /// Parses the bytes of [`FaceIndex::to_bytes`] within the default [`LoadLimits`].
    pub fn from_bytes(bytes: &[u8]) -> Result<FaceIndex, FaceError> {
        FaceIndex::from_bytes_with_limits(bytes, &LoadLimits::default())
    }

    /// Parses the bytes of [`FaceIndex::to_bytes`] within `limits`.
    pub fn from_bytes_with_limits(
        bytes: &[u8],
        limits: &LoadLimits,
    ) -> Result<FaceIndex, FaceError> {
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(FaceError::Corrupt(format!(
                "{} bytes exceed the limit of {} bytes (LoadLimits)",
                bytes.len(),
                limits.max_file_bytes
            )));
        }
        if bytes.len() < MAGIC.len() + 4 {
            return Err(if bytes.len() >= MAGIC.len() && &bytes[..8] != MAGIC {
                FaceError::NotAnIndexFile
            } else {
                FaceError::Truncated
            });
        }
        if &bytes[..8] != MAGIC {
            return Err(FaceError::NotAnIndexFile);
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if version != VERSION {
            return Err(FaceError::UnsupportedVersion(version));
        }
        let mut r = Reader {
            buf: bytes,
            pos: 12,
        };
        let precision = match r.u8()? {
            0 => Precision::F32,
            1 => Precision::F16,
            2 => Precision::I8,
            p => return Err(FaceError::Corrupt(format!("unknown precision code {p}"))),
        };
        let dim = r.u32()? as usize;
        if !(MIN_DIM..=MAX_DIM).contains(&dim) {
            return Err(FaceError::Corrupt(format!("dimension {dim} out of range")));
        }
        let model_len = r.u32()? as usize;
        if model_len > MAX_MODEL_TAG_BYTES {
            return Err(FaceError::Corrupt(format!(
                "model tag of {model_len} bytes"
            )));
        }
        let model_bytes = r.take(model_len)?;
        let calib_len = r.len_u64()?;
        let calib_bytes = r.take(calib_len)?;
        let count = r.u64()?;
        // The declared size must be the file size before anything else is trusted.
        let row_bytes = 8 + precision.bytes_per_vector(dim) as u64;
        let expected = count
            .checked_mul(row_bytes)
            .and_then(|rows| rows.checked_add(r.pos as u64 + 4));
        match expected {
            Some(e) if e == bytes.len() as u64 => {}
            Some(e) if e < bytes.len() as u64 => {
                return Err(FaceError::Corrupt(format!(
                    "{} bytes after the declared end",
                    bytes.len() as u64 - e
                )));
            }
            _ => return Err(FaceError::Truncated),
        }
        if count > limits.max_faces as u64 {
            return Err(FaceError::Corrupt(format!(
                "{count} rows exceed the limit of {} (LoadLimits)",
                limits.max_faces
            )));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().expect("4 bytes")) {
            return Err(FaceError::ChecksumMismatch);
        }
        let model = std::str::from_utf8(model_bytes)
            .map_err(|_| FaceError::Corrupt("model tag is not UTF-8".into()))?
            .to_string();
        let calibration = if calib_bytes.is_empty() {
            None
        } else {
            let c: Calibration = serde_json::from_slice(calib_bytes)
                .map_err(|e| FaceError::Corrupt(format!("calibration: {e}")))?;
            Some(c)
        };
        let index = FaceIndex::new(&model, dim, precision);
        index.set_calibration(calibration);
        // `count` rows fill the file exactly (checked above), so this is bounded by its size.
        let mut rows = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let id = r.u64()?;
            let enc = match precision {
                Precision::F32 => {
                    let v: Vec<f32> = r
                        .take(4 * dim)?
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                        .collect();
                    if v.iter().any(|x| !x.is_finite()) {
                        return Err(FaceError::Corrupt(format!(
                            "entry {id} has a non-finite value"
                        )));
                    }
                    Encoded::F32(v)
                }
                Precision::F16 => {
                    let v: Vec<u16> = r
                        .take(2 * dim)?
                        .chunks_exact(2)
                        .map(|c| u16::from_le_bytes(c.try_into().expect("2 bytes")))
                        .collect();
                    if v.iter().any(|x| !half::f16::from_bits(*x).is_finite()) {
                        return Err(FaceError::Corrupt(format!(
                            "entry {id} has a non-finite value"
                        )));
                    }
                    Encoded::F16(v)
                }
                Precision::I8 => {
                    let scale = f32::from_le_bytes(r.take(4)?.try_into().expect("4 bytes"));
                    if !(scale.is_finite() && scale > 0.0) {
                        return Err(FaceError::Corrupt(format!("entry {id} has scale {scale}")));
                    }
                    let codes = r.take(dim)?.to_vec();
                    if codes.contains(&0) {
                        return Err(FaceError::Corrupt(format!("entry {id} has code -128")));
                    }
                    Encoded::I8 { codes, scale }
                }
            };
            rows.push((id, enc));
        }
        index.insert_encoded(rows).map_err(|e| match e {
            FaceError::DuplicateId(id) => FaceError::Corrupt(format!("id {id} appears twice")),
            e @ FaceError::Corrupt(_) => e,
            other => FaceError::Corrupt(other.to_string()),
        })?;
        Ok(index)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FaceError> {
        let end = self.pos.checked_add(n).ok_or(FaceError::Truncated)?;
        let s = self.buf.get(self.pos..end).ok_or(FaceError::Truncated)?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, FaceError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, FaceError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, FaceError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// A u64 length that must fit in the remaining bytes.
    fn len_u64(&mut self) -> Result<usize, FaceError> {
        let n = self.u64()?;
        if n > (self.buf.len() - self.pos) as u64 {
            return Err(FaceError::Truncated);
        }
        Ok(n as usize)
    }
}
