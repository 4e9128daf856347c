//! Finger templates: reading the interchange formats, view information, 1:1 scores.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use biomatch_core::finger::formats::{
    self, Deviation, Format, FormatError, Mode, ReadOptions, XytFlavour,
};
use biomatch_core::finger::matcher::{MatchScratch, Matcher, PreparedFinger};
use biomatch_core::finger::{FingerTemplate, Resolution};

use crate::boundary::{ffi_call, ffi_free};
use crate::bytes::bytes_into_raw;
use crate::error::{FfiError, FfiResult};
use crate::ptr::{Out, free_handle, handle, into_handle, slice};
use crate::status::biomatch_status;

/// A fingerprint minutiae template (one or more finger views), opaque.
///
/// Created by `biomatch_finger_template_read` (or extraction), released with
/// `biomatch_finger_template_free`. Immutable once created: a `const` handle may be used by
/// any number of threads at once.
pub struct biomatch_finger_template {
    pub(crate) template: FingerTemplate,
    /// The format it was read from, `None` when it was not read from bytes.
    format: Option<Format>,
    /// The first view, prepared for matching (`None` when the template has no view).
    pub(crate) prepared: Option<PreparedFinger>,
    /// The deviations a lenient read tolerated, as C strings (the text the CLI prints).
    warnings: Vec<CString>,
}

impl biomatch_finger_template {
    pub(crate) fn new(template: FingerTemplate, format: Option<Format>) -> Self {
        let prepared = template.first_view().map(|v| matcher().prepare(v));
        biomatch_finger_template {
            template,
            format,
            prepared,
            warnings: Vec::new(),
        }
    }

    /// The same template, keeping `warnings` (the deviations its read tolerated).
    pub(crate) fn with_warnings(mut self, warnings: &[Deviation]) -> Self {
        self.warnings = warning_strings(warnings);
        self
    }

    pub(crate) fn prepared(&self, what: &str) -> FfiResult<&PreparedFinger> {
        self.prepared.as_ref().ok_or_else(|| {
            FfiError::new(
                biomatch_status::EmptyTemplate,
                format!("{what} has no finger view"),
            )
        })
    }
}

/// Deviations as C strings: `"<message> (at offset <n>)"`, as the CLI prints them after
/// `warning:` (an interior NUL, which no message should hold, becomes U+FFFD).
pub(crate) fn warning_strings(warnings: &[Deviation]) -> Vec<CString> {
    warnings
        .iter()
        .map(|w| CString::new(w.to_string().replace('\0', "\u{FFFD}")).unwrap_or_default())
        .collect()
}

/// The number of warnings in `list` written to `out_count` (shared by templates and
/// transactions).
pub(crate) fn write_warning_count(list: &[CString], out_count: *mut usize) -> FfiResult<()> {
    let out = Out::new(out_count, "out_count")?;
    // SAFETY: checked non-NULL and aligned; the caller provides a writable `size_t`.
    unsafe { out.write(list.len()) };
    Ok(())
}

/// Warning `index` of `list` written to `out_text` (an index past the end is
/// INVALID_ARGUMENT, as the warning functions document).
pub(crate) fn write_warning(
    list: &[CString],
    index: usize,
    out_text: *mut *const c_char,
) -> FfiResult<()> {
    let out = Out::new(out_text, "out_text")?;
    let text = list.get(index).ok_or_else(|| {
        FfiError::invalid(format!(
            "warning {index} requested, there are {}",
            list.len()
        ))
    })?;
    // SAFETY: checked non-NULL and aligned; the caller provides a writable pointer.
    unsafe { out.write(text.as_ptr()) };
    Ok(())
}

/// Template formats, as the `format` arguments take them (a plain `uint32_t`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum biomatch_format {
    /// Detect the format from the bytes (reading only).
    Auto = 0,
    /// ISO/IEC 19794-2:2005.
    Iso2005 = 1,
    /// ISO/IEC 19794-2:2011.
    Iso2011 = 2,
    /// ANSI INCITS 378-2004.
    Ansi2004 = 3,
    /// ANSI INCITS 378-2009.
    Ansi2009 = 4,
    /// ANSI INCITS 378-2009 amendment 1.
    Ansi2009Am1 = 5,
    /// NIST `.xyt` text as `mindtct` writes it by default (origin bottom-left, NIST angles).
    /// Reading needs the image height: without it a strict read fails and a lenient one
    /// guesses it with a warning (see `biomatch_finger_template_read_with_options`).
    Xyt = 6,
    /// NIST `.xyt` text as `mindtct -m1` writes it (ISO/ANSI geometry).
    XytM1 = 7,
    /// The minutiae of an ANSI/NIST-ITL Type-9 record (reading only).
    Type9 = 8,
}

/// Reading modes for `biomatch_finger_template_read` and `biomatch_an2k_read` (exactly one
/// of these values; other values give `BIOMATCH_STATUS_INVALID_ARGUMENT`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum biomatch_read_flags {
    /// Lenient reading: tolerate the deviations real files have (a length field that
    /// disagrees with the data, a reserved value, a missing mandatory field, an xyt file read
    /// without its image height, ...). The read returns `BIOMATCH_STATUS_OK` and keeps one
    /// warning per deviation on the handle (`biomatch_finger_template_warning_count` /
    /// `biomatch_finger_template_warning`, `biomatch_an2k_warning_count` /
    /// `biomatch_an2k_warning`): the same text the CLI prints. Data that cannot be read at
    /// all (truncated, malformed beyond repair) still fails.
    Lenient = 0,
    /// Strict reading: the first deviation is an error
    /// (`BIOMATCH_STATUS_MALFORMED_TEMPLATE`, or `BIOMATCH_STATUS_INVALID_ARGUMENT` when the
    /// caller must supply missing information, such as an xyt file's image height); the
    /// last-error message names it. A strict read that succeeds has no warnings.
    Strict = 1,
}

const ALL_FORMATS: [(biomatch_format, Format); 8] = [
    (biomatch_format::Iso2005, Format::Iso2005),
    (biomatch_format::Iso2011, Format::Iso2011),
    (biomatch_format::Ansi2004, Format::Ansi2004),
    (biomatch_format::Ansi2009, Format::Ansi2009),
    (biomatch_format::Ansi2009Am1, Format::Ansi2009Am1),
    (biomatch_format::Xyt, Format::Xyt(XytFlavour::NistInternal)),
    (biomatch_format::XytM1, Format::Xyt(XytFlavour::M1)),
    (biomatch_format::Type9, Format::Type9),
];

/// The core format for a raw C value (`Ok(None)` for AUTO).
pub(crate) fn format_from_raw(raw: u32) -> FfiResult<Option<Format>> {
    if raw == biomatch_format::Auto as u32 {
        return Ok(None);
    }
    ALL_FORMATS
        .iter()
        .find(|(c, _)| *c as u32 == raw)
        .map(|(_, f)| Some(*f))
        .ok_or_else(|| FfiError::invalid(format!("unknown format code {raw}")))
}

fn format_to_raw(format: Format) -> u32 {
    ALL_FORMATS
        .iter()
        .find(|(_, f)| *f == format)
        .map_or(biomatch_format::Auto as u32, |(c, _)| *c as u32)
}

/// The status a format error maps to.
pub(crate) fn format_error(e: FormatError) -> FfiError {
    let status = match e {
        FormatError::Unrecognised(_)
        | FormatError::Ambiguous(_)
        | FormatError::Unsupported(_)
        | FormatError::Unrepresentable(_) => biomatch_status::UnsupportedFormat,
        FormatError::MissingContext(_) => biomatch_status::InvalidArgument,
        _ => biomatch_status::MalformedTemplate,
    };
    FfiError::new(status, e.to_string())
}

/// The matcher shared by every call (its parameters are fixed defaults).
pub(crate) fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(Matcher::default)
}

thread_local! {
    static SCRATCH: RefCell<MatchScratch> = RefCell::new(matcher().scratch());
}

/// Runs `f` with this thread's matcher scratch memory.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut MatchScratch) -> R) -> R {
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        // Re-entered on this thread (cannot happen through the C API): use a fresh one.
        Err(_) => f(&mut matcher().scratch()),
    })
}

/// Options for `biomatch_finger_template_read_with_options`. Zero fields mean "not known".
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct biomatch_read_options {
    /// A `biomatch_format` value; `BIOMATCH_FORMAT_AUTO` detects the format (an xyt file is
    /// then read as `BIOMATCH_FORMAT_XYT`).
    pub format: u32,
    /// A `biomatch_read_flags` value.
    pub flags: u32,
    /// Image width in pixels, for formats that do not store it (xyt, Type-9); 0 if unknown.
    pub image_width: u16,
    /// Image height in pixels, for formats that do not store it; 0 if unknown. NIST-internal
    /// xyt needs it (strict: INVALID_ARGUMENT without it; lenient: guessed, with a warning),
    /// and so does a Type-9 record with no image record of the same IDC.
    pub image_height: u16,
    /// Resolution in pixels per inch, for formats that do not store it (xyt); 0 if unknown.
    pub ppi: f32,
}

fn read_options(options: &biomatch_read_options) -> FfiResult<ReadOptions> {
    let mode = match options.flags {
        f if f == biomatch_read_flags::Lenient as u32 => Mode::Lenient,
        f if f == biomatch_read_flags::Strict as u32 => Mode::Strict,
        f => return Err(FfiError::invalid(format!("unknown read flags {f:#x}"))),
    };
    if !(options.ppi.is_finite() && (0.0..=100_000.0).contains(&options.ppi)) {
        return Err(FfiError::invalid(format!(
            "ppi {} is not a resolution",
            options.ppi
        )));
    }
    let format = format_from_raw(options.format)?;
    Ok(ReadOptions {
        mode,
        format,
        xyt_flavour: match format {
            Some(Format::Xyt(flavour)) => flavour,
            _ => XytFlavour::default(),
        },
        image_width: (options.image_width > 0).then_some(options.image_width),
        image_height: (options.image_height > 0).then_some(options.image_height),
        resolution: (options.ppi > 0.0).then(|| Resolution::from_ppi(options.ppi)),
    })
}

pub(crate) fn read_template(
    bytes: &[u8],
    options: &biomatch_read_options,
) -> FfiResult<biomatch_finger_template> {
    let options = read_options(options)?;
    if bytes.is_empty() {
        return Err(FfiError::new(
            biomatch_status::MalformedTemplate,
            "the template buffer is empty",
        ));
    }
    let decoded = formats::read(bytes, &options).map_err(format_error)?;
    Ok(
        biomatch_finger_template::new(decoded.template, Some(decoded.format))
            .with_warnings(&decoded.warnings),
    )
}

/// Reads a finger template from `len` bytes of an ISO/IEC 19794-2, ANSI INCITS 378 or
/// ANSI/NIST-ITL Type-9 record (for xyt text, which needs the image height, use
/// `biomatch_finger_template_read_with_options`).
///
/// `format` is a `biomatch_format` value (`BIOMATCH_FORMAT_AUTO` detects it); `flags` is a
/// `biomatch_read_flags` value. On success `*out_template` receives a new template that the
/// caller owns and releases with `biomatch_finger_template_free`; on failure it is not
/// written. Truncated or malformed bytes (and an empty buffer) give
/// `BIOMATCH_STATUS_MALFORMED_TEMPLATE`, bytes of no known format
/// `BIOMATCH_STATUS_UNSUPPORTED_FORMAT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_read(
    data: *const u8,
    len: usize,
    format: u32,
    flags: u32,
    out_template: *mut *mut biomatch_finger_template,
) -> biomatch_status {
    ffi_call("biomatch_finger_template_read", || {
        let out = Out::new(out_template, "out_template")?;
        // SAFETY: the caller passes `len` readable bytes at `data` (or NULL with len 0).
        let bytes = unsafe { slice(data, len, "data") }?;
        let options = biomatch_read_options {
            format,
            flags,
            ..Default::default()
        };
        let handle = read_template(bytes, &options)?;
        // SAFETY: `out_template` is a valid pointer to write to (checked non-NULL).
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}

/// Reads a finger template like `biomatch_finger_template_read`, with the image geometry
/// that some formats do not store. `options` must not be NULL.
///
/// NIST-internal xyt (`BIOMATCH_FORMAT_XYT`, and AUTO on xyt text) measures y from the
/// bottom edge, so undoing the flip needs `image_height`. Without it (0):
/// * strict (`BIOMATCH_READ_FLAGS_STRICT`): `BIOMATCH_STATUS_INVALID_ARGUMENT`, nothing
///   written, the last-error message says the height is missing;
/// * lenient (`BIOMATCH_READ_FLAGS_LENIENT`): `BIOMATCH_STATUS_OK` with the height assumed
///   to be the largest y in the file (at least 1), so every minutia lies in the image but
///   the y coordinates are shifted by the unknown margin (scores against other templates
///   suffer); the template carries the warning `"image height not given; assumed H (the
///   largest y) to undo the bottom-left origin (at offset 0)"`
///   (`biomatch_finger_template_warning`).
///
/// In both modes a missing `image_width` becomes the smallest width holding every minutia
/// (`mindtct -m1` xyt, `BIOMATCH_FORMAT_XYT_M1`, also takes its height that way, since its
/// origin is top-left) and a missing `ppi` becomes 500, without a warning: they do not move
/// minutiae. Formats that store their geometry (ISO, ANSI) ignore these fields.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_read_with_options(
    data: *const u8,
    len: usize,
    options: *const biomatch_read_options,
    out_template: *mut *mut biomatch_finger_template,
) -> biomatch_status {
    ffi_call("biomatch_finger_template_read_with_options", || {
        let out = Out::new(out_template, "out_template")?;
        // SAFETY: the caller passes NULL or a readable options struct.
        let options = unsafe { handle(options, "options") }?;
        // SAFETY: the caller passes `len` readable bytes at `data` (or NULL with len 0).
        let bytes = unsafe { slice(data, len, "data") }?;
        let handle = read_template(bytes, options)?;
        // SAFETY: `out_template` is a valid pointer to write to (checked non-NULL).
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}

/// Encodes a template in `format` (any `biomatch_format` except AUTO and TYPE9). On success
/// `*out_data` and `*out_len` receive a new buffer owned by the caller, released with
/// `biomatch_bytes_free(data, len)`; on failure neither is written. A template the format
/// cannot hold (for example more minutiae than it allows) gives
/// `BIOMATCH_STATUS_UNSUPPORTED_FORMAT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_write(
    tmpl: *const biomatch_finger_template,
    format: u32,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_finger_template_write", || {
        let out_data = Out::new(out_data, "out_data")?;
        let out_len = Out::new(out_len, "out_len")?;
        // SAFETY: the caller passes NULL or a live template handle.
        let t = unsafe { handle(tmpl, "template") }?;
        let format = format_from_raw(format)?
            .ok_or_else(|| FfiError::invalid("BIOMATCH_FORMAT_AUTO is not a format to write"))?;
        let bytes = formats::write(&t.template, format).map_err(format_error)?;
        let (data, len) = bytes_into_raw(bytes);
        // SAFETY: both checked non-NULL; the caller provides writable pointers.
        unsafe {
            out_data.write(data);
            out_len.write(len);
        }
        Ok(())
    })
}

/// Releases a finger template. NULL is a no-op. The handle must not be used afterwards, and
/// no other thread may be using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_free(tmpl: *mut biomatch_finger_template) {
    // SAFETY: the caller passes NULL or a live handle from this library, once.
    ffi_free(|| unsafe { free_handle(tmpl) });
}

/// The number of deviations from the standard that reading this template tolerated (0 for
/// a strict read, for conforming data and for templates not read from bytes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_warning_count(
    tmpl: *const biomatch_finger_template,
    out_count: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_finger_template_warning_count", || {
        // SAFETY: the caller passes NULL or a live template handle.
        let t = unsafe { handle(tmpl, "template") }?;
        write_warning_count(&t.warnings, out_count)
    })
}

/// Warning `index` (0-based, below `biomatch_finger_template_warning_count`) of a lenient
/// read: `*out_text` receives a NUL-terminated UTF-8 string, `"<what> (at offset <n>)"`,
/// the text the CLI prints after `warning:`. The string is owned by the template and valid
/// until the template is freed; do not free it. An index past the end gives
/// `BIOMATCH_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_warning(
    tmpl: *const biomatch_finger_template,
    index: usize,
    out_text: *mut *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_finger_template_warning", || {
        // SAFETY: the caller passes NULL or a live template handle.
        let t = unsafe { handle(tmpl, "template") }?;
        write_warning(&t.warnings, index, out_text)
    })
}

/// The format a template was read from (a `biomatch_format` value), or
/// `BIOMATCH_FORMAT_AUTO` (0) when it was not read from bytes (e.g. extracted).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_format(
    tmpl: *const biomatch_finger_template,
    out_format: *mut u32,
) -> biomatch_status {
    ffi_call("biomatch_finger_template_format", || {
        let out = Out::new(out_format, "out_format")?;
        // SAFETY: the caller passes NULL or a live template handle.
        let t = unsafe { handle(tmpl, "template") }?;
        let raw = t.format.map_or(biomatch_format::Auto as u32, format_to_raw);
        // SAFETY: checked non-NULL; the caller provides a writable `uint32_t`.
        unsafe { out.write(raw) };
        Ok(())
    })
}

/// Number of finger views in a template (0 is possible: such a template cannot be compared).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_view_count(
    tmpl: *const biomatch_finger_template,
    out_count: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_finger_template_view_count", || {
        let out = Out::new(out_count, "out_count")?;
        // SAFETY: the caller passes NULL or a live template handle.
        let t = unsafe { handle(tmpl, "template") }?;
        // SAFETY: checked non-NULL; the caller provides a writable `size_t`.
        unsafe { out.write(t.template.views.len()) };
        Ok(())
    })
}

/// What a finger view holds (a plain value struct, copied out).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct biomatch_finger_view_info {
    /// Finger position code (ISO/ANSI: 0 unknown, 1 right thumb ... 10 left little).
    pub finger_position: u8,
    /// View number among impressions of the same finger.
    pub view_number: u8,
    /// Finger quality 0..=100 (0 may mean "not reported").
    pub finger_quality: u8,
    /// Width of the source image in pixels.
    pub width: u16,
    /// Height of the source image in pixels.
    pub height: u16,
    /// Horizontal resolution in pixels per inch.
    pub x_ppi: f32,
    /// Vertical resolution in pixels per inch.
    pub y_ppi: f32,
    /// Number of minutiae.
    pub minutia_count: usize,
}

/// Describes view `view` (0-based) of a template. An index at or past the view count gives
/// `BIOMATCH_STATUS_INDEX_OUT_OF_RANGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_template_view_info(
    tmpl: *const biomatch_finger_template,
    view: usize,
    out_info: *mut biomatch_finger_view_info,
) -> biomatch_status {
    ffi_call("biomatch_finger_template_view_info", || {
        let out = Out::new(out_info, "out_info")?;
        // SAFETY: the caller passes NULL or a live template handle.
        let t = unsafe { handle(tmpl, "template") }?;
        let v = t.template.views.get(view).ok_or_else(|| {
            FfiError::new(
                biomatch_status::IndexOutOfRange,
                format!(
                    "view {view} requested, the template has {}",
                    t.template.views.len()
                ),
            )
        })?;
        let info = biomatch_finger_view_info {
            finger_position: v.finger_position.0,
            view_number: v.view_number,
            finger_quality: v.finger_quality,
            width: v.width,
            height: v.height,
            x_ppi: v.resolution.x_ppi(),
            y_ppi: v.resolution.y_ppi(),
            minutia_count: v.minutiae.len(),
        };
        // SAFETY: checked non-NULL; the caller provides a writable struct.
        unsafe { out.write(info) };
        Ok(())
    })
}

/// The 1:1 similarity of the first views of two finger templates: 0 means no evidence of a
/// match, higher is more similar (the scale is the matcher's; turn it into a decision with a
/// threshold from `biomatch_calibration_threshold_for_fmr`). A template without views gives
/// `BIOMATCH_STATUS_EMPTY_TEMPLATE`. Both handles are only read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_finger_score(
    probe: *const biomatch_finger_template,
    candidate: *const biomatch_finger_template,
    out_score: *mut f32,
) -> biomatch_status {
    ffi_call("biomatch_finger_score", || {
        let out = Out::new(out_score, "out_score")?;
        // SAFETY: the caller passes NULL or live template handles.
        let probe = unsafe { handle(probe, "probe") }?.prepared("probe")?;
        // SAFETY: as above.
        let candidate = unsafe { handle(candidate, "candidate") }?.prepared("candidate")?;
        let score = with_scratch(|scratch| matcher().score(probe, candidate, scratch));
        // SAFETY: checked non-NULL; the caller provides a writable float.
        unsafe { out.write(score) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::ptr;

    use super::*;

    const XYT: &[u8] = include_bytes!("../../../fixtures/templates/mpiafis_1_1.xyt");

    fn read_xyt(flags: u32, height: u16) -> (biomatch_status, *mut biomatch_finger_template) {
        let options = biomatch_read_options {
            format: biomatch_format::Xyt as u32,
            flags,
            image_height: height,
            ..Default::default()
        };
        let mut out = ptr::null_mut();
        // SAFETY: valid buffer, options and out-pointer.
        let status = unsafe {
            biomatch_finger_template_read_with_options(XYT.as_ptr(), XYT.len(), &options, &mut out)
        };
        (status, out)
    }

    fn warnings(t: *const biomatch_finger_template) -> Vec<String> {
        let mut n = usize::MAX;
        // SAFETY: a live handle and a writable count.
        let st = unsafe { biomatch_finger_template_warning_count(t, &mut n) };
        assert_eq!(st, biomatch_status::Ok);
        (0..n)
            .map(|i| {
                let mut text = ptr::null();
                // SAFETY: a live handle, an index below the count, a writable pointer.
                let st = unsafe { biomatch_finger_template_warning(t, i, &mut text) };
                assert_eq!(st, biomatch_status::Ok);
                // SAFETY: the template owns a NUL-terminated string while it lives.
                unsafe { CStr::from_ptr(text) }
                    .to_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    /// The largest y of the fixture, computed here from the text (independent of the reader).
    fn largest_y() -> i64 {
        std::str::from_utf8(XYT)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<i64>().ok())
            .max()
            .unwrap()
    }

    #[test]
    fn xyt_without_height_is_invalid_argument_when_strict() {
        let (status, out) = read_xyt(biomatch_read_flags::Strict as u32, 0);
        assert_eq!(status, biomatch_status::InvalidArgument);
        assert!(out.is_null(), "nothing written on failure");
        // SAFETY: the library returns a valid NUL-terminated string.
        let msg = unsafe { CStr::from_ptr(crate::error::biomatch_last_error_message()) };
        assert!(msg.to_str().unwrap().contains("height"), "{msg:?}");
    }

    #[test]
    fn xyt_without_height_is_ok_with_a_warning_when_lenient() {
        let (status, t) = read_xyt(biomatch_read_flags::Lenient as u32, 0);
        assert_eq!(status, biomatch_status::Ok);
        let w = warnings(t);
        assert_eq!(w.len(), 1, "{w:?}");
        let h = largest_y();
        assert_eq!(
            w[0],
            format!(
                "image height not given; assumed {h} (the largest y) to undo the bottom-left \
                 origin (at offset 0)"
            )
        );
        let mut info = std::mem::MaybeUninit::<biomatch_finger_view_info>::uninit();
        // SAFETY: a live handle and a writable struct.
        let st = unsafe { biomatch_finger_template_view_info(t, 0, info.as_mut_ptr()) };
        assert_eq!(st, biomatch_status::Ok);
        // SAFETY: written on success.
        assert_eq!(i64::from(unsafe { info.assume_init() }.height), h);
        // Past the end: INVALID_ARGUMENT, the out-pointer untouched.
        let sentinel = c"x".as_ptr();
        let mut text = sentinel;
        // SAFETY: a live handle and a writable pointer.
        let st = unsafe { biomatch_finger_template_warning(t, 1, &mut text) };
        assert_eq!(st, biomatch_status::InvalidArgument);
        assert_eq!(text, sentinel);
        // SAFETY: NULL handle and NULL out-pointer are refused before any access.
        unsafe {
            let mut n = 0usize;
            assert_eq!(
                biomatch_finger_template_warning_count(ptr::null(), &mut n),
                biomatch_status::NullArgument
            );
            assert_eq!(
                biomatch_finger_template_warning(t, 0, ptr::null_mut()),
                biomatch_status::NullArgument
            );
            biomatch_finger_template_free(t);
        }
    }

    #[test]
    fn xyt_with_height_has_no_warning_in_either_mode() {
        for flags in [biomatch_read_flags::Strict, biomatch_read_flags::Lenient] {
            let (status, t) = read_xyt(flags as u32, 480);
            assert_eq!(status, biomatch_status::Ok);
            assert!(warnings(t).is_empty());
            // SAFETY: the handle just created, freed once.
            unsafe { biomatch_finger_template_free(t) };
        }
    }

    #[test]
    fn a_lenient_iso_read_keeps_the_readers_deviations() {
        // The ISO 2005 fixture's length field is one byte short (fixtures/README.md).
        let bytes = include_bytes!("../../../fixtures/templates/biomdi_Appendix-C2_Example.raw");
        let mut t = ptr::null_mut();
        // SAFETY: valid buffer and out-pointer.
        let st = unsafe {
            biomatch_finger_template_read(
                bytes.as_ptr(),
                bytes.len(),
                biomatch_format::Iso2005 as u32,
                biomatch_read_flags::Lenient as u32,
                &mut t,
            )
        };
        assert_eq!(st, biomatch_status::Ok);
        let w = warnings(t);
        let expected = formats::read(
            bytes,
            &ReadOptions {
                format: Some(Format::Iso2005),
                ..Default::default()
            },
        )
        .unwrap()
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
        assert!(!w.is_empty());
        assert_eq!(w, expected);
        // SAFETY: the handle just created, freed once.
        unsafe { biomatch_finger_template_free(t) };
        let mut t = ptr::null_mut();
        // SAFETY: valid buffer and out-pointer.
        let st = unsafe {
            biomatch_finger_template_read(
                bytes.as_ptr(),
                bytes.len(),
                biomatch_format::Iso2005 as u32,
                biomatch_read_flags::Strict as u32,
                &mut t,
            )
        };
        assert_eq!(st, biomatch_status::MalformedTemplate);
    }
}
