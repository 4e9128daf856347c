//! Ridge frequency: the ridge period per block.
//!
//! Across the ridges of each foreground block the grey levels form a roughly periodic
//! signature; the period is the mean distance between its successive peaks (and troughs).
//! Implausible or flat blocks are left out and every block then takes the mean of the valid
//! periods around it (or the image median when none is near).

use super::grid::{Blocks, Grid};
use super::orientation::Field;
use super::params::FrequencyParams;

/// The ridge period in pixels per block.
pub(crate) fn periods(
    image: &Grid<f32>,
    blocks: Blocks,
    mask: &Grid<bool>,
    field: &Field,
    params: &FrequencyParams,
) -> Grid<f32> {
    let mut raw = Grid::new(blocks.cols, blocks.rows, f32::NAN);
    let mut signature = vec![0f32; params.window_across];
    for by in 0..blocks.rows {
        for bx in 0..blocks.cols {
            if !mask.at(bx, by) {
                continue;
            }
            let cx = (bx * blocks.size) as f32 + blocks.size as f32 / 2.0;
            let cy = (by * blocks.size) as f32 + blocks.size as f32 / 2.0;
            sample_signature(
                image,
                cx,
                cy,
                field.angle.at(bx, by),
                params,
                &mut signature,
            );
            if let Some(p) = signature_period(&signature, params) {
                raw.set(bx, by, p);
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
    smooth_valid(&raw, params.smooth_radius, median)
}

/// Grey levels along the normal to the ridges through (cx, cy), each averaged over a strip
/// along the ridge direction.
fn sample_signature(
    image: &Grid<f32>,
    cx: f32,
    cy: f32,
    ridge: f32,
    params: &FrequencyParams,
    out: &mut [f32],
) {
    let (ds, dc) = ridge.sin_cos();
    let (nx, ny) = (-ds, dc);
    let half = (out.len() as f32 - 1.0) / 2.0;
    let along = params.half_along as isize;
    for (k, o) in out.iter_mut().enumerate() {
        let u = k as f32 - half;
        let mut s = 0.0;
        for t in -along..=along {
            let t = t as f32;
            let x = (cx + u * nx + t * dc).round() as isize;
            let y = (cy + u * ny + t * ds).round() as isize;
            s += image.clamped(x, y);
        }
        *o = s;
    }
    let n = (2 * along + 1) as f32;
    out.iter_mut().for_each(|v| *v /= n);
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
