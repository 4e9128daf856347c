//! The panic boundary every export goes through.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{FfiResult, clear_last_error, set_last_error};
use crate::status::biomatch_status;

/// Runs the body of the export `name`: its error or a caught panic becomes the status and the
/// thread's last-error message; success clears the message.
pub(crate) fn ffi_call(name: &str, body: impl FnOnce() -> FfiResult<()>) -> biomatch_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            clear_last_error();
            biomatch_status::Ok
        }
        Ok(Err(error)) => {
            set_last_error(&format!("{name}: {}", error.message));
            error.status
        }
        Err(payload) => {
            set_last_error(&format!(
                "{name}: internal error (panic: {}); please report it",
                panic_text(payload.as_ref())
            ));
            biomatch_status::Panic
        }
    }
}

/// Runs a `_free` body: a panic while dropping is swallowed (there is no status to return).
pub(crate) fn ffi_free(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "no message"
    }
}
