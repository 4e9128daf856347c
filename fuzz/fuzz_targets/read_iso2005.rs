//! Fuzz target: the ISO 19794-2:2005 reader (see `common.rs` for what is checked).
#![no_main]

mod common;

use biomatch::finger::formats::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check_reader(data, |_| Some(Format::Iso2005)));
