//! Reading and writing minutiae templates in the interchange formats (ISO/IEC 19794-2,
//! ANSI INCITS 378, NIST xyt, ANSI/NIST-ITL Type-9).
//!
//! [`read`] detects the format from the bytes (or takes the caller's word for it), decodes it
//! into the internal [`FingerTemplate`](crate::finger::FingerTemplate) convention and reports
//! every deviation from the standard it tolerated as a [`Deviation`]. [`write`] encodes a
//! template into one of the writable formats.

mod iso2005;

use thiserror::Error;

use crate::finger::template::FingerTemplate;

/// A template format this library knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// ISO/IEC 19794-2:2005 record format.
    Iso2005,
    /// ISO/IEC 19794-2:2011 record format.
    Iso2011,
    /// ANSI INCITS 378-2004.
    Ansi2004,
    /// ANSI INCITS 378-2009.
    Ansi2009,
    /// ANSI INCITS 378-2009 amendment 1 (version "035").
    Ansi2009Am1,
}

/// How strictly a reader holds a record to its standard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Reject any deviation from the standard, naming it.
    Strict,
    /// Accept what real files do and report each deviation as a warning.
    #[default]
    Lenient,
}

/// Options for [`read`].
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Strict or lenient.
    pub mode: Mode,
    /// The format, when the caller knows it; `None` detects it from the bytes.
    pub format: Option<Format>,
}

/// A deviation from the standard that a lenient read tolerated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// Byte offset where it was seen.
    pub offset: usize,
    /// What was wrong, in words.
    pub message: String,
}

/// The result of a successful [`read`].
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The template in the internal convention.
    pub template: FingerTemplate,
    /// The format it was read as.
    pub format: Format,
    /// Deviations tolerated (always empty in strict mode).
    pub warnings: Vec<Deviation>,
}

/// Why a template could not be read or written.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The data ended before the structure did.
    #[error("truncated record: needed {needed} bytes at offset {offset}, only {available} left")]
    Truncated {
        /// Where the read was.
        offset: usize,
        /// Bytes the structure needs there.
        needed: usize,
        /// Bytes left in the buffer.
        available: usize,
    },
    /// A field holds a value the format does not allow.
    #[error("invalid {field} at offset {offset}: {reason}")]
    Invalid {
        /// The field's name.
        field: &'static str,
        /// Where it is.
        offset: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The bytes are not a template of any known format.
    #[error("unrecognised template format: {0}")]
    Unrecognised(String),
    /// Strict mode met a deviation that lenient mode would have tolerated.
    #[error("not conforming (strict mode): {0}")]
    NonConforming(String),
}

/// Reads a template from bytes.
pub fn read(bytes: &[u8], options: &ReadOptions) -> Result<Decoded, FormatError> {
    match options.format {
        Some(Format::Iso2005) | None => iso2005::read(bytes, options.mode),
        Some(other) => Err(FormatError::Unrecognised(format!(
            "reader for {other:?} not available yet"
        ))),
    }
}
