//! Checked conversions of the raw pointers C hands in.

use std::ffi::{CStr, c_char};

use crate::error::{FfiError, FfiResult};

/// InvalidArgument naming `what` unless `ptr` is aligned for `T` (NULL passes: callers
/// check it separately).
pub(crate) fn check_aligned<T>(ptr: *const T, what: &str) -> FfiResult<()> {
    if ptr.is_aligned() {
        Ok(())
    } else {
        Err(FfiError::invalid(format!(
            "{what} is not aligned to {} bytes",
            align_of::<T>()
        )))
    }
}

/// A shared reference to a handle, or NullArgument naming it (InvalidArgument when the
/// pointer is misaligned, which no handle from this library is).
///
/// # Safety
/// `ptr` is NULL or points to a live `T` created by this library and not freed.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> FfiResult<&'a T> {
    check_aligned(ptr, what)?;
    // SAFETY: aligned (checked); the caller guarantees a non-NULL `ptr` points to a live `T`.
    unsafe { ptr.as_ref() }.ok_or_else(|| FfiError::null(what))
}

/// An optional handle: `None` for NULL, InvalidArgument naming `what` when misaligned.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` created by this library and not freed.
pub(crate) unsafe fn optional_handle<'a, T>(ptr: *const T, what: &str) -> FfiResult<Option<&'a T>> {
    check_aligned(ptr, what)?;
    // SAFETY: aligned (checked); the caller guarantees a non-NULL `ptr` points to a live `T`.
    Ok(unsafe { ptr.as_ref() })
}

/// A slice from a (pointer, element count) pair: `(NULL, 0)` and `(p, 0)` are empty,
/// `(NULL, n > 0)` is NullArgument, a misaligned pointer or a byte size past `isize::MAX`
/// is InvalidArgument.
///
/// # Safety
/// A non-NULL `ptr` with `len > 0` points to `len` readable, initialised `T`s that stay
/// unchanged while the slice is used.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize, what: &str) -> FfiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::null(&format!("{what} (with length {len})")));
    }
    check_aligned(ptr, what)?;
    if len
        .checked_mul(size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(FfiError::invalid(format!(
            "{what}: length {len} is too large"
        )));
    }
    // SAFETY: non-NULL, aligned, size checked above; the caller guarantees `len` readable
    // initialised elements that are not mutated while borrowed.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A UTF-8 string from a NUL-terminated C string.
///
/// # Safety
/// A non-NULL `ptr` points to a NUL-terminated string.
pub(crate) unsafe fn utf8<'a>(ptr: *const c_char, what: &str) -> FfiResult<&'a str> {
    if ptr.is_null() {
        return Err(FfiError::null(what));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's guarantee.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map_err(|_| FfiError::invalid(format!("{what} is not valid UTF-8")))
}

/// An out-parameter checked for NULL and alignment up front and written only when the call
/// succeeds.
pub(crate) struct Out<T> {
    ptr: *mut T,
}

impl<T> Out<T> {
    /// Checks `ptr` for NULL (NullArgument) and for alignment to `T` (InvalidArgument).
    pub(crate) fn new(ptr: *mut T, what: &str) -> FfiResult<Out<T>> {
        if ptr.is_null() {
            return Err(FfiError::null(what));
        }
        check_aligned(ptr.cast_const(), what)?;
        Ok(Out { ptr })
    }

    /// Writes the value (without reading or dropping what was there).
    ///
    /// # Safety
    /// The pointer given to [`Out::new`] is valid for a write of `T`.
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: non-NULL and aligned (checked in `new`), writable by the caller's guarantee;
        // `write` does not drop the uninitialised previous contents.
        unsafe { self.ptr.write(value) }
    }
}

/// Moves a value to the heap and hands its ownership to C.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back and drops a handle created by [`into_handle`]; NULL, and a misaligned pointer
/// (which no handle is), are no-ops.
///
/// # Safety
/// `ptr` is NULL or came from [`into_handle`] for the same `T` and was not freed.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() && ptr.is_aligned() {
        // SAFETY: `ptr` came from `Box::into_raw` and ownership returns here exactly once.
        drop(unsafe { Box::from_raw(ptr) });
    }
}
