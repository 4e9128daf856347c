//! Fuzz target: format detection followed by the detected reader (see `common.rs` for what is checked).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check_reader(data, |_| None));
