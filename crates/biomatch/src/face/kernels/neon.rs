//! NEON kernels (aarch64): f32 and int8 dot products and the bandwidth read; f16 rows use the
//! portable kernels on this architecture (Rust's half-precision NEON types are not stable).
//! One probe-row pair at a time, two or four independent accumulators.
//!
//! The entry points are `unsafe fn`: the caller must have checked that the CPU has `neon`
//! (always true on aarch64 Linux, checked anyway by `Kernels::for_isa`).

use core::arch::aarch64::*;

use super::{MAX_Q, MAX_R};

/// f32 probes x f32 rows.
///
/// # Safety
/// The CPU must support `neon`.
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
            out[q * MAX_R + r] = unsafe { dot_f32(a, b) };
        }
    }
}

#[target_feature(enable = "neon")]
unsafe fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let full = n - n % 8;
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut acc0 = vdupq_n_f32(0.0);
    let mut acc1 = vdupq_n_f32(0.0);
    let mut i = 0;
    while i < full {
        // SAFETY: i + 8 <= n, inside both slices.
        unsafe {
            acc0 = vfmaq_f32(acc0, vld1q_f32(pa.add(i)), vld1q_f32(pb.add(i)));
            acc1 = vfmaq_f32(acc1, vld1q_f32(pa.add(i + 4)), vld1q_f32(pb.add(i + 4)));
        }
        i += 8;
    }
    let tail: f32 = a[full..n].iter().zip(&b[full..n]).map(|(x, y)| x * y).sum();
    vaddvq_f32(vaddq_f32(acc0, acc1)) + tail
}

/// i8 probes x offset-u8 rows: `sum(row_u8 * probe_i8)` (the driver removes the offset).
/// Both widen to i16 and multiply-accumulate into i32 (`smlal`): exact.
///
/// # Safety
/// The CPU must support `neon`.
pub(super) unsafe fn block_i8(
    probes: &[i8],
    nq: usize,
    rows: &[u8],
    nr: usize,
    dim: usize,
    out: &mut [i32; MAX_Q * MAX_R],
) {
    assert!(nq <= MAX_Q && nr <= MAX_R && probes.len() >= nq * dim && rows.len() >= nr * dim);
    for q in 0..nq {
        for r in 0..nr {
            let a = &probes[q * dim..(q + 1) * dim];
            let b = &rows[r * dim..(r + 1) * dim];
            // SAFETY: the caller guarantees neon; `a` and `b` both hold `dim` values.
            out[q * MAX_R + r] = unsafe { dot_i8(a, b) };
        }
    }
}

#[target_feature(enable = "neon")]
unsafe fn dot_i8(p: &[i8], g: &[u8]) -> i32 {
    let n = p.len().min(g.len());
    let full = n - n % 16;
    let (pp, gp) = (p.as_ptr(), g.as_ptr());
    let mut acc = [vdupq_n_s32(0); 4];
    let mut i = 0;
    while i < full {
        // SAFETY: i + 16 <= n, inside both slices.
        let (gv, pv) = unsafe { (vld1q_u8(gp.add(i)), vld1q_s8(pp.add(i))) };
        // Row bytes 0..=255 fit i16 exactly; products up to 255 * 127 fit i32.
        let glo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(gv)));
        let ghi = vreinterpretq_s16_u16(vmovl_high_u8(gv));
        let plo = vmovl_s8(vget_low_s8(pv));
        let phi = vmovl_high_s8(pv);
        acc[0] = vmlal_s16(acc[0], vget_low_s16(glo), vget_low_s16(plo));
        acc[1] = vmlal_high_s16(acc[1], glo, plo);
        acc[2] = vmlal_s16(acc[2], vget_low_s16(ghi), vget_low_s16(phi));
        acc[3] = vmlal_high_s16(acc[3], ghi, phi);
        i += 16;
    }
    let tail: i32 = p[full..n]
        .iter()
        .zip(&g[full..n])
        .map(|(a, b)| *a as i32 * *b as i32)
        .sum();
    vaddvq_s32(vaddq_s32(
        vaddq_s32(acc[0], acc[1]),
        vaddq_s32(acc[2], acc[3]),
    )) + tail
}

/// Reads every word (wrapping sum), for the bandwidth measurement.
///
/// # Safety
/// The CPU must support `neon`.
pub(super) unsafe fn read_sum(words: &[u64]) -> u64 {
    // SAFETY: the caller guarantees neon.
    unsafe { read_sum_body(words) }
}

#[target_feature(enable = "neon")]
unsafe fn read_sum_body(words: &[u64]) -> u64 {
    let full = words.len() - words.len() % 8;
    let w = words.as_ptr();
    let mut acc = [vdupq_n_u64(0); 4];
    let mut i = 0;
    while i < full {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: i + 8 <= full, so words i + 2k, i + 2k + 1 are in bounds.
            *a = vaddq_u64(*a, unsafe { vld1q_u64(w.add(i + 2 * k)) });
        }
        i += 8;
    }
    let s = vaddq_u64(vaddq_u64(acc[0], acc[1]), vaddq_u64(acc[2], acc[3]));
    let mut total = vaddvq_u64(s);
    for x in &words[full..] {
        total = total.wrapping_add(*x);
    }
    total
}
