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

#[path = "../../biomatch/tests/common/crafted.rs"]
mod crafted;

/// The file of issue #18 (8 MiB face-model tag, 4,000 faces, valid checksum) is
/// CORRUPT_DATA through `biomatch_gallery_load_bytes`, and so are valid-checksum files with
/// a duplicate id, a NaN minutia or a bad embedding (they were DUPLICATE_ID,
/// MALFORMED_TEMPLATE and INVALID_EMBEDDING).
#[test]
fn hostile_gallery_files_are_corrupt_data_through_the_c_abi() {
    let load = |bytes: &[u8]| {
        let sentinel = 0x10usize as *mut biomatch_gallery;
        let mut out = sentinel;
        // SAFETY: a valid buffer and out-pointer.
        let status = unsafe { biomatch_gallery_load_bytes(bytes.as_ptr(), bytes.len(), &mut out) };
        if status == biomatch_status::Ok {
            // SAFETY: the handle just created, freed once.
            unsafe { biomatch_gallery_free(out) };
        } else {
            assert_eq!(out, sentinel, "out-parameter untouched on failure");
        }
        status
    };
    assert_eq!(
        load(&crafted::huge_tag_many_faces()),
        biomatch_status::CorruptData
    );
    assert!(last_error().contains("face model tag"), "{}", last_error());
    let mut p = crafted::head(b"m", 128, 2);
    crafted::face_subject(&mut p, "twin", 128, 0.5);
    crafted::face_subject(&mut p, "twin", 128, 0.5);
    assert_eq!(load(&crafted::file(&p)), biomatch_status::CorruptData);
    let mut p = crafted::head(b"m", 128, 1);
    crafted::finger_subject(&mut p, "nan", &[(f32::NAN, 1.0, 2.0)]);
    assert_eq!(load(&crafted::file(&p)), biomatch_status::CorruptData);
    let mut p = crafted::head(b"m", 128, 1);
    crafted::face_subject(&mut p, "zero", 128, 0.0);
    assert_eq!(load(&crafted::file(&p)), biomatch_status::CorruptData);
    // A tag with a NUL byte cannot become the handle's C string: corrupt data as well.
    let mut p = crafted::head(b"m\0m", 128, 1);
    crafted::face_subject(&mut p, "a", 128, 0.5);
    assert_eq!(load(&crafted::file(&p)), biomatch_status::CorruptData);
    // The same shapes, well formed, load.
    let mut p = crafted::head(b"m", 128, 2);
    crafted::face_subject(&mut p, "a", 128, 0.5);
    crafted::finger_subject(&mut p, "b", &[(10.0, 20.0, 30.0)]);
    assert_eq!(load(&crafted::file(&p)), biomatch_status::Ok);
}

/// Lowered limits through the C ABI.
#[test]
fn load_limits_can_be_lowered_through_the_c_abi() {
    let mut p = crafted::head(b"m", 128, 3);
    for id in ["a", "b", "c"] {
        crafted::face_subject(&mut p, id, 128, 0.5);
    }
    let bytes = crafted::file(&p);
    let mut limits = std::mem::MaybeUninit::<biomatch_load_limits>::uninit();
    // SAFETY: a writable out-pointer.
    let status = unsafe { biomatch_load_limits_default(limits.as_mut_ptr()) };
    assert_eq!(status, biomatch_status::Ok);
    // SAFETY: written on success.
    let mut limits = unsafe { limits.assume_init() };
    assert_eq!(limits.max_subjects, 2_000_000);
    let mut out = ptr::null_mut();
    // SAFETY: valid buffer, limits and out-pointer.
    let status = unsafe {
        biomatch_gallery_load_bytes_with_limits(bytes.as_ptr(), bytes.len(), &limits, &mut out)
    };
    assert_eq!(status, biomatch_status::Ok);
    // SAFETY: the handle just created, freed once.
    unsafe { biomatch_gallery_free(out) };
    limits.max_subjects = 2;
    let mut out = ptr::null_mut();
    // SAFETY: as above.
    let status = unsafe {
        biomatch_gallery_load_bytes_with_limits(bytes.as_ptr(), bytes.len(), &limits, &mut out)
    };
    assert_eq!(status, biomatch_status::CorruptData);
    assert!(out.is_null());
}

/// Misaligned out-pointers and handles are InvalidArgument, never written or read.
#[test]
fn misaligned_pointers_are_refused() {
    let mut storage = [0u8; 16];
    let misaligned = storage.as_mut_ptr().wrapping_add(1).cast::<usize>();
    let mut c = ptr::null_mut();
    let scores = [0.1f64, 0.2, 0.3];
    // SAFETY: valid buffer and out-pointer.
    let status = unsafe { biomatch_calibration_new(scores.as_ptr(), scores.len(), &mut c) };
    assert_eq!(status, biomatch_status::Ok);
    let mut g = ptr::null_mut();
    let model = c"m";
    // SAFETY: valid arguments.
    let status = unsafe { biomatch_gallery_new(model.as_ptr(), 128, ptr::null(), c, &mut g) };
    assert_eq!(status, biomatch_status::Ok);
    // SAFETY: a live handle; the misaligned out-pointer must be refused before any write.
    let status = unsafe { biomatch_gallery_len(g, misaligned) };
    assert_eq!(status, biomatch_status::InvalidArgument);
    assert!(last_error().contains("aligned"), "{}", last_error());
    assert_eq!(storage, [0u8; 16]);
    let bad_handle = (g as usize + 1) as *const biomatch_gallery;
    let mut len = 0usize;
    // SAFETY: the misaligned handle must be refused before it is read.
    let status = unsafe { biomatch_gallery_len(bad_handle, &mut len) };
    assert_eq!(status, biomatch_status::InvalidArgument);
    let bad_calibration = (c as usize + 1) as *const biomatch_calibration;
    let mut g2 = ptr::null_mut();
    // SAFETY: a misaligned optional handle must be refused before it is read.
    let status =
        unsafe { biomatch_gallery_new(model.as_ptr(), 128, ptr::null(), bad_calibration, &mut g2) };
    assert_eq!(status, biomatch_status::InvalidArgument);
    assert!(g2.is_null());
    // Face dimensions outside 128..=4096 are refused when the gallery is created.
    for dim in [64usize, 5000, (1 << 32) + 512] {
        // SAFETY: valid arguments.
        let status =
            unsafe { biomatch_gallery_new(model.as_ptr(), dim, ptr::null(), ptr::null(), &mut g2) };
        assert_eq!(status, biomatch_status::WrongDimension, "{dim}");
    }
    // SAFETY: handles created above, freed once.
    unsafe {
        biomatch_gallery_free(g);
        biomatch_calibration_free(c);
    }
}

/// The library can be called from a thread-local destructor running during thread teardown,
/// after the library's own thread-local is gone: no panic (which would abort the process).
#[test]
fn last_error_access_during_thread_teardown_does_not_panic() {
    struct CallsOnDrop;
    impl Drop for CallsOnDrop {
        fn drop(&mut self) {
            // A failing call (sets the message) and a read of it, from a TLS destructor.
            let mut out = ptr::null_mut();
            // SAFETY: NULL with a length is refused before any read.
            let status = unsafe { biomatch_finger_template_read(ptr::null(), 10, 0, 0, &mut out) };
            assert_eq!(status, biomatch_status::NullArgument);
            // SAFETY: the library returns a valid NUL-terminated string.
            let _ = unsafe { CStr::from_ptr(biomatch_last_error_message()) };
        }
    }
    thread_local! {
        static GUARD: std::cell::RefCell<Option<CallsOnDrop>> = const { std::cell::RefCell::new(None) };
    }
    let worker = std::thread::spawn(|| {
        // Thread-local destructors run in reverse order of registration: the guard first, then
        // the library's message, so the guard's destructor runs after the message is gone.
        GUARD.with(|g| *g.borrow_mut() = Some(CallsOnDrop));
        // SAFETY: the library returns a valid NUL-terminated string.
        let _ = unsafe { CStr::from_ptr(biomatch_last_error_message()) };
    });
    assert!(worker.join().is_ok(), "the thread ended without a panic");
}
