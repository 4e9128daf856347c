//! Face embeddings: templates, 1:1 comparison, 1:N gallery indexes.
//!
//! Gate vendors run their own face model and hand over embeddings. A [`FaceTemplate`] is such
//! an embedding (dimension 128..=4096), validated and L2-normalised, tagged with its model;
//! [`FaceTemplate::similarity`] is the cosine similarity (1:1). A [`FaceIndex`] is a flat
//! (exhaustive) 1:N gallery stored in f32, f16 or int8 (see [`Precision`] for the
//! quantisation schemes and error bounds), searched with SIMD kernels chosen at run time
//! (AVX-512 F/BW/VNNI, AVX2+FMA+F16C, NEON, portable), in parallel over rayon workers, and
//! safe to modify while it is searched. Scores calibrate to false-match rates with
//! [`crate::calibration::Calibration`], which an index persists with its data.

mod bandwidth;
mod batch;
mod gemm;
pub(crate) mod index;
mod kernels;
pub mod npy;
pub mod params;
mod persist;
mod quant;
mod rows;
mod storage;
mod template;

pub use bandwidth::measure_read_bandwidth;
pub use index::FaceIndex;
pub use kernels::{BatchProduct, Isa, active_isa, dots_f16, dots_f32, dots_i8};
pub use quant::i8_error_bound;
pub use rows::{RowsError, templates_from_rows};
pub use template::FaceTemplate;
pub(crate) use template::check_model_tag;

use thiserror::Error;

use crate::calibration::CalibrationError;

/// Why a face template or index operation failed.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum FaceError {
    /// A batch gave a different number of ids and embedding rows.
    #[error("{ids} ids for {rows} embedding rows")]
    LengthMismatch {
        /// Ids given.
        ids: usize,
        /// Embedding rows given.
        rows: usize,
    },
    /// The embedding's dimension is not the one expected.
    #[error("embedding has dimension {got}, expected {expected}")]
    WrongDimension {
        /// Expected dimension.
        expected: usize,
        /// Given dimension.
        got: usize,
    },
    /// A value is NaN or infinite.
    #[error("embedding value {index} is not finite")]
    NotFinite {
        /// Position of the value.
        index: usize,
    },
    /// The embedding is all zeros.
    #[error("embedding is the zero vector")]
    Zero,
    /// The template comes from another face model than the index.
    #[error("template is from model {got:?}, index holds model {expected:?}")]
    ModelMismatch {
        /// The index's model tag.
        expected: String,
        /// The template's model tag.
        got: String,
    },
    /// The id is already enrolled.
    #[error("id {0} is already enrolled")]
    DuplicateId(u64),
    /// The id is not enrolled.
    #[error("id {0} is not enrolled")]
    UnknownId(u64),
    /// The embedding dimension is outside the supported 128..=4096.
    #[error("embedding dimension {got} is outside the supported range 128..=4096")]
    DimensionOutOfRange {
        /// Given dimension.
        got: usize,
    },
    /// The face-model tag is longer than [`params::MAX_MODEL_TAG_BYTES`].
    #[error("face model tag of {got} bytes exceeds the limit of {limit} bytes")]
    ModelTagTooLong {
        /// Length of the given tag.
        got: usize,
        /// The limit.
        limit: usize,
    },
    /// Threshold or FMR asked of an index that has no calibration.
    #[error("the index has no calibration: call `calibrate` with impostor scores first")]
    NotCalibrated,
    /// The calibration rejected its input.
    #[error("calibration: {0}")]
    Calibration(#[from] CalibrationError),
    /// The requested instruction-set family is not available on this CPU.
    #[error("the {0} kernels are not available on this CPU")]
    IsaUnavailable(&'static str),
    /// Reading or writing an index file failed.
    #[error("index file {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The file is not a biomatch face index (wrong magic bytes).
    #[error("not a biomatch face index file (bad magic bytes)")]
    NotAnIndexFile,
    /// The index file was written by an unsupported format version.
    #[error("face index format version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u32),
    /// The file ends before its declared content.
    #[error("face index file is truncated")]
    Truncated,
    /// The stored checksum does not match the content.
    #[error("face index file is corrupt: checksum mismatch")]
    ChecksumMismatch,
    /// The content is inconsistent although the checksum matched.
    #[error("face index file is corrupt: {0}")]
    Corrupt(String),
}

/// Storage precision of a face index.
///
/// * `F32`: exact scores.
/// * `F16`: values rounded to IEEE half; score error at most `2^-11 + d * 2^-25` for unit
///   vectors (about 5e-4 at d = 512) plus f32 rounding.
/// * `I8`: symmetric per-vector scale `s = max|v| / 127`, codes `round(v / s)`; score error at
///   most `(sqrt(d) / 2)(s_a + s_b) + d s_a s_b / 4` ([`i8_error_bound`]); the integer dot
///   product itself is exact (AVX-512 VNNI with a +128 offset corrected per probe).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Precision {
    /// 32-bit floats.
    #[default]
    F32,
    /// 16-bit floats.
    F16,
    /// Symmetric 8-bit integers.
    I8,
}

impl Precision {
    /// Bytes the search reads per stored vector of dimension `dim` (values and scale).
    pub fn bytes_per_vector(self, dim: usize) -> usize {
        match self {
            Precision::F32 => 4 * dim,
            Precision::F16 => 2 * dim,
            Precision::I8 => dim + 4,
        }
    }

    /// Lower-case name (`f32`, `f16`, `i8`).
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
            Precision::I8 => "i8",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Precision, String> {
        match s.to_ascii_lowercase().as_str() {
            "f32" => Ok(Precision::F32),
            "f16" => Ok(Precision::F16),
            "i8" | "int8" => Ok(Precision::I8),
            other => Err(format!("unknown precision {other:?}: use f32, f16 or i8")),
        }
    }
}

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// The enrolled id.
    pub id: u64,
    /// Cosine similarity.
    pub score: f32,
}
