//! Input checks and resampling to the internal 500 ppi frame (with the image module's
//! tent-filter resampler, kept at full precision).

use super::ExtractError;
use super::grid::Grid;
use super::params::Limits;
use crate::finger::image::{Raster, resample_plane};
use crate::finger::template::Minutia;

/// The internal resolution every stage works at.
pub(crate) const INTERNAL_PPI: f32 = 500.0;

/// How the internal frame maps to the original image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Frame {
    /// Internal pixels per original pixel, horizontally (internal width / original width).
    pub(crate) scale_x: f32,
    /// Internal pixels per original pixel, vertically.
    pub(crate) scale_y: f32,
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
        let factor = if (ppi / INTERNAL_PPI - 1.0).abs() < 0.01 {
            1.0
        } else {
            f64::from(INTERNAL_PPI) / f64::from(ppi)
        };
        let w = ((width as f64 * factor).round() as usize).max(1);
        let h = ((height as f64 * factor).round() as usize).max(1);
        // The limits hold after resampling too: enlarging a 250 ppi image doubles each side,
        // so a 4 Mpx input would otherwise become a 16 Mpx working frame.
        if w > limits.max_side || h > limits.max_side || w.saturating_mul(h) > limits.max_pixels {
            return Err(ExtractError::TooLarge {
                width: w,
                height: h,
                max_side: limits.max_side,
                max_pixels: limits.max_pixels,
            });
        }
        if w < limits.min_side || h < limits.min_side {
            return Err(ExtractError::TooSmall {
                width: w,
                height: h,
                min_side: limits.min_side,
            });
        }
        Ok(Frame {
            scale_x: (w as f64 / width as f64) as f32,
            scale_y: (h as f64 / height as f64) as f32,
            width: w,
            height: h,
        })
    }

    /// A minutia of the internal frame in the original image's pixels.
    pub(crate) fn original_of(&self, m: &Minutia) -> Minutia {
        Minutia {
            x: (m.x + 0.5) / self.scale_x - 0.5,
            y: (m.y + 0.5) / self.scale_y - 0.5,
            ..*m
        }
    }
}

/// The raster as `f32` grey levels at 500 ppi.
pub(crate) fn to_500ppi(raster: &Raster, frame: &Frame) -> Grid<f32> {
    let data = if (frame.width, frame.height) == (raster.width, raster.height) {
        raster.pixels.iter().map(|&p| p as f32).collect()
    } else {
        resample_plane(
            &raster.pixels,
            (raster.width, raster.height),
            (frame.width, frame.height),
        )
    };
    Grid {
        width: frame.width,
        height: frame.height,
        data,
    }
}
