//! Byte buffers the library allocates and hands to C.

use crate::boundary::ffi_free;

/// Hands `bytes` to C as a (pointer, length) pair owned by the caller.
pub(crate) fn bytes_into_raw(bytes: Vec<u8>) -> (*mut u8, usize) {
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len();
    (Box::into_raw(boxed).cast::<u8>(), len)
}

/// Releases a buffer the library returned (for example from
/// `biomatch_finger_template_write`), with the length it returned. `(NULL, any)` is a no-op.
/// Passing any other pointer, or another length, is undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_bytes_free(data: *mut u8, len: usize) {
    if data.is_null() {
        return;
    }
    ffi_free(|| {
        let raw = std::ptr::slice_from_raw_parts_mut(data, len);
        // SAFETY: `data`/`len` came from `bytes_into_raw` (a boxed slice of exactly `len`
        // bytes) and ownership returns here exactly once.
        drop(unsafe { Box::from_raw(raw) });
    });
}
