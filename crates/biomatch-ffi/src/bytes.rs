//! Byte buffers the library allocates and hands to C.
//!
//! The library keeps the allocation size of every buffer it hands out in a registry keyed by
//! address, so `biomatch_bytes_free` releases exactly what was allocated whatever length the
//! caller passes, and ignores pointers it never handed out (or already released) instead of
//! corrupting the heap.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use crate::boundary::ffi_free;

/// Live buffers: address -> allocated length. A B-tree rather than a hash map: its nodes are
/// referenced by their start address, so memory checkers see the process-lifetime registry as
/// reachable at exit (a hash table is referenced through an interior pointer, which valgrind
/// reports as "possibly lost").
fn live() -> &'static Mutex<BTreeMap<usize, usize>> {
    static LIVE: OnceLock<Mutex<BTreeMap<usize, usize>>> = OnceLock::new();
    LIVE.get_or_init(Mutex::default)
}

/// Hands `bytes` to C as a (pointer, length) pair owned by the caller. The pointer is never
/// NULL and distinct from every other live buffer's (an empty buffer still allocates a byte).
pub(crate) fn bytes_into_raw(mut bytes: Vec<u8>) -> (*mut u8, usize) {
    let len = bytes.len();
    if bytes.is_empty() {
        // A zero-length box has a dangling, shared address: allocate one byte instead so
        // every live buffer has its own key.
        bytes.push(0);
    }
    let boxed = bytes.into_boxed_slice();
    let allocated = boxed.len();
    let data = Box::into_raw(boxed).cast::<u8>();
    live()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(data as usize, allocated);
    (data, len)
}

/// Takes a buffer out of the registry: its allocated length, or `None` when `data` is not a
/// live buffer of this library.
fn take(data: *mut u8) -> Option<usize> {
    live()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&(data as usize))
}

/// Releases a buffer the library returned (for example from
/// `biomatch_finger_template_write`). `(NULL, any)` is a no-op. The library remembers each
/// buffer's size, so `len` is not trusted (pass the length it returned); a pointer the library
/// did not hand out, or one already released, is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn biomatch_bytes_free(data: *mut u8, len: usize) {
    let _ = len;
    if data.is_null() {
        return;
    }
    ffi_free(|| {
        if let Some(allocated) = take(data) {
            let raw = std::ptr::slice_from_raw_parts_mut(data, allocated);
            // SAFETY: `data` was registered by `bytes_into_raw` as a boxed slice of exactly
            // `allocated` bytes, and `take` removed it, so ownership returns here once.
            drop(unsafe { Box::from_raw(raw) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_length_frees_exactly_the_allocation_and_foreign_pointers_are_ignored() {
        let (p, n) = bytes_into_raw(vec![1, 2, 3, 4, 5]);
        assert_eq!(n, 5);
        // SAFETY: `p` is live; the wrong length is ignored by design.
        unsafe { biomatch_bytes_free(p, 1_000_000) };
        assert!(take(p).is_none(), "released buffers leave the registry");
        // A second release and a pointer never handed out are no-ops.
        // SAFETY: neither pointer is dereferenced: the registry does not know them.
        unsafe { biomatch_bytes_free(p, 5) };
        let mut local = [0u8; 4];
        // SAFETY: as above.
        unsafe { biomatch_bytes_free(local.as_mut_ptr(), 4) };
        let (a, la) = bytes_into_raw(Vec::new());
        let (b, lb) = bytes_into_raw(Vec::new());
        assert_eq!((la, lb), (0, 0));
        assert_ne!(a, b, "two empty buffers are distinct allocations");
        // SAFETY: both live.
        unsafe {
            biomatch_bytes_free(a, 0);
            biomatch_bytes_free(b, 99);
        }
    }
}
