//! ANSI/NIST-ITL transactions (traditional encoding), read side: records, fields, warnings.

use std::ffi::{CString, c_char};

use biomatch_core::finger::formats::Mode;
use biomatch_core::finger::formats::an2k::{self, An2kError, ImageInfo, Record, Transaction};

use crate::boundary::{ffi_call, ffi_free};
use crate::bytes::bytes_into_raw;
use crate::error::{FfiError, FfiResult};
use crate::finger::{biomatch_read_flags, format_error, write_warning, write_warning_count};
use crate::ptr::{Out, free_handle, handle, into_handle, slice};
use crate::status::biomatch_status;

/// An ANSI/NIST-ITL transaction read from bytes, opaque.
///
/// Created by `biomatch_an2k_read`, released with `biomatch_an2k_free`. Immutable once
/// created: a `const` handle may be used by any number of threads at once. Field values and
/// warning strings it hands out are owned by it and valid until it is freed.
pub struct biomatch_an2k_transaction {
    transaction: Transaction,
    warnings: Vec<CString>,
    /// The image records, in file order, and their compression names as C strings.
    images: Vec<(ImageInfo, CString)>,
}

/// One image of a transaction, as `biomatch_an2k_image_info` describes it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct biomatch_an2k_image_desc {
    /// The index of the record holding the image (for `biomatch_an2k_record_info` and
    /// `biomatch_an2k_field`).
    pub record: usize,
    /// The record type (3-6 binary, 10 face/photo, 13 latent, 14 fingerprint, 15 palm).
    pub record_type: u32,
    /// 1 for a friction-ridge image (Types 3-6, 13, 14, 15), 2 for a Type-10 face/photo.
    pub kind: u32,
    /// The record's IDC, -1 when it states none.
    pub idc: i64,
    /// Width in pixels as the record states it (0 when absent).
    pub width: u32,
    /// Height in pixels as the record states it (0 when absent).
    pub height: u32,
    /// Resolution in pixels per inch, 0 when the record does not state it.
    pub ppi: f32,
    /// Compression code: 0 none, 1 WSQ, 2 JPEG baseline, 3 JPEG lossless, 4 JPEG 2000,
    /// 5 JPEG 2000 lossless, 6 PNG (the Type-4 GCA codes), 255 another (see
    /// `biomatch_an2k_image_compression_name`).
    pub compression: u32,
    /// Length in bytes of the stored (compressed) image data.
    pub data_len: usize,
}

/// One record of a transaction, as `biomatch_an2k_record_info` describes it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct biomatch_an2k_record_desc {
    /// The record type (1 for the header, 2 text, 4 binary finger image, 9 minutiae, 10
    /// face, 13/14/15 variable-resolution images, ...).
    pub record_type: u32,
    /// The IDC (information designation character) the record states, or -1 when it has none
    /// (the Type-1 record) or it is not a number.
    pub idc: i64,
}

/// The status an an2k error maps to.
pub(crate) fn an2k_error(e: An2kError) -> FfiError {
    let status = match &e {
        An2kError::TooLarge(_) => biomatch_status::InvalidArgument,
        An2kError::UnsupportedCompression { .. } | An2kError::Unrepresentable(_) => {
            biomatch_status::UnsupportedFormat
        }
        An2kError::NoImage(_) => biomatch_status::IndexOutOfRange,
        An2kError::Minutiae(_) => {
            if let An2kError::Minutiae(inner) = e {
                return format_error(inner);
            }
            biomatch_status::MalformedTemplate
        }
        _ => biomatch_status::MalformedTemplate,
    };
    FfiError::new(status, e.to_string())
}

fn mode(flags: u32) -> FfiResult<Mode> {
    match flags {
        f if f == biomatch_read_flags::Lenient as u32 => Ok(Mode::Lenient),
        f if f == biomatch_read_flags::Strict as u32 => Ok(Mode::Strict),
        f => Err(FfiError::invalid(format!("unknown read flags {f:#x}"))),
    }
}

impl biomatch_an2k_transaction {
    fn image(&self, index: usize) -> FfiResult<&ImageInfo> {
        self.images.get(index).map(|(i, _)| i).ok_or_else(|| {
            FfiError::new(
                biomatch_status::IndexOutOfRange,
                format!(
                    "image {index} requested, the transaction has {}",
                    self.images.len()
                ),
            )
        })
    }

    fn record(&self, index: usize) -> FfiResult<&Record> {
        self.transaction.records.get(index).ok_or_else(|| {
            FfiError::new(
                biomatch_status::IndexOutOfRange,
                format!(
                    "record {index} requested, the transaction has {}",
                    self.transaction.records.len()
                ),
            )
        })
    }
}

/// Reads an ANSI/NIST-ITL transaction in the traditional (binary/tagged) encoding from `len`
/// bytes at `data`. `flags` is a `biomatch_read_flags` value: strict reading fails on the
/// first deviation (a length that disagrees with the data, a missing mandatory field, a wrong
/// separator, a content listing 1.003 that disagrees with the records) with
/// `BIOMATCH_STATUS_MALFORMED_TEMPLATE`; lenient reading returns OK and keeps one warning per
/// deviation (`biomatch_an2k_warning`).
///
/// On success `*out` receives a new handle owned by the caller (release it with
/// `biomatch_an2k_free`). Bytes that are not a transaction, truncated data (a length past the
/// end, including a 4 GB length) and malformed records give
/// `BIOMATCH_STATUS_MALFORMED_TEMPLATE`, the last-error message naming the record and field;
/// input over 2 GiB gives `BIOMATCH_STATUS_INVALID_ARGUMENT`. Lengths are checked before
/// anything is allocated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_read(
    data: *const u8,
    len: usize,
    flags: u32,
    out: *mut *mut biomatch_an2k_transaction,
) -> biomatch_status {
    ffi_call("biomatch_an2k_read", || {
        let out = Out::new(out, "out")?;
        let mode = mode(flags)?;
        // SAFETY: the caller passes `len` readable bytes at `data` (or NULL with len 0).
        let bytes = unsafe { slice(data, len, "data") }?;
        let decoded = an2k::read(bytes, mode).map_err(an2k_error)?;
        let images = decoded
            .transaction
            .images()
            .into_iter()
            .map(|i| {
                let name = CString::new(i.compression.name().replace('\0', "\u{FFFD}"))
                    .unwrap_or_default();
                (i, name)
            })
            .collect();
        let h = biomatch_an2k_transaction {
            warnings: crate::finger::warning_strings(&decoded.warnings),
            transaction: decoded.transaction,
            images,
        };
        // SAFETY: checked non-NULL and aligned; the caller provides a writable pointer.
        unsafe { out.write(into_handle(h)) };
        Ok(())
    })
}

/// Releases a transaction. NULL is a no-op. Field values and warnings taken from it become
/// invalid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_free(t: *mut biomatch_an2k_transaction) {
    // SAFETY: the caller passes NULL or a live handle from this library, once.
    ffi_free(|| unsafe { free_handle(t) });
}

/// The number of records, the Type-1 header included (record 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_record_count(
    t: *const biomatch_an2k_transaction,
    out_count: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_an2k_record_count", || {
        let out = Out::new(out_count, "out_count")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        // SAFETY: checked non-NULL and aligned; the caller provides a writable `size_t`.
        unsafe { out.write(t.transaction.records.len()) };
        Ok(())
    })
}

/// Describes record `record` (0-based, file order; 0 is Type-1). An index at or past the
/// record count gives `BIOMATCH_STATUS_INDEX_OUT_OF_RANGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_record_info(
    t: *const biomatch_an2k_transaction,
    record: usize,
    out_info: *mut biomatch_an2k_record_desc,
) -> biomatch_status {
    ffi_call("biomatch_an2k_record_info", || {
        let out = Out::new(out_info, "out_info")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        let r = t.record(record)?;
        let info = biomatch_an2k_record_desc {
            record_type: r.record_type(),
            idc: r.idc().unwrap_or(-1),
        };
        // SAFETY: checked non-NULL and aligned; the caller provides a writable struct.
        unsafe { out.write(info) };
        Ok(())
    })
}

/// The value of field `number` of tagged record `record` (the first field with that
/// number, e.g. 4 for 1.004 TOT): `*out_data` / `*out_len` receive the value bytes as stored,
/// with their RS (0x1E, subfield) and US (0x1F, item) separators and WITHOUT a NUL
/// terminator. The bytes are owned by the transaction and valid until it is freed. The image
/// data (field 999) is `biomatch_an2k_image_data`'s, not a field here.
///
/// A record index past the end, a field the record does not have, and any field of a binary
/// record (Types 3-8 have no tagged fields) give `BIOMATCH_STATUS_INDEX_OUT_OF_RANGE` (the
/// last-error message says which); nothing is written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_field(
    t: *const biomatch_an2k_transaction,
    record: usize,
    number: u32,
    out_data: *mut *const u8,
    out_len: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_an2k_field", || {
        let out_data = Out::new(out_data, "out_data")?;
        let out_len = Out::new(out_len, "out_len")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        let r = t.record(record)?;
        let missing = |why: String| FfiError::new(biomatch_status::IndexOutOfRange, why);
        let tagged = r.as_tagged().ok_or_else(|| {
            missing(format!(
                "record {record} (Type-{}) is a binary record without fields",
                r.record_type()
            ))
        })?;
        let field = tagged.field(number).ok_or_else(|| {
            missing(format!(
                "record {record} (Type-{}) has no field {}.{number:03}",
                tagged.record_type, tagged.record_type
            ))
        })?;
        // SAFETY: both checked non-NULL and aligned; the caller provides writable pointers.
        unsafe {
            out_data.write(field.value.as_ptr());
            out_len.write(field.value.len());
        }
        Ok(())
    })
}

/// The number of images (image records with data, in file order).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_image_count(
    t: *const biomatch_an2k_transaction,
    out_count: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_an2k_image_count", || {
        let out = Out::new(out_count, "out_count")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        // SAFETY: checked non-NULL and aligned; the caller provides a writable `size_t`.
        unsafe { out.write(t.images.len()) };
        Ok(())
    })
}

/// Describes image `image` (0-based, below `biomatch_an2k_image_count`); an index past the
/// end gives `BIOMATCH_STATUS_INDEX_OUT_OF_RANGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_image_info(
    t: *const biomatch_an2k_transaction,
    image: usize,
    out_info: *mut biomatch_an2k_image_desc,
) -> biomatch_status {
    ffi_call("biomatch_an2k_image_info", || {
        let out = Out::new(out_info, "out_info")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        let i = t.image(image)?;
        let info = biomatch_an2k_image_desc {
            record: i.record,
            record_type: i.record_type,
            kind: if i.record_type == 10 { 2 } else { 1 },
            idc: i.idc,
            width: i.width,
            height: i.height,
            ppi: i.ppi.unwrap_or(0.0),
            compression: i.compression.binary_code().map_or(255, u32::from),
            data_len: i.data_len,
        };
        // SAFETY: checked non-NULL and aligned; the caller provides a writable struct.
        unsafe { out.write(info) };
        Ok(())
    })
}

/// The compression of image `image` by name (`"NONE"`, `"WSQ20"`, `"JPEGB"`, `"JPEGL"`,
/// `"JP2"`, `"JP2L"`, `"PNG"`, or another name as the record writes it): a NUL-terminated
/// string owned by the transaction, valid until it is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_image_compression_name(
    t: *const biomatch_an2k_transaction,
    image: usize,
    out_name: *mut *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_an2k_image_compression_name", || {
        let out = Out::new(out_name, "out_name")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        t.image(image)?;
        let name = t.images[image].1.as_ptr();
        // SAFETY: checked non-NULL and aligned; the caller provides a writable pointer.
        unsafe { out.write(name) };
        Ok(())
    })
}

/// The stored bytes of image `image` (WSQ, JPEG, PNG, JPEG 2000 or raw pixels, as
/// compressed in the record): owned by the transaction, valid until it is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_image_data(
    t: *const biomatch_an2k_transaction,
    image: usize,
    out_data: *mut *const u8,
    out_len: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_an2k_image_data", || {
        let out_data = Out::new(out_data, "out_data")?;
        let out_len = Out::new(out_len, "out_len")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        let record = t.image(image)?.record;
        let data = t.transaction.image_data(record).map_err(an2k_error)?;
        // SAFETY: both checked non-NULL and aligned; the caller provides writable pointers.
        unsafe {
            out_data.write(data.as_ptr());
            out_len.write(data.len());
        }
        Ok(())
    })
}

/// Decodes image `image` to 8-bit grey levels (colour photos are converted): on success
/// `*out_pixels` / `*out_pixels_len` receive `width * height` bytes, row-major without
/// padding, owned by the caller (release with `biomatch_bytes_free`), and `*out_width` /
/// `*out_height` the size. Uncompressed 8-bit, WSQ, JPEG baseline and PNG decode; JPEG 2000,
/// lossless JPEG and other encodings give `BIOMATCH_STATUS_UNSUPPORTED_FORMAT` (the bytes
/// stay available through `biomatch_an2k_image_data`); data that does not decode gives
/// `BIOMATCH_STATUS_MALFORMED_TEMPLATE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_image_decode(
    t: *const biomatch_an2k_transaction,
    image: usize,
    out_pixels: *mut *mut u8,
    out_pixels_len: *mut usize,
    out_width: *mut u32,
    out_height: *mut u32,
) -> biomatch_status {
    ffi_call("biomatch_an2k_image_decode", || {
        let out_pixels = Out::new(out_pixels, "out_pixels")?;
        let out_pixels_len = Out::new(out_pixels_len, "out_pixels_len")?;
        let out_width = Out::new(out_width, "out_width")?;
        let out_height = Out::new(out_height, "out_height")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        let record = t.image(image)?.record;
        let raster = t.transaction.decode_image(record).map_err(an2k_error)?;
        let w = u32::try_from(raster.width).map_err(|_| FfiError::invalid("width past u32"))?;
        let h = u32::try_from(raster.height).map_err(|_| FfiError::invalid("height past u32"))?;
        let (pixels, n) = bytes_into_raw(raster.pixels);
        // SAFETY: every out-pointer was checked non-NULL and aligned; the caller provides
        // writable pointers.
        unsafe {
            out_pixels.write(pixels);
            out_pixels_len.write(n);
            out_width.write(w);
            out_height.write(h);
        }
        Ok(())
    })
}

/// The minutiae of Type-9 record `record` as a finger template (legacy 9.012 and EFS 9.331
/// minutiae), read with `options` (NULL: lenient, geometry unknown; its `format` must be
/// AUTO or TYPE9). The height needed to undo the legacy bottom-left origin comes from
/// `options->image_height`, else from the image record with the same IDC; without either a
/// strict read gives `BIOMATCH_STATUS_INVALID_ARGUMENT` and a lenient one guesses it with a
/// warning on the template (`biomatch_finger_template_warning`). A record that is not Type-9
/// gives `BIOMATCH_STATUS_INVALID_ARGUMENT`, an index past the end
/// `BIOMATCH_STATUS_INDEX_OUT_OF_RANGE`. On success `*out_template` receives a new template
/// owned by the caller (`biomatch_finger_template_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_finger_template(
    t: *const biomatch_an2k_transaction,
    record: usize,
    options: *const crate::finger::biomatch_read_options,
    out_template: *mut *mut crate::finger::biomatch_finger_template,
) -> biomatch_status {
    ffi_call("biomatch_an2k_finger_template", || {
        let out = Out::new(out_template, "out_template")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        let options = if options.is_null() {
            crate::finger::biomatch_read_options::default()
        } else {
            // SAFETY: non-NULL: the caller passes a readable options struct.
            *unsafe { handle(options, "options") }?
        };
        let r = t.record(record)?;
        if r.record_type() != 9 {
            return Err(FfiError::invalid(format!(
                "record {record} is Type-{}, not Type-9 minutiae",
                r.record_type()
            )));
        }
        // The Type-1 record, this Type-9 record and every non-Type-9 record (the image with
        // the same IDC gives the height), with the content listing rewritten to match.
        let mut one = Transaction {
            records: t
                .transaction
                .records
                .iter()
                .enumerate()
                .filter(|(i, r)| *i == 0 || *i == record || r.record_type() != 9)
                .map(|(_, r)| r.clone())
                .collect(),
        };
        one.update_content_listing();
        let bytes = one.to_bytes().map_err(an2k_error)?;
        let mut options = options;
        let (auto, type9) = (
            crate::finger::biomatch_format::Auto as u32,
            crate::finger::biomatch_format::Type9 as u32,
        );
        if options.format != auto && options.format != type9 {
            return Err(FfiError::invalid(format!(
                "options.format {} is neither AUTO nor TYPE9",
                options.format
            )));
        }
        options.format = type9;
        let tmpl = crate::finger::read_template(&bytes, &options)?;
        // SAFETY: checked non-NULL and aligned; the caller provides a writable pointer.
        unsafe { out.write(into_handle(tmpl)) };
        Ok(())
    })
}

/// The number of deviations a lenient read of this transaction tolerated (0 for a strict
/// read and for conforming data).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_warning_count(
    t: *const biomatch_an2k_transaction,
    out_count: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_an2k_warning_count", || {
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        write_warning_count(&t.warnings, out_count)
    })
}

/// Warning `index` (0-based, below `biomatch_an2k_warning_count`): `*out_text` receives a
/// NUL-terminated UTF-8 string naming the record and field, the text the CLI prints after
/// `warning:`, owned by the transaction and valid until it is freed. An index past the end
/// gives `BIOMATCH_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_an2k_warning(
    t: *const biomatch_an2k_transaction,
    index: usize,
    out_text: *mut *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_an2k_warning", || {
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        write_warning(&t.warnings, index, out_text)
    })
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;

    const TYPE9: &[u8] = include_bytes!("../../../fixtures/templates/libbiomeval_type9.an2k");

    fn read(bytes: &[u8], flags: u32) -> (biomatch_status, *mut biomatch_an2k_transaction) {
        let mut out = ptr::null_mut();
        // SAFETY: valid buffer and out-pointer.
        let st = unsafe { biomatch_an2k_read(bytes.as_ptr(), bytes.len(), flags, &mut out) };
        (st, out)
    }

    #[test]
    fn records_and_fields_of_the_sample_agree_with_the_core_reader() {
        let (st, t) = read(TYPE9, biomatch_read_flags::Lenient as u32);
        assert_eq!(st, biomatch_status::Ok);
        let core = an2k::read(TYPE9, Mode::Lenient).unwrap();
        let mut n = 0usize;
        // SAFETY: a live handle and writable outputs throughout.
        unsafe {
            assert_eq!(biomatch_an2k_record_count(t, &mut n), biomatch_status::Ok);
            assert_eq!(n, core.transaction.records.len());
            assert!(n >= 2);
            let mut info = biomatch_an2k_record_desc::default();
            assert_eq!(
                biomatch_an2k_record_info(t, 0, &mut info),
                biomatch_status::Ok
            );
            assert_eq!((info.record_type, info.idc), (1, -1));
            assert_eq!(
                biomatch_an2k_record_info(t, 1, &mut info),
                biomatch_status::Ok
            );
            assert_eq!(info.record_type, 9);
            assert_eq!(
                biomatch_an2k_record_info(t, n, &mut info),
                biomatch_status::IndexOutOfRange
            );
            // 1.002 is the version, as the raw bytes of the file spell it.
            let (mut p, mut len) = (ptr::null(), 0usize);
            assert_eq!(
                biomatch_an2k_field(t, 0, 2, &mut p, &mut len),
                biomatch_status::Ok
            );
            let value = std::slice::from_raw_parts(p, len);
            let needle = [b"1.002:".as_slice(), value, &[an2k::GS]].concat();
            assert!(
                TYPE9.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{:?}",
                String::from_utf8_lossy(value)
            );
            assert_eq!(
                biomatch_an2k_field(t, 0, 998, &mut p, &mut len),
                biomatch_status::IndexOutOfRange
            );
            let mut w = usize::MAX;
            assert_eq!(biomatch_an2k_warning_count(t, &mut w), biomatch_status::Ok);
            assert_eq!(w, core.warnings.len());
            let mut text = ptr::null();
            assert_eq!(
                biomatch_an2k_warning(t, w, &mut text),
                biomatch_status::InvalidArgument
            );
            biomatch_an2k_free(t);
        }
    }

    #[test]
    fn images_and_minutiae_of_a_built_transaction() {
        use biomatch_core::finger::formats::an2k::{Compression, FingerImage};
        use biomatch_core::finger::image::{Raster, wsq};
        let (w, h) = (160usize, 200usize);
        let px: Vec<u8> = (0..w * h)
            .map(|i| (128.0 + 100.0 * ((i % w) as f32 * 0.4 + (i / w) as f32 * 0.15).sin()) as u8)
            .collect();
        let raster = Raster::new(w, h, 500.0, px).unwrap();
        let encoded = wsq::encode(&raster, &Default::default()).unwrap();
        let (b, idc) = Transaction::builder("CAR").finger_image(&FingerImage {
            position: 2,
            impression: 0,
            width: w as u32,
            height: h as u32,
            ppi: 500.0,
            compression: Compression::Wsq,
            data: &encoded,
        });
        let core_tmpl = biomatch_core::finger::formats::read(
            TYPE9,
            &biomatch_core::finger::formats::ReadOptions {
                format: Some(biomatch_core::finger::formats::Format::Type9),
                image_height: Some(h as u16),
                ..Default::default()
            },
        )
        .unwrap()
        .template;
        let view = core_tmpl.first_view().unwrap().clone();
        let bytes = an2k::write(&b.minutiae(&view, idc).build()).unwrap();
        let (st, t) = read(&bytes, biomatch_read_flags::Strict as u32);
        assert_eq!(st, biomatch_status::Ok);
        // SAFETY: a live handle and writable outputs throughout.
        unsafe {
            let mut n = 0usize;
            assert_eq!(biomatch_an2k_image_count(t, &mut n), biomatch_status::Ok);
            assert_eq!(n, 1);
            let mut info = biomatch_an2k_image_desc::default();
            assert_eq!(
                biomatch_an2k_image_info(t, 0, &mut info),
                biomatch_status::Ok
            );
            assert_eq!(
                (info.record, info.record_type, info.kind, info.idc),
                (1, 14, 1, i64::from(idc))
            );
            assert_eq!(
                (info.width, info.height, info.ppi),
                (w as u32, h as u32, 500.0)
            );
            assert_eq!((info.compression, info.data_len), (1, encoded.len()));
            let mut name = ptr::null();
            assert_eq!(
                biomatch_an2k_image_compression_name(t, 0, &mut name),
                biomatch_status::Ok
            );
            assert_eq!(std::ffi::CStr::from_ptr(name).to_str(), Ok("WSQ20"));
            let (mut p, mut len) = (ptr::null(), 0usize);
            assert_eq!(
                biomatch_an2k_image_data(t, 0, &mut p, &mut len),
                biomatch_status::Ok
            );
            assert_eq!(std::slice::from_raw_parts(p, len), encoded.as_slice());
            let (mut px, mut pn, mut ow, mut oh) = (ptr::null_mut(), 0usize, 0u32, 0u32);
            assert_eq!(
                biomatch_an2k_image_decode(t, 0, &mut px, &mut pn, &mut ow, &mut oh),
                biomatch_status::Ok
            );
            let direct = wsq::decode(&encoded).unwrap();
            assert_eq!((ow, oh), (w as u32, h as u32));
            assert_eq!(std::slice::from_raw_parts(px, pn), direct.pixels.as_slice());
            crate::bytes::biomatch_bytes_free(px, pn);
            assert_eq!(
                biomatch_an2k_image_info(t, 1, &mut info),
                biomatch_status::IndexOutOfRange
            );
            // The Type-9 record (index 2): as many minutiae as the view written.
            let mut tmpl = ptr::null_mut();
            assert_eq!(
                biomatch_an2k_finger_template(t, 2, ptr::null(), &mut tmpl),
                biomatch_status::Ok
            );
            let mut vi = std::mem::MaybeUninit::uninit();
            assert_eq!(
                crate::finger::biomatch_finger_template_view_info(tmpl, 0, vi.as_mut_ptr()),
                biomatch_status::Ok
            );
            let vi = vi.assume_init();
            assert_eq!(vi.minutia_count, view.minutiae.len());
            assert_eq!(vi.height, h as u16, "height from the linked Type-14 record");
            crate::finger::biomatch_finger_template_free(tmpl);
            assert_eq!(
                biomatch_an2k_finger_template(t, 1, ptr::null(), &mut tmpl),
                biomatch_status::InvalidArgument
            );
            biomatch_an2k_free(t);
        }
    }

    #[test]
    fn bad_transactions_are_typed_errors() {
        // Truncated everywhere: never OK with a partial record, never a panic.
        for cut in [1, 10, TYPE9.len() / 2, TYPE9.len() - 1] {
            let (st, t) = read(&TYPE9[..cut], biomatch_read_flags::Strict as u32);
            assert_eq!(st, biomatch_status::MalformedTemplate, "cut at {cut}");
            assert!(t.is_null());
        }
        // A 4 GB record length in 1.001.
        let text = String::from_utf8_lossy(TYPE9).into_owned();
        let len_end = text.find('\u{1d}').unwrap();
        let mut huge = b"1.001:4294967295".to_vec();
        huge.extend_from_slice(&TYPE9[len_end..]);
        let (st, t) = read(&huge, biomatch_read_flags::Lenient as u32);
        assert_eq!(st, biomatch_status::MalformedTemplate);
        assert!(t.is_null());
        let (st, _) = read(b"not a transaction", biomatch_read_flags::Lenient as u32);
        assert_eq!(st, biomatch_status::MalformedTemplate);
        let (st, _) = read(TYPE9, 7);
        assert_eq!(st, biomatch_status::InvalidArgument);
        let mut out = ptr::null_mut();
        // SAFETY: NULL with a length is refused before any read.
        let st = unsafe { biomatch_an2k_read(ptr::null(), 5, 0, &mut out) };
        assert_eq!(st, biomatch_status::NullArgument);
        // SAFETY: NULL is a no-op.
        unsafe { biomatch_an2k_free(ptr::null_mut()) };
    }
}
