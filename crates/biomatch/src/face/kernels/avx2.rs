//! AVX2 + FMA + F16C kernels, register-blocked like the AVX-512 ones (8 lanes). int8 widens
//! to i16 and uses `vpmaddwd` (exact: no saturation, unlike `vpmaddubsw`).
//!
//! The entry points are `unsafe fn`: the caller must have checked that the CPU has `avx2`,
//! `fma` and `f16c` (see `Kernels::for_isa`).

use core::arch::x86_64::*;

use super::{MAX_Q, MAX_R};

#[target_feature(enable = "avx2")]
fn hsum_ps(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
    _mm_cvtss_f32(s)
}

#[target_feature(enable = "avx2")]
fn hsum_epi32(v: __m256i) -> i32 {
    let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
    _mm_cvtsi128_si32(s)
}

/// f32 probes x f32 rows.
///
/// # Safety
/// The CPU must support `avx2` and `fma`.
pub(super) unsafe fn block_f32(
    probes: &[f32],
    nq: usize,
    rows: &[f32],
    nr: usize,
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    assert!(nq <= MAX_Q && nr <= MAX_R && probes.len() >= nq * dim && rows.len() >= nr * dim);
    // SAFETY: the caller guarantees avx2 + fma; slice lengths are asserted above.
    unsafe { dispatch_block!(f32_body, nq, nr, probes, rows, dim, out) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn f32_body<const Q: usize, const R: usize>(
    probes: &[f32],
    rows: &[f32],
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    let p = probes.as_ptr();
    let g = rows.as_ptr();
    let mut acc = [[_mm256_setzero_ps(); R]; Q];
    let full = dim - dim % 8;
    let mut i = 0;
    while i < full {
        let mut gv = [_mm256_setzero_ps(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            // SAFETY: r < nr and i + 8 <= dim, inside `rows`.
            *v = unsafe { _mm256_loadu_ps(g.add(r * dim + i)) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: q < nq and i + 8 <= dim, inside `probes`.
            let pv = unsafe { _mm256_loadu_ps(p.add(q * dim + i)) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm256_fmadd_ps(pv, *v, *a);
            }
        }
        i += 8;
    }
    for (q, accq) in acc.iter().enumerate() {
        for (r, a) in accq.iter().enumerate() {
            let tail: f32 = (full..dim)
                .map(|j| probes[q * dim + j] * rows[r * dim + j])
                .sum();
            out[q * MAX_R + r] = hsum_ps(*a) + tail;
        }
    }
}

/// f32 probes x f16 rows (converted with F16C `vcvtph2ps`).
///
/// # Safety
/// The CPU must support `avx2`, `fma` and `f16c`.
pub(super) unsafe fn block_f16(
    probes: &[f32],
    nq: usize,
    rows: &[u16],
    nr: usize,
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    assert!(nq <= MAX_Q && nr <= MAX_R && probes.len() >= nq * dim && rows.len() >= nr * dim);
    // SAFETY: the caller guarantees the features; slice lengths are asserted above.
    unsafe { dispatch_block!(f16_body, nq, nr, probes, rows, dim, out) }
}

#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn f16_body<const Q: usize, const R: usize>(
    probes: &[f32],
    rows: &[u16],
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    let p = probes.as_ptr();
    let g = rows.as_ptr();
    let mut acc = [[_mm256_setzero_ps(); R]; Q];
    let full = dim - dim % 8;
    let mut i = 0;
    while i < full {
        let mut gv = [_mm256_setzero_ps(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            // SAFETY: 8 halves (16 bytes) at r * dim + i with i + 8 <= dim, inside `rows`.
            *v = unsafe { _mm256_cvtph_ps(_mm_loadu_si128(g.add(r * dim + i).cast())) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: q < nq and i + 8 <= dim, inside `probes`.
            let pv = unsafe { _mm256_loadu_ps(p.add(q * dim + i)) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm256_fmadd_ps(pv, *v, *a);
            }
        }
        i += 8;
    }
    for (q, accq) in acc.iter().enumerate() {
        for (r, a) in accq.iter().enumerate() {
            let tail: f32 = (full..dim)
                .map(|j| probes[q * dim + j] * half::f16::from_bits(rows[r * dim + j]).to_f32())
                .sum();
            out[q * MAX_R + r] = hsum_ps(*a) + tail;
        }
    }
}

/// i8 probes x offset-u8 rows: `sum(row_u8 * probe_i8)`, exact in i32.
///
/// # Safety
/// The CPU must support `avx2`.
pub(super) unsafe fn block_i8(
    probes: &[i8],
    nq: usize,
    rows: &[u8],
    nr: usize,
    dim: usize,
    out: &mut [i32; MAX_Q * MAX_R],
) {
    assert!(nq <= MAX_Q && nr <= MAX_R && probes.len() >= nq * dim && rows.len() >= nr * dim);
    // SAFETY: the caller guarantees avx2; slice lengths are asserted above.
    unsafe { dispatch_block!(i8_body, nq, nr, probes, rows, dim, out) }
}

#[target_feature(enable = "avx2")]
unsafe fn i8_body<const Q: usize, const R: usize>(
    probes: &[i8],
    rows: &[u8],
    dim: usize,
    out: &mut [i32; MAX_Q * MAX_R],
) {
    let p = probes.as_ptr();
    let g = rows.as_ptr();
    let mut acc = [[_mm256_setzero_si256(); R]; Q];
    let full = dim - dim % 16;
    let mut i = 0;
    while i < full {
        let mut gv = [_mm256_setzero_si256(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            // SAFETY: 16 bytes at r * dim + i with i + 16 <= dim, inside `rows`.
            *v = unsafe { _mm256_cvtepu8_epi16(_mm_loadu_si128(g.add(r * dim + i).cast())) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: 16 bytes of probe q, inside `probes`.
            let pv = unsafe { _mm256_cvtepi8_epi16(_mm_loadu_si128(p.add(q * dim + i).cast())) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm256_add_epi32(*a, _mm256_madd_epi16(*v, pv));
            }
        }
        i += 16;
    }
    for (q, accq) in acc.iter().enumerate() {
        for (r, a) in accq.iter().enumerate() {
            let tail: i32 = (full..dim)
                .map(|j| probes[q * dim + j] as i32 * rows[r * dim + j] as i32)
                .sum();
            out[q * MAX_R + r] = hsum_epi32(*a) + tail;
        }
    }
}

/// Reads every word with 256-bit loads (wrapping sum).
///
/// # Safety
/// The CPU must support `avx2`.
pub(super) unsafe fn read_sum(words: &[u64]) -> u64 {
    // SAFETY: the caller guarantees avx2.
    unsafe { read_sum_body(words) }
}

#[target_feature(enable = "avx2")]
unsafe fn read_sum_body(words: &[u64]) -> u64 {
    let n = words.len() - words.len() % 16;
    let w = words.as_ptr();
    let mut acc = [_mm256_setzero_si256(); 4];
    let mut i = 0;
    while i < n {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: i + 16 <= len, so words i + 4k .. i + 4k + 4 are in bounds.
            let v = unsafe { _mm256_loadu_si256(w.add(i + 4 * k).cast()) };
            *a = _mm256_add_epi64(*a, v);
        }
        i += 16;
    }
    let s = _mm256_add_epi64(
        _mm256_add_epi64(acc[0], acc[1]),
        _mm256_add_epi64(acc[2], acc[3]),
    );
    let mut lanes = [0u64; 4];
    // SAFETY: `lanes` is 32 bytes.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), s) };
    let mut total = lanes.iter().fold(0u64, |t, x| t.wrapping_add(*x));
    for x in &words[n..] {
        total = total.wrapping_add(*x);
    }
    total
}

/// IEEE half bits to f32, `dst.len()` values (F16C `vcvtph2ps`, eight per step).
///
/// # Safety
/// The CPU must support `avx2` and `f16c`.
pub(super) unsafe fn widen_f16(src: &[u16], dst: &mut [f32]) {
    assert!(src.len() >= dst.len());
    // SAFETY: the caller guarantees avx2 and f16c; lengths asserted above.
    unsafe { widen_f16_body(src, dst) }
}

#[target_feature(enable = "avx2,f16c")]
unsafe fn widen_f16_body(src: &[u16], dst: &mut [f32]) {
    let n = dst.len() - dst.len() % 8;
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    let mut i = 0;
    while i < n {
        // SAFETY: i + 8 <= n <= len of both slices.
        unsafe {
            let v = _mm256_cvtph_ps(_mm_loadu_si128(s.add(i).cast()));
            _mm256_storeu_ps(d.add(i), v);
        }
        i += 8;
    }
    for (o, h) in dst[n..].iter_mut().zip(&src[n..]) {
        *o = half::f16::from_bits(*h).to_f32();
    }
}
