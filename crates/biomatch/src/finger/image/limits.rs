//! Resource limits for decoded images.
//!
//! Every decoder checks these before it allocates pixel memory, so a hostile header cannot
//! make the library reserve gigabytes. The limits are generous for fingerprints: a 4-finger
//! slap at 1000 ppi is about 3200 x 3000 pixels, a full palm at 500 ppi about 2800 x 4000.
//! Peak memory for the largest accepted WSQ image is about 9 bytes per pixel (the quantised
//! coefficients as `i32`, which grow only as the data decodes, then one `f32` plane and the
//! output), i.e. about 300 MB; other formats are decoded by the `image` crate under an
//! allocation cap of 17 bytes per pixel of [`MAX_PIXELS`].

/// Largest accepted width or height, in pixels.
pub const MAX_DIMENSION: usize = 8192;

/// Largest accepted number of pixels (`width * height`): 32 Mi, e.g. 8192 x 4096.
pub const MAX_PIXELS: usize = 32 * 1024 * 1024;

/// Most pixels (and so most decompressed coefficients) a WSQ file may declare per byte of
/// its own size. WSQ codes most coefficients of a blank area as zero runs of up to 65,535
/// coefficients in about 3 bytes, so without this a 2 KB file could make the decoder fill
/// 32 Mi coefficients (128 MB) and a 32 Mi-pixel plane before failing. Real fingerprint WSQ
/// files hold 8 to 18 pixels per byte (the reference files: 7.9, 12.3, 18.2; the FBI's
/// 0.75 bit per pixel target is 10.7); 256 (0.03 bit per pixel) leaves a wide margin. The
/// decoder refuses a file over this before allocating anything for its pixels, and also caps
/// the coefficients it decodes at this many per input byte.
pub const MAX_WSQ_PIXELS_PER_INPUT_BYTE: usize = 256;

/// Lowest accepted resolution in pixels per inch.
pub const MIN_PPI: f32 = 250.0;

/// Highest accepted resolution in pixels per inch.
pub const MAX_PPI: f32 = 1500.0;

/// The resolution assumed when neither the caller nor the file states one (or the file states
/// a value outside [`MIN_PPI`]..=[`MAX_PPI`], typically a 72 or 96 dpi software default).
pub const DEFAULT_PPI: f32 = 500.0;

/// The resolution every raster is resampled to before feature extraction.
pub const TARGET_PPI: f32 = 500.0;

/// Largest accepted encoded input, in bytes (a 32 Mi-pixel raw image plus headroom).
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

/// Whether `ppi` is a plausible fingerprint scanner resolution.
pub fn ppi_in_range(ppi: f32) -> bool {
    ppi.is_finite() && (MIN_PPI..=MAX_PPI).contains(&ppi)
}
