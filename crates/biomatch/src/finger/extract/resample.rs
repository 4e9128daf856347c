//! Input checks and resampling to the internal 500 ppi frame.

use super::ExtractError;
use super::grid::Grid;
use super::params::Limits;
use crate::finger::image::Raster;
use crate::finger::template::Minutia;

/// The internal resolution every stage works at.
pub(crate) const INTERNAL_PPI: f32 = 500.0;

/// How the internal frame maps to the original image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Frame {
    /// Internal pixels per original pixel.
    pub(crate) scale: f32,
    /// Width of the internal image.
    pub(crate) width: usize,
    /// Height of the internal image.
    pub(crate) height: usize,
}

impl Frame {
    /// Checks the raster against the limits and computes the internal frame.
    pub(crate) fn check(raster: &Raster, limits: &Limits) -> Result<Frame, ExtractError> {
        let (width, height) = (raster.width, raster.height);
        if width == 0 || height == 0 {
            return Err(ExtractError::Empty { width, height });
        }
        if width > limits.max_side
            || height > limits.max_side
            || width.saturating_mul(height) > limits.max_pixels
        {
            return Err(ExtractError::TooLarge {
                width,
                height,
                max_side: limits.max_side,
                max_pixels: limits.max_pixels,
            });
        }
        if raster.pixels.len() != width * height {
            return Err(ExtractError::BufferSize {
                width,
                height,
                expected: width * height,
                actual: raster.pixels.len(),
            });
        }
        let ppi = raster.ppi;
        if !ppi.is_finite() || ppi < limits.min_ppi || ppi > limits.max_ppi {
            return Err(ExtractError::Resolution {
                ppi,
                min: limits.min_ppi,
                max: limits.max_ppi,
            });
        }
        // Within 1 % of 500 ppi the image is used as it is.
        let scale = if (ppi / INTERNAL_PPI - 1.0).abs() < 0.01 {
            1.0
        } else {
            INTERNAL_PPI / ppi
        };
        let w = ((width as f32 * scale).round() as usize).max(1);
        let h = ((height as f32 * scale).round() as usize).max(1);
        if w < limits.min_side || h < limits.min_side {
            return Err(ExtractError::TooSmall {
                width: w,
                height: h,
                min_side: limits.min_side,
            });
        }
        Ok(Frame {
            scale,
            width: w,
            height: h,
        })
    }

    /// A minutia of the internal frame in the original image's pixels.
    pub(crate) fn original_of(&self, m: &Minutia) -> Minutia {
        Minutia {
            x: (m.x + 0.5) / self.scale - 0.5,
            y: (m.y + 0.5) / self.scale - 0.5,
            ..*m
        }
    }
}

/// The raster as `f32` grey levels at 500 ppi (bilinear interpolation when resampling).
pub(crate) fn to_500ppi(raster: &Raster, frame: &Frame) -> Grid<f32> {
    if frame.scale == 1.0 {
        return Grid {
            width: raster.width,
            height: raster.height,
            data: raster.pixels.iter().map(|&p| p as f32).collect(),
        };
    }
    let mut out = Grid::new(frame.width, frame.height, 0f32);
    let (sw, sh) = (raster.width, raster.height);
    let inv = 1.0 / frame.scale;
    // Source column of each output column, shared by every row.
    let cols: Vec<(usize, usize, f32)> = (0..frame.width)
        .map(|x| {
            let sx = ((x as f32 + 0.5) * inv - 0.5).clamp(0.0, (sw - 1) as f32);
            let x0 = sx.floor() as usize;
            (x0, (x0 + 1).min(sw - 1), sx - x0 as f32)
        })
        .collect();
    for y in 0..frame.height {
        let sy = ((y as f32 + 0.5) * inv - 0.5).clamp(0.0, (sh - 1) as f32);
        let y0 = sy.floor() as usize;
        let y1 = (y0 + 1).min(sh - 1);
        let fy = sy - y0 as f32;
        let r0 = &raster.pixels[y0 * sw..(y0 + 1) * sw];
        let r1 = &raster.pixels[y1 * sw..(y1 + 1) * sw];
        let row = &mut out.data[y * frame.width..(y + 1) * frame.width];
        for (o, &(x0, x1, fx)) in row.iter_mut().zip(&cols) {
            let top = r0[x0] as f32 * (1.0 - fx) + r0[x1] as f32 * fx;
            let bottom = r1[x0] as f32 * (1.0 - fx) + r1[x1] as f32 * fx;
            *o = top * (1.0 - fy) + bottom * fy;
        }
    }
    out
}
