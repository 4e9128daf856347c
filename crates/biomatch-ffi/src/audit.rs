//! The tamper-evident audit log: attach one to a gallery handle so that every enrolment,
//! replacement, removal, purge, identification, verification and save through that handle
//! appends an event; append events of your own; verify a log.

use std::ffi::c_char;

use biomatch_core::audit::{self, AuditAction, AuditError, AuditEvent, AuditKey, AuditLog};

use crate::boundary::ffi_call;
use crate::error::{FfiError, FfiResult};
use crate::gallery::{biomatch_gallery, path};
use crate::ptr::{Out, handle, slice, utf8};
use crate::status::biomatch_status;

/// The log and operator attached to a gallery handle.
pub(crate) struct GalleryAudit {
    log: AuditLog,
    operator: String,
}

impl GalleryAudit {
    pub(crate) fn append(
        &mut self,
        action: AuditAction,
        subjects: Vec<String>,
        decision: Option<String>,
    ) -> FfiResult<()> {
        self.log
            .append(AuditEvent {
                time: audit::now(),
                operator: self.operator.clone(),
                action,
                subjects,
                decision,
            })
            .map(drop)
            .map_err(audit_error)
    }
}

fn audit_error(e: AuditError) -> FfiError {
    let status = match &e {
        AuditError::Io { .. } => biomatch_status::Io,
        AuditError::TornTail { .. } | AuditError::Broken { .. } => biomatch_status::CorruptData,
        _ => biomatch_status::InvalidArgument,
    };
    FfiError::new(status, e.to_string())
}

/// An optional HMAC key from C: NULL with length 0 for none, else exactly 32 bytes.
///
/// # Safety
/// `key` is NULL or points to `key_len` readable bytes.
unsafe fn audit_key(key: *const u8, key_len: usize) -> FfiResult<Option<AuditKey>> {
    if key.is_null() && key_len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded caller guarantee.
    let bytes = unsafe { slice(key, key_len, "key") }?;
    AuditKey::from_slice(bytes).map(Some).map_err(audit_error)
}

/// Kinds of audit events, for `biomatch_audit_append`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum biomatch_audit_action {
    /// Subjects enrolled.
    Enrol = 1,
    /// A subject's record replaced.
    Replace = 2,
    /// Subjects removed.
    Remove = 3,
    /// Expired subjects purged.
    Purge = 4,
    /// A 1:N search.
    Identify = 5,
    /// A 1:1 comparison.
    Verify = 6,
    /// A gallery loaded.
    Load = 7,
    /// A gallery saved.
    Save = 8,
}

fn action_from_raw(raw: u32) -> FfiResult<AuditAction> {
    Ok(match raw {
        1 => AuditAction::Enrol,
        2 => AuditAction::Replace,
        3 => AuditAction::Remove,
        4 => AuditAction::Purge,
        5 => AuditAction::Identify,
        6 => AuditAction::Verify,
        7 => AuditAction::Load,
        8 => AuditAction::Save,
        _ => return Err(FfiError::invalid(format!("unknown audit action {raw}"))),
    })
}

/// Attaches the audit log at `path` (created when missing; an existing log must verify, else
/// `BIOMATCH_STATUS_CORRUPT_DATA`) to a gallery handle: from now on every enrolment,
/// replacement, removal, purge, identification, verification and save through this handle
/// appends an event naming `operator` (the gate or officer id), the subject ids involved and
/// the outcome, never biometric data. `key` (32 bytes, or NULL with `key_len` 0) makes the
/// chain an HMAC that only key holders can extend. An append that fails (disk full) fails the
/// operation's call with `BIOMATCH_STATUS_IO` after the operation itself took effect: treat
/// it as an alarm. `path` NULL detaches the current log. A gallery loaded from a file has no
/// log attached: log the load with `biomatch_audit_append` if your policy asks for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_gallery_set_audit_log(
    gallery: *const biomatch_gallery,
    path: *const c_char,
    key: *const u8,
    key_len: usize,
    operator: *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_gallery_set_audit_log", || {
        // SAFETY: the caller passes NULL or a live gallery handle.
        let g = unsafe { handle(gallery, "gallery") }?;
        let attached = if path.is_null() {
            None
        } else {
            // SAFETY: NUL-terminated by the caller's guarantee.
            let path = unsafe { self::path(path) }?;
            // SAFETY: NULL or NUL-terminated.
            let operator = unsafe { utf8(operator, "operator") }?.to_string();
            // SAFETY: NULL or `key_len` readable bytes.
            let key = unsafe { audit_key(key, key_len) }?;
            let log = AuditLog::open(&path, key).map_err(audit_error)?;
            Some(GalleryAudit { log, operator })
        };
        *g.audit.lock().unwrap_or_else(|p| p.into_inner()) = attached;
        Ok(())
    })
}

/// Appends one event to the log at `path` (created when missing; an existing log must
/// verify): `action` a `BIOMATCH_AUDIT_ACTION_*` value, `time` seconds since 1970 (UTC),
/// `subject_ids` `subject_count` NUL-terminated ids (NULL with count 0 for none), `decision`
/// NULL or text. `key` as for `biomatch_gallery_set_audit_log`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_audit_append(
    path: *const c_char,
    key: *const u8,
    key_len: usize,
    time: i64,
    operator: *const c_char,
    action: u32,
    subject_ids: *const *const c_char,
    subject_count: usize,
    decision: *const c_char,
) -> biomatch_status {
    ffi_call("biomatch_audit_append", || {
        // SAFETY: NUL-terminated by the caller's guarantee.
        let path = unsafe { self::path(path) }?;
        // SAFETY: NULL or NUL-terminated.
        let operator = unsafe { utf8(operator, "operator") }?.to_string();
        let action = action_from_raw(action)?;
        // SAFETY: `subject_count` readable pointers (or NULL with 0).
        let ids = unsafe { slice(subject_ids, subject_count, "subject_ids") }?;
        let subjects = ids
            .iter()
            .enumerate()
            // SAFETY: each element is a NUL-terminated string.
            .map(|(i, &p)| unsafe { utf8(p, &format!("subject_ids[{i}]")) }.map(str::to_string))
            .collect::<FfiResult<Vec<_>>>()?;
        let decision = if decision.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated.
            Some(unsafe { utf8(decision, "decision") }?.to_string())
        };
        // SAFETY: NULL or `key_len` readable bytes.
        let key = unsafe { audit_key(key, key_len) }?;
        let mut log = AuditLog::open(&path, key).map_err(audit_error)?;
        log.append(AuditEvent {
            time,
            operator,
            action,
            subjects,
            decision,
        })
        .map(drop)
        .map_err(audit_error)
    })
}

/// Verifies the chain of the log at `path` (with `key` for a keyed log). On success
/// `*out_verified` receives the number of entries that verify and `*out_first_bad_line` 0
/// when the whole log is intact, else the 1-based line of the first broken entry (or of a
/// half-written last entry left by an interrupted append). A missing file is
/// `BIOMATCH_STATUS_IO`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_audit_verify(
    path: *const c_char,
    key: *const u8,
    key_len: usize,
    out_verified: *mut usize,
    out_first_bad_line: *mut usize,
) -> biomatch_status {
    ffi_call("biomatch_audit_verify", || {
        let out_v = Out::new(out_verified, "out_verified")?;
        let out_bad = Out::new(out_first_bad_line, "out_first_bad_line")?;
        // SAFETY: NUL-terminated by the caller's guarantee.
        let path = unsafe { self::path(path) }?;
        // SAFETY: NULL or `key_len` readable bytes.
        let key = unsafe { audit_key(key, key_len) }?;
        let v = audit::verify(&path, key.as_ref()).map_err(audit_error)?;
        let bad = v
            .first_broken
            .as_ref()
            .map(|(line, _)| *line)
            .or(v.torn_tail)
            .unwrap_or(0);
        // SAFETY: both checked non-NULL and aligned; writable by the caller's guarantee.
        unsafe {
            out_v.write(v.verified);
            out_bad.write(bad);
        }
        Ok(())
    })
}
