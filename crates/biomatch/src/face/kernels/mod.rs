//! Dot-product kernels per storage precision, chosen once at run time from the CPU's features.
//!
//! Every kernel computes a small block of dot products: up to [`MAX_Q`] probes against up to
//! [`MAX_R`] consecutive gallery rows, so that each loaded value feeds several fused
//! multiply-adds (register blocking). The drivers here tile a whole gallery segment into such
//! blocks: one probe makes the scan memory-bound (every gallery byte is read once), a batch of
//! probes walks the gallery tile by tile (tiles sized for L2) so it becomes compute-bound.
//!
//! * f32 rows: plain f32 dot products.
//! * f16 rows: IEEE half bits widened to f32 in registers (`vcvtph2ps`), f32 accumulation.
//! * int8 rows: stored as `code + 128` (u8) so that AVX-512 VNNI's `vpdpbusd` (u8 x i8) applies
//!   directly; the kernels return `sum(u8 * probe_i8)` and the driver subtracts
//!   `128 * sum(probe_i8)`, a per-probe correction computed once. The integer result is exact.

use std::sync::OnceLock;

use super::{FaceError, Precision};

/// Most probes per register block.
pub(crate) const MAX_Q: usize = 4;
/// Most gallery rows per register block.
pub(crate) const MAX_R: usize = 4;
/// Rows per block when a single probe is scanned.
const SINGLE_PROBE_ROWS: usize = 1;
/// Probes per panel of the batch kernels (one 512-bit vector of f32 or i32 lanes).
pub(crate) const PANEL: usize = 16;

/// Expands a runtime pair of block dimensions, each 1 to 4 ((probes, rows) of a register
/// block, or (panels, rows) of a batch panel), into a call of a const-generic kernel body.
#[cfg(target_arch = "x86_64")]
macro_rules! dispatch_block {
    ($imp:ident, $nq:expr, $nr:expr, $($arg:expr),*) => {
        match ($nq, $nr) {
            (1, 1) => $imp::<1, 1>($($arg),*),
            (1, 2) => $imp::<1, 2>($($arg),*),
            (1, 3) => $imp::<1, 3>($($arg),*),
            (1, 4) => $imp::<1, 4>($($arg),*),
            (2, 1) => $imp::<2, 1>($($arg),*),
            (2, 2) => $imp::<2, 2>($($arg),*),
            (2, 3) => $imp::<2, 3>($($arg),*),
            (2, 4) => $imp::<2, 4>($($arg),*),
            (3, 1) => $imp::<3, 1>($($arg),*),
            (3, 2) => $imp::<3, 2>($($arg),*),
            (3, 3) => $imp::<3, 3>($($arg),*),
            (3, 4) => $imp::<3, 4>($($arg),*),
            (4, 1) => $imp::<4, 1>($($arg),*),
            (4, 2) => $imp::<4, 2>($($arg),*),
            (4, 3) => $imp::<4, 3>($($arg),*),
            (4, 4) => $imp::<4, 4>($($arg),*),
            _ => {}
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;

/// An instruction-set family the kernels are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Portable loops.
    Scalar,
    /// AVX2 + FMA + F16C (x86-64).
    Avx2,
    /// AVX-512 F/BW + VNNI (x86-64).
    Avx512,
    /// NEON (aarch64).
    Neon,
}

impl Isa {
    /// All families, best last.
    pub const ALL: [Isa; 4] = [Isa::Scalar, Isa::Neon, Isa::Avx2, Isa::Avx512];

    /// Whether this CPU can run the family's kernels.
    pub fn is_available(self) -> bool {
        match self {
            Isa::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::is_x86_feature_detected!("avx2")
                    && std::is_x86_feature_detected!("fma")
                    && std::is_x86_feature_detected!("f16c")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512vnni")
            }
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// Lower-case name, as reported by the bench.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }
}

type BlockF32 = unsafe fn(&[f32], usize, &[f32], usize, usize, &mut [f32; MAX_Q * MAX_R]);
type BlockF16 = unsafe fn(&[f32], usize, &[u16], usize, usize, &mut [f32; MAX_Q * MAX_R]);
type BlockI8 = unsafe fn(&[i8], usize, &[u8], usize, usize, &mut [i32; MAX_Q * MAX_R]);
type ReadSum = unsafe fn(&[u64]) -> u64;
type RowsF32 = unsafe fn(&[f32], &[f32], usize, &mut [f32]);
type RowsF16 = unsafe fn(&[f32], &[u16], usize, &mut [f32]);
type RowsI8 = unsafe fn(&[i8], &[u8], usize, &mut [i32]);
type PanelsF32 = unsafe fn(&[f32], usize, &[f32], usize, usize, &mut [f32], usize);
type PanelsI8 = unsafe fn(&[u8], usize, &[i8], usize, usize, &[i32], &mut [i32], usize);
type WidenF16 = unsafe fn(&[u16], &mut [f32]);
type PrepareI8 = unsafe fn(&[u8], usize, usize, &mut [i8], &mut [i32]);
type ScaleI8 = unsafe fn(&[i32], usize, &[f32], &[f32], &mut [f32]);
type NextAdmitted = unsafe fn(&[f32], usize, &[f32], usize) -> Option<usize>;

/// Batch kernels: probes packed in panels of [`PANEL`] (see [`PackedF32`], [`PackedI8`]).
#[derive(Clone, Copy, Debug)]
struct PanelKernels {
    f32: PanelsF32,
    i8: PanelsI8,
    prepare_i8: PrepareI8,
    scale_i8: ScaleI8,
    next_admitted: NextAdmitted,
}

/// Single-probe kernels that walk many rows in one call (no per-row call overhead).
#[derive(Clone, Copy, Debug)]
struct RowKernels {
    f32: RowsF32,
    f16: RowsF16,
    i8: RowsI8,
}

/// The kernels of one instruction-set family. Only built by [`Kernels::for_isa`] after the
/// CPU check, which is what makes calling the `unsafe fn` pointers sound.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kernels {
    isa: Isa,
    f32: BlockF32,
    f16: BlockF16,
    i8: BlockI8,
    read: ReadSum,
    widen: WidenF16,
    rows: Option<RowKernels>,
    panels: Option<PanelKernels>,
}

/// The best kernels of this CPU, detected once.
pub(crate) fn best() -> &'static Kernels {
    static BEST: OnceLock<Kernels> = OnceLock::new();
    BEST.get_or_init(|| {
        Isa::ALL
            .iter()
            .rev()
            .find_map(|isa| Kernels::for_isa(*isa))
            .unwrap_or_else(Kernels::scalar)
    })
}

/// The kernels of `isa`, built once, or `None` when this CPU lacks its features.
pub(crate) fn of_isa(isa: Isa) -> Option<&'static Kernels> {
    static FAMILIES: [OnceLock<Option<Kernels>>; 4] = [const { OnceLock::new() }; 4];
    let slot = Isa::ALL.iter().position(|i| *i == isa)?;
    FAMILIES[slot]
        .get_or_init(|| Kernels::for_isa(isa))
        .as_ref()
}

/// How a batch of probes is scored against a tile of gallery rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchProduct {
    /// No batch path: every probe scans the rows (memory-bound per probe).
    Rows,
    /// Register-blocked panel kernels (16 probes per vector; AVX-512 and the portable
    /// reference).
    Panels,
    /// One matrix product per tile through `faer` (any family).
    Gemm,
}

impl BatchProduct {
    /// Lower-case name, as reported by the bench.
    pub fn name(self) -> &'static str {
        match self {
            BatchProduct::Rows => "rows",
            BatchProduct::Panels => "panels",
            BatchProduct::Gemm => "gemm",
        }
    }
}

/// Name of the instruction-set family the face kernels use on this CPU.
pub fn active_isa() -> Isa {
    best().isa
}

impl Kernels {
    fn scalar() -> Kernels {
        Kernels {
            isa: Isa::Scalar,
            f32: scalar::block_f32,
            f16: scalar::block_f16,
            i8: scalar::block_i8,
            read: scalar::read_sum,
            widen: scalar::widen_f16,
            rows: None,
            panels: None,
        }
    }

    /// The portable reference of the batch kernels (tests compare the SIMD ones with it).
    #[cfg(test)]
    pub(crate) fn scalar_with_panels() -> Kernels {
        Kernels {
            panels: Some(PanelKernels {
                f32: scalar::panels_f32,
                i8: scalar::panels_i8,
                prepare_i8: scalar::prepare_i8,
                scale_i8: scalar::scale_i8,
                next_admitted: scalar::next_admitted,
            }),
            ..Kernels::scalar()
        }
    }

    /// The kernels of `isa`, or `None` when this CPU lacks its features.
    pub(crate) fn for_isa(isa: Isa) -> Option<Kernels> {
        if !isa.is_available() {
            return None;
        }
        match isa {
            Isa::Scalar => Some(Kernels::scalar()),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => Some(Kernels {
                isa,
                f32: avx2::block_f32,
                f16: avx2::block_f16,
                i8: avx2::block_i8,
                read: avx2::read_sum,
                widen: avx2::widen_f16,
                rows: None,
                panels: None,
            }),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Some(Kernels {
                isa,
                f32: avx512::block_f32,
                f16: avx512::block_f16,
                i8: avx512::block_i8,
                read: avx512::read_sum,
                widen: avx512::widen_f16,
                rows: Some(RowKernels {
                    f32: avx512::rows_f32,
                    f16: avx512::rows_f16,
                    i8: avx512::rows_i8,
                }),
                panels: Some(PanelKernels {
                    f32: avx512::panels_f32,
                    i8: avx512::panels_i8,
                    prepare_i8: avx512::prepare_i8,
                    scale_i8: avx512::scale_i8,
                    next_admitted: avx512::next_admitted,
                }),
            }),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => Some(Kernels {
                isa,
                f32: neon::block_f32,
                f16: scalar::block_f16,
                i8: neon::block_i8,
                read: neon::read_sum,
                widen: scalar::widen_f16,
                rows: None,
                panels: None,
            }),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The family these kernels belong to.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn isa(&self) -> Isa {
        self.isa
    }

    /// `out[q * nr + r] = probes[q] . rows[r]` for `nq` probes and `nr = rows.len() / dim` rows.
    pub(crate) fn dots_f32(&self, probes: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
        if let Some(rk) = self.rows
            && probes.len() == dim
        {
            assert_eq!(out.len() * dim, rows.len());
            // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
            unsafe { (rk.f32)(probes, rows, dim, out) };
            return;
        }
        let block = self.f32;
        tiled(probes, rows, dim, out, |p, nq, g, nr, o: &mut [f32; 16]| {
            // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
            unsafe { block(p, nq, g, nr, dim, o) }
        });
    }

    /// Like [`Kernels::dots_f32`] with f16 rows (raw half bits).
    pub(crate) fn dots_f16(&self, probes: &[f32], rows: &[u16], dim: usize, out: &mut [f32]) {
        if let Some(rk) = self.rows
            && probes.len() == dim
        {
            assert_eq!(out.len() * dim, rows.len());
            // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
            unsafe { (rk.f16)(probes, rows, dim, out) };
            return;
        }
        let block = self.f16;
        tiled(probes, rows, dim, out, |p, nq, g, nr, o: &mut [f32; 16]| {
            // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
            unsafe { block(p, nq, g, nr, dim, o) }
        });
    }

    /// Exact integer dot products `sum(code_row * code_probe)` of i8 probes with rows stored as
    /// `code + 128` (u8).
    pub(crate) fn dots_i8(&self, probes: &[i8], rows: &[u8], dim: usize, out: &mut [i32]) {
        let block = self.i8;
        let nq = probes.len() / dim;
        let nr = rows.len() / dim;
        if let Some(rk) = self.rows
            && nq == 1
        {
            assert_eq!(out.len(), nr);
            // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
            unsafe { (rk.i8)(probes, rows, dim, out) };
        } else {
            tiled(probes, rows, dim, out, |p, nq, g, nr, o: &mut [i32; 16]| {
                // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
                unsafe { block(p, nq, g, nr, dim, o) }
            });
        }
        for q in 0..nq {
            let bias = 128
                * probes[q * dim..(q + 1) * dim]
                    .iter()
                    .map(|v| *v as i32)
                    .sum::<i32>();
            for o in &mut out[q * nr..(q + 1) * nr] {
                *o -= bias;
            }
        }
    }

    /// Wrapping sum of every word (forces a full read of `words`).
    pub(crate) fn read_sum(&self, words: &[u64]) -> u64 {
        // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
        unsafe { (self.read)(words) }
    }
}

/// Checks the public kernel entry points' inputs and picks the family's kernels.
fn public_kernels(
    isa: Isa,
    np: usize,
    nr: usize,
    dim: usize,
    out: usize,
) -> Result<Kernels, FaceError> {
    let k = Kernels::for_isa(isa).ok_or(FaceError::IsaUnavailable(isa.name()))?;
    if dim == 0 || !np.is_multiple_of(dim) || !nr.is_multiple_of(dim) {
        return Err(FaceError::WrongDimension {
            expected: dim,
            got: if dim == 0 { 0 } else { np % dim + nr % dim },
        });
    }
    if out != (np / dim) * (nr / dim) {
        return Err(FaceError::WrongDimension {
            expected: (np / dim) * (nr / dim),
            got: out,
        });
    }
    Ok(k)
}

/// Dot products of `probes` (`nq x dim`, row-major) with f32 `rows` (`nr x dim`) on `isa`'s
/// kernels: `out[q * nr + r]`. For benchmarks and cross-checks; the index picks the best
/// family itself.
pub fn dots_f32(
    isa: Isa,
    probes: &[f32],
    rows: &[f32],
    dim: usize,
    out: &mut [f32],
) -> Result<(), FaceError> {
    public_kernels(isa, probes.len(), rows.len(), dim, out.len())?.dots_f32(probes, rows, dim, out);
    Ok(())
}

/// Like [`dots_f32`] with rows of IEEE half bits.
pub fn dots_f16(
    isa: Isa,
    probes: &[f32],
    rows: &[u16],
    dim: usize,
    out: &mut [f32],
) -> Result<(), FaceError> {
    public_kernels(isa, probes.len(), rows.len(), dim, out.len())?.dots_f16(probes, rows, dim, out);
    Ok(())
}

/// Exact integer dot products of int8 `probes` with rows stored as `code + 128` (u8).
pub fn dots_i8(
    isa: Isa,
    probes: &[i8],
    rows: &[u8],
    dim: usize,
    out: &mut [i32],
) -> Result<(), FaceError> {
    public_kernels(isa, probes.len(), rows.len(), dim, out.len())?.dots_i8(probes, rows, dim, out);
    Ok(())
}

/// Walks `nq x nr` dot products in register blocks; for several probes the rows are taken in
/// tiles of about [`super::params::ROW_TILE_BYTES`] so they are reused from cache.
fn tiled<P, G, O: Copy + Default>(
    probes: &[P],
    rows: &[G],
    dim: usize,
    out: &mut [O],
    mut block: impl FnMut(&[P], usize, &[G], usize, &mut [O; MAX_Q * MAX_R]),
) {
    assert!(dim > 0 && probes.len().is_multiple_of(dim) && rows.len().is_multiple_of(dim));
    let nq = probes.len() / dim;
    let nr = rows.len() / dim;
    assert_eq!(out.len(), nq * nr, "output must hold nq x nr scores");
    let row_bytes = dim * std::mem::size_of::<G>();
    let tile = (super::params::ROW_TILE_BYTES / row_bytes).max(MAX_R);
    let rows_per_block = if nq == 1 { SINGLE_PROBE_ROWS } else { MAX_R };
    let mut buf = [O::default(); MAX_Q * MAX_R];
    for t0 in (0..nr).step_by(tile) {
        let t1 = (t0 + tile).min(nr);
        for q0 in (0..nq).step_by(MAX_Q) {
            let qn = MAX_Q.min(nq - q0);
            let p = &probes[q0 * dim..(q0 + qn) * dim];
            let mut r = t0;
            while r < t1 {
                let rn = rows_per_block.min(t1 - r);
                block(p, qn, &rows[r * dim..(r + rn) * dim], rn, &mut buf);
                for qi in 0..qn {
                    out[(q0 + qi) * nr + r..(q0 + qi) * nr + r + rn]
                        .copy_from_slice(&buf[qi * MAX_R..qi * MAX_R + rn]);
                }
                r += rn;
            }
        }
    }
}

/// f32 probes packed for the batch kernels: panels of [`PANEL`] probes, each transposed to
/// `[d][PANEL]` (missing probes of the last panel are zeros).
#[derive(Debug)]
pub(crate) struct PackedF32 {
    data: Vec<f32>,
    dim: usize,
    panels: usize,
}

impl PackedF32 {
    /// Packs `probes` (`nq x dim`, row-major).
    pub(crate) fn new(probes: &[f32], dim: usize) -> PackedF32 {
        let nq = probes.len() / dim;
        let panels = nq.div_ceil(PANEL);
        let mut data = vec![0.0; panels * dim * PANEL];
        for (q, probe) in probes.chunks_exact(dim).enumerate() {
            let (p, lane) = (q / PANEL, q % PANEL);
            for (d, v) in probe.iter().enumerate() {
                data[(p * dim + d) * PANEL + lane] = *v;
            }
        }
        PackedF32 { data, dim, panels }
    }

    /// Probe slots including the padding of the last panel: the row stride of the output.
    pub(crate) fn width(&self) -> usize {
        self.panels * PANEL
    }
}

/// int8 probes packed for the batch kernels: codes offset to `code + 128` (u8), the
/// dimension padded with zeros to `dim4` (a multiple of 4), panels of [`PANEL`] probes laid
/// out `[k][PANEL][4]` (four consecutive values of each probe per 32-bit lane).
#[derive(Debug)]
pub(crate) struct PackedI8 {
    data: Vec<u8>,
    dim: usize,
    dim4: usize,
    panels: usize,
}

impl PackedI8 {
    /// Packs int8 `codes` (`nq x dim`, row-major).
    pub(crate) fn new(codes: &[i8], dim: usize) -> PackedI8 {
        let nq = codes.len() / dim;
        let panels = nq.div_ceil(PANEL);
        let dim4 = dim.next_multiple_of(4);
        let mut data = vec![0u8; panels * dim4 * PANEL];
        for (q, probe) in codes.chunks_exact(dim).enumerate() {
            let (p, lane) = (q / PANEL, q % PANEL);
            for (d, c) in probe.iter().enumerate() {
                data[(p * dim4 + 4 * (d / 4)) * PANEL + 4 * lane + d % 4] = (*c as i16 + 128) as u8;
            }
        }
        PackedI8 {
            data,
            dim,
            dim4,
            panels,
        }
    }

    /// Probe slots including the padding of the last panel: the row stride of the output.
    pub(crate) fn width(&self) -> usize {
        self.panels * PANEL
    }
}

/// Reusable buffers of the batch kernels (one per worker).
#[derive(Debug, Default)]
pub(crate) struct BatchScratch {
    widened: Vec<f32>,
    signed: Vec<i8>,
    row_sums: Vec<i32>,
}

impl Kernels {
    /// Whether this family has the panel (batch) kernels.
    pub(crate) fn has_batch(&self) -> bool {
        self.panels.is_some()
    }

    /// The batch product this family uses for `precision` unless told otherwise: its panel
    /// kernels where it has them (AVX-512); `faer` products for f32 and f16 on the other SIMD
    /// families; rows for int8 there and for everything on the portable reference. (int8
    /// through `faer` widens the codes to f32: 1.1x faster than the AVX2 integer row
    /// kernels on a 2-core Zen 5, where `faer` itself runs AVX-512; on an AVX2-only CPU its
    /// product is half as wide, so the integer rows stay the default.)
    pub(crate) fn default_batch_product(&self, precision: Precision) -> BatchProduct {
        match self.isa {
            _ if self.has_batch() => BatchProduct::Panels,
            Isa::Scalar => BatchProduct::Rows,
            _ if precision == Precision::I8 => BatchProduct::Rows,
            _ => BatchProduct::Gemm,
        }
    }

    /// IEEE half bits to f32 (`dst.len()` values), with the family's conversion.
    pub(crate) fn widen_f16(&self, src: &[u16], dst: &mut [f32]) {
        assert!(src.len() >= dst.len());
        // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
        unsafe { (self.widen)(src, dst) }
    }

    fn panel_kernels(&self) -> PanelKernels {
        self.panels
            .expect("batch kernels used on a family without them (check has_batch)")
    }

    /// `out[r * probes.width() + q] = probe q . row r` for every row of `rows` (`nr x dim`).
    /// Keep `rows` small enough for L2: every probe group passes over it.
    pub(crate) fn batch_f32(&self, probes: &PackedF32, rows: &[f32], out: &mut [f32]) {
        let pk = self.panel_kernels();
        let dim = probes.dim;
        let nr = rows.len() / dim;
        let width = probes.width();
        assert!(rows.len() == nr * dim && out.len() >= nr * width);
        for p0 in (0..probes.panels).step_by(MAX_Q) {
            let np = MAX_Q.min(probes.panels - p0);
            let panels = &probes.data[p0 * dim * PANEL..];
            for r0 in (0..nr).step_by(MAX_R) {
                let rn = MAX_R.min(nr - r0);
                let o = &mut out[r0 * width + p0 * PANEL..];
                // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
                unsafe { (pk.f32)(panels, np, &rows[r0 * dim..], rn, dim, o, width) };
            }
        }
    }

    /// Like [`Kernels::batch_f32`] with f16 rows (widened to f32 once per call).
    pub(crate) fn batch_f16(
        &self,
        probes: &PackedF32,
        rows: &[u16],
        scratch: &mut BatchScratch,
        out: &mut [f32],
    ) {
        scratch.widened.clear();
        scratch.widened.resize(rows.len(), 0.0);
        // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
        unsafe { (self.widen)(rows, &mut scratch.widened) };
        let widened = std::mem::take(&mut scratch.widened);
        self.batch_f32(probes, &widened, out);
        scratch.widened = widened;
    }

    /// Exact integer dot products `sum(code_probe * code_row)` of the packed probes with rows
    /// stored as `code + 128` (u8): `out[r * probes.width() + q]`.
    ///
    /// The rows are copied once per call to signed codes (stride `dim4`, zero padded) with
    /// their code sums; the kernel computes `sum((code_p + 128) code_r)` and subtracts the
    /// offset term `128 sum(code_r)` per row.
    pub(crate) fn batch_i8(
        &self,
        probes: &PackedI8,
        rows: &[u8],
        scratch: &mut BatchScratch,
        out: &mut [i32],
    ) {
        let pk = self.panel_kernels();
        let (dim, dim4) = (probes.dim, probes.dim4);
        let nr = rows.len() / dim;
        let width = probes.width();
        assert!(rows.len() == nr * dim && out.len() >= nr * width);
        // Stale content is fine: the preparation writes every byte of the first nr rows.
        scratch.signed.resize(nr * dim4, 0);
        scratch.row_sums.resize(nr, 0);
        // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
        unsafe {
            (pk.prepare_i8)(
                rows,
                dim,
                dim4,
                &mut scratch.signed,
                &mut scratch.row_sums[..nr],
            )
        };
        for p0 in (0..probes.panels).step_by(MAX_Q) {
            let np = MAX_Q.min(probes.panels - p0);
            let panels = &probes.data[p0 * dim4 * PANEL..];
            for r0 in (0..nr).step_by(MAX_R) {
                let rn = MAX_R.min(nr - r0);
                let o = &mut out[r0 * width + p0 * PANEL..];
                let g = &scratch.signed[r0 * dim4..];
                let sums = &scratch.row_sums[r0..];
                // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
                unsafe { (pk.i8)(panels, np, g, rn, dim4, sums, o, width) };
            }
        }
    }

    /// The first row at or after `from` of a scored tile (`scores[r * width + q]`) in which
    /// some probe reaches its floor (`floors[q]`, padded to `width` with `+inf`).
    pub(crate) fn next_admitted(
        &self,
        scores: &[f32],
        width: usize,
        floors: &[f32],
        from: usize,
    ) -> Option<usize> {
        assert!(width.is_multiple_of(PANEL) && width > 0 && floors.len() >= width);
        match self.panels {
            // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
            Some(pk) => unsafe { (pk.next_admitted)(scores, width, floors, from) },
            None => scalar::next_admitted(scores, width, floors, from),
        }
    }

    /// int8 scores from [`Kernels::batch_i8`]'s integers: `out[r * width + q] =
    /// ints[r * width + q] as f32 * (probe_scales[q] * row_scales[r])`, the single-probe
    /// path's expression (identical rounding). `probe_scales` is padded to `width`.
    pub(crate) fn scale_i8(
        &self,
        ints: &[i32],
        width: usize,
        row_scales: &[f32],
        probe_scales: &[f32],
        out: &mut [f32],
    ) {
        assert!(width.is_multiple_of(PANEL) && probe_scales.len() >= width);
        assert!(ints.len() >= row_scales.len() * width && out.len() >= row_scales.len() * width);
        match self.panels {
            // SAFETY: `self` was built by `for_isa`, which checked the CPU features.
            Some(pk) => unsafe { (pk.scale_i8)(ints, width, row_scales, probe_scales, out) },
            None => scalar::scale_i8(ints, width, row_scales, probe_scales, out),
        }
    }
}

#[cfg(test)]
mod tests;
