//! Status codes: the return value of every fallible export.

use std::ffi::{CStr, c_char};

/// The result of a call. Values are stable: a code is never renumbered or reused.
///
/// Functions that receive a status from C take it as a plain `uint32_t` (see
/// `biomatch_status_str`), so an unknown value is never undefined behaviour.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum biomatch_status {
    /// Success; out-parameters were written.
    Ok = 0,
    /// A required pointer (handle, out-parameter, string, or buffer with non-zero length) was
    /// NULL.
    NullArgument = 1,
    /// An argument is out of range: an unknown format or flag, a length that overflows, a
    /// misaligned buffer, a string that is not UTF-8, a NaN score, an FMR outside (0, 1].
    InvalidArgument = 2,
    /// The template bytes are truncated, malformed or (strict mode) not conforming.
    MalformedTemplate = 3,
    /// The bytes are not a template of a known format, or the format cannot be used for this
    /// operation (for example writing a read-only format).
    UnsupportedFormat = 4,
    /// The finger template has no view to compare.
    EmptyTemplate = 5,
    /// A face embedding has the wrong number of values.
    WrongDimension = 6,
    /// A face embedding holds NaN or infinite values, or is all zeros.
    InvalidEmbedding = 7,
    /// The face templates come from different face models.
    ModelMismatch = 8,
    /// The subject id is already enrolled.
    DuplicateId = 9,
    /// The subject id is not enrolled.
    UnknownId = 10,
    /// A file could not be read or written.
    Io = 11,
    /// A saved gallery or calibration is corrupt or of an unsupported version.
    CorruptData = 12,
    /// An index is past the end of a list.
    IndexOutOfRange = 13,
    /// The operation is not available in this build of the library.
    Unavailable = 14,
    /// An internal error (a bug in biomatch) was caught at the boundary; the message says
    /// where. Handles passed to the failing call are left valid.
    Panic = 15,
    /// A multi-modal search needs a calibration (impostor score distribution) the gallery was
    /// not given.
    NotCalibrated = 16,
    /// An encrypted gallery did not decrypt: the wrong key, or the file was altered.
    DecryptionFailed = 17,
    /// The gallery file is encrypted and no key was given, or a key was given for a file that
    /// is not encrypted.
    EncryptionMismatch = 18,
}

impl biomatch_status {
    pub(crate) const ALL: [biomatch_status; 19] = [
        biomatch_status::Ok,
        biomatch_status::NullArgument,
        biomatch_status::InvalidArgument,
        biomatch_status::MalformedTemplate,
        biomatch_status::UnsupportedFormat,
        biomatch_status::EmptyTemplate,
        biomatch_status::WrongDimension,
        biomatch_status::InvalidEmbedding,
        biomatch_status::ModelMismatch,
        biomatch_status::DuplicateId,
        biomatch_status::UnknownId,
        biomatch_status::Io,
        biomatch_status::CorruptData,
        biomatch_status::IndexOutOfRange,
        biomatch_status::Unavailable,
        biomatch_status::Panic,
        biomatch_status::NotCalibrated,
        biomatch_status::DecryptionFailed,
        biomatch_status::EncryptionMismatch,
    ];

    /// The status for a raw value from C, if it is one.
    pub(crate) fn from_raw(raw: u32) -> Option<biomatch_status> {
        Self::ALL.iter().copied().find(|s| *s as u32 == raw)
    }

    fn text(self) -> &'static CStr {
        match self {
            biomatch_status::Ok => c"ok",
            biomatch_status::NullArgument => c"a required pointer argument was NULL",
            biomatch_status::InvalidArgument => c"an argument is out of range",
            biomatch_status::MalformedTemplate => c"the template is truncated or malformed",
            biomatch_status::UnsupportedFormat => c"unsupported template format",
            biomatch_status::EmptyTemplate => c"the finger template has no view",
            biomatch_status::WrongDimension => c"the face embedding has the wrong dimension",
            biomatch_status::InvalidEmbedding => {
                c"the face embedding is not finite or is all zeros"
            }
            biomatch_status::ModelMismatch => c"the face templates come from different models",
            biomatch_status::DuplicateId => c"the subject id is already enrolled",
            biomatch_status::UnknownId => c"the subject id is not enrolled",
            biomatch_status::Io => c"input/output error",
            biomatch_status::CorruptData => c"the saved data is corrupt or of another version",
            biomatch_status::IndexOutOfRange => c"index out of range",
            biomatch_status::Unavailable => c"not available in this build",
            biomatch_status::Panic => c"internal error (caught panic)",
            biomatch_status::NotCalibrated => c"the gallery has no calibration for this search",
            biomatch_status::DecryptionFailed => {
                c"the gallery does not decrypt: wrong key, or the file was altered"
            }
            biomatch_status::EncryptionMismatch => {
                c"encrypted gallery without a key, or a key for an unencrypted gallery"
            }
        }
    }
}

/// A short static English description of a status code.
///
/// Takes the code as a plain integer so that any value is safe; an unknown value gives
/// `"unknown status"`. The returned string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn biomatch_status_str(status: u32) -> *const c_char {
    match biomatch_status::from_raw(status) {
        Some(s) => s.text().as_ptr(),
        None => c"unknown status".as_ptr(),
    }
}
