//! Reading and writing minutiae templates in the interchange formats (ISO/IEC 19794-2,
//! ANSI INCITS 378, NIST xyt, ANSI/NIST-ITL Type-9).
//!
//! [`read()`] detects the format from the bytes (or takes the caller's word for it), decodes it
//! into the internal [`FingerTemplate`] convention (pixels, y down, ISO degrees at full
//! precision; see [`crate::finger::template`]) and reports every deviation from the standard
//! it tolerated as a [`Deviation`]. [`write()`] encodes a template into one of the writable
//! formats; writers produce records that the strict readers accept.
//!
//! | format | read | write | notes |
//! |---|---|---|---|
//! | ISO/IEC 19794-2:2005 | yes | yes | either reading of the extended area length |
//! | ISO/IEC 19794-2:2011 | yes | yes | capture, quality and certification blocks kept |
//! | ANSI INCITS 378-2004 | yes | yes | 2- and 6-byte length forms |
//! | ANSI INCITS 378-2009 (+ Amd 1) | yes | yes | 21-byte header; NIST 20-byte header read |
//! | NIST xyt | yes | yes | NIST-internal and `mindtct -m1` flavours |
//! | ANSI/NIST-ITL Type-9 | yes | no | legacy fields 9.008-9.012 |
//!
//! In [`Mode::Strict`] the first deviation is an error naming it
//! ([`FormatError::NonConforming`]); in [`Mode::Lenient`] the reader accepts what real files
//! do (length fields off by a few bytes, zero padding, either reading of the ISO 2005
//! extended-data length, `020` version bytes, inconsistent extended data blocks) and lists
//! each deviation in [`Decoded::warnings`]. Malformed input never panics: it is a
//! [`FormatError`].

pub mod an2k;
mod ansi2004;
mod ansi2009;
mod bytes;
mod detect;
mod edb;
mod fmr;
mod iso2005;
mod iso2011;
mod type9;
mod xyt;

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

pub use detect::detect;

use crate::finger::template::{FingerTemplate, Resolution};

/// The two kinds of NIST `.xyt` files (the file cannot say which it is).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum XytFlavour {
    /// Default `mindtct` output: origin bottom-left (`y = H - y_iso`), theta in degrees,
    /// pointing opposite to ISO.
    #[default]
    NistInternal,
    /// `mindtct -m1` output: ISO/ANSI geometry, theta in 2-degree units 0..=179.
    M1,
}

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
    /// NIST `.xyt` text in the given flavour.
    Xyt(XytFlavour),
    /// The legacy minutiae fields of ANSI/NIST-ITL Type-9 records (read only).
    Type9,
}

impl Format {
    /// Every format, for listings (xyt in both flavours).
    pub const ALL: [Format; 8] = [
        Format::Iso2005,
        Format::Iso2011,
        Format::Ansi2004,
        Format::Ansi2009,
        Format::Ansi2009Am1,
        Format::Xyt(XytFlavour::NistInternal),
        Format::Xyt(XytFlavour::M1),
        Format::Type9,
    ];

    /// The short identifier used on the command line (`iso2005`, `xyt`, `xyt-m1`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Format::Iso2005 => "iso2005",
            Format::Iso2011 => "iso2011",
            Format::Ansi2004 => "ansi2004",
            Format::Ansi2009 => "ansi2009",
            Format::Ansi2009Am1 => "ansi2009am1",
            Format::Xyt(XytFlavour::NistInternal) => "xyt",
            Format::Xyt(XytFlavour::M1) => "xyt-m1",
            Format::Type9 => "type9",
        }
    }

    /// Whether [`write()`] supports the format.
    pub fn is_writable(self) -> bool {
        self != Format::Type9
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Iso2005 => "ISO/IEC 19794-2:2005",
            Format::Iso2011 => "ISO/IEC 19794-2:2011",
            Format::Ansi2004 => "ANSI INCITS 378-2004",
            Format::Ansi2009 => "ANSI INCITS 378-2009",
            Format::Ansi2009Am1 => "ANSI INCITS 378-2009/AM1",
            Format::Xyt(XytFlavour::NistInternal) => "NIST xyt (NIST-internal)",
            Format::Xyt(XytFlavour::M1) => "NIST xyt (mindtct -m1)",
            Format::Type9 => "ANSI/NIST-ITL Type-9",
        })
    }
}

impl FromStr for Format {
    type Err = FormatError;

    /// Parses a short identifier ([`Format::id`]).
    fn from_str(s: &str) -> Result<Format, FormatError> {
        Format::ALL
            .into_iter()
            .find(|f| f.id().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let ids: Vec<&str> = Format::ALL.iter().map(|f| f.id()).collect();
                FormatError::Unrecognised(format!(
                    "unknown format name {s:?}; expected one of {}",
                    ids.join(", ")
                ))
            })
    }
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

/// Options for [`read()`].
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Strict or lenient.
    pub mode: Mode,
    /// The format, when the caller knows it; `None` detects it from the bytes.
    pub format: Option<Format>,
    /// The xyt flavour used when detection finds an xyt file (the file cannot tell).
    pub xyt_flavour: XytFlavour,
    /// Image width in pixels, for formats that do not store it (xyt, Type-9).
    pub image_width: Option<u16>,
    /// Image height in pixels, for formats that do not store it (xyt, Type-9); needed to
    /// undo their bottom-left origin.
    pub image_height: Option<u16>,
    /// Resolution, for formats that do not store it (xyt; Type-9 without 1.011).
    pub resolution: Option<Resolution>,
}

/// A deviation from the standard that a lenient read tolerated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// Byte offset where it was seen.
    pub offset: usize,
    /// What was wrong, in words.
    pub message: String,
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

/// The result of a successful [`read()`].
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The template in the internal convention.
    pub template: FingerTemplate,
    /// The format it was read as.
    pub format: Format,
    /// The version as the record states it (`"20"`, `"030"`, `"035"`, `"ANSI/NIST-ITL
    /// 0300"`, ...), with the header variant where one was recognised.
    pub version: String,
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
    /// The bytes fit more than one format (or none of the candidates cleanly).
    #[error("ambiguous template format: {0}")]
    Ambiguous(String),
    /// Strict mode met a deviation that lenient mode would have tolerated.
    #[error("not conforming (strict mode): {0}")]
    NonConforming(String),
    /// The format needs information the file does not hold and the caller did not give.
    #[error("missing information: {0}")]
    MissingContext(String),
    /// The template holds something the target format cannot store.
    #[error("cannot write the template in this format: {0}")]
    Unrepresentable(String),
    /// The operation is not available for this format.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// Reads a template from bytes.
pub fn read(bytes: &[u8], options: &ReadOptions) -> Result<Decoded, FormatError> {
    let format = match options.format {
        Some(f) => f,
        None => match detect(bytes)? {
            Format::Xyt(_) => Format::Xyt(options.xyt_flavour),
            f => f,
        },
    };
    let mut diag = bytes::Diag::new(options.mode);
    let (template, version) = match format {
        Format::Iso2005 => iso2005::read(bytes, &mut diag)?,
        Format::Iso2011 => iso2011::read(bytes, &mut diag)?,
        Format::Ansi2004 => ansi2004::read(bytes, &mut diag)?,
        Format::Ansi2009 => ansi2009::read(bytes, &mut diag, false)?,
        Format::Ansi2009Am1 => ansi2009::read(bytes, &mut diag, true)?,
        Format::Xyt(flavour) => xyt::read(bytes, flavour, options, &mut diag)?,
        Format::Type9 => type9::read(bytes, options, &mut diag)?,
    };
    Ok(Decoded {
        template,
        format,
        version,
        warnings: diag.warnings,
    })
}

/// Writes a template in one of the writable formats.
///
/// Angles are rounded to the nearest unit of the format and wrap around; coordinates are
/// rounded to whole pixels. What the format cannot hold (views of different image sizes in
/// a 2004/2005 record, more than 255 minutiae, several views in xyt, ...) is an
/// [`FormatError::Unrepresentable`] error rather than silently dropped.
///
/// View numbers follow the target's rule: per finger position 0, 1, 2, ... in 2004/2005/2009
/// records, unique per record in ISO 2011 (views that already follow it keep their numbers).
/// ANSI records take their CBEFF product identifier from [`RecordInfo`]; a template read from
/// ISO or xyt has owner 0, which strict ANSI readers reject, so set
/// `record.cbeff_owner` to your IBIA vendor ID before writing ANSI.
///
/// [`RecordInfo`]: crate::finger::RecordInfo
pub fn write(template: &FingerTemplate, format: Format) -> Result<Vec<u8>, FormatError> {
    match format {
        Format::Iso2005 => iso2005::write(template),
        Format::Iso2011 => iso2011::write(template),
        Format::Ansi2004 => ansi2004::write(template),
        Format::Ansi2009 => ansi2009::write(template, false),
        Format::Ansi2009Am1 => ansi2009::write(template, true),
        Format::Xyt(flavour) => xyt::write(template, flavour),
        Format::Type9 => Err(FormatError::Unsupported(
            "writing ANSI/NIST-ITL Type-9 records is not supported".into(),
        )),
    }
}
