//! The AVX2 verification kernel (x86-64 without AVX-512): eight slots per step.
//!
//! The same computation as the AVX-512 kernel, with the AVX2 means: unsigned comparisons
//! through `min` + equality, outcomes as lane masks, and the agreeing matches compacted four
//! at a time by a permutation looked up from their 4-bit mask. AVX2 has no masked 16-bit
//! loads, so every step loads eight whole slots: the index pads its columns with
//! [`SLOT_PADDING`](super::SLOT_PADDING) slots, and lanes past the run are masked off.

use std::arch::x86_64::*;

use super::super::index::{EdgeMatch, LEN_SCALE, Tolerances};
use super::super::prepare::Edge;
use super::{Buckets, SLOT_PADDING, SlotColumns, drive};

/// For each 4-bit mask of agreeing `u64` lanes, the 32-bit lane permutation that moves those
/// lanes, in order, to the front.
static COMPACT: [[i32; 8]; 16] = compact_table();

const fn compact_table() -> [[i32; 8]; 16] {
    let mut table = [[0i32; 8]; 16];
    let mut mask = 0;
    while mask < 16 {
        let (mut lane, mut to) = (0i32, 0usize);
        while lane < 4 {
            if mask >> lane & 1 == 1 {
                table[mask][2 * to] = 2 * lane;
                table[mask][2 * to + 1] = 2 * lane + 1;
                to += 1;
            }
            lane += 1;
        }
        mask += 1;
    }
    table
}

/// [`super::match_edges`] with this kernel. Only called when [`super::Kernel::is_available`] found
/// AVX2.
pub(super) fn match_edges(
    buckets: &Buckets<'_>,
    candidate: &[Edge],
    tol: &Tolerances,
    out: &mut Vec<EdgeMatch>,
) {
    // SAFETY: `tol.kernel` is `Avx2` only when the CPU reported avx2 (`Kernel::is_available`, checked by every way a
    // `Tolerances::kernel` is set), the
    // feature `match_edges_avx2` enables.
    unsafe { match_edges_avx2(buckets, candidate, tol, out) }
}

/// The lookup loop compiled with AVX2 enabled, so the run verification inlines into it.
#[target_feature(enable = "avx2")]
fn match_edges_avx2(
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
            // SAFETY: this closure runs inside a function with avx2 enabled, which its caller
            // established; the slice bounds `verify_run` needs are those `drive` provides.
            unsafe { verify_run(slots, from, to, ce, tol, out, n) }
        },
    );
}

/// Compacts the agreeing lanes (bits of `mask`) of the four matches in `q` to the front.
#[target_feature(enable = "avx2")]
#[inline]
fn compact(q: __m256i, mask: i32) -> __m256i {
    let order = &COMPACT[(mask & 0xF) as usize];
    // SAFETY: `order` is 8 i32s, exactly the 32 bytes the unaligned load reads.
    let idx = unsafe { _mm256_loadu_si256(order.as_ptr() as *const __m256i) };
    _mm256_permutevar8x32_epi32(q, idx)
}

/// Verifies candidate edge `ce` against slots `from..to`, writing the agreeing matches to
/// `out[n..]`; returns the new count. Same contract and results as
/// [`super::scalar::verify_run`].
///
/// # Safety
/// The CPU must support avx2. Every column must hold at least `to + SLOT_PADDING` slots (the
/// index pads them; checked: panics otherwise) and `out.len() >= n + (to - from) + 8`
/// (checked: each store writes four matches whatever the number agreeing).
#[target_feature(enable = "avx2")]
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
    // Bounds of every pointer used below, padding included: slicing panics instead of
    // reading out of bounds.
    let alpha_a = &slots.alpha_a[from..to + SLOT_PADDING];
    let alpha_b = &slots.alpha_b[from..to + SLOT_PADDING];
    let len = &slots.len[from..to + SLOT_PADDING];
    let ends = &slots.ends[from..to + SLOT_PADDING];
    let y2 = &slots.y2[from..to + SLOT_PADDING];
    let count = to - from;
    assert!(SLOT_PADDING >= 8 && out.len() >= n + count + 8);
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
    let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF_FFFF));
    let low16 = _mm256_set1_epi32(0xFFFF);
    let zero = _mm256_setzero_si256();
    let mut i = 0;
    while i < count {
        let lanes = (count - i).min(8);
        // SAFETY: slots i..i + 8 of each column are inside its slice (i < count and the
        // slices extend SLOT_PADDING >= 8 slots past the run); unaligned loads.
        let (aa, ab, ln, en, yy) = unsafe {
            (
                _mm_loadu_si128(alpha_a.as_ptr().add(i) as *const __m128i),
                _mm_loadu_si128(alpha_b.as_ptr().add(i) as *const __m128i),
                _mm_loadu_si128(len.as_ptr().add(i) as *const __m128i),
                _mm256_loadu_si256(ends.as_ptr().add(i) as *const __m256i),
                _mm256_loadu_ps(y2.as_ptr().add(i)),
            )
        };
        // Angle differences as the shortest way round: |wrapping difference as i16|, and
        // the unsigned `<=` as `min(x, tol) == x`.
        let da = _mm_abs_epi16(_mm_sub_epi16(aa, c_alpha_a));
        let db = _mm_abs_epi16(_mm_sub_epi16(ab, c_alpha_b));
        let angles_ok = _mm256_cvtepi16_epi32(_mm_and_si128(
            _mm_cmpeq_epi16(_mm_min_epu16(da, angle), da),
            _mm_cmpeq_epi16(_mm_min_epu16(db, angle), db),
        ));
        // Lengths.
        let plen = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(ln)), inv_scale);
        let sum = _mm256_add_ps(plen, c_len);
        let dl = _mm256_and_ps(_mm256_sub_ps(plen, c_len), abs_mask);
        let lt = _mm256_add_ps(length, _mm256_mul_ps(half_ratio, sum));
        // Rotation of the edge pair, and whether the anisotropy allowance applies to it.
        let rot = _mm256_and_si256(_mm256_sub_epi32(c_phi, _mm256_srli_epi32(en, 16)), low16);
        let rot_abs = _mm256_abs_epi32(_mm256_srai_epi32(_mm256_slli_epi32(rot, 16), 16));
        let stretched = _mm256_cmpeq_epi32(_mm256_min_epu32(rot_abs, rotation), rot_abs);
        let cap = _mm256_mul_ps(quarter_cap, sum);
        let y_diff = _mm256_and_ps(_mm256_sub_ps(yy, c_y2), abs_mask);
        // `min(x, cap)` returns `cap` when `x` is NaN, as `f32::min` does.
        let extra = _mm256_min_ps(_mm256_div_ps(_mm256_mul_ps(anisotropy, y_diff), sum), cap);
        let beyond = _mm256_cmp_ps::<_CMP_GT_OQ>(dl, lt);
        let limit = _mm256_blendv_ps(lt, _mm256_add_ps(lt, extra), beyond);
        let within_lt = _mm256_cmp_ps::<_CMP_LE_OQ>(dl, lt);
        let within_limit = _mm256_cmp_ps::<_CMP_LE_OQ>(dl, limit);
        let lengths_ok = _mm256_or_ps(
            within_lt,
            _mm256_and_ps(_mm256_castsi256_ps(stretched), within_limit),
        );
        let agrees = _mm256_movemask_ps(_mm256_and_ps(_mm256_castsi256_ps(angles_ok), lengths_ok))
            & (0xFF >> (8 - lanes));
        // Disagreement, converted as `f32 as u16` does for the values agreeing slots have.
        let angle_sum = _mm256_cvtepi32_ps(_mm256_add_epi32(
            _mm256_cvtepu16_epi32(da),
            _mm256_cvtepu16_epi32(db),
        ));
        let err = _mm256_add_ps(
            _mm256_mul_ps(_mm256_div_ps(dl, limit), thousand),
            _mm256_mul_ps(angle_sum, angle_scale),
        );
        let err = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvttps_epi32(err), zero), low16);
        // EdgeMatch as a u64: p | c << 16 | rot << 32 | err << 48, slots 0-3 and 4-7.
        let low = _mm256_or_si256(_mm256_and_si256(en, low16), c_pair);
        let high = _mm256_or_si256(rot, _mm256_slli_epi32(err, 16));
        let first = _mm256_or_si256(
            _mm256_cvtepu32_epi64(_mm256_castsi256_si128(low)),
            _mm256_slli_epi64(_mm256_cvtepu32_epi64(_mm256_castsi256_si128(high)), 32),
        );
        let second = _mm256_or_si256(
            _mm256_cvtepu32_epi64(_mm256_extracti128_si256::<1>(low)),
            _mm256_slli_epi64(
                _mm256_cvtepu32_epi64(_mm256_extracti128_si256::<1>(high)),
                32,
            ),
        );
        // SAFETY (both stores): `n` has grown by at most one per slot before slot `i`, so
        // `n + 8 <= n0 + count + 8 <= out.len()` (asserted above, `n0` the count on entry)
        // and each store writes four matches from `n`. `EdgeMatch` is `repr(C)`, 8 bytes,
        // alignment 2 and valid for every bit pattern; the stores are unaligned.
        unsafe {
            _mm256_storeu_si256(
                out.as_mut_ptr().add(n) as *mut __m256i,
                compact(first, agrees),
            );
        }
        n += (agrees & 0xF).count_ones() as usize;
        // SAFETY: as above (`n` grew by at most four).
        unsafe {
            _mm256_storeu_si256(
                out.as_mut_ptr().add(n) as *mut __m256i,
                compact(second, agrees >> 4),
            );
        }
        n += (agrees >> 4).count_ones() as usize;
        i += lanes;
    }
    n
}
