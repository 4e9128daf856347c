//! Pixel limits hold after resampling: an image within the limits at a low resolution cannot
//! become a working image beyond them (the image module's resampler and the extractor's).

use biomatch::finger::extract::{ExtractError, ExtractParams, extract};
use biomatch::finger::image::limits::{MAX_DIMENSION, MAX_PIXELS};
use biomatch::finger::image::{ImageError, Raster, resample_to_500_ppi};

fn raster(width: usize, height: usize, ppi: f32) -> Raster {
    Raster {
        width,
        height,
        ppi,
        pixels: vec![128; width * height],
    }
}

#[test]
fn enlarging_past_the_image_limits_is_refused() {
    // 8192 x 4096 = MAX_PIXELS at 250 ppi: within the limits, but 16384 x 8192 at 500 ppi.
    let r = raster(MAX_DIMENSION, MAX_PIXELS / MAX_DIMENSION, 250.0);
    match resample_to_500_ppi(&r) {
        Err(ImageError::TooLarge { width, height }) => {
            assert_eq!(
                (width, height),
                (2 * MAX_DIMENSION, 2 * MAX_PIXELS / MAX_DIMENSION)
            )
        }
        other => panic!("expected TooLarge, got {:?}", other.map(|o| o.raster.width)),
    }
    // Half of each side enlarges to exactly the limits: accepted.
    let r = raster(MAX_DIMENSION / 2, MAX_PIXELS / MAX_DIMENSION / 2, 250.0);
    let out = resample_to_500_ppi(&r).unwrap();
    assert_eq!(out.raster.width * out.raster.height, MAX_PIXELS);
}

#[test]
fn the_extractor_checks_its_limits_after_resampling() {
    let p = ExtractParams::default();
    let (max_side, max_pixels) = (p.limits.max_side, p.limits.max_pixels);
    // Within the pixel limit as given (2000 x 2000 = 4,000,000), 4000 x 4000 at 500 ppi.
    let side = (max_pixels as f64).sqrt() as usize;
    match extract(&raster(side, side, 250.0), &p) {
        Err(ExtractError::TooLarge { width, height, .. }) => {
            assert_eq!((width, height), (2 * side, 2 * side));
            assert!(width * height > max_pixels || width > max_side);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}
