//! The library version, from Cargo.toml.

use std::ffi::{CStr, c_char};

const VERSION: &CStr = {
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the package version contains a NUL"),
    }
};

/// The library's version as `"MAJOR.MINOR.PATCH"`, from its Cargo.toml: compare it with
/// `BIOMATCH_VERSION` to detect a header/library mismatch. Static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn biomatch_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The library's version as one number, `MAJOR * 10000 + MINOR * 100 + PATCH` (the same
/// encoding as `BIOMATCH_VERSION_NUMBER`).
#[unsafe(no_mangle)]
pub extern "C" fn biomatch_version_number() -> u32 {
    version_number()
}

pub(crate) fn version_number() -> u32 {
    let part = |s: &str| s.parse::<u32>().unwrap_or(0);
    part(env!("CARGO_PKG_VERSION_MAJOR")) * 10_000
        + part(env!("CARGO_PKG_VERSION_MINOR")) * 100
        + part(env!("CARGO_PKG_VERSION_PATCH"))
}
