//! The gallery's typed errors.

use thiserror::Error;

use crate::calibration::CalibrationError;
use crate::face::FaceError;

/// Why a gallery operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum GalleryError {
    /// The subject id is empty, too long, or contains control characters.
    #[error("invalid subject id {id:?}: {reason}")]
    InvalidId {
        /// The offending id (possibly shortened).
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A subject with this id is already enrolled (use `replace` to overwrite it).
    #[error("subject {0:?} is already enrolled")]
    DuplicateId(String),
    /// No subject with this id is enrolled.
    #[error("subject {0:?} is not enrolled")]
    UnknownId(String),
    /// A subject record has neither a face nor any finger.
    #[error("subject {0:?} has no face and no finger: nothing to enrol")]
    EmptySubject(String),
    /// A record or probe holds more fingers, impressions or minutiae than the gallery accepts.
    #[error("{what}: {got} exceeds the limit of {limit}")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// The count found.
        got: usize,
        /// The limit.
        limit: usize,
    },
    /// A minutia coordinate or angle is NaN or infinite.
    #[error("finger view has a non-finite minutia value")]
    NonFiniteMinutia,
    /// The probe has neither a face nor a finger.
    #[error("the probe has no face and no finger")]
    EmptyProbe,
    /// A fused score was asked for but a modality has no calibration.
    #[error("no {0} calibration: fused scores need each modality's impostor distribution")]
    NotCalibrated(&'static str),
    /// A face template was rejected by the face index.
    #[error("face: {0}")]
    Face(#[from] FaceError),
    /// A row of a batch of face embeddings was rejected (the first such row).
    #[error("face embedding row {row}: {error}")]
    FaceRow {
        /// The row of the input array.
        row: usize,
        /// What is wrong with it.
        error: FaceError,
    },
    /// A calibration could not be built or used.
    #[error("calibration: {0}")]
    Calibration(#[from] CalibrationError),
    /// Reading or writing a gallery file failed at the operating-system level.
    #[error("gallery file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a gallery file (wrong magic bytes).
    #[error("not a biomatch gallery file (bad magic bytes)")]
    NotAGallery,
    /// The file was written by an unknown format version.
    #[error("gallery format version {0} is not supported (this build reads version {1})")]
    UnsupportedVersion(u32, u32),
    /// The file's checksum does not match its contents.
    #[error("gallery file is corrupt: checksum {stored:#010x} stored, {computed:#010x} computed")]
    ChecksumMismatch {
        /// Checksum in the header.
        stored: u32,
        /// Checksum of the payload read.
        computed: u32,
    },
    /// The file ended early or a structure inside it is inconsistent.
    #[error("gallery file is corrupt at byte {offset}: {reason}")]
    Corrupt {
        /// Byte offset in the payload.
        offset: usize,
        /// What was inconsistent.
        reason: String,
    },
    /// A watchlist record is invalid (text too long or with control characters, reversed
    /// validity window, too many fields, unknown category code).
    #[error("invalid watchlist record: {0}")]
    InvalidRecord(String),
    /// An encryption key could not be made or read (length, encoding, key file).
    #[error("gallery key: {0}")]
    InvalidKey(String),
    /// The gallery file is encrypted and no key was given.
    #[error("the gallery file is encrypted: a key is needed to load it")]
    KeyRequired,
    /// A key was given but the gallery file is not encrypted (refused: an attacker who can
    /// write the file could otherwise replace an encrypted watchlist with a plain one).
    #[error("a key was given but the gallery file is not encrypted")]
    NotEncrypted,
    /// The encrypted payload does not authenticate: the wrong key, or the file was altered.
    #[error("the gallery file does not decrypt: wrong key, or the file was altered")]
    Decryption,
}
