//! libbiomatch: the C ABI of biomatch.
//!
//! The API is described in the generated header `include/biomatch.h` (regenerate it with
//! `scripts/gen-header.sh`). One module per API area; every export goes through
//! [`boundary::ffi_call`] (panic boundary, status, last-error message) and checks its pointers
//! through [`ptr`].
//!
//! Conventions for every export:
//! * fallible calls return a `biomatch_status`; outputs go through out-parameters that are
//!   written only on success;
//! * a buffer pointer is followed by its length; `(NULL, 0)` is an empty buffer, `(NULL, n)`
//!   is `BIOMATCH_STATUS_NULL_ARGUMENT`;
//! * handles come from `_new`/`_read`/... and are released by the matching `_free`, which
//!   accepts NULL.
// The C names are the Rust names: the types are the C API's snake_case handles.
#![allow(non_camel_case_types)]
// Each export's pointer contract is documented once, in the header's "Conventions" section
// (see cbindgen.toml), rather than in a `# Safety` paragraph per function.
#![allow(clippy::missing_safety_doc)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod an2k;
mod an2k_build;
mod audit;
mod boundary;
mod bytes;
mod calibration;
mod diagnostic;
mod error;
mod extract;
mod face;
mod finger;
mod gallery;
mod ptr;
mod quality;
mod status;
mod version;
mod watchlist;
mod wsq;

#[cfg(test)]
mod tests;

pub use an2k::*;
pub use an2k_build::*;
pub use audit::*;
pub use bytes::biomatch_bytes_free;
pub use calibration::*;
pub use diagnostic::biomatch_diagnostic_panic;
pub use error::biomatch_last_error_message;
pub use extract::biomatch_finger_extract;
pub use face::*;
pub use finger::*;
pub use gallery::*;
pub use quality::{
    biomatch_finger_extract_with_quality, biomatch_finger_quality, biomatch_finger_quality_report,
    biomatch_quality_flag,
};
pub use status::{biomatch_status, biomatch_status_str};
pub use version::{biomatch_version, biomatch_version_number};
pub use watchlist::*;
pub use wsq::{biomatch_wsq_decode, biomatch_wsq_encode};
