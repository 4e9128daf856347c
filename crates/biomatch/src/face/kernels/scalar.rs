//! Portable reference kernels: plain loops, no `unsafe`. Every SIMD kernel is tested against
//! these.

#[cfg(test)]
use super::PANEL;
use super::{MAX_Q, MAX_R};

/// Dot products of `nq` probes with `nr` gallery rows (f32), `out[q * 4 + r]`.
pub(super) fn block_f32(
    probes: &[f32],
    nq: usize,
    rows: &[f32],
    nr: usize,
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    for q in 0..nq {
        let p = &probes[q * dim..(q + 1) * dim];
        for r in 0..nr {
            let g = &rows[r * dim..(r + 1) * dim];
            out[q * MAX_R + r] = p.iter().zip(g).map(|(a, b)| a * b).sum();
        }
    }
}

/// Dot products of f32 probes with f16 gallery rows (raw IEEE half bits).
pub(super) fn block_f16(
    probes: &[f32],
    nq: usize,
    rows: &[u16],
    nr: usize,
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    for q in 0..nq {
        let p = &probes[q * dim..(q + 1) * dim];
        for r in 0..nr {
            let g = &rows[r * dim..(r + 1) * dim];
            out[q * MAX_R + r] = p
                .iter()
                .zip(g)
                .map(|(a, b)| a * half::f16::from_bits(*b).to_f32())
                .sum();
        }
    }
}

/// Biased integer dot products: `sum(u8 row value * i8 probe value)`; the caller removes the
/// +128 offset of the rows with the probe's sum.
pub(super) fn block_i8(
    probes: &[i8],
    nq: usize,
    rows: &[u8],
    nr: usize,
    dim: usize,
    out: &mut [i32; MAX_Q * MAX_R],
) {
    for q in 0..nq {
        let p = &probes[q * dim..(q + 1) * dim];
        for r in 0..nr {
            let g = &rows[r * dim..(r + 1) * dim];
            out[q * MAX_R + r] = p.iter().zip(g).map(|(a, b)| *a as i32 * *b as i32).sum();
        }
    }
}

/// Reads every word (wrapping sum), for the memory-bandwidth measurement.
pub(super) fn read_sum(words: &[u64]) -> u64 {
    words.iter().fold(0u64, |s, w| s.wrapping_add(*w))
}

/// Reference of the batch kernel: probe panels (`[d][16]` per panel) x f32 rows,
/// `out[r * stride + 16 p + lane]`.
#[cfg(test)]
pub(super) fn panels_f32(
    panels: &[f32],
    np: usize,
    rows: &[f32],
    nr: usize,
    dim: usize,
    out: &mut [f32],
    stride: usize,
) {
    for r in 0..nr {
        let row = &rows[r * dim..(r + 1) * dim];
        for p in 0..np {
            for lane in 0..PANEL {
                out[r * stride + p * PANEL + lane] = row
                    .iter()
                    .enumerate()
                    .map(|(d, v)| panels[(p * dim + d) * PANEL + lane] * v)
                    .sum();
            }
        }
    }
}

/// Reference of the int8 batch kernel: offset-u8 probe panels (`[k][16][4]`) x signed rows
/// of stride `dim4`, `out[r * stride + 16 p + lane] = sum(probe_u8 * row_i8) - 128 sums[r]`.
#[cfg(test)]
// A flat kernel signature (slices and sizes), like the other batch kernels.
#[allow(clippy::too_many_arguments)]
pub(super) fn panels_i8(
    panels: &[u8],
    np: usize,
    rows: &[i8],
    nr: usize,
    dim4: usize,
    sums: &[i32],
    out: &mut [i32],
    stride: usize,
) {
    for r in 0..nr {
        let row = &rows[r * dim4..(r + 1) * dim4];
        for p in 0..np {
            for lane in 0..PANEL {
                out[r * stride + p * PANEL + lane] = row
                    .iter()
                    .enumerate()
                    .map(|(d, v)| {
                        let (k, j) = (d / 4, d % 4);
                        panels[(p * dim4 + 4 * k) * PANEL + 4 * lane + j] as i32 * *v as i32
                    })
                    .sum::<i32>()
                    - 128 * sums[r];
            }
        }
    }
}

/// IEEE half bits to f32, `dst.len()` values.
pub(super) fn widen_f16(src: &[u16], dst: &mut [f32]) {
    for (o, h) in dst.iter_mut().zip(src) {
        *o = half::f16::from_bits(*h).to_f32();
    }
}

/// Reference of the int8 tile preparation: signed codes with stride `dim4` (zero padded)
/// and each row's code sum.
#[cfg(test)]
pub(super) fn prepare_i8(
    rows: &[u8],
    dim: usize,
    dim4: usize,
    signed: &mut [i8],
    sums: &mut [i32],
) {
    for (r, sum) in sums.iter_mut().enumerate() {
        let dst = &mut signed[r * dim4..(r + 1) * dim4];
        dst.fill(0);
        *sum = 0;
        for (d, s) in dst.iter_mut().zip(&rows[r * dim..(r + 1) * dim]) {
            *d = (*s ^ 0x80) as i8;
            *sum += *d as i32;
        }
    }
}

/// Reference of the int8 score scaling: `ints as f32 * (probe_scale * row_scale)`.
pub(super) fn scale_i8(
    ints: &[i32],
    width: usize,
    row_scales: &[f32],
    probe_scales: &[f32],
    out: &mut [f32],
) {
    for (r, s) in row_scales.iter().enumerate() {
        for q in 0..width {
            out[r * width + q] = ints[r * width + q] as f32 * (probe_scales[q] * s);
        }
    }
}

/// Reference of the admission scan: the first row at or after `from` with
/// `scores[r * width + q] >= floors[q]` for some `q < width`.
pub(super) fn next_admitted(
    scores: &[f32],
    width: usize,
    floors: &[f32],
    from: usize,
) -> Option<usize> {
    (from..scores.len() / width).find(|r| {
        scores[r * width..(r + 1) * width]
            .iter()
            .zip(floors)
            .any(|(s, f)| s >= f)
    })
}
