//! A diagnostic export that proves the panic boundary works.

use crate::boundary::ffi_call;
use crate::status::biomatch_status;

/// Diagnostic only: deliberately panics inside the library's panic boundary and so always
/// returns `BIOMATCH_STATUS_PANIC`, with a last-error message naming the panic. It touches no
/// state; it exists so that integrators (and biomatch's own C tests) can check that internal
/// errors come back as a status instead of crashing the process. The library's panic message
/// may also be printed on standard error.
#[unsafe(no_mangle)]
pub extern "C" fn biomatch_diagnostic_panic() -> biomatch_status {
    ffi_call("biomatch_diagnostic_panic", || {
        panic!("deliberate panic requested by biomatch_diagnostic_panic")
    })
}
