//! Core errors as Python exceptions.
//!
//! The classes live in `biomatch._errors` (Python, so that each can also derive from the
//! matching built-in exception and pickle under its import path); this module picks the
//! class for each core error variant.

use biomatch::calibration::CalibrationError;
use biomatch::face::FaceError;
use biomatch::finger::extract::ExtractError;
use biomatch::finger::formats::FormatError;
use biomatch::gallery::GalleryError;
use pyo3::PyErrArguments;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// An exception of class `name` of `biomatch._errors` with `args`.
fn raise<A>(name: &str, args: A) -> PyErr
where
    A: PyErrArguments + Send + Sync + 'static,
{
    Python::attach(|py| {
        let class = py
            .import("biomatch._errors")
            .and_then(|m| m.getattr(name))
            .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(c) => PyErr::from_type(c, args),
            Err(e) => e,
        }
    })
}

/// An exception of class `name` with one message.
pub(crate) fn error(name: &str, message: impl Into<String>) -> PyErr {
    raise(name, (message.into(),))
}

/// Bad input from the caller (`InvalidInputError`, a `ValueError`).
pub(crate) fn invalid(message: impl Into<String>) -> PyErr {
    error("InvalidInputError", message)
}

/// An operating-system failure on `path` (`BiomatchIOError`, an `OSError`).
pub(crate) fn io(path: &str, e: &std::io::Error) -> PyErr {
    raise(
        "BiomatchIOError",
        (e.raw_os_error(), format!("{path}: {e}"), path.to_string()),
    )
}

fn face_class(e: &FaceError) -> &'static str {
    match e {
        FaceError::WrongDimension { .. }
        | FaceError::LengthMismatch { .. }
        | FaceError::NotFinite { .. }
        | FaceError::Zero
        | FaceError::ModelMismatch { .. }
        | FaceError::DimensionOutOfRange { .. } => "InvalidInputError",
        FaceError::DuplicateId(_) => "DuplicateIdError",
        FaceError::UnknownId(_) => "UnknownIdError",
        FaceError::NotCalibrated => "NotCalibratedError",
        FaceError::Calibration(_) => "CalibrationError",
        FaceError::Io { .. } => "BiomatchIOError",
        FaceError::NotAnIndexFile
        | FaceError::UnsupportedVersion(_)
        | FaceError::Truncated
        | FaceError::ChecksumMismatch
        | FaceError::Corrupt(_) => "CorruptFileError",
        _ => "BiomatchError",
    }
}

/// A face error, its message prefixed with `context` when not empty.
pub(crate) fn face_in(context: &str, e: &FaceError) -> PyErr {
    let message = if context.is_empty() {
        e.to_string()
    } else {
        format!("{context}: {e}")
    };
    match e {
        FaceError::Io { path, .. } => {
            raise("BiomatchIOError", (None::<i32>, message, path.to_string()))
        }
        _ => error(face_class(e), message),
    }
}

/// A face error.
pub(crate) fn face(e: FaceError) -> PyErr {
    face_in("", &e)
}

/// A gallery error.
pub(crate) fn gallery(e: GalleryError) -> PyErr {
    let class = match &e {
        GalleryError::InvalidId { .. }
        | GalleryError::EmptySubject(_)
        | GalleryError::TooLarge { .. }
        | GalleryError::NonFiniteMinutia
        | GalleryError::InvalidRecord(_)
        | GalleryError::InvalidKey(_)
        | GalleryError::EmptyProbe => "InvalidInputError",
        GalleryError::DuplicateId(_) => "DuplicateIdError",
        GalleryError::UnknownId(_) => "UnknownIdError",
        GalleryError::NotCalibrated(_) => "NotCalibratedError",
        GalleryError::Face(f) => return face_in("", f),
        GalleryError::FaceRow { row, error } => return face_in(&format!("row {row}"), error),
        GalleryError::Calibration(_) => "CalibrationError",
        GalleryError::Io { path, source } => {
            return raise(
                "BiomatchIOError",
                (source.raw_os_error(), e.to_string(), path.clone()),
            );
        }
        GalleryError::NotAGallery
        | GalleryError::UnsupportedVersion(..)
        | GalleryError::ChecksumMismatch { .. }
        | GalleryError::Corrupt { .. }
        | GalleryError::Decryption
        | GalleryError::KeyRequired
        | GalleryError::NotEncrypted => "CorruptFileError",
        _ => "BiomatchError",
    };
    error(class, e.to_string())
}

/// A template format error.
pub(crate) fn format(e: FormatError) -> PyErr {
    error("TemplateFormatError", e.to_string())
}

/// An extraction error.
pub(crate) fn extract(e: ExtractError) -> PyErr {
    error("ExtractionError", e.to_string())
}

/// A calibration error.
pub(crate) fn calibration(e: CalibrationError) -> PyErr {
    error("CalibrationError", e.to_string())
}
