//! What the two x86-64 kernels compute alike: the broadcast constants, the length and
//! rotation features of eight slots, the disagreement and the two 32-bit halves of the
//! [`EdgeMatch`](super::super::index::EdgeMatch) words. They differ only in how they load,
//! mask and compact (AVX-512 mask registers against AVX2 lane masks).

use std::arch::x86_64::*;

use super::super::index::{LEN_SCALE, Tolerances};
use super::super::prepare::Edge;

/// The candidate edge and the tolerances, broadcast to eight lanes.
pub(super) struct Broadcast {
    pub(super) c_alpha_a: __m128i,
    pub(super) c_alpha_b: __m128i,
    c_len: __m256,
    c_y2: __m256,
    c_phi: __m256i,
    c_pair: __m256i,
    pub(super) angle: __m128i,
    inv_scale: __m256,
    length: __m256,
    half_ratio: __m256,
    quarter_cap: __m256,
    anisotropy: __m256,
    pub(super) rotation: __m256i,
    angle_scale: __m256,
    thousand: __m256,
    abs_mask: __m256,
    low16: __m256i,
}

/// The length and rotation features of eight slots against the candidate edge.
pub(super) struct Lengths {
    /// |probe length - candidate length|.
    pub(super) dl: __m256,
    /// The plain length tolerance.
    pub(super) lt: __m256,
    /// `lt` widened by the anisotropy allowance.
    pub(super) widened: __m256,
    /// The rotation of each edge pair (low 16 bits of each 32-bit lane).
    pub(super) rot: __m256i,
    /// |rotation| in `[0, half turn]`.
    pub(super) rot_abs: __m256i,
}

impl Broadcast {
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn new(ce: &Edge, tol: &Tolerances) -> Broadcast {
        Broadcast {
            c_alpha_a: _mm_set1_epi16(ce.alpha_a as i16),
            c_alpha_b: _mm_set1_epi16(ce.alpha_b as i16),
            c_len: _mm256_set1_ps(ce.len),
            c_y2: _mm256_set1_ps(ce.y2),
            c_phi: _mm256_set1_epi32(ce.phi as i32),
            c_pair: _mm256_set1_epi32(((ce.a as u32 | (ce.b as u32) << 8) << 16) as i32),
            angle: _mm_set1_epi16(tol.angle as i16),
            inv_scale: _mm256_set1_ps(1.0 / LEN_SCALE),
            length: _mm256_set1_ps(tol.length),
            half_ratio: _mm256_set1_ps(tol.half_ratio),
            quarter_cap: _mm256_set1_ps(tol.quarter_cap),
            anisotropy: _mm256_set1_ps(tol.anisotropy),
            rotation: _mm256_set1_epi32(tol.anisotropy_rotation as i32),
            angle_scale: _mm256_set1_ps(tol.angle_scale),
            thousand: _mm256_set1_ps(1000.0),
            abs_mask: _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF_FFFF)),
            low16: _mm256_set1_epi32(0xFFFF),
        }
    }

    /// The features of eight slots (stored lengths `len`, `ends` words, squared y extents
    /// `y2`), with the reference's operations in the reference's order.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn lengths(&self, len: __m128i, ends: __m256i, y2: __m256) -> Lengths {
        let plen = _mm256_mul_ps(
            _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(len)),
            self.inv_scale,
        );
        let sum = _mm256_add_ps(plen, self.c_len);
        let dl = _mm256_and_ps(_mm256_sub_ps(plen, self.c_len), self.abs_mask);
        let lt = _mm256_add_ps(self.length, _mm256_mul_ps(self.half_ratio, sum));
        let rot = _mm256_and_si256(
            _mm256_sub_epi32(self.c_phi, _mm256_srli_epi32(ends, 16)),
            self.low16,
        );
        let rot_abs = _mm256_abs_epi32(_mm256_srai_epi32(_mm256_slli_epi32(rot, 16), 16));
        let cap = _mm256_mul_ps(self.quarter_cap, sum);
        let y_diff = _mm256_and_ps(_mm256_sub_ps(y2, self.c_y2), self.abs_mask);
        // `min(x, cap)` returns `cap` when `x` is NaN, as `f32::min` does.
        let extra = _mm256_min_ps(
            _mm256_div_ps(_mm256_mul_ps(self.anisotropy, y_diff), sum),
            cap,
        );
        Lengths {
            dl,
            lt,
            widened: _mm256_add_ps(lt, extra),
            rot,
            rot_abs,
        }
    }

    /// The two 32-bit halves of the eight [`EdgeMatch`](super::super::index::EdgeMatch)
    /// words: `p | c << 16` and `rot | err << 16`, with the disagreement from the angle
    /// differences `da`, `db`, the length difference `dl` and the `limit` it was held to,
    /// converted as `f32 as u16` does for the values agreeing slots have (finite,
    /// non-negative, far below 2^31; NaN gives 0 either way).
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn halves(
        &self,
        ends: __m256i,
        rot: __m256i,
        (da, db): (__m128i, __m128i),
        dl: __m256,
        limit: __m256,
    ) -> (__m256i, __m256i) {
        let angle_sum = _mm256_cvtepi32_ps(_mm256_add_epi32(
            _mm256_cvtepu16_epi32(da),
            _mm256_cvtepu16_epi32(db),
        ));
        let err = _mm256_add_ps(
            _mm256_mul_ps(_mm256_div_ps(dl, limit), self.thousand),
            _mm256_mul_ps(angle_sum, self.angle_scale),
        );
        let err = _mm256_min_epi32(
            _mm256_max_epi32(_mm256_cvttps_epi32(err), _mm256_setzero_si256()),
            self.low16,
        );
        let low = _mm256_or_si256(_mm256_and_si256(ends, self.low16), self.c_pair);
        let high = _mm256_or_si256(rot, _mm256_slli_epi32(err, 16));
        (low, high)
    }
}
