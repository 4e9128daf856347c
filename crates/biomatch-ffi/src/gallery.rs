//! The subject gallery: enrol, remove, identify (face, finger, multi-modal), verify, save and
//! load. A thin layer over `biomatch::gallery::Gallery`, which is internally synchronised.

use std::ffi::{CString, c_char};
use std::path::PathBuf;

use biomatch_core::LoadLimits;
use biomatch_core::audit::AuditAction;
use biomatch_core::finger::FingerView;
use biomatch_core::finger::matcher::Matcher;
use biomatch_core::gallery::{
    CandidateSubject, Gallery, GalleryConfig, GalleryError, Probe, SearchOptions, Subject,
    SubjectId, persist,
};

use crate::boundary::{ffi_call, ffi_free};
use crate::calibration::biomatch_calibration;
use crate::error::{FfiError, FfiResult};
use crate::face::{biomatch_face_template, face_error};
use crate::finger::biomatch_finger_template;
use crate::ptr::{
    Out, check_aligned, free_handle, handle, into_handle, optional_handle, slice, utf8,
};
use crate::status::biomatch_status;

/// A gallery of subjects (an id, an optional face, fingers), opaque.
///
/// Created by `biomatch_gallery_new` or `biomatch_gallery_load`, released with
/// `biomatch_gallery_free`. Internally synchronised: every gallery function may run
/// concurrently with every other on the same handle, except `biomatch_gallery_free`.
pub struct biomatch_gallery {
    pub(crate) gallery: Gallery,
    /// The face model tag, kept as a C string for `biomatch_gallery_face_model`.
    face_model: CString,
    /// The audit log every operation on this handle appends to (`biomatch_gallery_set_audit_log`).
    pub(crate) audit: std::sync::Mutex<Option<crate::audit::GalleryAudit>>,
}

impl biomatch_gallery {
    pub(crate) fn new(gallery: Gallery) -> FfiResult<biomatch_gallery> {
        let face_model = CString::new(gallery.config().face_model.as_str())
            .map_err(|_| FfiError::invalid("the face model tag contains a NUL byte"))?;
        Ok(biomatch_gallery {
            gallery,
            face_model,
            audit: std::sync::Mutex::new(None),
        })
    }

    /// Appends an event to the attached audit log, if any (an append that fails fails the
    /// call: an operation is never left unlogged silently).
    pub(crate) fn audit(
        &self,
        action: AuditAction,
        subjects: Vec<String>,
        decision: Option<String>,
    ) -> FfiResult<()> {
        let mut guard = self.audit.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(a) => a.append(action, subjects, decision),
            None => Ok(()),
        }
    }
}

// The header promises concurrent use of one gallery handle from many threads.
const _: () = {
    const fn shared_between_threads<T: Send + Sync>() {}
    shared_between_threads::<biomatch_gallery>();
};

/// The result of an identification or verification: candidates, best first, opaque.
///
/// Created by `biomatch_gallery_identify*` / `biomatch_gallery_verify`, released with
/// `biomatch_candidate_list_free`. Immutable: may be read from any number of threads at once.
pub struct biomatch_candidate_list {
    pub(crate) candidates: Vec<(CString, CandidateSubject)>,
    /// Each candidate's watchlist record as C strings (`None`: no record).
    pub(crate) records: Vec<Option<crate::watchlist::RecordStrings>>,
}

/// One candidate, copied out of a candidate list by `biomatch_candidate_list_get`.
///
/// Scores that do not apply are NaN (test with `isnan`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct biomatch_candidate {
    /// The subject id, NUL-terminated UTF-8. Owned by the candidate list: valid until the list
    /// is freed.
    pub subject_id: *const c_char,
    /// The ranking score, higher is better: `-log10(fused FMR)` when every probe modality is
    /// calibrated, otherwise the raw score of the probe's single modality.
    pub fused_score: f64,
    /// The estimated false-match rate of the fused decision; NaN when not calibrated.
    pub fused_fmr: f64,
    /// Face cosine similarity; NaN when the probe or the subject has no face.
    pub face_score: f32,
    /// Estimated FMR of the face score; NaN when not calibrated or not compared.
    pub face_fmr: f64,
    /// The best finger score over the probe's fingers; NaN when the probe has no finger.
    pub finger_score: f32,
    /// Estimated FMR of that best finger (corrected for the impressions compared); NaN when not
    /// calibrated or when the probe has no finger.
    pub finger_fmr: f64,
}

/// The status a gallery error maps to.
pub(crate) fn gallery_error(e: GalleryError) -> FfiError {
    match e {
        GalleryError::Face(f) | GalleryError::FaceRow { error: f, .. } => return face_error(f),
        _ => {}
    }
    let status = match &e {
        GalleryError::DuplicateId(_) => biomatch_status::DuplicateId,
        GalleryError::UnknownId(_) => biomatch_status::UnknownId,
        GalleryError::NotCalibrated(_) => biomatch_status::NotCalibrated,
        GalleryError::NonFiniteMinutia => biomatch_status::MalformedTemplate,
        GalleryError::Io { .. } => biomatch_status::Io,
        GalleryError::NotAGallery
        | GalleryError::UnsupportedVersion(..)
        | GalleryError::ChecksumMismatch { .. }
        | GalleryError::Corrupt { .. } => biomatch_status::CorruptData,
        GalleryError::Decryption => biomatch_status::DecryptionFailed,
        GalleryError::KeyRequired | GalleryError::NotEncrypted => {
            biomatch_status::EncryptionMismatch
        }
        _ => biomatch_status::InvalidArgument,
    };
    FfiError::new(status, e.to_string())
}

/// A subject id from C.
pub(crate) unsafe fn subject_id(id: *const c_char) -> FfiResult<SubjectId> {
    // SAFETY: forwarded caller guarantee (NULL or NUL-terminated).
    let text = unsafe { utf8(id, "subject_id") }?;
    SubjectId::new(text).map_err(gallery_error)
}

/// A file path from C (any bytes on Unix, UTF-8 elsewhere).
pub(crate) unsafe fn path(path: *const c_char) -> FfiResult<PathBuf> {
    if path.is_null() {
        return Err(FfiError::null("path"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: non-NULL and NUL-terminated by the caller's guarantee.
        let bytes = unsafe { std::ffi::CStr::from_ptr(path) }.to_bytes();
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        // SAFETY: as above.
        Ok(PathBuf::from(unsafe { utf8(path, "path") }?))
    }
}

/// Every view of the given finger templates, in order.
unsafe fn finger_views(
    fingers: *const *const biomatch_finger_template,
    count: usize,
) -> FfiResult<Vec<FingerView>> {
    // SAFETY: the caller passes `count` readable handle pointers (or NULL with count 0).
    let handles = unsafe { slice(fingers, count, "fingers") }?;
    let mut views = Vec::new();
    for (i, &h) in handles.iter().enumerate() {
        // SAFETY: each element is NULL or a live finger template handle.
        let t = unsafe { handle(h, &format!("fingers[{i}]")) }?;
        if t.template.views.is_empty() {
            return Err(FfiError::new(
                biomatch_status::EmptyTemplate,
                format!("fingers[{i}] has no finger view"),
            ));
        }
        views.extend(t.template.views.iter().cloned());
    }
    Ok(views)
}

/// A probe from an optional face and finger templates.
pub(crate) unsafe fn probe(
    face: *const biomatch_face_template,
    fingers: *const *const biomatch_finger_template,
    finger_count: usize,
) -> FfiResult<Probe> {
    // SAFETY: `face` is NULL (no face) or a live face template handle.
    let face = unsafe { optional_handle(face, "face") }?.map(|f| f.template.clone());
    // SAFETY: forwarded caller guarantees.
    let fingers = unsafe { finger_views(fingers, finger_count) }?;
    Ok(Probe { face, fingers })
}

fn candidate_list(candidates: Vec<CandidateSubject>) -> FfiResult<biomatch_candidate_list> {
    let records = candidates
        .iter()
        .map(|c| {
            c.record
                .as_deref()
                .map(crate::watchlist::RecordStrings::new)
                .transpose()
        })
        .collect::<FfiResult<_>>()?;
    let candidates = candidates
        .into_iter()
        .map(|c| {
            // Subject ids have no control characters, so no NUL.
            let id = CString::new(c.id.as_str())
                .map_err(|_| FfiError::invalid("subject id contains a NUL byte"))?;
            Ok((id, c))
        })
        .collect::<FfiResult<_>>()?;
    Ok(biomatch_candidate_list {
        candidates,
        records,
    })
}

/// Runs a search with `options` (top_k checked here) and appends the identify event.
pub(crate) fn search_with(
    g: &biomatch_gallery,
    probe: &Probe,
    options: &SearchOptions,
) -> FfiResult<biomatch_candidate_list> {
    if options.top_k == 0 {
        return Err(FfiError::invalid("max_candidates is 0"));
    }
    let found = g.gallery.search(probe, options).map_err(gallery_error)?;
    g.audit(
        AuditAction::Identify,
        found.iter().map(|c| c.id.to_string()).collect(),
        Some(format!("{} candidates", found.len())),
    )?;
    candidate_list(found)
}

fn search(
    g: &biomatch_gallery,
    probe: &Probe,
    max_candidates: usize,
) -> FfiResult<biomatch_candidate_list> {
    let options = SearchOptions {
        top_k: max_candidates,
        ..SearchOptions::default()
    };
    search_with(g, probe, &options)
}

/// Creates an empty gallery for face embeddings of `face_dimension` values from the face model
/// `face_model` (templates of another model or dimension are rejected).
///
/// The calibrations (impostor score distributions, see `biomatch_calibration_new`) may be NULL;
/// they are copied. Identifying with a probe that has more than one modality (a face and a
/// finger, or two fingers) needs the calibration of each modality it uses, otherwise it gives
/// `BIOMATCH_STATUS_NOT_CALIBRATED`. On success `*out_gallery` receives a new gallery owned by
/// the caller (release it with `biomatch_gallery_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_new(
    face_model: *const c_char,
    face_dimension: usize,
    face_calibration: *const biomatch_calibration,
    finger_calibration: *const biomatch_calibration,
    out_gallery: *mut *mut biomatch_gallery,
) -> biomatch_status {
    ffi_call("biomatch_gallery_new", || {
        let out = Out::new(out_gallery, "out_gallery")?;
        // SAFETY: the caller passes a NUL-terminated string.
        let model = unsafe { utf8(face_model, "face_model") }?;
        if face_dimension == 0 {
            return Err(FfiError::new(
                biomatch_status::WrongDimension,
                "face_dimension is 0",
            ));
        }
        let mut config = GalleryConfig::new(model, face_dimension);
        config.validate().map_err(gallery_error)?;
        // SAFETY: each is NULL or a live calibration handle.
        config.face_calibration = unsafe { optional_handle(face_calibration, "face_calibration") }?
            .map(|c| c.calibration.clone());
        // SAFETY: as above.
        config.finger_calibration =
            unsafe { optional_handle(finger_calibration, "finger_calibration") }?
                .map(|c| c.calibration.clone());
        let gallery = Gallery::new(config);
        let handle = biomatch_gallery::new(gallery)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}

/// Releases a gallery. NULL is a no-op. No other thread may be using the gallery.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_free(gallery: *mut biomatch_gallery) {
    // SAFETY: the caller passes NULL or a live handle from this library, once.
    ffi_free(|| unsafe { free_handle(gallery) });
}

/// Limits applied while loading a gallery file, which is untrusted input even with a valid
/// checksum (see `biomatch_load_limits_default` for the defaults).
///
/// A file over a limit is refused with `BIOMATCH_STATUS_CORRUPT_DATA` before anything is
/// allocated for its content. Fixed limits, not settable: face-model tags of at most 4096
/// bytes (stored once, shared by every face), subject ids of at most 256 bytes, face
/// dimensions 128..=4096, at most 255 minutiae per view, 16 finger positions of 16
/// impressions per subject.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct biomatch_load_limits {
    /// Largest file accepted, in bytes (default 8 GiB). A file is never read past this limit,
    /// and a path that is not a regular file (a FIFO, a device) gives `BIOMATCH_STATUS_IO`.
    pub max_file_bytes: u64,
    /// Most subjects (default 2,000,000).
    pub max_subjects: usize,
    /// Most finger impressions over all subjects (default 4,000,000; each costs about 3 KiB
    /// once loaded).
    pub max_impressions: usize,
    /// Most face embeddings (default 2,000,000).
    pub max_faces: usize,
}

impl From<biomatch_load_limits> for LoadLimits {
    fn from(l: biomatch_load_limits) -> LoadLimits {
        LoadLimits {
            max_file_bytes: l.max_file_bytes,
            max_subjects: l.max_subjects,
            max_impressions: l.max_impressions,
            max_faces: l.max_faces,
        }
    }
}

/// Writes the default load limits to `*out_limits` (start from these and lower what a gate
/// needs lower).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_load_limits_default(
    out_limits: *mut biomatch_load_limits,
) -> biomatch_status {
    ffi_call("biomatch_load_limits_default", || {
        let out = Out::new(out_limits, "out_limits")?;
        let d = LoadLimits::default();
        let limits = biomatch_load_limits {
            max_file_bytes: d.max_file_bytes,
            max_subjects: d.max_subjects,
            max_impressions: d.max_impressions,
            max_faces: d.max_faces,
        };
        // SAFETY: checked non-NULL and aligned; the caller provides writable memory.
        unsafe { out.write(limits) };
        Ok(())
    })
}

/// The limits from C: NULL means the defaults.
///
/// # Safety
/// `limits` is NULL or points to a readable `biomatch_load_limits`.
pub(crate) unsafe fn load_limits(limits: *const biomatch_load_limits) -> FfiResult<LoadLimits> {
    if limits.is_null() {
        return Ok(LoadLimits::default());
    }
    check_aligned(limits, "limits")?;
    // SAFETY: non-NULL and aligned (checked), readable by the caller's guarantee.
    Ok(unsafe { *limits }.into())
}

/// A handle for a gallery read from a file: anything refused here is corrupt data too.
pub(crate) fn loaded_handle(gallery: Gallery) -> FfiResult<biomatch_gallery> {
    biomatch_gallery::new(gallery).map_err(|e| {
        FfiError::new(
            biomatch_status::CorruptData,
            format!("gallery file: {}", e.message),
        )
    })
}

/// Loads a gallery saved by `biomatch_gallery_save` from the file at `path`, within the
/// default limits (`biomatch_load_limits_default`). A missing or unreadable file, or a path
/// that is not a regular file, gives `BIOMATCH_STATUS_IO`; a file that is not a gallery, of
/// another format version, corrupt (checksum), over a limit, or inconsistent in any way
/// (including a duplicate subject id, a non-finite minutia or an invalid embedding inside
/// the file) gives `BIOMATCH_STATUS_CORRUPT_DATA`; an encrypted file
/// `BIOMATCH_STATUS_ENCRYPTION_MISMATCH` (load it with `biomatch_gallery_load_encrypted`). On
/// success `*out_gallery` receives a new gallery owned by the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_load(
    path: *const c_char,
    out_gallery: *mut *mut biomatch_gallery,
) -> biomatch_status {
    // SAFETY: forwarded caller guarantees; NULL limits mean the defaults.
    unsafe { biomatch_gallery_load_with_limits(path, std::ptr::null(), out_gallery) }
}

/// As `biomatch_gallery_load`, within `limits` (NULL: the defaults).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_load_with_limits(
    path: *const c_char,
    limits: *const biomatch_load_limits,
    out_gallery: *mut *mut biomatch_gallery,
) -> biomatch_status {
    ffi_call("biomatch_gallery_load_with_limits", || {
        let out = Out::new(out_gallery, "out_gallery")?;
        // SAFETY: the caller passes NULL or readable limits.
        let limits = unsafe { load_limits(limits) }?;
        // SAFETY: the caller passes a NUL-terminated path.
        let path = unsafe { self::path(path) }?;
        let gallery =
            persist::load_with_limits(&path, Matcher::default(), &limits).map_err(gallery_error)?;
        let handle = loaded_handle(gallery)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}

/// Loads a gallery from the `len` bytes of a saved gallery file (for galleries delivered
/// over a network or kept in memory), within the default limits. Errors as
/// `biomatch_gallery_load`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_load_bytes(
    data: *const u8,
    len: usize,
    out_gallery: *mut *mut biomatch_gallery,
) -> biomatch_status {
    // SAFETY: forwarded caller guarantees; NULL limits mean the defaults.
    unsafe { biomatch_gallery_load_bytes_with_limits(data, len, std::ptr::null(), out_gallery) }
}

/// As `biomatch_gallery_load_bytes`, within `limits` (NULL: the defaults).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_load_bytes_with_limits(
    data: *const u8,
    len: usize,
    limits: *const biomatch_load_limits,
    out_gallery: *mut *mut biomatch_gallery,
) -> biomatch_status {
    ffi_call("biomatch_gallery_load_bytes_with_limits", || {
        let out = Out::new(out_gallery, "out_gallery")?;
        // SAFETY: the caller passes NULL or readable limits.
        let limits = unsafe { load_limits(limits) }?;
        // SAFETY: the caller passes `len` readable bytes (or NULL with len 0).
        let bytes = unsafe { slice(data, len, "data") }?;
        let gallery = persist::from_bytes_with_limits(bytes, Matcher::default(), &limits)
            .map_err(gallery_error)?;
        let handle = loaded_handle(gallery)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}

/// Saves the gallery to `path`, atomically: a temporary file in the same directory is
/// written, flushed to disk and renamed over `path`, so a crash leaves the old file or the
/// new one. May run while other threads enrol or identify (it saves one consistent state).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_save(
    gallery: *const biomatch_gallery,
    path: *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_gallery_save", || {
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: the caller passes a NUL-terminated path.
        let path = unsafe { self::path(path) }?;
        g.gallery.save(&path).map_err(gallery_error)?;
        g.audit(
            AuditAction::Save,
            Vec::new(),
            Some(format!("{} subjects", g.gallery.len())),
        )
    })
}

/// The number of enrolled subjects.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_len(
    gallery: *const biomatch_gallery,
    out_len: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_gallery_len", || {
        let out = Out::new(out_len, "out_len")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: checked non-NULL; the caller provides a writable `size_t`.
        unsafe { out.write(g.gallery.len()) };
        Ok(())
    })
}

/// The face model tag the gallery accepts. `*out_model` receives a NUL-terminated string
/// owned by the gallery, valid until the gallery is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_face_model(
    gallery: *const biomatch_gallery,
    out_model: *mut *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_gallery_face_model", || {
        let out = Out::new(out_model, "out_model")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: checked non-NULL; the caller provides a writable pointer.
        unsafe { out.write(g.face_model.as_ptr()) };
        Ok(())
    })
}

/// The dimension of the face embeddings the gallery accepts.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_face_dimension(
    gallery: *const biomatch_gallery,
    out_dimension: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_gallery_face_dimension", || {
        let out = Out::new(out_dimension, "out_dimension")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: checked non-NULL; the caller provides a writable `size_t`.
        unsafe { out.write(g.gallery.config().face_dim) };
        Ok(())
    })
}

/// Whether a subject id is enrolled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_contains(
    gallery: *const biomatch_gallery,
    subject_id: *const c_char,
    out_contains: *mut bool,
) -> biomatch_status {
    ffi_call("biomatch_gallery_contains", || {
        let out = Out::new(out_contains, "out_contains")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: the caller passes a NUL-terminated id.
        let id = unsafe { self::subject_id(subject_id) }?;
        // SAFETY: checked non-NULL; the caller provides a writable bool.
        unsafe { out.write(g.gallery.contains(&id)) };
        Ok(())
    })
}

/// The subject an enrolment or replacement call describes (no record: the C API sets
/// records with `biomatch_gallery_set_record`).
fn subject(
    id: SubjectId,
    face: Option<&biomatch_face_template>,
    fingers: Vec<FingerView>,
) -> Subject {
    let mut s = Subject::new(id);
    if let Some(f) = face {
        s = s.with_face(f.template.clone());
    }
    for v in fingers {
        s.add_finger(v);
    }
    s
}

/// Enrols a subject under `subject_id` (UTF-8, 1 to 256 bytes, no control characters) with an
/// optional face (NULL for none) and `finger_count` finger templates (every view of each is
/// enrolled under its finger position; `fingers` may be NULL when `finger_count` is 0). At
/// least one of face and fingers is needed. The templates are copied: the caller keeps
/// ownership of its handles.
///
/// An id already enrolled gives `BIOMATCH_STATUS_DUPLICATE_ID`; a face of another model
/// `BIOMATCH_STATUS_MODEL_MISMATCH`, of another dimension `BIOMATCH_STATUS_WRONG_DIMENSION`.
/// Searches running at the same time see the gallery either without or with the subject.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_enrol(
    gallery: *mut biomatch_gallery,
    subject_id: *const c_char,
    face: *const biomatch_face_template,
    fingers: *const *const biomatch_finger_template,
    finger_count: usize,
) -> biomatch_status {
    // SAFETY: forwarded caller guarantees on every pointer.
    unsafe {
        write_subject(
            gallery,
            subject_id,
            face,
            fingers,
            finger_count,
            AuditAction::Enrol,
        )
    }
}

/// Replaces the record of an enrolled subject (same arguments as `biomatch_gallery_enrol`).
/// An id not enrolled gives `BIOMATCH_STATUS_UNKNOWN_ID`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_replace(
    gallery: *mut biomatch_gallery,
    subject_id: *const c_char,
    face: *const biomatch_face_template,
    fingers: *const *const biomatch_finger_template,
    finger_count: usize,
) -> biomatch_status {
    // SAFETY: forwarded caller guarantees on every pointer.
    unsafe {
        write_subject(
            gallery,
            subject_id,
            face,
            fingers,
            finger_count,
            AuditAction::Replace,
        )
    }
}

/// The body of `biomatch_gallery_enrol` and `_replace`: checks the arguments, builds the
/// subject and enrols it (`action` Enrol) or replaces the enrolled one, keeping its watchlist
/// record (`action` Replace).
///
/// # Safety
/// As for `biomatch_gallery_enrol`: `gallery` NULL or live, `subject_id` NUL-terminated,
/// `face` NULL or live, `fingers` NULL (with count 0) or `finger_count` live handles.
unsafe fn write_subject(
    gallery: *mut biomatch_gallery,
    subject_id: *const c_char,
    face: *const biomatch_face_template,
    fingers: *const *const biomatch_finger_template,
    finger_count: usize,
    action: AuditAction,
) -> biomatch_status {
    let replace = action == AuditAction::Replace;
    let name = if replace {
        "biomatch_gallery_replace"
    } else {
        "biomatch_gallery_enrol"
    };
    ffi_call(name, || {
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: the caller passes a NUL-terminated id.
        let id = unsafe { self::subject_id(subject_id) }?;
        // SAFETY: `face` is NULL or a live face template handle.
        let face = unsafe { optional_handle(face, "face") }?;
        // SAFETY: forwarded caller guarantees on the finger array.
        let views = unsafe { finger_views(fingers, finger_count) }?;
        let mut s = subject(id.clone(), face, views);
        if action == AuditAction::Replace {
            // A replacement changes the biometrics; the watchlist record stays.
            s.set_record(g.gallery.get(&id).ok().and_then(|o| o.record().cloned()));
        }
        if replace {
            g.gallery.replace(s)
        } else {
            g.gallery.enrol(s)
        }
        .map_err(gallery_error)?;
        g.audit(action, vec![id.to_string()], None)
    })
}

/// Removes a subject. An id not enrolled gives `BIOMATCH_STATUS_UNKNOWN_ID`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_remove(
    gallery: *mut biomatch_gallery,
    subject_id: *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_gallery_remove", || {
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: the caller passes a NUL-terminated id.
        let id = unsafe { self::subject_id(subject_id) }?;
        g.gallery.remove(&id).map_err(gallery_error)?;
        g.audit(AuditAction::Remove, vec![id.to_string()], None)
    })
}

/// 1:N identification with any combination of modalities: an optional face (NULL for none)
/// and `finger_count` finger templates (every view is a probe finger). Returns at most
/// `max_candidates` (> 0) subjects, best `fused_score` first, as a new candidate list owned by
/// the caller (release it with `biomatch_candidate_list_free`); an empty list is a success.
///
/// A probe with neither face nor finger gives `BIOMATCH_STATUS_INVALID_ARGUMENT`; a probe with
/// more than one modality needs the gallery's calibrations (`BIOMATCH_STATUS_NOT_CALIBRATED`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_identify(
    gallery: *const biomatch_gallery,
    face: *const biomatch_face_template,
    fingers: *const *const biomatch_finger_template,
    finger_count: usize,
    max_candidates: usize,
    out_candidates: *mut *mut biomatch_candidate_list,
) -> biomatch_status {
    ffi_call("biomatch_gallery_identify", || {
        let out = Out::new(out_candidates, "out_candidates")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: forwarded caller guarantees on the face and finger array.
        let probe = unsafe { probe(face, fingers, finger_count) }?;
        let list = search(g, &probe, max_candidates)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(list)) };
        Ok(())
    })
}

/// 1:N identification by face alone (`face` must not be NULL). See
/// `biomatch_gallery_identify`; `fused_score` is the face cosine similarity unless the gallery
/// has a face calibration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_identify_face(
    gallery: *const biomatch_gallery,
    face: *const biomatch_face_template,
    max_candidates: usize,
    out_candidates: *mut *mut biomatch_candidate_list,
) -> biomatch_status {
    ffi_call("biomatch_gallery_identify_face", || {
        let out = Out::new(out_candidates, "out_candidates")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: the caller passes NULL or a live face template handle.
        let face = unsafe { handle(face, "face") }?;
        let probe = Probe {
            face: Some(face.template.clone()),
            fingers: Vec::new(),
        };
        let list = search(g, &probe, max_candidates)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(list)) };
        Ok(())
    })
}

/// 1:N identification by one finger template (`finger` must not be NULL; a template with
/// several views is a multi-finger probe). See `biomatch_gallery_identify`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_identify_finger(
    gallery: *const biomatch_gallery,
    finger: *const biomatch_finger_template,
    max_candidates: usize,
    out_candidates: *mut *mut biomatch_candidate_list,
) -> biomatch_status {
    ffi_call("biomatch_gallery_identify_finger", || {
        let out = Out::new(out_candidates, "out_candidates")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        if finger.is_null() {
            return Err(FfiError::null("finger"));
        }
        // SAFETY: a one-element array holding a non-NULL finger handle.
        let probe = unsafe { probe(std::ptr::null(), &finger, 1) }?;
        let list = search(g, &probe, max_candidates)?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(list)) };
        Ok(())
    })
}

/// 1:1 verification against the subject enrolled under `subject_id` with an optional face
/// and finger templates (as `biomatch_gallery_identify`). The result is a candidate list of
/// exactly one entry, owned by the caller. An id not enrolled gives
/// `BIOMATCH_STATUS_UNKNOWN_ID`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_verify(
    gallery: *const biomatch_gallery,
    subject_id: *const c_char,
    face: *const biomatch_face_template,
    fingers: *const *const biomatch_finger_template,
    finger_count: usize,
    out_candidates: *mut *mut biomatch_candidate_list,
) -> biomatch_status {
    ffi_call("biomatch_gallery_verify", || {
        let out = Out::new(out_candidates, "out_candidates")?;
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        // SAFETY: the caller passes a NUL-terminated id.
        let id = unsafe { self::subject_id(subject_id) }?;
        // SAFETY: forwarded caller guarantees on the face and finger array.
        let probe = unsafe { probe(face, fingers, finger_count) }?;
        let c = g.gallery.verify(&id, &probe).map_err(gallery_error)?;
        g.audit(
            AuditAction::Verify,
            vec![id.to_string()],
            Some(format!("fused score {:.3}", c.fused_score)),
        )?;
        let list = candidate_list(vec![c])?;
        // SAFETY: checked non-NULL; the caller provides a writable handle pointer.
        unsafe { out.write(into_handle(list)) };
        Ok(())
    })
}

/// Releases a candidate list (and the subject id strings it owns). NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_candidate_list_free(list: *mut biomatch_candidate_list) {
    // SAFETY: the caller passes NULL or a live handle from this library, once.
    ffi_free(|| unsafe { free_handle(list) });
}

/// The number of candidates in a list.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_candidate_list_len(
    list: *const biomatch_candidate_list,
    out_len: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_candidate_list_len", || {
        let out = Out::new(out_len, "out_len")?;
        // SAFETY: the caller passes NULL or a live candidate list handle.
        let l = unsafe { handle(list, "list") }?;
        // SAFETY: checked non-NULL; the caller provides a writable `size_t`.
        unsafe { out.write(l.candidates.len()) };
        Ok(())
    })
}

fn nan_or(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// Copies candidate `index` (0 is the best) into `*out_candidate`. Its `subject_id` points
/// into the list and stays valid until the list is freed. An index at or past the length
/// gives `BIOMATCH_STATUS_INDEX_OUT_OF_RANGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_candidate_list_get(
    list: *const biomatch_candidate_list,
    index: usize,
    out_candidate: *mut biomatch_candidate,
) -> biomatch_status {
    ffi_call("biomatch_candidate_list_get", || {
        let out = Out::new(out_candidate, "out_candidate")?;
        // SAFETY: the caller passes NULL or a live candidate list handle.
        let l = unsafe { handle(list, "list") }?;
        let (id, c) = l.candidates.get(index).ok_or_else(|| {
            FfiError::new(
                biomatch_status::IndexOutOfRange,
                format!(
                    "candidate {index} requested, the list has {}",
                    l.candidates.len()
                ),
            )
        })?;
        let best_finger = c.fingers.iter().max_by(|a, b| a.score.total_cmp(&b.score));
        let candidate = biomatch_candidate {
            subject_id: id.as_ptr(),
            fused_score: c.fused_score,
            fused_fmr: nan_or(c.fused_fmr),
            face_score: c.face.as_ref().map_or(f32::NAN, |f| f.score),
            face_fmr: nan_or(c.face.as_ref().and_then(|f| f.fmr)),
            finger_score: best_finger.map_or(f32::NAN, |f| f.score),
            finger_fmr: nan_or(best_finger.and_then(|f| f.fmr)),
        };
        // SAFETY: checked non-NULL; the caller provides a writable struct.
        unsafe { out.write(candidate) };
        Ok(())
    })
}
