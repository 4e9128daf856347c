//! NEON kernels (aarch64): f32 only; f16 and int8 use the portable kernels on this
//! architecture. Kept deliberately simple (one row at a time per probe).

use core::arch::aarch64::*;

use super::{MAX_Q, MAX_R};

/// f32 probes x f32 rows.
///
/// # Safety
/// The CPU must support `neon` (always true on aarch64 Linux targets).
pub(super) unsafe fn block_f32(
    probes: &[f32],
    nq: usize,
    rows: &[f32],
    nr: usize,
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    assert!(nq <= MAX_Q && nr <= MAX_R && probes.len() >= nq * dim && rows.len() >= nr * dim);
    for q in 0..nq {
        for r in 0..nr {
            let a = &probes[q * dim..(q + 1) * dim];
            let b = &rows[r * dim..(r + 1) * dim];
            // SAFETY: the caller guarantees neon; `a` and `b` both hold `dim` values.
            out[q * MAX_R + r] = unsafe { dot(a, b) };
        }
    }
}

#[target_feature(enable = "neon")]
unsafe fn dot(a: &[f32], b: &[f32]) -> f32 {
    let full = a.len() - a.len() % 4;
    let mut acc = vdupq_n_f32(0.0);
    let mut i = 0;
    while i < full {
        // SAFETY: i + 4 <= len of both slices.
        let (x, y) = unsafe { (vld1q_f32(a.as_ptr().add(i)), vld1q_f32(b.as_ptr().add(i))) };
        acc = vfmaq_f32(acc, x, y);
        i += 4;
    }
    let tail: f32 = a[full..].iter().zip(&b[full..]).map(|(x, y)| x * y).sum();
    vaddvq_f32(acc) + tail
}
