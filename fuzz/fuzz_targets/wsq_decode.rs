//! Fuzz target: the WSQ decoder must return a typed error or a consistent raster for any
//! input, without panicking, hanging or allocating beyond the documented limits.
#![no_main]

use biomatch::finger::image::wsq;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(img) = wsq::decode(data) {
        assert_eq!(img.pixels.len(), img.width * img.height);
    }
});
