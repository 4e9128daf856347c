//! The AVX-512 verification kernel: eight slots per step.
//!
//! The u16 features are loaded eight at a time (masked at the end of a run, so nothing past
//! the run is touched), the angle tests run in 16-bit lanes, the length tests in f32 lanes
//! with exactly the reference's operations in the reference's order (no fused multiply-add),
//! and the eight candidate matches are assembled as `u64` lanes ([`EdgeMatch`] is one
//! little-endian `u64`) and written by one compress-store of the agreeing lanes.

use std::arch::x86_64::*;

use super::super::index::{EdgeMatch, Tolerances};
use super::super::prepare::Edge;
use super::x86::Broadcast;
use super::{Buckets, SlotColumns, drive};

/// [`super::match_edges`] with this kernel. Only called when [`super::Kernel::is_available`] found
/// AVX-512 F/BW/VL.
pub(super) fn match_edges(
    buckets: &Buckets<'_>,
    candidate: &[Edge],
    tol: &Tolerances,
    out: &mut Vec<EdgeMatch>,
) -> usize {
    // SAFETY: `tol.kernel` is `Avx512` only when the CPU reported avx512f, avx512bw and
    // avx512vl (`Kernel::is_available`, checked by every way a
    // `Tolerances::kernel` is set), the features `match_edges_avx512` enables.
    unsafe { match_edges_avx512(buckets, candidate, tol, out) }
}

/// The lookup loop compiled with AVX-512 enabled, so the run verification inlines into it.
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn match_edges_avx512(
    buckets: &Buckets<'_>,
    candidate: &[Edge],
    tol: &Tolerances,
    out: &mut Vec<EdgeMatch>,
) -> usize {
    drive(
        buckets,
        candidate,
        tol,
        out,
        |slots, from, to, ce, tol, out, n| {
            // SAFETY: this closure runs inside a function with avx512f/bw/vl enabled, which its
            // caller established; the slice bounds `verify_run` needs are those `drive` provides.
            unsafe { verify_run(slots, from, to, ce, tol, out, n) }
        },
    )
}

/// Verifies candidate edge `ce` against slots `from..to`, writing the agreeing matches to
/// `out[n..]`; returns the new count. Same contract and results as
/// [`super::scalar::verify_run`].
///
/// # Safety
/// The CPU must support avx512f, avx512bw and avx512vl. `from <= to <= slots.len()` for every
/// column (checked: panics otherwise) and `out.len() >= n + (to - from) + 8` (checked: the
/// last store writes eight matches whatever the number agreeing).
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
#[inline]
pub(super) unsafe fn verify_run(
    slots: &SlotColumns,
    from: usize,
    to: usize,
    ce: &Edge,
    tol: &Tolerances,
    out: &mut [EdgeMatch],
    mut n: usize,
) -> usize {
    // Bounds of every pointer used below: slicing panics instead of reading out of bounds.
    let alpha_a = &slots.alpha_a[from..to];
    let alpha_b = &slots.alpha_b[from..to];
    let len = &slots.len[from..to];
    let ends = &slots.ends[from..to];
    let y2 = &slots.y2[from..to];
    let count = alpha_a.len();
    assert!(
        alpha_b.len() == count
            && len.len() == count
            && ends.len() == count
            && y2.len() == count
            && out.len() >= n + count + 8
    );
    let b = Broadcast::new(ce, tol);
    let mut i = 0;
    while i < count {
        let lanes = (count - i).min(8);
        let k: __mmask8 = (0xFFu32 >> (8 - lanes)) as __mmask8;
        // SAFETY: lanes i..i + lanes of each column are inside its slice (lanes <= count - i);
        // the masked-off lanes are neither read nor able to fault.
        let (aa, ab, ln, en, yy) = unsafe {
            (
                _mm_maskz_loadu_epi16(k, alpha_a.as_ptr().add(i) as *const i16),
                _mm_maskz_loadu_epi16(k, alpha_b.as_ptr().add(i) as *const i16),
                _mm_maskz_loadu_epi16(k, len.as_ptr().add(i) as *const i16),
                _mm256_maskz_loadu_epi32(k, ends.as_ptr().add(i) as *const i32),
                _mm256_maskz_loadu_ps(k, y2.as_ptr().add(i)),
            )
        };
        // Angle differences as the shortest way round: |wrapping difference as i16|.
        let da = _mm_abs_epi16(_mm_sub_epi16(aa, b.c_alpha_a));
        let db = _mm_abs_epi16(_mm_sub_epi16(ab, b.c_alpha_b));
        let angles_ok =
            _mm_mask_cmple_epu16_mask(k, da, b.angle) & _mm_cmple_epu16_mask(db, b.angle);
        let l = b.lengths(ln, en, yy);
        let stretched = _mm256_cmple_epu32_mask(l.rot_abs, b.rotation);
        let beyond = _mm256_cmp_ps_mask::<_CMP_GT_OQ>(l.dl, l.lt);
        let limit = _mm256_mask_blend_ps(beyond, l.lt, l.widened);
        let within_lt = _mm256_cmp_ps_mask::<_CMP_LE_OQ>(l.dl, l.lt);
        let within_limit = _mm256_cmp_ps_mask::<_CMP_LE_OQ>(l.dl, limit);
        let agrees = angles_ok & (within_lt | (stretched & within_limit));
        let (low, high) = b.halves(en, l.rot, (da, db), l.dl, limit);
        // EdgeMatch as a u64: p | c << 16 | rot << 32 | err << 48.
        let packed = _mm512_or_si512(
            _mm512_cvtepu32_epi64(low),
            _mm512_slli_epi64(_mm512_cvtepu32_epi64(high), 32),
        );
        let packed = _mm512_maskz_compress_epi64(agrees, packed);
        // SAFETY: `out[n..n + 8]` is inside `out`: `n` has grown by at most one per slot
        // before slot `i`, so `n + 8 <= n0 + i + 8 <= n0 + count + 8 <= out.len()` (asserted
        // above, `n0` the count on entry). `EdgeMatch` is `repr(C)`, 8 bytes, alignment 2 and
        // valid for every bit pattern; the store is unaligned.
        unsafe {
            _mm512_storeu_si512(out.as_mut_ptr().add(n) as *mut __m512i, packed);
        }
        n += agrees.count_ones() as usize;
        i += lanes;
    }
    n
}
