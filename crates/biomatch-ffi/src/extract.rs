//! Minutiae extraction from an 8-bit grayscale image in the caller's memory.

use std::sync::OnceLock;

use biomatch_core::finger::FingerTemplate;
use biomatch_core::finger::extract::{self, ExtractError, ExtractParams};
use biomatch_core::finger::image::Raster;

use crate::boundary::ffi_call;
use crate::error::{FfiError, FfiResult};
use crate::finger::biomatch_finger_template;
use crate::ptr::{Out, into_handle, slice};
use crate::status::biomatch_status;

pub(crate) fn params() -> &'static ExtractParams {
    static PARAMS: OnceLock<ExtractParams> = OnceLock::new();
    PARAMS.get_or_init(ExtractParams::default)
}

pub(crate) fn extract_error(e: ExtractError) -> FfiError {
    FfiError::invalid(e.to_string())
}

/// Copies the rows of a strided image into a packed raster, checking the geometry against
/// the extractor's limits before allocating.
pub(crate) fn raster(
    pixels: &[u8],
    width: usize,
    height: usize,
    stride: usize,
    ppi: f32,
) -> FfiResult<Raster> {
    let limits = &params().limits;
    if width == 0 || height == 0 {
        return Err(extract_error(ExtractError::Empty { width, height }));
    }
    if width > limits.max_side
        || height > limits.max_side
        || width.saturating_mul(height) > limits.max_pixels
    {
        return Err(extract_error(ExtractError::TooLarge {
            width,
            height,
            max_side: limits.max_side,
            max_pixels: limits.max_pixels,
        }));
    }
    if stride < width {
        return Err(FfiError::invalid(format!(
            "stride {stride} is smaller than the width {width}"
        )));
    }
    // The last row needs only `width` bytes, not a whole stride.
    let needed = stride
        .checked_mul(height - 1)
        .and_then(|n| n.checked_add(width))
        .ok_or_else(|| FfiError::invalid("stride * height overflows"))?;
    if pixels.len() < needed {
        return Err(FfiError::invalid(format!(
            "the pixel buffer holds {} bytes, {width} x {height} with stride {stride} needs {needed}",
            pixels.len()
        )));
    }
    let mut packed = Vec::with_capacity(width * height);
    for row in pixels.chunks(stride).take(height) {
        packed.extend_from_slice(&row[..width]);
    }
    Ok(Raster {
        width,
        height,
        ppi,
        pixels: packed,
    })
}

/// Extracts the minutiae of a fingerprint image: `height` rows of `width` 8-bit grey levels
/// (0 black, 255 white), row `y` starting at `pixels + y * stride`, scanned at `ppi` pixels
/// per inch. `len` is the size of the buffer in bytes (at least `stride * (height - 1) +
/// width`). The pixels are copied; the caller keeps its buffer.
///
/// On success `*out_template` receives a new single-view template owned by the caller
/// (release it with `biomatch_finger_template_free`); its format is `BIOMATCH_FORMAT_AUTO`
/// (not read from bytes) and it can be written in any writable format. An empty, too large
/// or too small image, a stride below the width, a short buffer or an unsupported
/// resolution gives `BIOMATCH_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_extract(
    pixels: *const u8,
    len: usize,
    width: u32,
    height: u32,
    stride: usize,
    ppi: f32,
    out_template: *mut *mut biomatch_finger_template,
) -> biomatch_status {
    ffi_call("biomatch_finger_extract", || {
        let out = Out::new(out_template, "out_template")?;
        // SAFETY: the caller passes `len` readable bytes at `pixels` (or NULL with len 0).
        let pixels = unsafe { slice(pixels, len, "pixels") }?;
        let raster = raster(pixels, width as usize, height as usize, stride, ppi)?;
        let view = extract::extract(&raster, params()).map_err(extract_error)?;
        let handle = biomatch_finger_template::new(FingerTemplate::single(view), None);
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}
