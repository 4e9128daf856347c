//! ANSI/NIST-ITL transactions (traditional encoding), read side: records, fields, warnings.

use std::ffi::{CString, c_char};

use biomatch_core::finger::formats::Mode;
use biomatch_core::finger::formats::an2k::{self, An2kError, Record, Transaction};

use crate::boundary::{ffi_call, ffi_free};
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
}

/// One record of a transaction, as `biomatch_an2k_record_info` describes it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct biomatch_an2k_record_info {
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
        let h = biomatch_an2k_transaction {
            warnings: crate::finger::warning_strings(&decoded.warnings),
            transaction: decoded.transaction,
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
    out_info: *mut biomatch_an2k_record_info,
) -> biomatch_status {
    ffi_call("biomatch_an2k_record_info", || {
        let out = Out::new(out_info, "out_info")?;
        // SAFETY: the caller passes NULL or a live transaction handle.
        let t = unsafe { handle(t, "transaction") }?;
        let r = t.record(record)?;
        let info = biomatch_an2k_record_info {
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
            let mut info = biomatch_an2k_record_info::default();
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
