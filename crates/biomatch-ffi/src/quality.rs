//! Fingerprint image quality: a 0-100 score and feedback flags for a capture, so that a gate
//! can ask for another one while the traveller is still at the glass.

use biomatch_core::finger::FingerTemplate;
use biomatch_core::finger::quality::{QualityFlags, QualityReport};

use crate::boundary::ffi_call;
use crate::extract::{extract_error, params, raster};
use crate::finger::biomatch_finger_template;
use crate::ptr::{Out, into_handle, slice};
use crate::status::biomatch_status;

/// Feedback flags of a capture (bits of `biomatch_finger_quality_report.flags`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum biomatch_quality_flag {
    /// The image is empty, uniform or too low in contrast to show ridges.
    LowContrast = 1,
    /// Too little fingerprint area (below NFIQ 2's 50,000 pixels at 500 ppi).
    SmallForeground = 2,
    /// Fewer than 12 usable minutiae.
    FewMinutiae = 4,
    /// The fingerprint sits off centre against an image edge.
    NearEdge = 8,
    /// The ridge period does not fit the stated resolution (probably a wrong ppi).
    ImplausibleFrequency = 16,
}

/// The quality of one capture (a plain value struct, copied out).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct biomatch_finger_quality_report {
    /// 0..=100, higher is better; 0 also for an image without usable ridges.
    pub score: u8,
    /// A bit set of `biomatch_quality_flag` values (0 = nothing to report).
    pub flags: u32,
    /// Fingerprint area found, mm².
    pub area_mm2: f32,
    /// Minutiae the extractor kept.
    pub minutiae: u32,
}

impl From<&QualityReport> for biomatch_finger_quality_report {
    fn from(r: &QualityReport) -> Self {
        biomatch_finger_quality_report {
            score: r.score,
            flags: r.flags.0,
            area_mm2: r.features.area_mm2 as f32,
            minutiae: r.features.minutiae as u32,
        }
    }
}

// The C flag values are the core's bits.
const _: () = {
    assert!(biomatch_quality_flag::LowContrast as u32 == QualityFlags::LOW_CONTRAST.0);
    assert!(biomatch_quality_flag::SmallForeground as u32 == QualityFlags::SMALL_FOREGROUND.0);
    assert!(biomatch_quality_flag::FewMinutiae as u32 == QualityFlags::FEW_MINUTIAE.0);
    assert!(biomatch_quality_flag::NearEdge as u32 == QualityFlags::NEAR_EDGE.0);
    assert!(
        biomatch_quality_flag::ImplausibleFrequency as u32 == QualityFlags::IMPLAUSIBLE_FREQUENCY.0
    );
};

/// The quality of a fingerprint image given as for `biomatch_finger_extract` (`height` rows
/// of `width` 8-bit grey levels, row `y` at `pixels + y * stride`, `len` bytes, `ppi` pixels
/// per inch). It runs the extraction, whose measurements the score needs; to get the
/// template too, call `biomatch_finger_extract_with_quality`. A uniform or blank image gives
/// `BIOMATCH_STATUS_OK` with score 0 and `BIOMATCH_QUALITY_FLAG_LOW_CONTRAST`; an empty,
/// too large or too small image, a stride below the width, a short buffer or an unsupported
/// resolution gives `BIOMATCH_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_quality(
    pixels: *const u8,
    len: usize,
    width: u32,
    height: u32,
    stride: usize,
    ppi: f32,
    out_report: *mut biomatch_finger_quality_report,
) -> biomatch_status {
    ffi_call("biomatch_finger_quality", || {
        let out = Out::new(out_report, "out_report")?;
        // SAFETY: the caller passes `len` readable bytes at `pixels` (or NULL with len 0).
        let pixels = unsafe { slice(pixels, len, "pixels") }?;
        let raster = raster(pixels, width as usize, height as usize, stride, ppi)?;
        let report =
            biomatch_core::finger::quality::assess(&raster, params()).map_err(extract_error)?;
        // SAFETY: checked non-NULL and aligned; the caller provides writable memory.
        unsafe { out.write(biomatch_finger_quality_report::from(&report)) };
        Ok(())
    })
}

/// `biomatch_finger_extract` and `biomatch_finger_quality` in one pass: the template (owned
/// by the caller, released with `biomatch_finger_template_free`; its finger quality is the
/// score) and the quality report. Both outputs are written only on success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_extract_with_quality(
    pixels: *const u8,
    len: usize,
    width: u32,
    height: u32,
    stride: usize,
    ppi: f32,
    out_template: *mut *mut biomatch_finger_template,
    out_report: *mut biomatch_finger_quality_report,
) -> biomatch_status {
    ffi_call("biomatch_finger_extract_with_quality", || {
        let out_t = Out::new(out_template, "out_template")?;
        let out_r = Out::new(out_report, "out_report")?;
        // SAFETY: the caller passes `len` readable bytes at `pixels` (or NULL with len 0).
        let pixels = unsafe { slice(pixels, len, "pixels") }?;
        let raster = raster(pixels, width as usize, height as usize, stride, ppi)?;
        let (view, report) =
            biomatch_core::finger::extract::extract_with_quality(&raster, params())
                .map_err(extract_error)?;
        let handle = biomatch_finger_template::new(FingerTemplate::single(view), None);
        // SAFETY: both checked non-NULL and aligned; the caller provides writable memory.
        unsafe {
            out_r.write(biomatch_finger_quality_report::from(&report));
            out_t.write(into_handle(handle));
        }
        Ok(())
    })
}
