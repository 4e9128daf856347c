//! Fingerprint images: 8-bit grayscale rasters with their resolution, and decoding.
//!
//! * [`decode_bytes`] decodes WSQ (with the decoder in [`wsq`]) and, through the `image`
//!   crate, PNG, TIFF, BMP, JPEG and PGM, to an 8-bit grayscale [`Raster`].
//! * [`Raster::from_gray_buffer`] accepts raw 8-bit grayscale memory with a row stride.
//! * [`resample_to_500_ppi`] brings a raster to the resolution the extractor works at and
//!   records the scale so coordinates can be mapped back to the original image.
//! * [`limits`] documents the accepted sizes and resolutions.

use thiserror::Error;

mod decode;
mod encode;
pub mod limits;
mod resample;
mod resolution;
pub mod wsq;

pub use decode::{DecodedImage, PpiSource, SourceFormat, decode_bytes, decode_bytes_detailed};
pub use encode::encode_png;
pub(crate) use resample::resample_plane;
pub use resample::{Resampled, resample_to_500_ppi, resample_to_ppi};
pub use wsq::WsqError;

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
    /// The WSQ data is malformed, truncated or uses an unsupported feature.
    #[error("invalid WSQ data: {0}")]
    Wsq(#[from] WsqError),
    /// Width or height is zero.
    #[error("image has zero size ({width} x {height})")]
    ZeroSized {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// Width, height or pixel count exceeds [`limits`].
    #[error(
        "image of {width} x {height} pixels exceeds the limits ({} per side, {} pixels in total)",
        limits::MAX_DIMENSION,
        limits::MAX_PIXELS
    )]
    TooLarge {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// The encoded input is larger than [`limits::MAX_INPUT_BYTES`].
    #[error(
        "input of {size} bytes exceeds the limit of {} bytes",
        limits::MAX_INPUT_BYTES
    )]
    InputTooLarge {
        /// Input size in bytes.
        size: usize,
    },
    /// The resolution is not finite or outside [`limits::MIN_PPI`]..=[`limits::MAX_PPI`].
    #[error(
        "resolution {ppi} ppi is outside the accepted range {}..={} ppi",
        limits::MIN_PPI,
        limits::MAX_PPI
    )]
    BadResolution {
        /// The rejected resolution.
        ppi: f32,
    },
    /// A raw buffer's stride is smaller than its width.
    #[error("row stride {stride} is smaller than the width {width}")]
    BadStride {
        /// Bytes from one row to the next.
        stride: usize,
        /// Width in pixels.
        width: usize,
    },
    /// A raw buffer or pixel vector is shorter than its geometry requires.
    #[error("pixel buffer holds {got} bytes but the geometry needs {needed}")]
    BufferSize {
        /// Bytes required.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
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
    /// A raster from tightly packed rows, after checking the geometry against [`limits`], the
    /// resolution against the accepted range and `pixels.len() == width * height`.
    pub fn new(width: usize, height: usize, ppi: f32, pixels: Vec<u8>) -> Result<Self, ImageError> {
        check_geometry(width, height)?;
        check_ppi(ppi)?;
        let needed = width * height;
        if pixels.len() != needed {
            return Err(ImageError::BufferSize {
                needed,
                got: pixels.len(),
            });
        }
        Ok(Raster {
            width,
            height,
            ppi,
            pixels,
        })
    }

    /// A raster copied from raw 8-bit grayscale memory whose rows start `stride` bytes apart
    /// (`stride >= width`; the last row needs only `width` bytes).
    pub fn from_gray_buffer(
        buffer: &[u8],
        width: usize,
        height: usize,
        stride: usize,
        ppi: f32,
    ) -> Result<Self, ImageError> {
        check_geometry(width, height)?;
        check_ppi(ppi)?;
        if stride < width {
            return Err(ImageError::BadStride { stride, width });
        }
        // Cannot overflow: height <= MAX_DIMENSION and stride is bounded by the slice length
        // below before it is used; saturate so a huge stride reports a size error.
        let needed = stride.saturating_mul(height - 1).saturating_add(width);
        if buffer.len() < needed {
            return Err(ImageError::BufferSize {
                needed,
                got: buffer.len(),
            });
        }
        let mut pixels = Vec::with_capacity(width * height);
        for row in 0..height {
            let start = row * stride;
            pixels.extend_from_slice(&buffer[start..start + width]);
        }
        Ok(Raster {
            width,
            height,
            ppi,
            pixels,
        })
    }

    /// The grey level at (x, y).
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }
}

/// Checks width and height against zero and [`limits`].
pub(crate) fn check_geometry(width: usize, height: usize) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::ZeroSized { width, height });
    }
    if width > limits::MAX_DIMENSION
        || height > limits::MAX_DIMENSION
        || width * height > limits::MAX_PIXELS
    {
        return Err(ImageError::TooLarge { width, height });
    }
    Ok(())
}

/// Checks a resolution against the accepted range.
pub(crate) fn check_ppi(ppi: f32) -> Result<(), ImageError> {
    if limits::ppi_in_range(ppi) {
        Ok(())
    } else {
        Err(ImageError::BadResolution { ppi })
    }
}
