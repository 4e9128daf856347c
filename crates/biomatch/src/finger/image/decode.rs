//! Decoding encoded images (WSQ or, through the `image` crate, PNG, TIFF, BMP, JPEG, PGM)
//! to 8-bit grayscale rasters with a resolution.
//!
//! The resolution is, in order: the caller's, else the file's (WSQ NISTCOM `PPI`, PNG `pHYs`,
//! TIFF `XResolution`, JPEG JFIF density, BMP pixels per metre) when it lies in the accepted
//! range, else [`DEFAULT_PPI`](super::limits::DEFAULT_PPI). A file value outside the range is
//! ignored rather than trusted: 72 and 96 dpi are common software defaults that say nothing
//! about the scanner. A caller's value outside the range is an error.

use std::io::Cursor;

use super::limits::{DEFAULT_PPI, MAX_DIMENSION, MAX_INPUT_BYTES, MAX_PIXELS, ppi_in_range};
use super::{ImageError, Raster, check_geometry, check_ppi, resolution, wsq};

/// The encoding an image was decoded from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceFormat {
    /// FBI Wavelet Scalar Quantization.
    Wsq,
    /// PNG.
    Png,
    /// TIFF.
    Tiff,
    /// Windows bitmap.
    Bmp,
    /// JPEG.
    Jpeg,
    /// Netpbm (PGM and relatives).
    Pnm,
}

/// Where a decoded raster's resolution came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PpiSource {
    /// The caller stated it.
    Caller,
    /// The file stated it.
    File,
    /// Neither did; [`DEFAULT_PPI`](super::limits::DEFAULT_PPI) was assumed.
    Default,
}

/// A decoded raster with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedImage {
    /// The 8-bit grayscale raster.
    pub raster: Raster,
    /// The input's encoding.
    pub format: SourceFormat,
    /// Where the resolution came from.
    pub ppi_source: PpiSource,
}

/// Decodes an encoded image to an 8-bit grayscale raster. WSQ is recognised by its
/// start-of-image marker; other formats by their signatures. `ppi` overrides the file's
/// resolution (see the module documentation for the fallbacks).
pub fn decode_bytes(data: &[u8], ppi: Option<f32>) -> Result<Raster, ImageError> {
    decode_bytes_detailed(data, ppi).map(|d| d.raster)
}

/// [`decode_bytes`], also reporting the format and where the resolution came from.
pub fn decode_bytes_detailed(data: &[u8], ppi: Option<f32>) -> Result<DecodedImage, ImageError> {
    if data.len() > MAX_INPUT_BYTES {
        return Err(ImageError::InputTooLarge { size: data.len() });
    }
    if let Some(p) = ppi {
        check_ppi(p)?;
    }
    let (width, height, file_ppi, pixels, format) = if wsq::is_wsq(data) {
        let img = wsq::decode(data)?;
        (
            img.width,
            img.height,
            img.ppi,
            img.pixels,
            SourceFormat::Wsq,
        )
    } else {
        decode_with_image_crate(data)?
    };
    let (ppi, ppi_source) = match (ppi, file_ppi) {
        (Some(p), _) => (p, PpiSource::Caller),
        (None, Some(p)) if ppi_in_range(p) => (p, PpiSource::File),
        _ => (DEFAULT_PPI, PpiSource::Default),
    };
    Ok(DecodedImage {
        raster: Raster::new(width, height, ppi, pixels)?,
        format,
        ppi_source,
    })
}

type Decoded = (usize, usize, Option<f32>, Vec<u8>, SourceFormat);

fn decode_with_image_crate(data: &[u8]) -> Result<Decoded, ImageError> {
    use ::image::{ImageFormat, ImageReader, Limits};

    let reader = ImageReader::new(Cursor::new(data))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let format = match reader.format() {
        Some(ImageFormat::Png) => SourceFormat::Png,
        Some(ImageFormat::Tiff) => SourceFormat::Tiff,
        Some(ImageFormat::Bmp) => SourceFormat::Bmp,
        Some(ImageFormat::Jpeg) => SourceFormat::Jpeg,
        Some(ImageFormat::Pnm) => SourceFormat::Pnm,
        Some(other) => {
            return Err(ImageError::Unsupported(format!(
                "{other:?} images are not supported (WSQ, PNG, TIFF, BMP, JPEG, PGM are)"
            )));
        }
        None => {
            return Err(ImageError::Decode(
                "unrecognised image format (WSQ, PNG, TIFF, BMP, JPEG, PGM are supported)".into(),
            ));
        }
    };
    let image_format = reader.format();

    // Read the header only and check the size before anything is allocated.
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    check_geometry(w as usize, h as usize)?;

    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION as u32);
    limits.max_image_height = Some(MAX_DIMENSION as u32);
    // Room for the widest pixel type (RGBA, 32-bit float channels) plus the luma copy.
    limits.max_alloc = Some((MAX_PIXELS as u64) * 17);
    let mut reader = ImageReader::new(Cursor::new(data));
    if let Some(f) = image_format {
        reader.set_format(f);
    }
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        ::image::ImageError::Limits(l) => ImageError::Unsupported(l.to_string()),
        other => ImageError::Decode(other.to_string()),
    })?;
    let luma = image.into_luma8();
    let (width, height) = (luma.width() as usize, luma.height() as usize);
    let file_ppi = resolution::file_ppi(data, format);
    Ok((width, height, file_ppi, luma.into_raw(), format))
}
