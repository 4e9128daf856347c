//! Fingerprint images: 8-bit grayscale rasters with their resolution, and decoding.

use thiserror::Error;

/// Why an image could not be decoded or accepted.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The decoder failed.
    #[error("cannot decode image: {0}")]
    Decode(String),
    /// The geometry or resolution is out of the supported range.
    #[error("unsupported image: {0}")]
    Unsupported(String),
}

/// An 8-bit grayscale image, row-major without padding, with its resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct Raster {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Resolution in pixels per inch.
    pub ppi: f32,
    /// `width * height` grey levels, 0 black, 255 white.
    pub pixels: Vec<u8>,
}

impl Raster {
    /// The grey level at (x, y).
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }
}
