//! Contextual enhancement with oriented Gabor filters.
//!
//! A Gabor filter tuned to a block's ridge direction and period is applied as two 1-D passes
//! in the rotated frame: a Gaussian along the ridge, then a zero-mean Gabor profile across
//! it. For a constant orientation this equals the 2-D filter; the cost per pixel is the sum of
//! the two lengths instead of their product. Kernels are precomputed per orientation bin and
//! period bin as pixel offsets into a padded copy of the image, so the inner loops only
//! gather and multiply. Valleys (bright) come out positive, ridges negative.

use std::f32::consts::PI;

use super::grid::{Blocks, Grid, pad_replicate};
use super::orientation::Field;
use super::params::EnhanceParams;

/// A 1-D kernel as (offset into the padded buffer, weight) taps.
type Taps = Vec<(isize, f32)>;

/// The enhanced image: zero outside the mask, negative on ridges, positive in valleys.
pub(crate) fn gabor(
    image: &Grid<f32>,
    blocks: Blocks,
    mask: &Grid<bool>,
    field: &Field,
    periods: &Grid<f32>,
    params: &EnhanceParams,
) -> Grid<f32> {
    let pad = params.along_radius.max(params.across_radius) + 1;
    let padded = pad_replicate(image, pad);
    let stride = padded.width as isize;
    let bins = params.orientation_bins.max(1);
    let orientation_bin = |bx: usize, by: usize| {
        ((field.angle.at(bx, by) / PI * bins as f32).round() as usize) % bins
    };
    let along: Vec<Taps> = (0..bins)
        .map(|o| along_taps(o as f32 * PI / bins as f32, stride, params))
        .collect();
    let mut across: Vec<Option<Taps>> = Vec::new();

    // Pass 1 over the foreground and one block around it (pass 2 reads that far).
    let active = dilate(mask);
    let mut smoothed = vec![0f32; padded.data.len()];
    for_each_block(
        blocks,
        image.width,
        image.height,
        &active,
        |bx, by, span| {
            let taps = &along[orientation_bin(bx, by)];
            for y in span.y0..span.y1 {
                let base = (y + pad) as isize * stride + pad as isize;
                for x in span.x0..span.x1 {
                    let i = base + x as isize;
                    let mut s = 0.0;
                    for &(off, w) in taps {
                        s += w * padded.data[(i + off) as usize];
                    }
                    smoothed[i as usize] = s;
                }
            }
        },
    );

    // Pass 2 over the foreground only.
    let mut out = Grid::new(image.width, image.height, 0f32);
    for_each_block(blocks, image.width, image.height, mask, |bx, by, span| {
        let o = orientation_bin(bx, by);
        let p = (periods.at(bx, by) / params.period_step).round().max(1.0) as usize;
        let key = o * 64 + p.min(63);
        if across.len() <= key {
            across.resize(key + 1, None);
        }
        let taps = across[key].get_or_insert_with(|| {
            across_taps(
                o as f32 * PI / bins as f32,
                p.min(63) as f32 * params.period_step,
                stride,
                params,
            )
        });
        for y in span.y0..span.y1 {
            let base = (y + pad) as isize * stride + pad as isize;
            for x in span.x0..span.x1 {
                let i = base + x as isize;
                let mut s = 0.0;
                for &(off, w) in taps.iter() {
                    s += w * smoothed[(i + off) as usize];
                }
                out.data[y * image.width + x] = s;
            }
        }
    });
    out
}

/// A block's pixel span: columns `x0..x1`, rows `y0..y1`.
#[derive(Clone, Copy)]
struct Span {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
}

/// Calls `f(bx, by, span)` for every selected block.
fn for_each_block<F: FnMut(usize, usize, Span)>(
    blocks: Blocks,
    width: usize,
    height: usize,
    select: &Grid<bool>,
    mut f: F,
) {
    for by in 0..blocks.rows {
        for bx in 0..blocks.cols {
            if select.at(bx, by) {
                let (x0, y0) = (bx * blocks.size, by * blocks.size);
                let span = Span {
                    x0,
                    x1: (x0 + blocks.size).min(width),
                    y0,
                    y1: (y0 + blocks.size).min(height),
                };
                f(bx, by, span);
            }
        }
    }
}

/// Gaussian taps along the ridge direction `theta`, summing to one.
fn along_taps(theta: f32, stride: isize, params: &EnhanceParams) -> Taps {
    let (s, c) = theta.sin_cos();
    let r = params.along_radius as isize;
    let mut taps: Taps = (-r..=r)
        .map(|t| {
            let t = t as f32;
            let off = (t * s).round() as isize * stride + (t * c).round() as isize;
            (
                off,
                (-t * t / (2.0 * params.along_sigma * params.along_sigma)).exp(),
            )
        })
        .collect();
    let total: f32 = taps.iter().map(|t| t.1).sum();
    taps.iter_mut().for_each(|t| t.1 /= total);
    taps
}

/// Zero-mean Gabor taps across the ridge direction `theta` for ridge period `period`.
fn across_taps(theta: f32, period: f32, stride: isize, params: &EnhanceParams) -> Taps {
    let (s, c) = theta.sin_cos();
    let (nx, ny) = (-s, c);
    let r = params.across_radius as isize;
    let sigma = params.across_sigma * period;
    let envelope = |u: f32| (-u * u / (2.0 * sigma * sigma)).exp();
    let wave = |u: f32| (2.0 * PI * u / period).cos();
    let (mut num, mut den) = (0.0, 0.0);
    for u in -r..=r {
        let u = u as f32;
        num += envelope(u) * wave(u);
        den += envelope(u);
    }
    let dc = num / den;
    let mut taps: Taps = (-r..=r)
        .map(|u| {
            let uf = u as f32;
            let off = (uf * ny).round() as isize * stride + (uf * nx).round() as isize;
            (off, envelope(uf) * (wave(uf) - dc))
        })
        .collect();
    let norm: f32 = taps.iter().map(|t| t.1.abs()).sum();
    if norm > 0.0 {
        taps.iter_mut().for_each(|t| t.1 /= norm);
    }
    taps
}

/// The mask grown by one block in every direction.
fn dilate(mask: &Grid<bool>) -> Grid<bool> {
    let mut out = mask.clone();
    for y in 0..mask.height as isize {
        for x in 0..mask.width as isize {
            if mask.at(x as usize, y as usize) {
                continue;
            }
            let near = (-1..=1).any(|dy| (-1..=1).any(|dx| mask.get(x + dx, y + dy) == Some(true)));
            out.set(x as usize, y as usize, near);
        }
    }
    out
}
