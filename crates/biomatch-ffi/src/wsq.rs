//! WSQ (FBI wavelet scalar quantisation) fingerprint image encoding and decoding.

use biomatch_core::finger::image::wsq::{self, WsqEncodeOptions};
use biomatch_core::finger::image::{ImageError, Raster, limits};

use crate::boundary::ffi_call;
use crate::bytes::bytes_into_raw;
use crate::error::{FfiError, FfiResult};
use crate::ptr::{Out, slice};
use crate::status::biomatch_status;

/// Encoder errors are argument errors (geometry, resolution, bit rate); decoder errors on
/// the caller's bytes are malformed data.
fn encode_error(e: ImageError) -> FfiError {
    FfiError::invalid(e.to_string())
}

fn decode_error(e: ImageError) -> FfiError {
    match e {
        ImageError::Wsq(_) | ImageError::Decode(_) => {
            FfiError::new(biomatch_status::MalformedTemplate, e.to_string())
        }
        other => FfiError::invalid(other.to_string()),
    }
}

/// Packs `height` rows of `width` bytes, row `y` at `pixels[y * stride..]`, after checking
/// the stride and the buffer length (the last row needs only `width` bytes).
fn packed_rows(pixels: &[u8], width: usize, height: usize, stride: usize) -> FfiResult<Vec<u8>> {
    if width == 0 || height == 0 {
        return Err(FfiError::invalid(format!("empty image {width} x {height}")));
    }
    if stride < width {
        return Err(FfiError::invalid(format!(
            "stride {stride} is smaller than the width {width}"
        )));
    }
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
    Ok(packed)
}

/// Encodes an 8-bit grayscale fingerprint image as WSQ: `height` rows of `width` grey levels
/// (0 black, 255 white), row `y` starting at `pixels + y * stride`, `len` bytes in the buffer
/// (at least `stride * (height - 1) + width`), scanned at `ppi` pixels per inch (written in
/// the file's NISTCOM comment). `bitrate` is the target of the specification's bit
/// allocation in bits per pixel (0.75 is the FBI's usual setting, about 15:1; accepted range
/// 0.05 to 8); the achieved rate is usually below it, as with NIST's encoder.
///
/// On success `*out_data` / `*out_len` receive a new buffer owned by the caller (release it
/// with `biomatch_bytes_free`). An empty or too large image (sides up to 65535 and the
/// library's limits: 8192 per side, 32 Mi pixels), a stride below the width, a short buffer, an unsupported
/// resolution or a bit rate outside the range gives `BIOMATCH_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_wsq_encode(
    pixels: *const u8,
    len: usize,
    width: u32,
    height: u32,
    stride: usize,
    ppi: f32,
    bitrate: f32,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_wsq_encode", || {
        let out_data = Out::new(out_data, "out_data")?;
        let out_len = Out::new(out_len, "out_len")?;
        // SAFETY: the caller passes `len` readable bytes at `pixels` (or NULL with len 0).
        let pixels = unsafe { slice(pixels, len, "pixels") }?;
        let (width, height) = (width as usize, height as usize);
        // Geometry and resolution are checked by `Raster::new` only after packing, so check
        // the limits first: nothing is allocated for a size the encoder would refuse.
        if width > limits::MAX_DIMENSION
            || height > limits::MAX_DIMENSION
            || width.saturating_mul(height) > limits::MAX_PIXELS
        {
            return Err(encode_error(ImageError::TooLarge { width, height }));
        }
        let packed = packed_rows(pixels, width, height, stride)?;
        let raster = Raster::new(width, height, ppi, packed).map_err(encode_error)?;
        let encoded = wsq::encode(&raster, &WsqEncodeOptions { bitrate }).map_err(encode_error)?;
        let (data, n) = bytes_into_raw(encoded);
        // SAFETY: both checked non-NULL and aligned; the caller provides writable pointers.
        unsafe {
            out_data.write(data);
            out_len.write(n);
        }
        Ok(())
    })
}

/// Decodes WSQ data (`len` bytes at `data`) to an 8-bit grayscale image.
///
/// On success `*out_pixels` / `*out_pixels_len` receive a new buffer of `width * height`
/// grey levels, row-major with no padding, owned by the caller (release it with
/// `biomatch_bytes_free`); `*out_width` and `*out_height` the size; `*out_ppi` the resolution
/// from the file's NISTCOM comment, or 0 when the file states none. Data that is not WSQ,
/// truncated or malformed, or that declares more pixels than its size can encode, gives
/// `BIOMATCH_STATUS_MALFORMED_TEMPLATE` (the last-error message says what is wrong); a
/// decoded size past the library's image limits gives `BIOMATCH_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_wsq_decode(
    data: *const u8,
    len: usize,
    out_pixels: *mut *mut u8,
    out_pixels_len: *mut usize,
    out_width: *mut u32,
    out_height: *mut u32,
    out_ppi: *mut f32,
) -> biomatch_status {
    ffi_call("biomatch_wsq_decode", || {
        let out_pixels = Out::new(out_pixels, "out_pixels")?;
        let out_pixels_len = Out::new(out_pixels_len, "out_pixels_len")?;
        let out_width = Out::new(out_width, "out_width")?;
        let out_height = Out::new(out_height, "out_height")?;
        let out_ppi = Out::new(out_ppi, "out_ppi")?;
        // SAFETY: the caller passes `len` readable bytes at `data` (or NULL with len 0).
        let data = unsafe { slice(data, len, "data") }?;
        let image = wsq::decode(data).map_err(decode_error)?;
        let (w, h) = (
            u32::try_from(image.width).map_err(|_| FfiError::invalid("width past u32"))?,
            u32::try_from(image.height).map_err(|_| FfiError::invalid("height past u32"))?,
        );
        let ppi = image.ppi.unwrap_or(0.0);
        let (pixels, n) = bytes_into_raw(image.pixels);
        // SAFETY: every out-pointer was checked non-NULL and aligned; the caller provides
        // writable pointers.
        unsafe {
            out_pixels.write(pixels);
            out_pixels_len.write(n);
            out_width.write(w);
            out_height.write(h);
            out_ppi.write(ppi);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::biomatch_bytes_free;

    /// A smooth ridge-like test pattern (independent of the codec).
    fn pattern(w: usize, h: usize) -> Vec<u8> {
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f32, (i / w) as f32);
                (128.0 + 100.0 * ((x * 0.35 + y * 0.2).sin())) as u8
            })
            .collect()
    }

    #[test]
    fn encode_then_decode_keeps_size_resolution_and_pixels_close() {
        let (w, h) = (200usize, 240usize);
        let src = pattern(w, h);
        let (mut data, mut n) = (std::ptr::null_mut(), 0usize);
        // SAFETY: valid buffers and out-pointers.
        let st = unsafe {
            biomatch_wsq_encode(
                src.as_ptr(),
                src.len(),
                w as u32,
                h as u32,
                w,
                500.0,
                2.25,
                &mut data,
                &mut n,
            )
        };
        assert_eq!(st, biomatch_status::Ok);
        let (mut px, mut pn, mut ow, mut oh, mut ppi) =
            (std::ptr::null_mut(), 0usize, 0u32, 0u32, 0f32);
        // SAFETY: `data` holds `n` bytes from the encoder.
        let st =
            unsafe { biomatch_wsq_decode(data, n, &mut px, &mut pn, &mut ow, &mut oh, &mut ppi) };
        assert_eq!(st, biomatch_status::Ok);
        assert_eq!((ow, oh, pn), (w as u32, h as u32, w * h));
        assert_eq!(ppi, 500.0);
        // SAFETY: `px` holds `pn` bytes.
        let out = unsafe { std::slice::from_raw_parts(px, pn) };
        let mse: f64 = src
            .iter()
            .zip(out)
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>()
            / (w * h) as f64;
        assert!(mse < 25.0, "mean squared error {mse} at 2.25 bpp");
        // SAFETY: both buffers came from the library.
        unsafe {
            biomatch_bytes_free(px, pn);
            biomatch_bytes_free(data, n);
        }
    }

    #[test]
    fn bad_arguments_and_bad_data_are_typed_errors() {
        let src = [0u8; 16];
        let (mut data, mut n) = (std::ptr::null_mut(), 0usize);
        // SAFETY: valid pointers; the stride is below the width.
        let st = unsafe {
            biomatch_wsq_encode(src.as_ptr(), 16, 4, 4, 2, 500.0, 0.75, &mut data, &mut n)
        };
        assert_eq!(st, biomatch_status::InvalidArgument);
        // SAFETY: a 4 GB x 4 GB image is refused before the buffer is read or anything allocated.
        let st = unsafe {
            biomatch_wsq_encode(
                src.as_ptr(),
                16,
                u32::MAX,
                u32::MAX,
                usize::MAX,
                500.0,
                0.75,
                &mut data,
                &mut n,
            )
        };
        assert_eq!(st, biomatch_status::InvalidArgument);
        let (mut px, mut pn, mut ow, mut oh, mut ppi) =
            (std::ptr::null_mut(), 0usize, 0u32, 0u32, 0f32);
        let junk = [0xFFu8, 0xA0, 0xFF];
        // SAFETY: valid pointers.
        let st = unsafe {
            biomatch_wsq_decode(
                junk.as_ptr(),
                junk.len(),
                &mut px,
                &mut pn,
                &mut ow,
                &mut oh,
                &mut ppi,
            )
        };
        assert_eq!(st, biomatch_status::MalformedTemplate);
        // SAFETY: NULL data with a non-zero length.
        let st = unsafe {
            biomatch_wsq_decode(
                std::ptr::null(),
                3,
                &mut px,
                &mut pn,
                &mut ow,
                &mut oh,
                &mut ppi,
            )
        };
        assert_eq!(st, biomatch_status::NullArgument);
        assert!(px.is_null(), "out-parameters are written only on success");
    }
}
