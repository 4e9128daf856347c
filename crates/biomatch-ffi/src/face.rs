//! Face templates (embeddings from the integrator's face model) and 1:1 face scores.

use std::ffi::c_char;

use biomatch_core::face::{FaceError, FaceTemplate};

use crate::boundary::{ffi_call, ffi_free};
use crate::error::{FfiError, FfiResult};
use crate::ptr::{Out, free_handle, handle, into_handle, slice, utf8};
use crate::status::biomatch_status;

/// A face template: an L2-normalised embedding tagged with the model that produced it, opaque.
///
/// Created by `biomatch_face_template_new`, released with `biomatch_face_template_free`.
/// Immutable once created: a `const` handle may be used by any number of threads at once.
pub struct biomatch_face_template {
    pub(crate) template: FaceTemplate,
}

/// The status a face error maps to.
pub(crate) fn face_error(e: FaceError) -> FfiError {
    let status = match e {
        FaceError::WrongDimension { .. } | FaceError::DimensionOutOfRange { .. } => {
            biomatch_status::WrongDimension
        }
        FaceError::NotFinite { .. } | FaceError::Zero => biomatch_status::InvalidEmbedding,
        FaceError::ModelMismatch { .. } => biomatch_status::ModelMismatch,
        FaceError::DuplicateId(_) => biomatch_status::DuplicateId,
        FaceError::UnknownId(_) => biomatch_status::UnknownId,
        FaceError::NotCalibrated => biomatch_status::NotCalibrated,
        FaceError::IsaUnavailable(_) => biomatch_status::Unavailable,
        FaceError::Io { .. } => biomatch_status::Io,
        FaceError::NotAnIndexFile
        | FaceError::UnsupportedVersion(_)
        | FaceError::Truncated
        | FaceError::ChecksumMismatch
        | FaceError::Corrupt(_) => biomatch_status::CorruptData,
        _ => biomatch_status::InvalidArgument,
    };
    FfiError::new(status, e.to_string())
}

/// Builds a template from `dimension` values (an embedding of any positive dimension),
/// checking and L2-normalising it.
///
/// # Safety
/// As the export below.
pub(crate) unsafe fn face_template_from_raw(
    model: *const c_char,
    embedding: *const f32,
    dimension: usize,
) -> FfiResult<FaceTemplate> {
    // SAFETY: forwarded caller guarantees.
    let model = unsafe { utf8(model, "model") }?;
    // SAFETY: the caller passes `dimension` readable floats at `embedding`.
    let values = unsafe { slice(embedding, dimension, "embedding") }?;
    if values.is_empty() {
        return Err(FfiError::new(
            biomatch_status::WrongDimension,
            "the embedding has no values",
        ));
    }
    FaceTemplate::new(model, values).map_err(face_error)
}

/// Creates a face template from an embedding of `dimension` floats produced by the face
/// model named `model` (a NUL-terminated UTF-8 tag such as `"facenet512"`; templates of
/// different models never compare). The values are copied and L2-normalised.
///
/// On success `*out_template` receives a new template owned by the caller (release it with
/// `biomatch_face_template_free`). A `dimension` outside 128..=4096 gives
/// `BIOMATCH_STATUS_WRONG_DIMENSION`;
/// NaN, infinite or all-zero values give `BIOMATCH_STATUS_INVALID_EMBEDDING`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_face_template_new(
    model: *const c_char,
    embedding: *const f32,
    dimension: usize,
    out_template: *mut *mut biomatch_face_template,
) -> biomatch_status {
    ffi_call("biomatch_face_template_new", || {
        let out = Out::new(out_template, "out_template")?;
        // SAFETY: the caller's guarantees on `model` and `embedding` are forwarded.
        let template = unsafe { face_template_from_raw(model, embedding, dimension) }?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(biomatch_face_template { template })) };
        Ok(())
    })
}

/// Releases a face template. NULL is a no-op. The handle must not be used afterwards, and no
/// other thread may be using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_face_template_free(tmpl: *mut biomatch_face_template) {
    // SAFETY: the caller passes NULL or a live handle from this library, once.
    ffi_free(|| unsafe { free_handle(tmpl) });
}

/// The number of values of a face template's embedding.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_face_template_dimension(
    tmpl: *const biomatch_face_template,
    out_dimension: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_face_template_dimension", || {
        let out = Out::new(out_dimension, "out_dimension")?;
        // SAFETY: the caller passes NULL or a live template handle.
        let t = unsafe { handle(tmpl, "template") }?;
        // SAFETY: checked non-NULL; the caller provides a writable `size_t`.
        unsafe { out.write(t.template.values().len()) };
        Ok(())
    })
}

/// The cosine similarity in [-1, 1] of two face templates (higher is more similar).
/// Templates of different models give `BIOMATCH_STATUS_MODEL_MISMATCH`, of different
/// dimensions `BIOMATCH_STATUS_WRONG_DIMENSION`. Both handles are only read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_face_score(
    probe: *const biomatch_face_template,
    candidate: *const biomatch_face_template,
    out_score: *mut f32,
) -> biomatch_status {
    ffi_call("biomatch_face_score", || {
        let out = Out::new(out_score, "out_score")?;
        // SAFETY: the caller passes NULL or live template handles.
        let probe = unsafe { handle(probe, "probe") }?;
        // SAFETY: as above.
        let candidate = unsafe { handle(candidate, "candidate") }?;
        let score = probe
            .template
            .similarity(&candidate.template)
            .map_err(face_error)?;
        // SAFETY: checked non-NULL; the caller provides a writable float.
        unsafe { out.write(score) };
        Ok(())
    })
}
