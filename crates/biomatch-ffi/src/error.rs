//! Errors inside the library and the per-thread last-error message.

use std::cell::RefCell;
use std::ffi::{CString, c_char};

use crate::status::biomatch_status;

/// A failed call: the status returned to C and the detail kept as the last-error message.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub(crate) status: biomatch_status,
    pub(crate) message: String,
}

impl FfiError {
    pub(crate) fn new(status: biomatch_status, message: impl Into<String>) -> FfiError {
        FfiError {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn null(what: &str) -> FfiError {
        FfiError::new(biomatch_status::NullArgument, format!("{what} is NULL"))
    }

    pub(crate) fn invalid(message: impl Into<String>) -> FfiError {
        FfiError::new(biomatch_status::InvalidArgument, message)
    }
}

pub(crate) type FfiResult<T> = Result<T, FfiError>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

// Every access uses `try_with` and `try_borrow*`: during thread teardown (a C caller's
// thread-exit destructor calling into the library after this thread-local is gone) `with`
// would panic, and a panic there aborts. Then the message is simply not kept.

/// Replaces this thread's last-error message (interior NULs are replaced).
pub(crate) fn set_last_error(message: &str) {
    let text = CString::new(message.replace('\0', "\u{FFFD}")).unwrap_or_default();
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = text;
        }
    });
}

/// Empties this thread's last-error message.
pub(crate) fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut()
            && !slot.as_bytes().is_empty()
        {
            *slot = CString::default();
        }
    });
}

/// The detail message of the most recent failed call on the calling thread, or `""` when
/// the most recent status-returning call succeeded.
///
/// Ownership: the string belongs to the library. It stays valid until the calling thread's
/// next call to a status-returning biomatch function; copy it if you need it longer. Never
/// NULL. Each thread has its own message. Called while the thread is being torn down (from a
/// thread-exit destructor, after the library's per-thread state is gone) it returns `""`.
#[unsafe(no_mangle)]
pub extern "C" fn biomatch_last_error_message() -> *const c_char {
    LAST_ERROR
        .try_with(|slot| slot.try_borrow().map(|s| s.as_ptr()).ok())
        .ok()
        .flatten()
        .unwrap_or(c"".as_ptr())
}
