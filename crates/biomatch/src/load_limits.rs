//! Limits on what loading a saved gallery or face index may read and allocate.
//!
//! Gallery and face index files come from outside the process (a partner agency's watchlist,
//! a network transfer), so they are untrusted input even when their checksum is valid: anyone
//! can compute a CRC-32. Loading therefore refuses, with a typed "corrupt data" error and
//! before allocating for them:
//! * files larger than [`LoadLimits::max_file_bytes`] (the file is read with a cap of that
//!   many bytes plus one, so a FIFO or a device such as `/dev/zero` cannot make it read
//!   forever; non-regular files are refused outright);
//! * more than [`LoadLimits::max_subjects`] subjects, [`LoadLimits::max_impressions`] finger
//!   impressions or [`LoadLimits::max_faces`] face vectors;
//! * face-model tags longer than [`crate::face::params::MAX_MODEL_TAG_BYTES`] (4096 bytes;
//!   the tag is stored once and shared by every face), subject ids longer than
//!   [`crate::gallery::SubjectId::MAX_BYTES`] (256 bytes), face dimensions outside
//!   128..=4096, more than 255 minutiae in one view.
//!
//! Every count is also checked against the bytes that remain before anything is reserved for
//! it. Memory after a successful load is bounded by the limits: beyond the file's bytes
//! (held while parsing), about 4 bytes per face value plus 3 KiB per finger impression (the
//! 2 KiB first-stage descriptor and the matcher's candidate side).
//!
//! The defaults fit the largest galleries this library is measured with (a million subjects,
//! two million fingers); a gate that only ever loads small watchlists should set lower ones.

use std::io::Read;
use std::path::Path;

/// Limits applied while loading a gallery ([`crate::gallery::persist::load_with_limits`]) or
/// a face index ([`crate::face::FaceIndex::load_with_limits`]). See the
/// [module documentation](self) for what each protects against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadLimits {
    /// Largest file accepted, in bytes (default 8 GiB).
    pub max_file_bytes: u64,
    /// Most subjects in a gallery file (default 2,000,000).
    pub max_subjects: usize,
    /// Most finger impressions in a gallery file, over all subjects (default 4,000,000).
    pub max_impressions: usize,
    /// Most face vectors in a gallery or face index file (default 2,000,000).
    pub max_faces: usize,
}

impl LoadLimits {
    /// The default limits (see each field).
    pub const DEFAULT: LoadLimits = LoadLimits {
        max_file_bytes: 8 << 30,
        max_subjects: 2_000_000,
        max_impressions: 4_000_000,
        max_faces: 2_000_000,
    };
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits::DEFAULT
    }
}

/// Why a file could not be read within its limit.
#[derive(Debug)]
pub(crate) enum ReadCappedError {
    /// The operating system refused (missing file, permissions...), or the path is not a
    /// regular file (a FIFO, a device, a directory).
    Io(std::io::Error),
    /// The file holds more than the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

/// Reads a regular file of at most `limit` bytes.
///
/// Special files (FIFOs, devices, sockets, directories) are refused before reading, and the
/// read itself stops after `limit + 1` bytes, so a file that grows while read, or a size the
/// metadata misreports, cannot make it read without end.
pub(crate) fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, ReadCappedError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading blocks until a writer appears; non-blocking, the open
    // returns at once and the type check below refuses it. (No effect on regular files.)
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(ReadCappedError::Io)?;
    let meta = file.metadata().map_err(ReadCappedError::Io)?;
    if !meta.is_file() {
        return Err(ReadCappedError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device, socket or directory is never read)",
        )));
    }
    if meta.len() > limit {
        return Err(ReadCappedError::TooLarge { limit });
    }
    // Reserve no more than the metadata's length (itself within the limit).
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadCappedError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadCappedError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_fifos_are_refused_without_reading() {
        // /dev/zero would never end: it must be refused before any read.
        if Path::new("/dev/zero").exists() {
            assert!(matches!(
                read_capped(Path::new("/dev/zero"), 1 << 20),
                Err(ReadCappedError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidInput
            ));
        }
        let dir = std::env::temp_dir();
        assert!(matches!(
            read_capped(&dir, 1 << 20),
            Err(ReadCappedError::Io(_))
        ));
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_one_at_the_limit_is_read() {
        let path = std::env::temp_dir().join(format!("bm-read-capped-{}.bin", std::process::id()));
        std::fs::write(&path, [7u8; 100]).unwrap();
        assert!(matches!(
            read_capped(&path, 99),
            Err(ReadCappedError::TooLarge { limit: 99 })
        ));
        assert_eq!(read_capped(&path, 100).unwrap(), vec![7u8; 100]);
        std::fs::remove_file(&path).unwrap();
    }
}
