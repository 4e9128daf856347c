//! Portable reference kernels: plain loops, no `unsafe`. Every SIMD kernel is tested against
//! these.

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
