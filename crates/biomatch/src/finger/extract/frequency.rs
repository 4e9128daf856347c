//! Ridge frequency: the ridge period per block.
//!
//! Across the ridges of each foreground block the grey levels form a roughly periodic
//! signature; the period is the mean distance between its successive peaks (and troughs).
//! Implausible or flat blocks are left out and every block then takes the mean of the valid
//! periods around it (or the image median when none is near).

use std::f32::consts::PI;

use super::grid::{Blocks, Grid, pad_replicate};
use super::orientation::Field;
use super::params::FrequencyParams;

/// Ridge periods per block.
#[derive(Clone, Debug)]
pub(crate) struct Periods {
    /// The smoothed period in pixels of every block.
    pub(crate) period: Grid<f32>,
    /// Whether the block's own signature gave a plausible period with even swings (see
    /// [`FrequencyParams::min_swing_ratio`]).
    pub(crate) measured: Grid<bool>,
}

/// The ridge period in pixels per block.
pub(crate) fn periods(
    image: &Grid<f32>,
    blocks: Blocks,
    mask: &Grid<bool>,
    field: &Field,
    params: &FrequencyParams,
) -> Periods {
    let mut raw = Grid::new(blocks.cols, blocks.rows, f32::NAN);
    let mut measured = Grid::new(blocks.cols, blocks.rows, false);
    let reach = params.window_across / 2 + params.half_along + 2;
    let padded = pad_replicate(image, reach);
    let stride = padded.width as isize;
    let tables: Vec<Vec<isize>> = (0..ORIENTATION_BINS)
        .map(|o| strip_offsets(o as f32 * PI / ORIENTATION_BINS as f32, stride, params))
        .collect();
    let strip = 2 * params.half_along + 1;
    let mut signature = vec![0f32; params.window_across];
    for by in 0..blocks.rows {
        for bx in 0..blocks.cols {
            if !mask.at(bx, by) {
                continue;
            }
            let cx = (bx * blocks.size + blocks.size / 2).min(image.width - 1) + reach;
            let cy = (by * blocks.size + blocks.size / 2).min(image.height - 1) + reach;
            let centre = cy as isize * stride + cx as isize;
            let bin = (field.angle.at(bx, by) / PI * ORIENTATION_BINS as f32).round() as usize
                % ORIENTATION_BINS;
            for (o, taps) in signature.iter_mut().zip(tables[bin].chunks(strip)) {
                *o = taps
                    .iter()
                    .map(|&off| padded.data[(centre + off) as usize])
                    .sum::<f32>()
                    / strip as f32;
            }
            if let Some(p) = signature_period(&signature, params) {
                raw.set(bx, by, p);
                measured.set(
                    bx,
                    by,
                    params.min_swing_ratio <= 0.0
                        || swing_ratio(&signature) >= params.min_swing_ratio,
                );
            }
        }
    }
    let mut valid: Vec<f32> = raw.data.iter().copied().filter(|p| !p.is_nan()).collect();
    let median = if valid.is_empty() {
        params.default_period
    } else {
        let mid = valid.len() / 2;
        *valid.select_nth_unstable_by(mid, f32::total_cmp).1
    };
    Periods {
        period: smooth_valid(&raw, params.smooth_radius, median),
        measured,
    }
}

/// Orientation bins of the precomputed sampling patterns.
const ORIENTATION_BINS: usize = 48;

/// Offsets into the padded image of the signature's samples for ridges at `ridge` radians:
/// for each position across the ridges, the strip of positions along them.
fn strip_offsets(ridge: f32, stride: isize, params: &FrequencyParams) -> Vec<isize> {
    let (ds, dc) = ridge.sin_cos();
    let (nx, ny) = (-ds, dc);
    let half = (params.window_across as f32 - 1.0) / 2.0;
    let along = params.half_along as isize;
    let mut out = Vec::with_capacity(params.window_across * (2 * params.half_along + 1));
    for k in 0..params.window_across {
        let u = k as f32 - half;
        for t in -along..=along {
            let t = t as f32;
            let x = (u * nx + t * dc).round() as isize;
            let y = (u * ny + t * ds).round() as isize;
            out.push(y * stride + x);
        }
    }
    out
}

/// How even the signature's swings are: the median over its largest grey-level change
/// between successive extrema (after the same light smoothing as [`signature_period`]), in
/// `[0, 1]`. Ridges rise and fall by similar amounts; a step edge (a sensor window's
/// border) is one large swing among the small ones its ringing adds. 0 without two swings.
fn swing_ratio(signature: &[f32]) -> f32 {
    let n = signature.len();
    let smooth: Vec<f32> = (0..n)
        .map(|k| {
            let a = signature[k.saturating_sub(1)];
            let c = signature[(k + 1).min(n - 1)];
            0.25 * a + 0.5 * signature[k] + 0.25 * c
        })
        .collect();
    let mut extrema = Vec::new();
    for k in 1..n.saturating_sub(1) {
        let (a, b, c) = (smooth[k - 1], smooth[k], smooth[k + 1]);
        if (b > a && b >= c) || (b < a && b <= c) {
            extrema.push(b);
        }
    }
    let mut swings: Vec<f32> = extrema.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    if swings.len() < 2 {
        return 0.0;
    }
    let largest = swings.iter().copied().fold(0.0, f32::max);
    if largest <= 0.0 {
        return 0.0;
    }
    let mid = swings.len() / 2;
    *swings.select_nth_unstable_by(mid, f32::total_cmp).1 / largest
}

/// The mean spacing of the signature's peaks and troughs, if plausible.
fn signature_period(signature: &[f32], params: &FrequencyParams) -> Option<f32> {
    let n = signature.len();
    if n < 5 {
        return None;
    }
    let smooth: Vec<f32> = (0..n)
        .map(|k| {
            let a = signature[k.saturating_sub(1)];
            let c = signature[(k + 1).min(n - 1)];
            0.25 * a + 0.5 * signature[k] + 0.25 * c
        })
        .collect();
    let (lo, hi) = smooth
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    if hi - lo < params.min_amplitude {
        return None;
    }
    let mut spans = 0.0;
    let mut gaps = 0usize;
    for sign in [1.0f32, -1.0] {
        let mut first = None;
        let mut last = 0.0;
        let mut count = 0usize;
        for k in 1..n - 1 {
            let (a, b, c) = (sign * smooth[k - 1], sign * smooth[k], sign * smooth[k + 1]);
            if b > a && b >= c {
                // Parabolic refinement of the extremum's position.
                let denom = a - 2.0 * b + c;
                let offset = if denom.abs() > 1e-6 {
                    0.5 * (a - c) / denom
                } else {
                    0.0
                };
                let pos = k as f32 + offset.clamp(-0.5, 0.5);
                first.get_or_insert(pos);
                last = pos;
                count += 1;
            }
        }
        if let Some(f) = first
            && count >= 2
        {
            spans += last - f;
            gaps += count - 1;
        }
    }
    if gaps == 0 {
        return None;
    }
    let period = spans / gaps as f32;
    (period >= params.min_period && period <= params.max_period).then_some(period)
}

/// Each block takes the mean of the valid (non-NaN) values within radius `r`, or `fallback`.
fn smooth_valid(raw: &Grid<f32>, r: usize, fallback: f32) -> Grid<f32> {
    let mut out = Grid::new(raw.width, raw.height, fallback);
    let r = r as isize;
    for y in 0..raw.height as isize {
        for x in 0..raw.width as isize {
            let mut sum = 0.0;
            let mut n = 0usize;
            for dy in -r..=r {
                for dx in -r..=r {
                    if let Some(v) = raw.get(x + dx, y + dy)
                        && !v.is_nan()
                    {
                        sum += v;
                        n += 1;
                    }
                }
            }
            if n > 0 {
                out.set(x as usize, y as usize, sum / n as f32);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ridges_swing_evenly_and_a_step_edge_does_not() {
        let ridges: Vec<f32> = (0..32)
            .map(|k| 100.0 + 30.0 * (2.0 * PI * k as f32 / 8.0).sin())
            .collect();
        assert!(swing_ratio(&ridges) > 0.9);
        // A grey-to-white step with a little ringing on each side.
        let step: Vec<f32> = (0..32)
            .map(|k| {
                let ring = 3.0 * (2.0 * PI * k as f32 / 6.0).sin();
                if k < 16 { 190.0 + ring } else { 250.0 + ring }
            })
            .collect();
        assert!(swing_ratio(&step) < 0.3, "{}", swing_ratio(&step));
        assert_eq!(swing_ratio(&[7.0; 32]), 0.0);
    }
}
