//! The AVX-512 verification kernel: eight slots per step.
//!
//! The u16 features are loaded eight at a time (masked at the end of a run, so nothing past
//! the run is touched), the angle tests run in 16-bit lanes, the length tests in f32 lanes
//! with exactly the reference's operations in the reference's order (no fused multiply-add),
//! and the eight candidate matches are assembled as `u64` lanes ([`EdgeMatch`] is one
//! little-endian `u64`) and written by one compress-store of the agreeing lanes.

use std::arch::x86_64::*;

use super::super::index::{EdgeMatch, LEN_SCALE, Tolerances};
use super::super::prepare::Edge;
use super::{Buckets, SlotColumns, drive};

/// [`super::match_edges`] with this kernel. Only called when [`super::Kernel::is_available`] found
/// AVX-512 F/BW/VL.
pub(super) fn match_edges(
    buckets: &Buckets<'_>,
    candidate: &[Edge],
    tol: &Tolerances,
    out: &mut Vec<EdgeMatch>,
) {
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
) {
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
    );
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
    // The candidate edge, broadcast.
    let c_alpha_a = _mm_set1_epi16(ce.alpha_a as i16);
    let c_alpha_b = _mm_set1_epi16(ce.alpha_b as i16);
    let c_len = _mm256_set1_ps(ce.len);
    let c_y2 = _mm256_set1_ps(ce.y2);
    let c_phi = _mm256_set1_epi32(ce.phi as i32);
    let c_pair = _mm256_set1_epi32(((ce.a as u32 | (ce.b as u32) << 8) << 16) as i32);
    // The tolerances, broadcast.
    let angle = _mm_set1_epi16(tol.angle as i16);
    let inv_scale = _mm256_set1_ps(1.0 / LEN_SCALE);
    let length = _mm256_set1_ps(tol.length);
    let half_ratio = _mm256_set1_ps(tol.half_ratio);
    let quarter_cap = _mm256_set1_ps(tol.quarter_cap);
    let anisotropy = _mm256_set1_ps(tol.anisotropy);
    let rotation = _mm256_set1_epi32(tol.anisotropy_rotation as i32);
    let angle_scale = _mm256_set1_ps(tol.angle_scale);
    let thousand = _mm256_set1_ps(1000.0);
    let abs_mask = _mm256_set1_ps(f32::from_bits(0x7FFF_FFFF));
    let low16 = _mm256_set1_epi32(0xFFFF);
    let zero = _mm256_setzero_si256();
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
        let da = _mm_abs_epi16(_mm_sub_epi16(aa, c_alpha_a));
        let db = _mm_abs_epi16(_mm_sub_epi16(ab, c_alpha_b));
        let angles_ok = _mm_mask_cmple_epu16_mask(k, da, angle) & _mm_cmple_epu16_mask(db, angle);
        // Lengths.
        let plen = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(ln)), inv_scale);
        let sum = _mm256_add_ps(plen, c_len);
        let dl = _mm256_and_ps(_mm256_sub_ps(plen, c_len), abs_mask);
        let lt = _mm256_add_ps(length, _mm256_mul_ps(half_ratio, sum));
        // Rotation of the edge pair, and whether the anisotropy allowance applies to it.
        let rot = _mm256_and_si256(_mm256_sub_epi32(c_phi, _mm256_srli_epi32(en, 16)), low16);
        let rot_abs = _mm256_abs_epi32(_mm256_srai_epi32(_mm256_slli_epi32(rot, 16), 16));
        let stretched = _mm256_cmple_epu32_mask(rot_abs, rotation);
        let cap = _mm256_mul_ps(quarter_cap, sum);
        let y_diff = _mm256_and_ps(_mm256_sub_ps(yy, c_y2), abs_mask);
        // `min(x, cap)` returns `cap` when `x` is NaN, as `f32::min` does.
        let extra = _mm256_min_ps(_mm256_div_ps(_mm256_mul_ps(anisotropy, y_diff), sum), cap);
        let beyond = _mm256_cmp_ps_mask::<_CMP_GT_OQ>(dl, lt);
        let limit = _mm256_mask_blend_ps(beyond, lt, _mm256_add_ps(lt, extra));
        let within_lt = _mm256_cmp_ps_mask::<_CMP_LE_OQ>(dl, lt);
        let within_limit = _mm256_cmp_ps_mask::<_CMP_LE_OQ>(dl, limit);
        let agrees = angles_ok & (within_lt | (stretched & within_limit));
        // Disagreement, converted as `f32 as u16` does for the values agreeing slots have
        // (finite, non-negative, far below 2^31; NaN gives 0 either way).
        let angle_sum = _mm256_cvtepi32_ps(_mm256_add_epi32(
            _mm256_cvtepu16_epi32(da),
            _mm256_cvtepu16_epi32(db),
        ));
        let err = _mm256_add_ps(
            _mm256_mul_ps(_mm256_div_ps(dl, limit), thousand),
            _mm256_mul_ps(angle_sum, angle_scale),
        );
        let err = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvttps_epi32(err), zero), low16);
        // EdgeMatch as a u64: p | c << 16 | rot << 32 | err << 48.
        let low = _mm256_or_si256(_mm256_and_si256(en, low16), c_pair);
        let high = _mm256_or_si256(rot, _mm256_slli_epi32(err, 16));
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
