//! AVX-512 kernels (F for f32 and f16, BW + VNNI for int8), register-blocked: up to 4 probes
//! x 4 gallery rows share every load, 16 independent accumulators.
//!
//! The entry points are `unsafe fn`: the caller must have checked that the CPU has
//! `avx512f`, `avx512bw` and `avx512vnni` (see `Kernels::for_isa`).

use core::arch::x86_64::*;

use super::{MAX_Q, MAX_R, PANEL};

/// f32 probes x f32 rows.
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn block_f32(
    probes: &[f32],
    nq: usize,
    rows: &[f32],
    nr: usize,
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    assert!(nq <= MAX_Q && nr <= MAX_R && probes.len() >= nq * dim && rows.len() >= nr * dim);
    if nq == 1 && nr == 1 {
        // SAFETY: the caller guarantees avx512f; slice lengths are asserted above.
        out[0] = unsafe { f32_one(probes, rows, dim) };
        return;
    }
    // SAFETY: the caller guarantees avx512f; slice lengths are asserted above.
    unsafe { dispatch_block!(f32_body, nq, nr, probes, rows, dim, out) }
}

#[target_feature(enable = "avx512f")]
unsafe fn f32_body<const Q: usize, const R: usize>(
    probes: &[f32],
    rows: &[f32],
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    let p = probes.as_ptr();
    let g = rows.as_ptr();
    let mut acc = [[_mm512_setzero_ps(); R]; Q];
    let full = dim - dim % 16;
    let mut i = 0;
    while i < full {
        let mut gv = [_mm512_setzero_ps(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            // SAFETY: r < R <= nr rows and i + 16 <= dim, inside `rows` (asserted by caller).
            *v = unsafe { _mm512_loadu_ps(g.add(r * dim + i)) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: q < Q <= nq probes and i + 16 <= dim, inside `probes`.
            let pv = unsafe { _mm512_loadu_ps(p.add(q * dim + i)) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm512_fmadd_ps(pv, *v, *a);
            }
        }
        i += 16;
    }
    if i < dim {
        let mask: __mmask16 = (1u16 << (dim - i)) - 1;
        let mut gv = [_mm512_setzero_ps(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            // SAFETY: the masked load touches only lanes i..dim of row r.
            *v = unsafe { _mm512_maskz_loadu_ps(mask, g.add(r * dim + i)) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: the masked load touches only lanes i..dim of probe q.
            let pv = unsafe { _mm512_maskz_loadu_ps(mask, p.add(q * dim + i)) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm512_fmadd_ps(pv, *v, *a);
            }
        }
    }
    for (q, accq) in acc.iter().enumerate() {
        for (r, a) in accq.iter().enumerate() {
            out[q * MAX_R + r] = _mm512_reduce_add_ps(*a);
        }
    }
}

/// f32 probes x f16 rows (converted with `vcvtph2ps`).
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn block_f16(
    probes: &[f32],
    nq: usize,
    rows: &[u16],
    nr: usize,
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    assert!(nq <= MAX_Q && nr <= MAX_R && probes.len() >= nq * dim && rows.len() >= nr * dim);
    if nq == 1 && nr == 1 {
        // SAFETY: the caller guarantees avx512f; slice lengths are asserted above.
        out[0] = unsafe { f16_one(probes, rows, dim) };
        return;
    }
    // SAFETY: the caller guarantees avx512f; slice lengths are asserted above.
    unsafe { dispatch_block!(f16_body, nq, nr, probes, rows, dim, out) }
}

#[target_feature(enable = "avx512f")]
unsafe fn f16_body<const Q: usize, const R: usize>(
    probes: &[f32],
    rows: &[u16],
    dim: usize,
    out: &mut [f32; MAX_Q * MAX_R],
) {
    let p = probes.as_ptr();
    let g = rows.as_ptr();
    let mut acc = [[_mm512_setzero_ps(); R]; Q];
    let full = dim - dim % 16;
    let mut i = 0;
    while i < full {
        let mut gv = [_mm512_setzero_ps(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            // SAFETY: 16 halves (32 bytes) at r * dim + i, i + 16 <= dim, inside `rows`.
            *v = unsafe { _mm512_cvtph_ps(_mm256_loadu_si256(g.add(r * dim + i).cast())) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: q < nq and i + 16 <= dim, inside `probes`.
            let pv = unsafe { _mm512_loadu_ps(p.add(q * dim + i)) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm512_fmadd_ps(pv, *v, *a);
            }
        }
        i += 16;
    }
    if i < dim {
        let rem = dim - i;
        let mask: __mmask16 = (1u16 << rem) - 1;
        let mut gv = [_mm512_setzero_ps(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            let mut tail = [0u16; 16];
            tail[..rem].copy_from_slice(&rows[r * dim + i..r * dim + dim]);
            // SAFETY: `tail` is a local array of 16 halves.
            *v = unsafe { _mm512_cvtph_ps(_mm256_loadu_si256(tail.as_ptr().cast())) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: the masked load touches only lanes i..dim of probe q.
            let pv = unsafe { _mm512_maskz_loadu_ps(mask, p.add(q * dim + i)) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm512_fmadd_ps(pv, *v, *a);
            }
        }
    }
    for (q, accq) in acc.iter().enumerate() {
        for (r, a) in accq.iter().enumerate() {
            out[q * MAX_R + r] = _mm512_reduce_add_ps(*a);
        }
    }
}

/// i8 probes x offset-u8 rows with `vpdpbusd` (u8 x i8, four products summed into i32,
/// no intermediate saturation): returns `sum(row_u8 * probe_i8)`.
///
/// # Safety
/// The CPU must support `avx512f`, `avx512bw` and `avx512vnni`.
pub(super) unsafe fn block_i8(
    probes: &[i8],
    nq: usize,
    rows: &[u8],
    nr: usize,
    dim: usize,
    out: &mut [i32; MAX_Q * MAX_R],
) {
    assert!(nq <= MAX_Q && nr <= MAX_R && probes.len() >= nq * dim && rows.len() >= nr * dim);
    if nq == 1 && nr == 1 {
        // SAFETY: the caller guarantees the features; slice lengths are asserted above.
        out[0] = unsafe { i8_one(probes, rows, dim) };
        return;
    }
    // SAFETY: the caller guarantees the features; slice lengths are asserted above.
    unsafe { dispatch_block!(i8_body, nq, nr, probes, rows, dim, out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn i8_body<const Q: usize, const R: usize>(
    probes: &[i8],
    rows: &[u8],
    dim: usize,
    out: &mut [i32; MAX_Q * MAX_R],
) {
    let p = probes.as_ptr();
    let g = rows.as_ptr();
    let mut acc = [[_mm512_setzero_si512(); R]; Q];
    let full = dim - dim % 64;
    let mut i = 0;
    while i < full {
        let mut gv = [_mm512_setzero_si512(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            // SAFETY: 64 bytes at r * dim + i with i + 64 <= dim, inside `rows`.
            *v = unsafe { _mm512_loadu_si512(g.add(r * dim + i).cast()) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: 64 bytes of probe q, inside `probes`.
            let pv = unsafe { _mm512_loadu_si512(p.add(q * dim + i).cast()) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm512_dpbusd_epi32(*a, *v, pv);
            }
        }
        i += 64;
    }
    if i < dim {
        let mask: __mmask64 = (1u64 << (dim - i)) - 1;
        let mut gv = [_mm512_setzero_si512(); R];
        for (r, v) in gv.iter_mut().enumerate() {
            // SAFETY: the masked load touches only bytes i..dim of row r.
            *v = unsafe { _mm512_maskz_loadu_epi8(mask, g.add(r * dim + i).cast()) };
        }
        for (q, accq) in acc.iter_mut().enumerate() {
            // SAFETY: the masked load touches only bytes i..dim of probe q.
            let pv = unsafe { _mm512_maskz_loadu_epi8(mask, p.add(q * dim + i)) };
            for (a, v) in accq.iter_mut().zip(&gv) {
                *a = _mm512_dpbusd_epi32(*a, *v, pv);
            }
        }
    }
    for (q, accq) in acc.iter().enumerate() {
        for (r, a) in accq.iter().enumerate() {
            out[q * MAX_R + r] = _mm512_reduce_add_epi32(*a);
        }
    }
}

/// One probe against every row of `rows` (`out.len()` rows), f32.
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn rows_f32(probe: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
    assert!(probe.len() >= dim && rows.len() >= out.len() * dim);
    // SAFETY: the caller guarantees avx512f; lengths asserted above.
    unsafe { rows_f32_body(probe, rows, dim, out) }
}

#[target_feature(enable = "avx512f")]
unsafe fn rows_f32_body(probe: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r lies inside `rows` (asserted by the caller).
        *o = unsafe { f32_one(probe, rows.get_unchecked(r * dim..(r + 1) * dim), dim) };
    }
}

/// One probe against every row of `rows`, f16 rows.
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn rows_f16(probe: &[f32], rows: &[u16], dim: usize, out: &mut [f32]) {
    assert!(probe.len() >= dim && rows.len() >= out.len() * dim);
    // SAFETY: the caller guarantees avx512f; lengths asserted above.
    unsafe { rows_f16_body(probe, rows, dim, out) }
}

#[target_feature(enable = "avx512f")]
unsafe fn rows_f16_body(probe: &[f32], rows: &[u16], dim: usize, out: &mut [f32]) {
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r lies inside `rows` (asserted by the caller).
        *o = unsafe { f16_one(probe, rows.get_unchecked(r * dim..(r + 1) * dim), dim) };
    }
}

/// One int8 probe against every offset-u8 row of `rows` (biased sums, as `block_i8`).
///
/// # Safety
/// The CPU must support `avx512f`, `avx512bw` and `avx512vnni`.
pub(super) unsafe fn rows_i8(probe: &[i8], rows: &[u8], dim: usize, out: &mut [i32]) {
    assert!(probe.len() >= dim && rows.len() >= out.len() * dim);
    // SAFETY: the caller guarantees the features; lengths asserted above.
    unsafe { rows_i8_body(probe, rows, dim, out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn rows_i8_body(probe: &[i8], rows: &[u8], dim: usize, out: &mut [i32]) {
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r lies inside `rows` (asserted by the caller).
        *o = unsafe { i8_one(probe, rows.get_unchecked(r * dim..(r + 1) * dim), dim) };
    }
}

/// One probe, one row, four accumulators (the single-probe scan walks the gallery row after
/// row as one sequential stream; independent accumulators hide the FMA latency).
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn f32_one(p: &[f32], g: &[f32], dim: usize) -> f32 {
    let (p, g) = (p.as_ptr(), g.as_ptr());
    let mut acc = [_mm512_setzero_ps(); 4];
    let full = dim - dim % 64;
    let mut i = 0;
    while i < full {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: i + 16k + 16 <= full <= dim for both slices (asserted by the caller).
            let (x, y) = unsafe {
                (
                    _mm512_loadu_ps(p.add(i + 16 * k)),
                    _mm512_loadu_ps(g.add(i + 16 * k)),
                )
            };
            *a = _mm512_fmadd_ps(x, y, *a);
        }
        i += 64;
    }
    while i < dim {
        let rem = (dim - i).min(16);
        let mask: __mmask16 = if rem == 16 {
            u16::MAX
        } else {
            (1u16 << rem) - 1
        };
        // SAFETY: the masked loads touch only lanes i..i + rem < dim.
        let (x, y) = unsafe {
            (
                _mm512_maskz_loadu_ps(mask, p.add(i)),
                _mm512_maskz_loadu_ps(mask, g.add(i)),
            )
        };
        acc[0] = _mm512_fmadd_ps(x, y, acc[0]);
        i += rem;
    }
    _mm512_reduce_add_ps(_mm512_add_ps(
        _mm512_add_ps(acc[0], acc[1]),
        _mm512_add_ps(acc[2], acc[3]),
    ))
}

/// One probe, one f16 row, four accumulators.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn f16_one(p: &[f32], g: &[u16], dim: usize) -> f32 {
    let (pp, gp) = (p.as_ptr(), g.as_ptr());
    let mut acc = [_mm512_setzero_ps(); 4];
    let full = dim - dim % 64;
    let mut i = 0;
    while i < full {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: i + 16k + 16 <= dim for both slices (asserted by the caller).
            let (x, y) = unsafe {
                (
                    _mm512_loadu_ps(pp.add(i + 16 * k)),
                    _mm512_cvtph_ps(_mm256_loadu_si256(gp.add(i + 16 * k).cast())),
                )
            };
            *a = _mm512_fmadd_ps(x, y, *a);
        }
        i += 64;
    }
    while i < dim {
        let rem = (dim - i).min(16);
        let mask: __mmask16 = if rem == 16 {
            u16::MAX
        } else {
            (1u16 << rem) - 1
        };
        let mut tail = [0u16; 16];
        tail[..rem].copy_from_slice(&g[i..i + rem]);
        // SAFETY: the masked load touches only lanes i..i + rem < dim; `tail` is local.
        let (x, y) = unsafe {
            (
                _mm512_maskz_loadu_ps(mask, pp.add(i)),
                _mm512_cvtph_ps(_mm256_loadu_si256(tail.as_ptr().cast())),
            )
        };
        acc[0] = _mm512_fmadd_ps(x, y, acc[0]);
        i += rem;
    }
    _mm512_reduce_add_ps(_mm512_add_ps(
        _mm512_add_ps(acc[0], acc[1]),
        _mm512_add_ps(acc[2], acc[3]),
    ))
}

/// One probe, one int8 row, four VNNI accumulators.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn i8_one(p: &[i8], g: &[u8], dim: usize) -> i32 {
    let (p, g) = (p.as_ptr(), g.as_ptr());
    let mut acc = [_mm512_setzero_si512(); 4];
    let full = dim - dim % 256;
    let mut i = 0;
    while i < full {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: i + 64k + 64 <= dim for both slices (asserted by the caller).
            let (x, y) = unsafe {
                (
                    _mm512_loadu_si512(g.add(i + 64 * k).cast()),
                    _mm512_loadu_si512(p.add(i + 64 * k).cast()),
                )
            };
            *a = _mm512_dpbusd_epi32(*a, x, y);
        }
        i += 256;
    }
    while i < dim {
        let rem = (dim - i).min(64);
        let mask: __mmask64 = if rem == 64 {
            u64::MAX
        } else {
            (1u64 << rem) - 1
        };
        // SAFETY: the masked loads touch only bytes i..i + rem < dim.
        let (x, y) = unsafe {
            (
                _mm512_maskz_loadu_epi8(mask, g.add(i).cast()),
                _mm512_maskz_loadu_epi8(mask, p.add(i)),
            )
        };
        acc[0] = _mm512_dpbusd_epi32(acc[0], x, y);
        i += rem;
    }
    _mm512_reduce_add_epi32(_mm512_add_epi32(
        _mm512_add_epi32(acc[0], acc[1]),
        _mm512_add_epi32(acc[2], acc[3]),
    ))
}

/// Reads every word with 512-bit loads (wrapping sum).
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn read_sum(words: &[u64]) -> u64 {
    // SAFETY: the caller guarantees avx512f.
    unsafe { read_sum_body(words) }
}

#[target_feature(enable = "avx512f")]
unsafe fn read_sum_body(words: &[u64]) -> u64 {
    let n = words.len() - words.len() % 32;
    let w = words.as_ptr();
    let mut acc = [_mm512_setzero_si512(); 4];
    let mut i = 0;
    while i < n {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: i + 32 <= len, so words i + 8k .. i + 8k + 8 are in bounds.
            let v = unsafe { _mm512_loadu_si512(w.add(i + 8 * k).cast()) };
            *a = _mm512_add_epi64(*a, v);
        }
        i += 32;
    }
    let s = _mm512_add_epi64(
        _mm512_add_epi64(acc[0], acc[1]),
        _mm512_add_epi64(acc[2], acc[3]),
    );
    let mut total = _mm512_reduce_add_epi64(s) as u64;
    for x in &words[n..] {
        total = total.wrapping_add(*x);
    }
    total
}

/// Probe panels x f32 rows (the batch kernel): `out[r * stride + 16 p + lane]` is the dot
/// product of row `r` with probe `lane` of panel `p`. A panel holds 16 probes transposed
/// (`[d][16]`), so each row value is broadcast once and feeds one FMA per panel, and the 16
/// scores of a panel come out as one vector: no horizontal sums.
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn panels_f32(
    panels: &[f32],
    np: usize,
    rows: &[f32],
    nr: usize,
    dim: usize,
    out: &mut [f32],
    stride: usize,
) {
    assert!((1..=MAX_Q).contains(&np) && (1..=MAX_R).contains(&nr));
    assert!(panels.len() >= np * dim * PANEL && rows.len() >= nr * dim);
    assert!(out.len() >= (nr - 1) * stride + np * PANEL);
    // SAFETY: the caller guarantees avx512f; slice lengths are asserted above.
    unsafe { dispatch_block!(panels_f32_body, np, nr, panels, rows, dim, out, stride) }
}

#[target_feature(enable = "avx512f")]
unsafe fn panels_f32_body<const P: usize, const R: usize>(
    panels: &[f32],
    rows: &[f32],
    dim: usize,
    out: &mut [f32],
    stride: usize,
) {
    let pp = panels.as_ptr();
    let g = rows.as_ptr();
    let mut acc = [[_mm512_setzero_ps(); P]; R];
    for d in 0..dim {
        let mut pv = [_mm512_setzero_ps(); P];
        for (p, v) in pv.iter_mut().enumerate() {
            // SAFETY: panel p < np holds dim x 16 values; d < dim (asserted by the caller).
            *v = unsafe { _mm512_loadu_ps(pp.add((p * dim + d) * PANEL)) };
        }
        for (r, accr) in acc.iter_mut().enumerate() {
            // SAFETY: r < nr rows of dim values, d < dim.
            let b = _mm512_set1_ps(unsafe { *g.add(r * dim + d) });
            for (a, v) in accr.iter_mut().zip(&pv) {
                *a = _mm512_fmadd_ps(*v, b, *a);
            }
        }
    }
    let o = out.as_mut_ptr();
    for (r, accr) in acc.iter().enumerate() {
        for (p, a) in accr.iter().enumerate() {
            // SAFETY: (r, p) < (nr, np): inside `out` (asserted by the caller).
            unsafe { _mm512_storeu_ps(o.add(r * stride + p * PANEL), *a) };
        }
    }
}

/// Probe panels (offset u8, `[k][16][4]`) x signed int8 rows (stride `dim4`, a multiple of
/// 4): `out[r * stride + 16 p + lane] = sum(probe_u8 * row_i8) - 128 sums[r]` (the exact
/// `sum(probe_i8 * row_i8)` when `sums[r]` is the row's code sum) with `vpdpbusd`, the row's
/// four bytes broadcast to every lane.
///
/// # Safety
/// The CPU must support `avx512f`, `avx512bw` and `avx512vnni`.
// A flat kernel signature (slices and sizes), like the other batch kernels.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn panels_i8(
    panels: &[u8],
    np: usize,
    rows: &[i8],
    nr: usize,
    dim4: usize,
    sums: &[i32],
    out: &mut [i32],
    stride: usize,
) {
    assert!((1..=MAX_Q).contains(&np) && (1..=MAX_R).contains(&nr) && dim4.is_multiple_of(4));
    assert!(sums.len() >= nr);
    assert!(panels.len() >= np * dim4 * PANEL && rows.len() >= nr * dim4);
    assert!(out.len() >= (nr - 1) * stride + np * PANEL);
    // SAFETY: the caller guarantees the features; slice lengths are asserted above.
    unsafe {
        dispatch_block!(
            panels_i8_body,
            np,
            nr,
            panels,
            rows,
            dim4,
            sums,
            out,
            stride
        )
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn panels_i8_body<const P: usize, const R: usize>(
    panels: &[u8],
    rows: &[i8],
    dim4: usize,
    sums: &[i32],
    out: &mut [i32],
    stride: usize,
) {
    let pp = panels.as_ptr();
    let g = rows.as_ptr();
    let mut acc = [[_mm512_setzero_si512(); P]; R];
    let mut k = 0;
    while k < dim4 {
        let mut pv = [_mm512_setzero_si512(); P];
        for (p, v) in pv.iter_mut().enumerate() {
            // SAFETY: panel p < np holds dim4 x 16 bytes; k + 4 <= dim4.
            *v = unsafe { _mm512_loadu_si512(pp.add((p * dim4 + k) * PANEL).cast()) };
        }
        for (r, accr) in acc.iter_mut().enumerate() {
            // SAFETY: bytes k..k + 4 of row r < nr lie inside `rows` (stride dim4).
            let four = unsafe { g.add(r * dim4 + k).cast::<i32>().read_unaligned() };
            let b = _mm512_set1_epi32(four);
            for (a, v) in accr.iter_mut().zip(&pv) {
                *a = _mm512_dpbusd_epi32(*a, *v, b);
            }
        }
        k += 4;
    }
    let o = out.as_mut_ptr();
    for (r, accr) in acc.iter().enumerate() {
        let offset = _mm512_set1_epi32(128 * sums[r]);
        for (p, a) in accr.iter().enumerate() {
            let v = _mm512_sub_epi32(*a, offset);
            // SAFETY: (r, p) < (nr, np): inside `out` (asserted by the caller).
            unsafe { _mm512_storeu_si512(o.add(r * stride + p * PANEL).cast(), v) };
        }
    }
}

/// Widens IEEE half bits to f32 (`vcvtph2ps`), `dst.len()` values.
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn widen_f16(src: &[u16], dst: &mut [f32]) {
    assert!(src.len() >= dst.len());
    // SAFETY: the caller guarantees avx512f; lengths asserted above.
    unsafe { widen_f16_body(src, dst) }
}

#[target_feature(enable = "avx512f")]
unsafe fn widen_f16_body(src: &[u16], dst: &mut [f32]) {
    let n = dst.len() - dst.len() % 16;
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    let mut i = 0;
    while i < n {
        // SAFETY: i + 16 <= n <= len of both slices.
        unsafe {
            let v = _mm512_cvtph_ps(_mm256_loadu_si256(s.add(i).cast()));
            _mm512_storeu_ps(d.add(i), v);
        }
        i += 16;
    }
    for (o, h) in dst[n..].iter_mut().zip(&src[n..]) {
        *o = half::f16::from_bits(*h).to_f32();
    }
}

/// Copies `sums.len()` offset-u8 rows (`dim` bytes each) to signed codes with stride `dim4`
/// (padding zeroed) and stores each row's code sum.
///
/// # Safety
/// The CPU must support `avx512f` and `avx512bw`.
pub(super) unsafe fn prepare_i8(
    rows: &[u8],
    dim: usize,
    dim4: usize,
    signed: &mut [i8],
    sums: &mut [i32],
) {
    let nr = sums.len();
    assert!(dim4 >= dim && rows.len() >= nr * dim && signed.len() >= nr * dim4);
    // SAFETY: the caller guarantees the features; lengths asserted above.
    unsafe { prepare_i8_body(rows, dim, dim4, signed, sums) }
}

#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn prepare_i8_body(
    rows: &[u8],
    dim: usize,
    dim4: usize,
    signed: &mut [i8],
    sums: &mut [i32],
) {
    let flip = _mm512_set1_epi8(i8::MIN);
    let zero = _mm512_setzero_si512();
    for (r, sum) in sums.iter_mut().enumerate() {
        // SAFETY: row r lies inside `rows` (stride dim) and `signed` (stride dim4).
        let (src, dst) = unsafe {
            (
                rows.as_ptr().add(r * dim),
                signed.as_mut_ptr().add(r * dim4),
            )
        };
        let mut acc = zero;
        let mut i = 0;
        while i < dim {
            let m: __mmask64 = if dim - i >= 64 {
                u64::MAX
            } else {
                (1u64 << (dim - i)) - 1
            };
            // SAFETY: the masked load and store touch only bytes i..dim of the row.
            unsafe {
                let v = _mm512_maskz_loadu_epi8(m, src.add(i).cast());
                acc = _mm512_add_epi64(acc, _mm512_sad_epu8(v, zero));
                _mm512_mask_storeu_epi8(dst.add(i), m, _mm512_xor_si512(v, flip));
            }
            i += 64;
        }
        for d in dim..dim4 {
            // SAFETY: d < dim4, inside the row's slot of `signed`.
            unsafe { *dst.add(d) = 0 };
        }
        *sum = (_mm512_reduce_add_epi64(acc) - 128 * dim as i64) as i32;
    }
}

/// int8 scores: `out[r * width + q] = ints[..] as f32 * (probe_scales[q] * row_scales[r])`
/// (the same expression, so the same rounding, as the single-probe path). `width` is a
/// multiple of 16.
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn scale_i8(
    ints: &[i32],
    width: usize,
    row_scales: &[f32],
    probe_scales: &[f32],
    out: &mut [f32],
) {
    let nr = row_scales.len();
    assert!(width.is_multiple_of(PANEL) && probe_scales.len() >= width);
    assert!(ints.len() >= nr * width && out.len() >= nr * width);
    // SAFETY: the caller guarantees avx512f; lengths asserted above.
    unsafe { scale_i8_body(ints, width, row_scales, probe_scales, out) }
}

#[target_feature(enable = "avx512f")]
unsafe fn scale_i8_body(
    ints: &[i32],
    width: usize,
    row_scales: &[f32],
    probe_scales: &[f32],
    out: &mut [f32],
) {
    for (r, s) in row_scales.iter().enumerate() {
        let s = _mm512_set1_ps(*s);
        for c in (0..width).step_by(PANEL) {
            // SAFETY: r * width + c + 16 <= nr * width, inside `ints` and `out`; c + 16 <=
            // width, inside `probe_scales` (asserted by the caller).
            unsafe {
                let ps = _mm512_loadu_ps(probe_scales.as_ptr().add(c));
                let v =
                    _mm512_cvtepi32_ps(_mm512_loadu_si512(ints.as_ptr().add(r * width + c).cast()));
                _mm512_storeu_ps(
                    out.as_mut_ptr().add(r * width + c),
                    _mm512_mul_ps(v, _mm512_mul_ps(ps, s)),
                );
            }
        }
    }
}

/// The first row at or after `from` (of `scores.len() / width` rows) with a score at or
/// above its probe's floor, `scores[r * width + q] >= floors[q]`; `width` is a multiple of 16.
///
/// # Safety
/// The CPU must support `avx512f`.
pub(super) unsafe fn next_admitted(
    scores: &[f32],
    width: usize,
    floors: &[f32],
    from: usize,
) -> Option<usize> {
    assert!(width.is_multiple_of(PANEL) && width > 0 && floors.len() >= width);
    // SAFETY: the caller guarantees avx512f; lengths asserted above.
    unsafe { next_admitted_body(scores, width, floors, from) }
}

#[target_feature(enable = "avx512f")]
unsafe fn next_admitted_body(
    scores: &[f32],
    width: usize,
    floors: &[f32],
    from: usize,
) -> Option<usize> {
    let rows = scores.len() / width;
    for r in from..rows {
        let mut hit: __mmask16 = 0;
        for c in (0..width).step_by(PANEL) {
            // SAFETY: r * width + c + 16 <= rows * width <= scores.len(); c + 16 <= width.
            let (s, f) = unsafe {
                (
                    _mm512_loadu_ps(scores.as_ptr().add(r * width + c)),
                    _mm512_loadu_ps(floors.as_ptr().add(c)),
                )
            };
            hit |= _mm512_cmp_ps_mask::<_CMP_GE_OQ>(s, f);
        }
        if hit != 0 {
            return Some(r);
        }
    }
    None
}
