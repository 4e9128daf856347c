//! ANSI/NIST-ITL transactions, build side: a builder handle that assembles Type-2 text,
//! Type-14 WSQ fingerprint images (with their Type-9 minutiae) and Type-10 face photos.

use std::ffi::c_char;

use biomatch_core::finger::extract;
use biomatch_core::finger::formats::an2k::{self, Builder, Compression, FingerImage};
use biomatch_core::finger::image::wsq::{self, WsqEncodeOptions};

use crate::an2k::an2k_error;
use crate::boundary::{ffi_call, ffi_free};
use crate::bytes::bytes_into_raw;
use crate::error::{FfiError, FfiResult};
use crate::extract::{extract_error, params, raster};
use crate::ptr::{Out, free_handle, into_handle, slice, utf8};
use crate::status::biomatch_status;

/// A transaction being assembled, opaque. Created by `biomatch_an2k_builder_new`, released
/// with `biomatch_an2k_builder_free`. Not synchronised: one thread at a time.
pub struct biomatch_an2k_builder {
    builder: Option<Builder>,
}

impl biomatch_an2k_builder {
    /// Applies `f` to the builder (taken out and put back).
    fn update(&mut self, f: impl FnOnce(Builder) -> FfiResult<Builder>) -> FfiResult<()> {
        let b = self
            .builder
            .take()
            .ok_or_else(|| FfiError::invalid("the builder is unusable after a failure"))?;
        let kept = b.clone();
        match f(b) {
            Ok(b) => {
                self.builder = Some(b);
                Ok(())
            }
            Err(e) => {
                self.builder = Some(kept);
                Err(e)
            }
        }
    }
}

/// # Safety
/// `b` is NULL or a live builder handle not used by another thread.
unsafe fn builder_mut<'a>(
    b: *mut biomatch_an2k_builder,
) -> FfiResult<&'a mut biomatch_an2k_builder> {
    if b.is_null() {
        return Err(FfiError::null("builder"));
    }
    if !b.is_aligned() {
        return Err(FfiError::invalid("builder is not aligned"));
    }
    // SAFETY: non-NULL, aligned, and a live exclusive handle by the caller's guarantee.
    Ok(unsafe { &mut *b })
}

/// Starts a transaction (ANSI/NIST-ITL 1-2011 Update 2013, version 0502) with the type of
/// transaction `type_of_transaction` (1.004, e.g. `"CAR"`; 1 to 16 printable ASCII
/// characters) and default Type-1 fields (date today in UTC, a control number from the
/// clock, agency `biomatch`). On success `*out` receives a new builder owned by the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_builder_new(
    type_of_transaction: *const c_char,
    out: *mut *mut biomatch_an2k_builder,
) -> biomatch_status {
    ffi_call("biomatch_an2k_builder_new", || {
        let out = Out::new(out, "out")?;
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let tot = unsafe { utf8(type_of_transaction, "type_of_transaction") }?;
        if tot.is_empty() || tot.len() > 16 || !tot.bytes().all(|c| c.is_ascii_graphic()) {
            return Err(FfiError::invalid(format!(
                "type of transaction {tot:?} is not 1-16 printable ASCII characters"
            )));
        }
        let h = biomatch_an2k_builder {
            builder: Some(an2k::Transaction::builder(tot)),
        };
        // SAFETY: checked non-NULL and aligned; the caller provides a writable pointer.
        unsafe { out.write(into_handle(h)) };
        Ok(())
    })
}

/// Adds a Type-2 (user-defined text) record with `count` fields: field `numbers[i]`
/// (3..=999; 2.001 and 2.002 are written by the builder) holds `values[i]`, a NUL-terminated
/// UTF-8 string without FS/GS bytes (RS 0x1E and US 0x1F separate subfields and items).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_builder_add_text(
    b: *mut biomatch_an2k_builder,
    numbers: *const u32,
    values: *const *const c_char,
    count: usize,
) -> biomatch_status {
    ffi_call("biomatch_an2k_builder_add_text", || {
        // SAFETY: the caller passes NULL or a live builder used by this thread only.
        let b = unsafe { builder_mut(b) }?;
        // SAFETY: the caller passes `count` readable numbers (or NULL with count 0).
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        // SAFETY: the caller passes `count` readable string pointers (or NULL with count 0).
        let values = unsafe { slice(values, count, "values") }?;
        let mut fields = Vec::with_capacity(count);
        for (&n, &v) in numbers.iter().zip(values) {
            // SAFETY: each pointer is NULL or a NUL-terminated string.
            let v = unsafe { utf8(v, "values[i]") }?;
            if !(3..=999).contains(&n) {
                return Err(FfiError::invalid(format!(
                    "field 2.{n:03} is not 2.003..2.999"
                )));
            }
            if v.bytes().any(|c| c == an2k::FS || c == an2k::GS) {
                return Err(FfiError::invalid(format!(
                    "field 2.{n:03} holds an FS or GS byte"
                )));
            }
            fields.push((n, v.to_string()));
        }
        b.update(|bl| Ok(bl.text_record(&fields)))
    })
}

/// Adds a fingerprint image as a Type-14 record compressed with WSQ at `bitrate` bits per
/// pixel (0 = the FBI's 0.75): `height` rows of `width` 8-bit grey levels, row `y` at
/// `pixels + y * stride`, `len` bytes in the buffer, scanned at `ppi`, finger position
/// `position` (0 unknown, 1-10, ...). With `with_minutiae` true the image's minutiae are
/// extracted and added as a Type-9 record with the same IDC. Bad geometry, resolution,
/// position or bit rate gives `BIOMATCH_STATUS_INVALID_ARGUMENT` and leaves the builder as
/// it was.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_builder_add_finger(
    b: *mut biomatch_an2k_builder,
    pixels: *const u8,
    len: usize,
    width: u32,
    height: u32,
    stride: usize,
    ppi: f32,
    position: u32,
    bitrate: f32,
    with_minutiae: bool,
) -> biomatch_status {
    ffi_call("biomatch_an2k_builder_add_finger", || {
        // SAFETY: the caller passes NULL or a live builder used by this thread only.
        let b = unsafe { builder_mut(b) }?;
        // SAFETY: the caller passes `len` readable bytes at `pixels` (or NULL with len 0).
        let pixels = unsafe { slice(pixels, len, "pixels") }?;
        let position = u8::try_from(position)
            .ok()
            .filter(|&p| p <= 50)
            .ok_or_else(|| {
                FfiError::invalid(format!("finger position {position} is not 0..=50"))
            })?;
        let bitrate = if bitrate == 0.0 { 0.75 } else { bitrate };
        let raster = raster(pixels, width as usize, height as usize, stride, ppi)?;
        let encoded = wsq::encode(&raster, &WsqEncodeOptions { bitrate })
            .map_err(|e| FfiError::invalid(e.to_string()))?;
        let view = if with_minutiae {
            let mut v = extract::extract(&raster, params()).map_err(extract_error)?;
            v.finger_position.0 = position;
            Some(v)
        } else {
            None
        };
        b.update(|bl| {
            let (bl, idc) = bl.finger_image(&FingerImage {
                position,
                impression: 0,
                width,
                height,
                ppi,
                compression: Compression::Wsq,
                data: &encoded,
            });
            Ok(match &view {
                Some(v) => bl.minutiae(v, idc),
                None => bl,
            })
        })
    })
}

/// Adds a face photo as a Type-10 record: `len` bytes of a JPEG or PNG file (recognised by
/// their signature; anything else gives `BIOMATCH_STATUS_INVALID_ARGUMENT`), stored as they
/// are, with the stated `width` and `height` in pixels (colour space sRGB).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_builder_add_face(
    b: *mut biomatch_an2k_builder,
    data: *const u8,
    len: usize,
    width: u32,
    height: u32,
) -> biomatch_status {
    ffi_call("biomatch_an2k_builder_add_face", || {
        // SAFETY: the caller passes NULL or a live builder used by this thread only.
        let b = unsafe { builder_mut(b) }?;
        // SAFETY: the caller passes `len` readable bytes at `data` (or NULL with len 0).
        let data = unsafe { slice(data, len, "data") }?;
        let compression = if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Compression::JpegBaseline
        } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
            Compression::Png
        } else {
            return Err(FfiError::invalid("the face image is neither JPEG nor PNG"));
        };
        if width == 0 || height == 0 || width > 65535 || height > 65535 {
            return Err(FfiError::invalid(format!("face size {width} x {height}")));
        }
        b.update(|bl| Ok(bl.face_image(width, height, compression, "SRGB", data).0))
    })
}

/// Writes the transaction (content listing 1.003 and record lengths filled in): on success
/// `*out_data` / `*out_len` receive a new buffer owned by the caller (release it with
/// `biomatch_bytes_free`). The builder stays usable (more records may be added and written
/// again).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_builder_write(
    b: *mut biomatch_an2k_builder,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_an2k_builder_write", || {
        let out_data = Out::new(out_data, "out_data")?;
        let out_len = Out::new(out_len, "out_len")?;
        // SAFETY: the caller passes NULL or a live builder used by this thread only.
        let b = unsafe { builder_mut(b) }?;
        let bl = b
            .builder
            .as_ref()
            .ok_or_else(|| FfiError::invalid("the builder is unusable"))?;
        let bytes = an2k::write(&bl.clone().build()).map_err(an2k_error)?;
        let (data, n) = bytes_into_raw(bytes);
        // SAFETY: both checked non-NULL and aligned; the caller provides writable pointers.
        unsafe {
            out_data.write(data);
            out_len.write(n);
        }
        Ok(())
    })
}

/// Releases a builder. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_builder_free(b: *mut biomatch_an2k_builder) {
    // SAFETY: the caller passes NULL or a live handle from this library, once.
    ffi_free(|| unsafe { free_handle(b) });
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::an2k::*;
    use crate::finger::{biomatch_finger_template_free, biomatch_finger_template_view_info};

    /// The fixture image: a binary PGM with a three-line header (`P5`, `W H`, `255`).
    fn pgm() -> (Vec<u8>, usize, usize) {
        let bytes = include_bytes!("../../../fixtures/c/image/101_1.pgm");
        let mut lines = bytes.splitn(4, |&b| b == b'\n');
        assert_eq!(lines.next(), Some(b"P5".as_slice()));
        let dims = std::str::from_utf8(lines.next().unwrap()).unwrap();
        let mut it = dims.split_whitespace().map(|v| v.parse::<usize>().unwrap());
        let (w, h) = (it.next().unwrap(), it.next().unwrap());
        assert_eq!(lines.next(), Some(b"255".as_slice()));
        let px = lines.next().unwrap().to_vec();
        assert_eq!(px.len(), w * h);
        (px, w, h)
    }

    #[test]
    fn build_write_read_round_trip() {
        let (px, w, h) = pgm();
        let face = [0xFFu8, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 0xFF, 0xD9];
        let mut b = ptr::null_mut();
        let (mut data, mut len) = (ptr::null_mut(), 0usize);
        // SAFETY: valid arguments and out-pointers throughout; handles freed once.
        unsafe {
            assert_eq!(
                biomatch_an2k_builder_new(c"CAR".as_ptr(), &mut b),
                biomatch_status::Ok
            );
            let numbers = [30u32, 35];
            let values = [c"DOE\x1fJOHN".as_ptr(), c"19700101".as_ptr()];
            assert_eq!(
                biomatch_an2k_builder_add_text(b, numbers.as_ptr(), values.as_ptr(), 2),
                biomatch_status::Ok
            );
            assert_eq!(
                biomatch_an2k_builder_add_finger(
                    b,
                    px.as_ptr(),
                    px.len(),
                    w as u32,
                    h as u32,
                    w,
                    500.0,
                    2,
                    0.0,
                    true
                ),
                biomatch_status::Ok
            );
            // A bad call leaves the builder usable.
            assert_eq!(
                biomatch_an2k_builder_add_finger(
                    b,
                    px.as_ptr(),
                    px.len(),
                    w as u32,
                    h as u32,
                    w - 1,
                    500.0,
                    2,
                    0.0,
                    true
                ),
                biomatch_status::InvalidArgument
            );
            assert_eq!(
                biomatch_an2k_builder_add_face(b, face.as_ptr(), face.len(), 480, 640),
                biomatch_status::Ok
            );
            assert_eq!(
                biomatch_an2k_builder_add_face(b, px.as_ptr(), 16, 480, 640),
                biomatch_status::InvalidArgument
            );
            assert_eq!(
                biomatch_an2k_builder_write(b, &mut data, &mut len),
                biomatch_status::Ok
            );
            biomatch_an2k_builder_free(b);

            let mut t = ptr::null_mut();
            assert_eq!(
                biomatch_an2k_read(data, len, 1, &mut t),
                biomatch_status::Ok
            );
            let mut n = 0usize;
            assert_eq!(biomatch_an2k_record_count(t, &mut n), biomatch_status::Ok);
            assert_eq!(n, 5, "Type-1, 2, 14, 9, 10");
            let types: Vec<u32> = (0..n)
                .map(|i| {
                    let mut info = biomatch_an2k_record_desc::default();
                    assert_eq!(
                        biomatch_an2k_record_info(t, i, &mut info),
                        biomatch_status::Ok
                    );
                    info.record_type
                })
                .collect();
            assert_eq!(types, [1, 2, 14, 9, 10]);
            let (mut p, mut l) = (ptr::null(), 0usize);
            assert_eq!(
                biomatch_an2k_field(t, 0, 4, &mut p, &mut l),
                biomatch_status::Ok
            );
            assert_eq!(std::slice::from_raw_parts(p, l), b"CAR");
            assert_eq!(
                biomatch_an2k_field(t, 1, 30, &mut p, &mut l),
                biomatch_status::Ok
            );
            assert_eq!(std::slice::from_raw_parts(p, l), b"DOE\x1fJOHN");
            // Image bytes: the WSQ of the pixels at 0.75 bpp, and the face as given.
            let r = raster(&px, w, h, w, 500.0).unwrap();
            let expected = wsq::encode(&r, &WsqEncodeOptions { bitrate: 0.75 }).unwrap();
            assert_eq!(
                biomatch_an2k_image_data(t, 0, &mut p, &mut l),
                biomatch_status::Ok
            );
            assert_eq!(std::slice::from_raw_parts(p, l), expected.as_slice());
            assert_eq!(
                biomatch_an2k_image_data(t, 1, &mut p, &mut l),
                biomatch_status::Ok
            );
            assert_eq!(std::slice::from_raw_parts(p, l), face.as_slice());
            let mut info = biomatch_an2k_image_desc::default();
            assert_eq!(
                biomatch_an2k_image_info(t, 1, &mut info),
                biomatch_status::Ok
            );
            assert_eq!((info.kind, info.compression, info.width), (2, 2, 480));
            // Minutiae: as many as extraction finds.
            let direct = extract::extract(&r, params()).unwrap();
            let mut tmpl = ptr::null_mut();
            assert_eq!(
                biomatch_an2k_finger_template(t, 3, ptr::null(), &mut tmpl),
                biomatch_status::Ok
            );
            let mut vi = std::mem::MaybeUninit::uninit();
            assert_eq!(
                biomatch_finger_template_view_info(tmpl, 0, vi.as_mut_ptr()),
                biomatch_status::Ok
            );
            let vi = vi.assume_init();
            assert!(!direct.minutiae.is_empty());
            assert_eq!(vi.minutia_count, direct.minutiae.len());
            assert_eq!(vi.finger_position, 2);
            biomatch_finger_template_free(tmpl);
            biomatch_an2k_free(t);
            crate::bytes::biomatch_bytes_free(data, len);
        }
    }
}
