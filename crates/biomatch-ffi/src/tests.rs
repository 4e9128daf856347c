//! Rust-side checks of the boundary and of the header's version macros. The C behaviour is
//! tested by the C programs under `examples/c/tests` (see `scripts/c-ci.sh`).

use std::ffi::CStr;
use std::ptr;

use crate::*;

fn last_error() -> String {
    // SAFETY: the library returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(biomatch_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn header_version_macros_agree_with_cargo_toml() {
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/biomatch.h"
    ))
    .expect("include/biomatch.h is committed");
    let define = |name: &str| -> String {
        let prefix = format!("#define {name} ");
        header
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{name} missing from the header"))
            .trim()
            .to_string()
    };
    assert_eq!(
        define("BIOMATCH_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    assert_eq!(
        define("BIOMATCH_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_MINOR")
    );
    assert_eq!(
        define("BIOMATCH_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION_PATCH")
    );
    assert_eq!(
        define("BIOMATCH_VERSION"),
        format!("\"{}\"", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        define("BIOMATCH_VERSION_NUMBER").parse::<u32>().ok(),
        Some(biomatch_version_number())
    );
    // SAFETY: static NUL-terminated string.
    let runtime = unsafe { CStr::from_ptr(biomatch_version()) };
    assert_eq!(runtime.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
}

#[test]
fn every_status_has_a_distinct_value_and_text() {
    let all = status::biomatch_status::ALL;
    for (i, s) in all.iter().enumerate() {
        assert_eq!(*s as u32, i as u32, "status values are dense and stable");
        // SAFETY: static string.
        let text = unsafe { CStr::from_ptr(biomatch_status_str(*s as u32)) };
        assert!(!text.to_bytes().is_empty());
    }
    // SAFETY: static string.
    let unknown = unsafe { CStr::from_ptr(biomatch_status_str(9999)) };
    assert_eq!(unknown.to_str().ok(), Some("unknown status"));
}

#[test]
fn a_panic_becomes_a_status_and_a_message() {
    assert_eq!(biomatch_diagnostic_panic(), biomatch_status::Panic);
    assert!(
        last_error().contains("deliberate panic"),
        "{}",
        last_error()
    );
}

#[test]
fn out_parameters_are_untouched_on_failure() {
    let sentinel = 0x1234usize as *mut biomatch_finger_template;
    let mut out = sentinel;
    let bytes = [b'F', b'M', b'R', 0, b' ', b'2', b'0'];
    // SAFETY: valid buffer and out-pointer.
    let status =
        unsafe { biomatch_finger_template_read(bytes.as_ptr(), bytes.len(), 0, 0, &mut out) };
    assert_eq!(status, biomatch_status::MalformedTemplate);
    assert_eq!(out, sentinel);
    assert!(last_error().contains("truncated"), "{}", last_error());
}

#[test]
fn null_buffer_with_length_is_rejected_and_success_clears_the_message() {
    let mut out = ptr::null_mut();
    // SAFETY: NULL with a length is what is being tested; it is never dereferenced.
    let status = unsafe { biomatch_finger_template_read(ptr::null(), 10, 0, 0, &mut out) };
    assert_eq!(status, biomatch_status::NullArgument);
    assert!(out.is_null());
    assert!(last_error().contains("data"));
    let mut c = ptr::null_mut();
    let scores = [0.1f64, 0.2, 0.3];
    // SAFETY: valid buffer and out-pointer.
    let status = unsafe { biomatch_calibration_new(scores.as_ptr(), scores.len(), &mut c) };
    assert_eq!(status, biomatch_status::Ok);
    assert_eq!(last_error(), "");
    // SAFETY: the handle just created, freed once.
    unsafe { biomatch_calibration_free(c) };
}
