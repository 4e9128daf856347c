//! Batch tiles as matrix products through `faer` (the batch search of families without
//! register-blocked panel kernels: AVX2, NEON).
//!
//! A tile of `n` gallery rows times the batch's probes is one `n x dim` by `dim x width`
//! product, written row-major into the tile's score buffer (`out[r * width + q]`), the layout
//! the batch search's admission scan reads. `faer` picks its own SIMD micro-kernels at run
//! time. One product per tile, sequential: the parallelism is over gallery segments.
//!
//! int8 rows are widened to signed codes in f32. Every product and partial sum of a chunk of
//! at most [`EXACT_K`] dimensions is then an integer below 2^24, which f32 holds exactly in
//! any summation order, so the integer dot products (and after scaling, the scores) are
//! identical to the single-probe int8 path. Longer embeddings are summed chunk by chunk in
//! `i32`.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// Most dimensions per f32 product of int8 codes that keeps every sum exact:
/// `EXACT_K * 128 * 127 < 2^24` (a stored row code can be -128; probe codes are within 127).
pub(crate) const EXACT_K: usize = 1024;

/// Probes laid out for the products: transposed, `dim x width` row-major (value `d` of probe
/// `q` at `d * width + q`; missing probes are zeros). With the tile's scores row-major
/// (`n x width`), the probes then run contiguously along the output's rows, the direction
/// the micro-kernels load, so `faer` reads them without gathering.
#[derive(Debug)]
pub(crate) struct GemmProbes {
    values: Vec<f32>,
    dim: usize,
    width: usize,
}

impl GemmProbes {
    /// `probes` holds `nq <= width` rows of `dim` values.
    pub(crate) fn new(probes: &[f32], dim: usize, width: usize) -> GemmProbes {
        let mut values = vec![0.0; dim * width];
        for (q, p) in probes.chunks_exact(dim).enumerate() {
            for (d, v) in p.iter().enumerate() {
                values[d * width + q] = *v;
            }
        }
        GemmProbes { values, dim, width }
    }

    /// int8 probe codes (`nq x dim`) as f32, padded to `width` probes.
    pub(crate) fn from_codes(codes: &[i8], dim: usize, width: usize) -> GemmProbes {
        let values: Vec<f32> = codes.iter().map(|c| *c as f32).collect();
        GemmProbes::new(&values, dim, width)
    }

    /// Probe slots including padding: the row stride of the output.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// The probes' dimensions `k` as a `k.len() x width` matrix.
    fn columns(&self, k: std::ops::Range<usize>) -> MatRef<'_, f32> {
        let w = self.width;
        MatRef::from_row_major_slice(&self.values[k.start * w..k.end * w], k.len(), w)
    }
}

/// Reusable buffers of the int8 products.
#[derive(Debug, Default)]
pub(crate) struct GemmScratch {
    widened: Vec<f32>,
    partial: Vec<f32>,
}

/// `out[r * width + q] = probe q . row r` for the f32 rows `rows` (`n x dim`).
pub(crate) fn tile_f32(probes: &GemmProbes, rows: &[f32], out: &mut [f32]) {
    let (dim, width) = (probes.dim, probes.width);
    let n = rows.len() / dim;
    assert!(rows.len() == n * dim && out.len() >= n * width);
    let lhs = MatRef::from_row_major_slice(rows, n, dim);
    let dst = MatMut::from_row_major_slice_mut(&mut out[..n * width], n, width);
    matmul(
        dst,
        Accum::Replace,
        lhs,
        probes.columns(0..dim),
        1.0,
        Par::Seq,
    );
}

/// Exact integer dot products of the int8 probe codes with rows stored as `code + 128`:
/// `out[r * width + q] = sum(code_probe * code_row)`.
pub(crate) fn tile_i8(
    probes: &GemmProbes,
    rows: &[u8],
    scratch: &mut GemmScratch,
    out: &mut [i32],
) {
    let (dim, width) = (probes.dim, probes.width);
    let n = rows.len() / dim;
    assert!(rows.len() == n * dim && out.len() >= n * width);
    scratch.widened.clear();
    scratch
        .widened
        .extend(rows.iter().map(|b| ((*b ^ 0x80) as i8) as f32));
    scratch.partial.resize(n * width, 0.0);
    for k0 in (0..dim).step_by(EXACT_K) {
        let k = k0..(k0 + EXACT_K).min(dim);
        let lhs = MatRef::from_row_major_slice_with_stride(&scratch.widened[k0..], n, k.len(), dim);
        let dst = MatMut::from_row_major_slice_mut(&mut scratch.partial, n, width);
        matmul(dst, Accum::Replace, lhs, probes.columns(k), 1.0, Par::Seq);
        // Exact integers (see the module comment): the conversion loses nothing.
        let ints = out[..n * width].iter_mut().zip(&scratch.partial);
        if k0 == 0 {
            ints.for_each(|(o, p)| *o = *p as i32);
        } else {
            ints.for_each(|(o, p)| *o += *p as i32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    /// Products against plain loops, at sizes around the SIMD widths and the exact-chunk
    /// boundary.
    #[test]
    fn products_match_plain_loops() {
        let mut s = 7u64;
        for &(n, nq, dim) in &[
            (1usize, 1usize, 128usize),
            (3, 7, 129),
            (17, 16, 130),
            (33, 17, 512),
            (5, 9, EXACT_K + 3),
            (2, 3, 4096),
        ] {
            let width = nq.div_ceil(4) * 4;
            let rows: Vec<f32> = (0..n * dim)
                .map(|_| (lcg(&mut s) % 2001) as f32 / 1000.0 - 1.0)
                .collect();
            let codes: Vec<u8> = (0..n * dim).map(|_| (lcg(&mut s) % 256) as u8).collect();
            let pcodes: Vec<i8> = (0..nq * dim)
                .map(|_| ((lcg(&mut s) % 255) as i32 - 127) as i8)
                .collect();
            let pvals: Vec<f32> = pcodes.iter().map(|c| *c as f32 / 127.0).collect();

            let probes = GemmProbes::new(&pvals, dim, width);
            let mut out = vec![f32::NAN; n * width];
            tile_f32(&probes, &rows, &mut out);
            let ip = GemmProbes::from_codes(&pcodes, dim, width);
            let mut ints = vec![i32::MIN; n * width];
            tile_i8(&ip, &codes, &mut GemmScratch::default(), &mut ints);
            for r in 0..n {
                for q in 0..width {
                    let (mut f, mut i) = (0.0f64, 0i64);
                    if q < nq {
                        for d in 0..dim {
                            f += rows[r * dim + d] as f64 * pvals[q * dim + d] as f64;
                            i += ((codes[r * dim + d] ^ 0x80) as i8) as i64
                                * pcodes[q * dim + d] as i64;
                        }
                    }
                    let got = out[r * width + q] as f64;
                    assert!(
                        (got - f).abs() <= 1e-4 * (1.0 + f.abs()),
                        "{n} {nq} {dim}: {got} vs {f}"
                    );
                    assert_eq!(ints[r * width + q] as i64, i, "{n} {nq} {dim} r{r} q{q}");
                }
            }
        }
    }
}
