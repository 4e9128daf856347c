//! Score calibration: the threshold for a target false-match rate.

use biomatch_core::calibration::{Calibration, CalibrationError};

use crate::boundary::{ffi_call, ffi_free};
use crate::error::FfiError;
use crate::ptr::{Out, free_handle, handle, into_handle, slice};
use crate::status::biomatch_status;

/// An impostor score distribution (face or finger), opaque.
///
/// Created by `biomatch_calibration_new`, released with `biomatch_calibration_free`.
/// Immutable: a `const` handle may be used by any number of threads at once.
pub struct biomatch_calibration {
    pub(crate) calibration: Calibration,
}

fn calibration_error(e: CalibrationError) -> FfiError {
    FfiError::invalid(e.to_string())
}

/// Creates a calibration from `count` impostor scores (scores of comparisons between
/// different people, in any order, on the scale of `biomatch_face_score` or
/// `biomatch_finger_score`). The scores are copied. An empty list or a non-finite score gives
/// `BIOMATCH_STATUS_INVALID_ARGUMENT`. On success `*out_calibration` receives a new handle
/// owned by the caller (release it with `biomatch_calibration_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_calibration_new(
    impostor_scores: *const f64,
    count: usize,
    out_calibration: *mut *mut biomatch_calibration,
) -> biomatch_status {
    ffi_call("biomatch_calibration_new", || {
        let out = Out::new(out_calibration, "out_calibration")?;
        // SAFETY: the caller passes `count` readable doubles (or NULL with count 0).
        let scores = unsafe { slice(impostor_scores, count, "impostor_scores") }?;
        let calibration = Calibration::from_impostor_scores(scores).map_err(calibration_error)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(biomatch_calibration { calibration })) };
        Ok(())
    })
}

/// Releases a calibration. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_calibration_free(calibration: *mut biomatch_calibration) {
    // SAFETY: the caller passes NULL or a live handle from this library, once.
    ffi_free(|| unsafe { free_handle(calibration) });
}

/// The smallest threshold `t` such that at most a fraction `fmr` of the impostor scores are
/// `>= t`: decide "match" when a score is `>= t`. `fmr` must be in (0, 1]; FMRs below
/// 1 / (number of impostor scores) are not resolved by the data and give the threshold just
/// above the highest impostor score. May be `-INFINITY` when `fmr` admits every impostor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_calibration_threshold_for_fmr(
    calibration: *const biomatch_calibration,
    fmr: f64,
    out_threshold: *mut f64,
) -> biomatch_status {
    ffi_call("biomatch_calibration_threshold_for_fmr", || {
        let out = Out::new(out_threshold, "out_threshold")?;
        // SAFETY: the caller passes NULL or a live calibration handle.
        let c = unsafe { handle(calibration, "calibration") }?;
        let t = c
            .calibration
            .threshold_for_fmr(fmr)
            .map_err(calibration_error)?;
        // SAFETY: checked non-NULL; the caller provides a writable double.
        unsafe { out.write(t) };
        Ok(())
    })
}

/// The estimated false-match rate of a score: the fraction of impostor scores at or above
/// it. A NaN score gives `BIOMATCH_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_calibration_fmr_of_score(
    calibration: *const biomatch_calibration,
    score: f64,
    out_fmr: *mut f64,
) -> biomatch_status {
    ffi_call("biomatch_calibration_fmr_of_score", || {
        let out = Out::new(out_fmr, "out_fmr")?;
        // SAFETY: the caller passes NULL or a live calibration handle.
        let c = unsafe { handle(calibration, "calibration") }?;
        if score.is_nan() {
            return Err(FfiError::new(
                biomatch_status::InvalidArgument,
                "score is NaN",
            ));
        }
        // SAFETY: checked non-NULL; the caller provides a writable double.
        unsafe { out.write(c.calibration.fmr_of_score(score)) };
        Ok(())
    })
}
