//! Watchlist records, search filters and times, purge, and encryption at rest.

use std::ffi::{CString, c_char};

use biomatch_core::LoadLimits;
use biomatch_core::audit::AuditAction;
use biomatch_core::finger::matcher::Matcher;
use biomatch_core::gallery::{
    Category, Filter, GalleryKey, Record, SearchMode, SearchOptions, persist, unix_now,
};

use crate::boundary::ffi_call;
use crate::error::{FfiError, FfiResult};
use crate::face::biomatch_face_template;
use crate::finger::biomatch_finger_template;
use crate::gallery::{
    biomatch_candidate_list, biomatch_gallery, biomatch_load_limits, gallery_error, path, probe,
    search_with, subject_id,
};
use crate::ptr::{Out, check_aligned, handle, into_handle, slice, utf8};
use crate::status::biomatch_status;

/// Why a subject is listed (`biomatch_record.category`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum biomatch_category {
    /// Wanted by a law-enforcement agency.
    Wanted = 1,
    /// A missing person.
    Missing = 2,
    /// A document reported stolen or lost.
    StolenDocument = 3,
    /// Refused entry.
    DenyEntry = 4,
    /// A person of interest: observe and report.
    Observe = 5,
    /// Another category, named by `category_text`.
    Other = 255,
}

/// One caller-defined field of a record.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct biomatch_record_field {
    /// The field's name (NUL-terminated UTF-8, 1..=1024 bytes).
    pub name: *const c_char,
    /// The field's value (NUL-terminated UTF-8, at most 1024 bytes).
    pub value: *const c_char,
}

/// A watchlist record: why and until when a subject is on the list. Texts are NUL-terminated
/// UTF-8 of at most 1024 bytes without control characters; NULL means empty (agency too).
///
/// Given to `biomatch_gallery_set_record` (start from `biomatch_record_init`), and filled by
/// `biomatch_candidate_list_get_record` (then every pointer points into the candidate list,
/// valid until the list is freed, and `fields` is NULL: read the fields one by one with
/// `biomatch_candidate_list_get_record_field`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct biomatch_record {
    /// A `BIOMATCH_CATEGORY_*` value (uint32_t so that any value from C is safe).
    pub category: u32,
    /// The category's name: for `BIOMATCH_CATEGORY_OTHER` the free text (required), else
    /// ignored on input and the documented name on output ("wanted", "missing",
    /// "stolen-document", "deny-entry", "observe").
    pub category_text: *const c_char,
    /// The listing agency.
    pub agency: *const c_char,
    /// The agency's reference (notice or case number).
    pub reference: *const c_char,
    /// What the officer must do on a hit.
    pub action: *const c_char,
    /// The entry hits from this time (seconds since 1970, UTC, inclusive); INT64_MIN: always.
    pub valid_from: i64,
    /// The entry stops hitting at this time (exclusive); INT64_MAX: never expires.
    pub valid_until: i64,
    /// `field_count` caller-defined fields (at most 32; NULL with 0 for none).
    pub fields: *const biomatch_record_field,
    /// The number of fields.
    pub field_count: usize,
}

/// A record's texts as C strings, kept by a candidate list.
pub(crate) struct RecordStrings {
    category: u32,
    category_text: CString,
    agency: CString,
    reference: CString,
    action: CString,
    valid_from: i64,
    valid_until: i64,
    fields: Vec<(CString, CString)>,
}

fn c_text(s: &str) -> FfiResult<CString> {
    // Record texts have no control characters, so no NUL.
    CString::new(s).map_err(|_| FfiError::invalid("record text contains a NUL byte"))
}

impl RecordStrings {
    pub(crate) fn new(r: &Record) -> FfiResult<RecordStrings> {
        Ok(RecordStrings {
            category: u32::from(r.category.code()),
            category_text: c_text(r.category.name())?,
            agency: c_text(&r.agency)?,
            reference: c_text(&r.reference)?,
            action: c_text(&r.action)?,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            fields: r
                .fields
                .iter()
                .map(|(k, v)| Ok((c_text(k)?, c_text(v)?)))
                .collect::<FfiResult<_>>()?,
        })
    }
}

/// An optional text: NULL is empty.
///
/// # Safety
/// `p` is NULL or NUL-terminated.
unsafe fn text_or_empty(p: *const c_char, what: &str) -> FfiResult<String> {
    if p.is_null() {
        Ok(String::new())
    } else {
        // SAFETY: non-NULL and NUL-terminated by the caller's guarantee.
        Ok(unsafe { utf8(p, what) }?.to_string())
    }
}

/// A record from C, validated.
///
/// # Safety
/// `r` is readable; its pointers follow `biomatch_record`'s rules.
unsafe fn record_from_c(r: &biomatch_record) -> FfiResult<Record> {
    let code = u8::try_from(r.category)
        .map_err(|_| FfiError::invalid(format!("unknown category {}", r.category)))?;
    // SAFETY: NULL or NUL-terminated.
    let text = unsafe { text_or_empty(r.category_text, "category_text") }?;
    let category = Category::from_code(code, &text).map_err(gallery_error)?;
    // SAFETY: NULL or NUL-terminated.
    let mut rec = Record::new(category, &unsafe { text_or_empty(r.agency, "agency") }?);
    // SAFETY: NULL or NUL-terminated.
    rec.reference = unsafe { text_or_empty(r.reference, "reference") }?;
    // SAFETY: NULL or NUL-terminated.
    rec.action = unsafe { text_or_empty(r.action, "action") }?;
    rec.valid_from = r.valid_from;
    rec.valid_until = r.valid_until;
    // SAFETY: `field_count` readable fields (or NULL with 0).
    let fields = unsafe { slice(r.fields, r.field_count, "fields") }?;
    if fields.len() > biomatch_core::gallery::record::MAX_RECORD_FIELDS {
        return Err(FfiError::invalid(format!(
            "{} fields (at most 32)",
            fields.len()
        )));
    }
    for (i, f) in fields.iter().enumerate() {
        // SAFETY: each name and value is NULL or NUL-terminated.
        let name = unsafe { utf8(f.name, &format!("fields[{i}].name")) }?.to_string();
        // SAFETY: as above.
        let value = unsafe { text_or_empty(f.value, &format!("fields[{i}].value")) }?;
        rec.fields.insert(name, value);
    }
    rec.validate().map_err(gallery_error)?;
    Ok(rec)
}

/// Writes an empty record to `*out_record`: category 0 (set one), NULL texts, valid always
/// (INT64_MIN to INT64_MAX), no fields.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_record_init(out_record: *mut biomatch_record) -> biomatch_status {
    ffi_call("biomatch_record_init", || {
        let out = Out::new(out_record, "out_record")?;
        let r = biomatch_record {
            category: 0,
            category_text: std::ptr::null(),
            agency: std::ptr::null(),
            reference: std::ptr::null(),
            action: std::ptr::null(),
            valid_from: i64::MIN,
            valid_until: i64::MAX,
            fields: std::ptr::null(),
            field_count: 0,
        };
        // SAFETY: checked non-NULL and aligned; writable by the caller's guarantee.
        unsafe { out.write(r) };
        Ok(())
    })
}

/// Sets (or with `record` NULL clears) the watchlist record of an enrolled subject. The
/// record is copied and checked: an unknown category, a text over 1024 bytes or with control
/// characters, more than 32 fields or `valid_from > valid_until` gives
/// `BIOMATCH_STATUS_INVALID_ARGUMENT`; an id not enrolled `BIOMATCH_STATUS_UNKNOWN_ID`.
/// Searches see the subject with the old record or the new one. Appends a replace event to an
/// attached audit log.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_set_record(
    gallery: *const biomatch_gallery,
    subject_id: *const c_char,
    record: *const biomatch_record,
) -> biomatch_status {
    ffi_call("biomatch_gallery_set_record", || {
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: NUL-terminated by the caller's guarantee.
        let id = unsafe { self::subject_id(subject_id) }?;
        check_aligned(record, "record")?;
        // SAFETY: NULL or aligned (checked) and readable by the caller's guarantee.
        let rec = match unsafe { record.as_ref() } {
            // SAFETY: the record's pointers follow the documented rules.
            Some(r) => Some(unsafe { record_from_c(r) }?),
            None => None,
        };
        let mut s = g.gallery.get(&id).map_err(gallery_error)?;
        s.set_record(rec);
        g.gallery.replace(s).map_err(gallery_error)?;
        g.audit(
            AuditAction::Replace,
            vec![id.to_string()],
            Some("record set".into()),
        )
    })
}

/// Copies the watchlist record of candidate `index` into `*out_record` and sets
/// `*out_has_record`; a candidate without a record gives `false` and leaves `*out_record`
/// untouched. Pointers in the record stay valid until the list is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_candidate_list_get_record(
    list: *const biomatch_candidate_list,
    index: usize,
    out_record: *mut biomatch_record,
    out_has_record: *mut bool,
) -> biomatch_status {
    ffi_call("biomatch_candidate_list_get_record", || {
        let out = Out::new(out_record, "out_record")?;
        let has = Out::new(out_has_record, "out_has_record")?;
        // SAFETY: the caller passes NULL or a live candidate list handle.
        let l = unsafe { handle(list, "list") }?;
        let r = l
            .records
            .get(index)
            .ok_or_else(|| out_of_range(index, l.records.len()))?;
        match r {
            Some(r) => {
                let c = biomatch_record {
                    category: r.category,
                    category_text: r.category_text.as_ptr(),
                    agency: r.agency.as_ptr(),
                    reference: r.reference.as_ptr(),
                    action: r.action.as_ptr(),
                    valid_from: r.valid_from,
                    valid_until: r.valid_until,
                    fields: std::ptr::null(),
                    field_count: r.fields.len(),
                };
                // SAFETY: both checked non-NULL and aligned; writable by the caller.
                unsafe {
                    out.write(c);
                    has.write(true);
                }
            }
            // SAFETY: checked non-NULL and aligned; writable by the caller.
            None => unsafe { has.write(false) },
        }
        Ok(())
    })
}

fn out_of_range(index: usize, len: usize) -> FfiError {
    FfiError::new(
        biomatch_status::IndexOutOfRange,
        format!("index {index} requested, there are {len}"),
    )
}

/// Field `field` (in name order) of candidate `index`'s record: `*out_name` and `*out_value`
/// point into the list (valid until it is freed). A candidate without a record, or a field
/// index past `field_count`, gives `BIOMATCH_STATUS_INDEX_OUT_OF_RANGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_candidate_list_get_record_field(
    list: *const biomatch_candidate_list,
    index: usize,
    field: usize,
    out_name: *mut *const c_char,
    out_value: *mut *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_candidate_list_get_record_field", || {
        let name = Out::new(out_name, "out_name")?;
        let value = Out::new(out_value, "out_value")?;
        // SAFETY: the caller passes NULL or a live candidate list handle.
        let l = unsafe { handle(list, "list") }?;
        let r = l
            .records
            .get(index)
            .ok_or_else(|| out_of_range(index, l.records.len()))?;
        let fields = r.as_ref().map_or(&[][..], |r| &r.fields[..]);
        let (k, v) = fields
            .get(field)
            .ok_or_else(|| out_of_range(field, fields.len()))?;
        // SAFETY: both checked non-NULL and aligned; writable by the caller.
        unsafe {
            name.write(k.as_ptr());
            value.write(v.as_ptr());
        }
        Ok(())
    })
}

/// Options of `biomatch_gallery_identify_with_options` (start from
/// `biomatch_search_options_default`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct biomatch_search_options {
    /// At most this many candidates (> 0).
    pub max_candidates: usize,
    /// Exact matcher against every finger instead of the fast first stage.
    pub exhaustive: bool,
    /// Only entries whose record has one of these `BIOMATCH_CATEGORY_*` values (NULL with 0:
    /// any; `BIOMATCH_CATEGORY_OTHER` is not accepted here, use `category_texts`).
    pub categories: *const u32,
    /// Number of `categories`.
    pub category_count: usize,
    /// Only entries whose record has one of these free-text categories (added to
    /// `categories`).
    pub category_texts: *const *const c_char,
    /// Number of `category_texts`.
    pub category_text_count: usize,
    /// Only entries listed by one of these agencies (exact text; NULL with 0: any).
    pub agencies: *const *const c_char,
    /// Number of `agencies`.
    pub agency_count: usize,
    /// Use `at` as the search's time for validity windows; false: the system clock.
    pub use_time: bool,
    /// Seconds since 1970 (UTC), when `use_time`.
    pub at: i64,
}

/// Writes the default options: 10 candidates, fast search, no filter, the system clock.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_search_options_default(
    out_options: *mut biomatch_search_options,
) -> biomatch_status {
    ffi_call("biomatch_search_options_default", || {
        let out = Out::new(out_options, "out_options")?;
        let o = biomatch_search_options {
            max_candidates: 10,
            exhaustive: false,
            categories: std::ptr::null(),
            category_count: 0,
            category_texts: std::ptr::null(),
            category_text_count: 0,
            agencies: std::ptr::null(),
            agency_count: 0,
            use_time: false,
            at: 0,
        };
        // SAFETY: checked non-NULL and aligned; writable by the caller.
        unsafe { out.write(o) };
        Ok(())
    })
}

/// NUL-terminated strings from a (pointer, count) array.
///
/// # Safety
/// `p` is NULL with `n` 0, or points to `n` NUL-terminated strings.
unsafe fn strings(p: *const *const c_char, n: usize, what: &str) -> FfiResult<Vec<String>> {
    // SAFETY: forwarded caller guarantee.
    let ptrs = unsafe { slice(p, n, what) }?;
    ptrs.iter()
        .enumerate()
        // SAFETY: each element is NUL-terminated by the caller's guarantee.
        .map(|(i, &s)| unsafe { utf8(s, &format!("{what}[{i}]")) }.map(str::to_string))
        .collect()
}

/// Search options from C.
///
/// # Safety
/// `o` is readable; its arrays follow `biomatch_search_options`' rules.
unsafe fn options_from_c(o: &biomatch_search_options) -> FfiResult<SearchOptions> {
    // SAFETY: `category_count` readable values (or NULL with 0).
    let codes = unsafe { slice(o.categories, o.category_count, "categories") }?;
    let mut categories = Vec::with_capacity(codes.len());
    for &c in codes {
        let code = u8::try_from(c)
            .ok()
            .filter(|&c| c != 255)
            .ok_or_else(|| FfiError::invalid(format!("category filter {c} is not documented")))?;
        categories.push(Category::from_code(code, "").map_err(gallery_error)?);
    }
    // SAFETY: forwarded array guarantees.
    for t in unsafe { strings(o.category_texts, o.category_text_count, "category_texts") }? {
        categories.push(Category::from_code(255, &t).map_err(gallery_error)?);
    }
    // SAFETY: forwarded array guarantees.
    let agencies = unsafe { strings(o.agencies, o.agency_count, "agencies") }?;
    Ok(SearchOptions {
        top_k: o.max_candidates,
        min_fused_score: None,
        mode: if o.exhaustive {
            SearchMode::Exhaustive
        } else {
            SearchMode::default()
        },
        filter: Filter {
            categories,
            agencies,
        },
        at: Some(if o.use_time { o.at } else { unix_now() }),
    })
}

/// 1:N identification as `biomatch_gallery_identify`, with a filter on the entries' records
/// (categories, agencies), a search time for their validity windows, the candidate count and
/// the search mode. Entries outside their validity window at the search's time are never
/// returned (this holds for every identify call; the others use the system clock).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_identify_with_options(
    gallery: *const biomatch_gallery,
    face: *const biomatch_face_template,
    fingers: *const *const biomatch_finger_template,
    finger_count: usize,
    options: *const biomatch_search_options,
    out_candidates: *mut *mut biomatch_candidate_list,
) -> biomatch_status {
    ffi_call("biomatch_gallery_identify_with_options", || {
        let out = Out::new(out_candidates, "out_candidates")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: NULL or aligned and readable (handle checks both).
        let o = unsafe { handle(options, "options") }?;
        // SAFETY: the options' arrays follow the documented rules.
        let options = unsafe { options_from_c(o) }?;
        // SAFETY: forwarded caller guarantees on the face and finger array.
        let probe = unsafe { probe(face, fingers, finger_count) }?;
        let list = search_with(g, &probe, &options)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(list)) };
        Ok(())
    })
}

/// Removes every subject whose record expired by time `at` (seconds since 1970, UTC; pass
/// the current time) and writes how many to `*out_removed`. Save the gallery afterwards:
/// the saved file then holds no byte of the removed subjects. Appends a purge event naming
/// them to an attached audit log.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_purge(
    gallery: *const biomatch_gallery,
    at: i64,
    out_removed: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_gallery_purge", || {
        let out = Out::new(out_removed, "out_removed")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        let ids = g.gallery.purge(at);
        let n = ids.len();
        g.audit(
            AuditAction::Purge,
            ids.iter().map(|i| i.to_string()).collect(),
            Some(format!("expired by {at}")),
        )?;
        // SAFETY: checked non-NULL and aligned; writable by the caller.
        unsafe { out.write(n) };
        Ok(())
    })
}

/// A 32-byte key from C (the copy is zeroised when dropped).
///
/// # Safety
/// `key` is NULL or points to `key_len` readable bytes.
unsafe fn gallery_key(key: *const u8, key_len: usize) -> FfiResult<GalleryKey> {
    if key.is_null() {
        return Err(FfiError::null("key"));
    }
    // SAFETY: forwarded caller guarantee.
    let bytes = unsafe { slice(key, key_len, "key") }?;
    GalleryKey::from_slice(bytes).map_err(gallery_error)
}

/// Saves the gallery as `biomatch_gallery_save` does, encrypted with AES-256-GCM under the
/// 32-byte `key` (`key_len` must be 32). Saving under another key re-encrypts atomically.
/// The library keeps no copy of the key after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_save_encrypted(
    gallery: *const biomatch_gallery,
    path: *const c_char,
    key: *const u8,
    key_len: usize,
) -> biomatch_status {
    ffi_call("biomatch_gallery_save_encrypted", || {
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: NUL-terminated by the caller's guarantee.
        let path = unsafe { self::path(path) }?;
        // SAFETY: `key_len` readable bytes.
        let key = unsafe { gallery_key(key, key_len) }?;
        g.gallery
            .save_encrypted(&path, &key)
            .map_err(gallery_error)?;
        g.audit(
            AuditAction::Save,
            Vec::new(),
            Some(format!("{} subjects, encrypted", g.gallery.len())),
        )
    })
}

/// Loads a gallery saved by `biomatch_gallery_save_encrypted` under `key` (32 bytes), within
/// `limits` (NULL: the defaults). The wrong key or any altered byte gives
/// `BIOMATCH_STATUS_DECRYPTION_FAILED`; an unencrypted file
/// `BIOMATCH_STATUS_ENCRYPTION_MISMATCH` (so a plain file cannot stand in for an encrypted
/// watchlist); other errors as `biomatch_gallery_load`. Nothing is loaded on failure.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_load_encrypted(
    path: *const c_char,
    key: *const u8,
    key_len: usize,
    limits: *const biomatch_load_limits,
    out_gallery: *mut *mut biomatch_gallery,
) -> biomatch_status {
    ffi_call("biomatch_gallery_load_encrypted", || {
        let out = Out::new(out_gallery, "out_gallery")?;
        // SAFETY: NULL or aligned, readable limits.
        let limits = unsafe { crate::gallery::load_limits(limits) }?;
        // SAFETY: NUL-terminated by the caller's guarantee.
        let path = unsafe { self::path(path) }?;
        // SAFETY: `key_len` readable bytes.
        let key = unsafe { gallery_key(key, key_len) }?;
        let g = persist::load_with_key(&path, Matcher::default(), &limits, Some(&key))
            .map_err(gallery_error)?;
        let handle = crate::gallery::loaded_handle(g)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}

/// As `biomatch_gallery_load_encrypted`, from the `len` bytes of an encrypted gallery file.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_load_bytes_encrypted(
    data: *const u8,
    len: usize,
    key: *const u8,
    key_len: usize,
    limits: *const biomatch_load_limits,
    out_gallery: *mut *mut biomatch_gallery,
) -> biomatch_status {
    ffi_call("biomatch_gallery_load_bytes_encrypted", || {
        let out = Out::new(out_gallery, "out_gallery")?;
        // SAFETY: NULL or aligned, readable limits.
        let limits: LoadLimits = unsafe { crate::gallery::load_limits(limits) }?;
        // SAFETY: `len` readable bytes (or NULL with 0).
        let bytes = unsafe { slice(data, len, "data") }?;
        // SAFETY: `key_len` readable bytes.
        let key = unsafe { gallery_key(key, key_len) }?;
        let g = persist::from_bytes_with_key(bytes, Matcher::default(), &limits, Some(&key))
            .map_err(gallery_error)?;
        let handle = crate::gallery::loaded_handle(g)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}
