//! Writing rasters as 8-bit grayscale PNG with their resolution (`pHYs`).

use super::{ImageError, Raster};

/// Encodes `raster` as an 8-bit grayscale PNG whose `pHYs` chunk records the resolution, so
/// decoding the PNG again gives the same raster.
pub fn encode_png(raster: &Raster) -> Result<Vec<u8>, ImageError> {
    use ::image::{ExtendedColorType, ImageEncoder, codecs::png::PngEncoder};

    if raster.pixels.len() != raster.width * raster.height {
        return Err(ImageError::BufferSize {
            needed: raster.width * raster.height,
            got: raster.pixels.len(),
        });
    }
    let width = u32::try_from(raster.width).map_err(|_| too_large(raster))?;
    let height = u32::try_from(raster.height).map_err(|_| too_large(raster))?;
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&raster.pixels, width, height, ExtendedColorType::L8)
        .map_err(|e| ImageError::Decode(format!("PNG encoding failed: {e}")))?;
    insert_phys(&mut png, raster.ppi);
    Ok(png)
}

fn too_large(raster: &Raster) -> ImageError {
    ImageError::TooLarge {
        width: raster.width,
        height: raster.height,
    }
}

/// Inserts a `pHYs` chunk (pixels per metre) right after the IHDR chunk.
fn insert_phys(png: &mut Vec<u8>, ppi: f32) {
    // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
    const AFTER_IHDR: usize = 8 + 25;
    if png.len() < AFTER_IHDR || !ppi.is_finite() || ppi <= 0.0 {
        return;
    }
    let ppm = (ppi as f64 / 0.0254).round() as u32;
    let mut chunk = Vec::with_capacity(21);
    chunk.extend(9u32.to_be_bytes());
    chunk.extend(b"pHYs");
    chunk.extend(ppm.to_be_bytes());
    chunk.extend(ppm.to_be_bytes());
    chunk.push(1); // unit: metre
    let crc = crc32fast::hash(&chunk[4..]);
    chunk.extend(crc.to_be_bytes());
    png.splice(AFTER_IHDR..AFTER_IHDR, chunk);
}
