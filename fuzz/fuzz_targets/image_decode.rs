//! Fuzz target: image decoding (PNG, TIFF, BMP, JPEG, PNM through the `image` crate, WSQ
//! through ours, format detected from the bytes) must give a raster within the pixel limit or
//! a typed error, never a panic, a hang or an unbounded allocation.
#![no_main]

use biomatch::finger::image::decode_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = decode_bytes(data, Some(500.0)) {
        assert_eq!(r.pixels.len(), r.width * r.height);
    }
});
