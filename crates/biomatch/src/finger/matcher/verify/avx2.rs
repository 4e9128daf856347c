//! The AVX2 verification kernel (x86-64 without AVX-512): eight slots per step.
//!
//! The same computation as the AVX-512 kernel, with the AVX2 means: unsigned comparisons
//! through `min` + equality, outcomes as lane masks, and the agreeing matches compacted four
//! at a time by a permutation looked up from their 4-bit mask. AVX2 has no masked 16-bit
//! loads, so every step loads eight whole slots: the index pads its columns with
//! [`SLOT_PADDING`](super::SLOT_PADDING) slots, and lanes past the run are masked off.

use std::arch::x86_64::*;

use super::super::index::{EdgeMatch, Tolerances};
use super::super::prepare::Edge;
use super::x86::Broadcast;
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
) -> usize {
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
) -> usize {
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
    )
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
    // A reversed run would make `to - from` wrap (and the bounds below meaningless).
    assert!(from <= to, "verify_run: from {from} > to {to}");
    // Bounds of every pointer used below, padding included: slicing panics instead of
    // reading out of bounds.
    let alpha_a = &slots.alpha_a[from..to + SLOT_PADDING];
    let alpha_b = &slots.alpha_b[from..to + SLOT_PADDING];
    let len = &slots.len[from..to + SLOT_PADDING];
    let ends = &slots.ends[from..to + SLOT_PADDING];
    let y2 = &slots.y2[from..to + SLOT_PADDING];
    let count = to - from;
    assert!(SLOT_PADDING >= 8 && out.len() >= n + count + 8);
    let b = Broadcast::new(ce, tol);
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
        let da = _mm_abs_epi16(_mm_sub_epi16(aa, b.c_alpha_a));
        let db = _mm_abs_epi16(_mm_sub_epi16(ab, b.c_alpha_b));
        let angles_ok = _mm256_cvtepi16_epi32(_mm_and_si128(
            _mm_cmpeq_epi16(_mm_min_epu16(da, b.angle), da),
            _mm_cmpeq_epi16(_mm_min_epu16(db, b.angle), db),
        ));
        let l = b.lengths(ln, en, yy);
        let stretched = _mm256_cmpeq_epi32(_mm256_min_epu32(l.rot_abs, b.rotation), l.rot_abs);
        let beyond = _mm256_cmp_ps::<_CMP_GT_OQ>(l.dl, l.lt);
        let limit = _mm256_blendv_ps(l.lt, l.widened, beyond);
        let within_lt = _mm256_cmp_ps::<_CMP_LE_OQ>(l.dl, l.lt);
        let within_limit = _mm256_cmp_ps::<_CMP_LE_OQ>(l.dl, limit);
        let lengths_ok = _mm256_or_ps(
            within_lt,
            _mm256_and_ps(_mm256_castsi256_ps(stretched), within_limit),
        );
        let agrees = _mm256_movemask_ps(_mm256_and_ps(_mm256_castsi256_ps(angles_ok), lengths_ok))
            & (0xFF >> (8 - lanes));
        let (low, high) = b.halves(en, l.rot, (da, db), l.dl, limit);
        // EdgeMatch as a u64: p | c << 16 | rot << 32 | err << 48, slots 0-3 and 4-7.
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
        // SAFETY: (both stores) `n` has grown by at most one per slot before slot `i`, so
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
