//! ANSI/NIST-ITL transactions in the traditional encoding: read, inspect, build and write.
//!
//! A transaction is a Type-1 header record followed by the records its content listing
//! (field 1.003) names. Tagged records (Type-1, 2, 9, 10, 13-17, ...) are `T.NNN:value`
//! fields separated by GS, ending with FS; their image (field `.999`) is binary to the end of
//! the record. Types 3-8 are binary records with a 4-byte big-endian length first.
//!
//! The model keeps every field as it was read (tag spelling such as `1.01`, value bytes with
//! their RS/US separators, repeated fields, fields tagged with another record type), so a
//! transaction written back is byte for byte the one read. The writer **normalises only the
//! record lengths**: each tagged record's `T.001` LEN and each binary record's 4-byte length
//! are recomputed from the content (so a file whose lengths were wrong is corrected, and one
//! whose lengths were right is reproduced exactly). Binary Type-7 and Type-8 records, and
//! tagged records of types this module does not interpret, are carried unchanged.
//!
//! Typed views over the generic model: [`Transaction::images`] (Type-3..6 binary images,
//! Type-10 faces, Type-13/14/15 variable-resolution images, with size, resolution and
//! compression), [`Transaction::decode_image`] (raw, WSQ, PNG and JPEG through this crate's
//! decoders; JPEG 2000 is kept as bytes and decoding it is
//! [`An2kError::UnsupportedCompression`]), and [`Transaction::finger_template`] (Type-9 legacy
//! and EFS minutiae through the template reader). [`Transaction::builder`] assembles a new
//! transaction with a correct content listing.
//!
//! Reading is bounded: every length is checked against the bytes that remain before any
//! copy, the content listing cannot list more records than the bytes could hold, and each
//! record advances the read position, so reading ends. [`Mode::Strict`] turns the first
//! deviation (a length that disagrees with the data, a missing mandatory field, a wrong
//! separator, a content listing that disagrees with the records) into
//! [`An2kError::NonConforming`]; [`Mode::Lenient`] lists each in [`Decoded::warnings`].

mod build;
mod image;
mod read;
mod write;

use thiserror::Error;

pub use build::{Builder, FingerImage};
pub use image::{Compression, ImageInfo};

use super::{Deviation, Mode};
use crate::finger::image::ImageError;

/// Field separator: ends a record.
pub const FS: u8 = 0x1c;
/// Group separator: ends a field.
pub const GS: u8 = 0x1d;
/// Record separator: separates the subfields of a field.
pub const RS: u8 = 0x1e;
/// Unit separator: separates the items of a subfield.
pub const US: u8 = 0x1f;

/// Largest transaction [`read()`] accepts (2 GiB), far above real transactions; larger input
/// is refused before it is looked at.
pub const MAX_TRANSACTION_BYTES: usize = 1 << 31;

/// One ANSI/NIST-ITL transaction: the Type-1 record first, then the others in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// The records; `records[0]` is the Type-1 record.
    pub records: Vec<Record>,
}

/// One record of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A tagged (ASCII) record: types 1, 2, 9, 10, 13-17, 18-99.
    Tagged(TaggedRecord),
    /// A binary fingerprint image record: types 3, 4, 5 and 6.
    BinaryImage(BinaryImageRecord),
    /// A binary record kept as its bytes (types 7 and 8), including the length.
    Opaque {
        /// The record type.
        record_type: u8,
        /// The whole record, as read.
        bytes: Vec<u8>,
    },
}

/// A tagged record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaggedRecord {
    /// The record type (the type 1.003 lists it under).
    pub record_type: u32,
    /// The fields in file order, except the binary `.999` image data.
    pub fields: Vec<Field>,
    /// The binary data of field `.999`, with the tag as written, when the record has one.
    pub data: Option<(String, Vec<u8>)>,
}

/// A field of a tagged record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The tag as written (`"1.001"`, `"1.01"`, `"2.034"`).
    pub tag: String,
    /// The record type of the tag.
    pub record_type: u32,
    /// The field number of the tag.
    pub number: u32,
    /// The value bytes, with RS (subfield) and US (item) separators as written.
    pub value: Vec<u8>,
}

impl Field {
    /// A field `record_type.number` (the tag written with three digits).
    pub fn new(record_type: u32, number: u32, value: impl Into<Vec<u8>>) -> Field {
        Field {
            tag: format!("{record_type}.{number:03}"),
            record_type,
            number,
            value: value.into(),
        }
    }

    /// The value as text (invalid UTF-8 replaced), trimmed.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.value).trim().to_string()
    }

    /// The subfields, each split into its items.
    pub fn subfields(&self) -> Vec<Vec<&[u8]>> {
        self.value
            .split(|&b| b == RS)
            .map(|s| s.split(|&b| b == US).collect())
            .collect()
    }
}

impl TaggedRecord {
    /// The first field with this number (and the record's own type).
    pub fn field(&self, number: u32) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.number == number && f.record_type == self.record_type)
    }

    /// The first field with this number, as a whole number.
    pub fn number(&self, number: u32) -> Option<i64> {
        self.field(number).and_then(|f| parse_int(&f.value))
    }

    /// Sets a field (replacing the first with the number, else inserting in number order).
    pub fn set(&mut self, number: u32, value: impl Into<Vec<u8>>) {
        let value = value.into();
        let rt = self.record_type;
        if let Some(f) = self
            .fields
            .iter_mut()
            .find(|f| f.number == number && f.record_type == rt)
        {
            f.value = value;
            return;
        }
        let at = self
            .fields
            .iter()
            .position(|f| f.record_type == rt && f.number > number)
            .unwrap_or(self.fields.len());
        self.fields.insert(at, Field::new(rt, number, value));
    }
}

/// A binary image record (Type-3, 4, 5 or 6): an 18-byte header and the image data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryImageRecord {
    /// The record type (3..=6).
    pub record_type: u8,
    /// Information designation character: links the record to 1.003 and to Type-9 minutiae.
    pub idc: u8,
    /// Impression type (0 live-scan plain, 1 live-scan rolled, ...).
    pub impression: u8,
    /// Finger positions (up to six; 255 = unused).
    pub positions: [u8; 6],
    /// Image scanning resolution: 0 = the native resolution 1.011, 1 = the nominal 1.012.
    pub scanning_resolution: u8,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Compression algorithm: 0 none, 1 WSQ, 2 JPEG baseline, 3 JPEG lossless, 4 JPEG
    /// 2000, 5 JPEG 2000 lossless, 6 PNG.
    pub compression: u8,
    /// The image data.
    pub data: Vec<u8>,
}

/// The size of a Type-3..6 header (length, IDC, IMP, 6 FGP, ISR, HLL, VLL, GCA).
pub const BINARY_IMAGE_HEADER: usize = 18;

impl Record {
    /// The record type.
    pub fn record_type(&self) -> u32 {
        match self {
            Record::Tagged(t) => t.record_type,
            Record::BinaryImage(b) => u32::from(b.record_type),
            Record::Opaque { record_type, .. } => u32::from(*record_type),
        }
    }

    /// The IDC (information designation character), when the record states one (Type-1
    /// has none: its field 1.002 is the version).
    pub fn idc(&self) -> Option<i64> {
        match self {
            Record::Tagged(t) if t.record_type == 1 => None,
            Record::Tagged(t) => t.number(2),
            Record::BinaryImage(b) => Some(i64::from(b.idc)),
            Record::Opaque { bytes, .. } => bytes.get(4).map(|&b| i64::from(b)),
        }
    }

    /// The tagged record, if this is one.
    pub fn as_tagged(&self) -> Option<&TaggedRecord> {
        match self {
            Record::Tagged(t) => Some(t),
            _ => None,
        }
    }
}

/// A successfully read transaction and the deviations tolerated on the way.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The transaction.
    pub transaction: Transaction,
    /// Deviations tolerated (always empty in strict mode), each naming the record and field.
    pub warnings: Vec<Deviation>,
}

/// Why a transaction could not be read, interpreted or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum An2kError {
    /// The bytes do not start with a Type-1 record.
    #[error("not an ANSI/NIST-ITL transaction: {0}")]
    NotTransaction(String),
    /// The input is larger than [`MAX_TRANSACTION_BYTES`].
    #[error("transaction of {0} bytes exceeds the limit of {MAX_TRANSACTION_BYTES} bytes")]
    TooLarge(usize),
    /// A length points past the end of the data.
    #[error(
        "truncated: record {record} (Type-{record_type}) {field} at offset {offset} needs \
         {needed} bytes, only {available} left"
    )]
    Truncated {
        /// Index of the record in the transaction (0 = Type-1).
        record: usize,
        /// Its type.
        record_type: u32,
        /// The field or part being read.
        field: String,
        /// Where.
        offset: usize,
        /// Bytes it needs (as stated by the file).
        needed: u64,
        /// Bytes left.
        available: usize,
    },
    /// A field is malformed beyond what lenient reading accepts.
    #[error(
        "invalid record {record} (Type-{record_type}) field {field} at offset {offset}: {reason}"
    )]
    Invalid {
        /// Index of the record in the transaction.
        record: usize,
        /// Its type.
        record_type: u32,
        /// The field (`"1.003"`, `"LEN"`, ...).
        field: String,
        /// Where.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// Strict mode met a deviation that lenient mode would have tolerated.
    #[error("not conforming (strict mode): {0}")]
    NonConforming(Deviation),
    /// The image is stored in a compression this library cannot decode (the bytes are kept).
    #[error("record {record} (Type-{record_type}): cannot decode {compression} images")]
    UnsupportedCompression {
        /// Index of the record.
        record: usize,
        /// Its type.
        record_type: u32,
        /// The compression as the record names it.
        compression: String,
    },
    /// The image data did not decode.
    #[error("record {record} (Type-{record_type}) image: {source}")]
    Image {
        /// Index of the record.
        record: usize,
        /// Its type.
        record_type: u32,
        /// The decoder's error.
        #[source]
        source: ImageError,
    },
    /// The record does not exist or holds no image.
    #[error("record {0} is not an image record of this transaction")]
    NoImage(usize),
    /// The transaction cannot be written as it stands.
    #[error("cannot write the transaction: {0}")]
    Unrepresentable(String),
    /// The minutiae could not be converted.
    #[error("minutiae: {0}")]
    Minutiae(#[from] super::FormatError),
}

/// Reads a transaction in the traditional encoding.
pub fn read(bytes: &[u8], mode: Mode) -> Result<Decoded, An2kError> {
    read::read(bytes, mode)
}

/// Writes a transaction in the traditional encoding (record lengths recomputed).
pub fn write(transaction: &Transaction) -> Result<Vec<u8>, An2kError> {
    write::write(transaction)
}

impl Transaction {
    /// A builder for a new transaction.
    pub fn builder(type_of_transaction: &str) -> Builder {
        Builder::new(type_of_transaction)
    }

    /// The Type-1 record.
    pub fn type1(&self) -> Option<&TaggedRecord> {
        self.records.first().and_then(Record::as_tagged)
    }

    /// The version (1.002), e.g. `"0500"`.
    pub fn version(&self) -> Option<String> {
        self.type1().and_then(|t| t.field(2)).map(Field::text)
    }

    /// The type of transaction (1.004), e.g. `"CAR"`.
    pub fn type_of_transaction(&self) -> Option<String> {
        self.type1().and_then(|t| t.field(4)).map(Field::text)
    }

    /// The transaction control number (1.009).
    pub fn control_number(&self) -> Option<String> {
        self.type1().and_then(|t| t.field(9)).map(Field::text)
    }

    /// Encodes the transaction (see [`write()`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>, An2kError> {
        write::write(self)
    }

    /// The minutiae of the Type-9 records as one finger template (legacy 9.012 and EFS
    /// 9.331 minutiae), converted by the template reader with `options` (its format is set
    /// to Type-9).
    pub fn finger_template(
        &self,
        options: &super::ReadOptions,
    ) -> Result<super::Decoded, An2kError> {
        let bytes = self.to_bytes()?;
        let mut options = options.clone();
        options.format = Some(super::Format::Type9);
        Ok(super::read(&bytes, &options)?)
    }

    /// Rewrites 1.003 (content listing) from the records present, keeping the Type-1 entry's
    /// form: `1<US>count`, then `type<US>IDC` per record with the IDC in two digits.
    pub fn update_content_listing(&mut self) {
        let mut value = format!("1{}{}", US as char, self.records.len().saturating_sub(1));
        for r in self.records.iter().skip(1) {
            value.push(RS as char);
            value.push_str(&format!(
                "{}{}{:02}",
                r.record_type(),
                US as char,
                r.idc().unwrap_or(0)
            ));
        }
        if let Some(Record::Tagged(t)) = self.records.first_mut() {
            t.set(3, value);
        }
    }
}

/// A whole number from a field value (trimmed, at most 18 digits).
pub(crate) fn parse_int(v: &[u8]) -> Option<i64> {
    let t = std::str::from_utf8(v).ok()?.trim();
    if t.is_empty() || t.len() > 18 {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests;
