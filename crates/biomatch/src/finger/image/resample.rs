//! Resampling rasters to the working resolution (500 ppi) with the scale recorded, so
//! positions found in the resampled raster can be mapped back to the original image.
//!
//! The filter is separable and triangular: bilinear interpolation when enlarging, and a tent
//! as wide as the reduction when shrinking (so every source pixel contributes and fine ridges
//! do not alias). Pixel centres are aligned: resampled pixel `i` covers the original position
//! `(i + 0.5) / scale - 0.5`.

use super::limits::TARGET_PPI;
use super::{ImageError, Raster, check_geometry, check_ppi};

/// A resampled raster and the scale from original to resampled pixel coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Resampled {
    /// The raster at the target resolution.
    pub raster: Raster,
    /// Resampled width divided by original width.
    pub scale_x: f32,
    /// Resampled height divided by original height.
    pub scale_y: f32,
}

impl Resampled {
    /// The original-image position of position (`x`, `y`) in the resampled raster (pixel
    /// coordinates, centres at integer positions).
    pub fn to_original(&self, x: f32, y: f32) -> (f32, f32) {
        (
            (x + 0.5) / self.scale_x - 0.5,
            (y + 0.5) / self.scale_y - 0.5,
        )
    }

    /// The resampled-raster position of original position (`x`, `y`).
    pub fn from_original(&self, x: f32, y: f32) -> (f32, f32) {
        (
            (x + 0.5) * self.scale_x - 0.5,
            (y + 0.5) * self.scale_y - 0.5,
        )
    }
}

/// Resamples `raster` to [`TARGET_PPI`] (500 ppi). A raster already at 500 ppi is copied
/// unchanged with scale 1.
pub fn resample_to_500_ppi(raster: &Raster) -> Result<Resampled, ImageError> {
    resample_to_ppi(raster, TARGET_PPI)
}

/// Resamples `raster` to `target_ppi` (which must lie in the accepted range).
pub fn resample_to_ppi(raster: &Raster, target_ppi: f32) -> Result<Resampled, ImageError> {
    check_geometry(raster.width, raster.height)?;
    check_ppi(raster.ppi)?;
    check_ppi(target_ppi)?;
    if raster.pixels.len() != raster.width * raster.height {
        return Err(ImageError::BufferSize {
            needed: raster.width * raster.height,
            got: raster.pixels.len(),
        });
    }
    let factor = target_ppi as f64 / raster.ppi as f64;
    if (factor - 1.0).abs() < 1e-6 {
        return Ok(Resampled {
            raster: Raster {
                ppi: target_ppi,
                ..raster.clone()
            },
            scale_x: 1.0,
            scale_y: 1.0,
        });
    }
    let out_w = ((raster.width as f64 * factor).round() as usize).max(1);
    let out_h = ((raster.height as f64 * factor).round() as usize).max(1);
    // The result obeys the same limits as any decoded image (enlarging from 250 ppi doubles
    // each side, so a raster within the limits can produce one beyond them).
    check_geometry(out_w, out_h)?;
    let plane = resample_plane(
        &raster.pixels,
        (raster.width, raster.height),
        (out_w, out_h),
    );
    let pixels = plane
        .iter()
        .map(|v| v.round().clamp(0.0, 255.0) as u8)
        .collect();
    let scale_x = out_w as f64 / raster.width as f64;
    let scale_y = out_h as f64 / raster.height as f64;
    Ok(Resampled {
        raster: Raster {
            width: out_w,
            height: out_h,
            ppi: target_ppi,
            pixels,
        },
        scale_x: scale_x as f32,
        scale_y: scale_y as f32,
    })
}

/// Resamples a `width` x `height` plane of grey levels to `out_width` x `out_height`
/// (separable tent filter, pixel centres aligned), keeping full precision. The caller checks
/// the sizes: `pixels.len() == width * height`, all four sizes at least 1.
pub(crate) fn resample_plane(
    pixels: &[u8],
    (width, height): (usize, usize),
    (out_w, out_h): (usize, usize),
) -> Vec<f32> {
    let taps_x = taps(width, out_w, out_w as f64 / width as f64);
    let taps_y = taps(height, out_h, out_h as f64 / height as f64);
    // Rows first into a float buffer, then columns.
    let mut rows = vec![0f32; height * out_w];
    for y in 0..height {
        let src = &pixels[y * width..(y + 1) * width];
        let dst = &mut rows[y * out_w..(y + 1) * out_w];
        for (d, t) in dst.iter_mut().zip(&taps_x) {
            *d = t.iter().map(|&(i, w)| src[i] as f32 * w).sum();
        }
    }
    let mut out = vec![0f32; out_w * out_h];
    for (y, t) in taps_y.iter().enumerate() {
        let dst = &mut out[y * out_w..(y + 1) * out_w];
        for &(i, w) in t {
            let src = &rows[i * out_w..(i + 1) * out_w];
            for (d, &v) in dst.iter_mut().zip(src) {
                *d += v * w;
            }
        }
    }
    out
}

/// For each output index, the source indices and normalised weights of a tent filter.
fn taps(src_len: usize, out_len: usize, scale: f64) -> Vec<Vec<(usize, f32)>> {
    // Tent half-width in source pixels: 1 when enlarging, 1/scale when shrinking.
    let support = (1.0 / scale).max(1.0);
    (0..out_len)
        .map(|i| {
            let centre = (i as f64 + 0.5) / scale - 0.5;
            let lo = (centre - support).ceil() as isize;
            let hi = (centre + support).floor() as isize;
            let mut taps: Vec<(usize, f32)> = Vec::new();
            let mut total = 0.0;
            for s in lo..=hi {
                let w = 1.0 - (s as f64 - centre).abs() / support;
                if w <= 0.0 {
                    continue;
                }
                let idx = s.clamp(0, src_len as isize - 1) as usize;
                total += w;
                match taps.iter_mut().find(|(j, _)| *j == idx) {
                    Some(t) => t.1 += w as f32,
                    None => taps.push((idx, w as f32)),
                }
            }
            if total <= 0.0 {
                let idx = (centre.round() as isize).clamp(0, src_len as isize - 1) as usize;
                return vec![(idx, 1.0)];
            }
            for t in &mut taps {
                t.1 /= total as f32;
            }
            taps
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize, ppi: f32) -> Raster {
        let pixels = (0..w * h)
            .map(|i| ((i % w) * 255 / (w - 1)) as u8)
            .collect();
        Raster::new(w, h, ppi, pixels).unwrap()
    }

    #[test]
    fn same_resolution_is_a_copy() {
        let r = ramp(40, 30, 500.0);
        let out = resample_to_500_ppi(&r).unwrap();
        assert_eq!(out.raster, r);
        assert_eq!((out.scale_x, out.scale_y), (1.0, 1.0));
    }

    #[test]
    fn thousand_ppi_halves_the_size_and_keeps_a_ramp_linear() {
        let r = ramp(400, 300, 1000.0);
        let out = resample_to_500_ppi(&r).unwrap();
        assert_eq!((out.raster.width, out.raster.height), (200, 150));
        assert_eq!(out.raster.ppi, 500.0);
        // Away from the borders a linear ramp stays linear: compare with the original value
        // at the mapped position.
        for x in 5..195 {
            let (ox, _) = out.to_original(x as f32, 0.0);
            let expect = ox * 255.0 / 399.0;
            let got = out.raster.get(x, 75) as f32;
            assert!((got - expect).abs() <= 1.0, "x={x}: {got} vs {expect}");
        }
    }

    #[test]
    fn coordinates_round_trip() {
        let r = ramp(333, 201, 569.0);
        let out = resample_to_500_ppi(&r).unwrap();
        let (x, y) = out.from_original(100.0, 50.0);
        let (bx, by) = out.to_original(x, y);
        assert!((bx - 100.0).abs() < 1e-3 && (by - 50.0).abs() < 1e-3);
        assert!((out.scale_x - 500.0 / 569.0).abs() < 0.01);
    }
}
