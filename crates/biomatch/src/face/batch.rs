//! Many-probe search: each worker walks its gallery segments tile by tile (tiles sized for
//! L2), scores every probe of the batch against the tile (compute-bound) with the
//! register-blocked panel kernels (AVX-512) or one `faer` matrix product (see `gemm`), and
//! offers each row's scores to one top-k per probe, skipping a whole row when no probe's
//! admission score is reached.

use rayon::prelude::*;

use super::gemm::{self, GemmProbes, GemmScratch};
use super::index::{Rows, Segment, Snapshot};
use super::kernels::{BatchProduct, BatchScratch, Kernels, PANEL, PackedF32, PackedI8};
use super::params::BATCH_TILE_BYTES;
use super::{FaceTemplate, Precision, quant};
use crate::topk::TopK;

/// The probes of a batch packed for the tile product.
enum Packed {
    F32(PackedF32),
    I8 {
        probes: PackedI8,
        scales: Vec<f32>,
    },
    GemmF32(GemmProbes),
    GemmI8 {
        probes: GemmProbes,
        scales: Vec<f32>,
    },
}

impl Packed {
    fn new(probes: &[FaceTemplate], precision: Precision, dim: usize, gemm: bool) -> Packed {
        // Whole panels: the admission scan reads the scores panel by panel.
        let width = probes.len().div_ceil(PANEL) * PANEL;
        match precision {
            Precision::F32 | Precision::F16 => {
                let flat: Vec<f32> = probes.iter().flat_map(|p| p.values()).copied().collect();
                if gemm {
                    Packed::GemmF32(GemmProbes::new(&flat, dim, width))
                } else {
                    Packed::F32(PackedF32::new(&flat, dim))
                }
            }
            Precision::I8 => {
                let mut codes = Vec::with_capacity(probes.len() * dim);
                let mut scales: Vec<f32> = probes
                    .iter()
                    .map(|p| quant::quantise_i8(p.values(), &mut codes))
                    .collect();
                // Padding probes score 0 (their codes are zero): any finite scale will do.
                scales.resize(width, 0.0);
                if gemm {
                    let probes = GemmProbes::from_codes(&codes, dim, width);
                    Packed::GemmI8 { probes, scales }
                } else {
                    let probes = PackedI8::new(&codes, dim);
                    Packed::I8 { probes, scales }
                }
            }
        }
    }

    fn width(&self) -> usize {
        match self {
            Packed::F32(p) => p.width(),
            Packed::I8 { probes, .. } => probes.width(),
            Packed::GemmF32(p) | Packed::GemmI8 { probes: p, .. } => p.width(),
        }
    }
}

/// One worker's state: a top-k per probe, their admission scores, and buffers.
struct Worker {
    heaps: Vec<TopK>,
    floors: Vec<f32>,
    scores: Vec<f32>,
    ints: Vec<i32>,
    widened: Vec<f32>,
    scratch: BatchScratch,
    gemm: GemmScratch,
}

impl Worker {
    fn new(nq: usize, width: usize, k: usize) -> Worker {
        // Padding probes never admit anything: their floor is +inf.
        let mut floors = vec![f32::NEG_INFINITY; nq];
        floors.resize(width, f32::INFINITY);
        Worker {
            heaps: vec![TopK::new(k); nq],
            floors,
            scores: Vec::new(),
            ints: Vec::new(),
            widened: Vec::new(),
            scratch: BatchScratch::default(),
            gemm: GemmScratch::default(),
        }
    }

    /// Offers the scored tile (`scores[r * width + q]`) to the heaps; rows in which no probe
    /// reaches its admission score are skipped by a vectorised scan.
    fn offer(&mut self, kern: &Kernels, ids: &[u64], width: usize) {
        let mut from = 0;
        while let Some(r) = kern.next_admitted(&self.scores, width, &self.floors, from) {
            let row = &self.scores[r * width..r * width + self.heaps.len()];
            for (q, s) in row.iter().enumerate() {
                if *s >= self.floors[q] {
                    let heap = &mut self.heaps[q];
                    heap.push(ids[r], *s);
                    if let Some(f) = heap.admission_score() {
                        self.floors[q] = f;
                    }
                }
            }
            from = r + 1;
        }
    }

    /// Scores rows `span` of `seg` against every probe into `self.scores`.
    fn score(
        &mut self,
        kern: &Kernels,
        seg: &Segment,
        span: std::ops::Range<usize>,
        probes: &Packed,
        dim: usize,
    ) {
        let width = probes.width();
        let n = span.len();
        let values = span.start * dim..span.end * dim;
        // No clearing: the kernels write every slot of the first n rows.
        self.scores.resize(n * width, 0.0);
        match (&seg.rows, probes) {
            (Rows::F32(rows), Packed::F32(p)) => kern.batch_f32(p, &rows[values], &mut self.scores),
            (Rows::F16(rows), Packed::F32(p)) => {
                kern.batch_f16(p, &rows[values], &mut self.scratch, &mut self.scores)
            }
            (Rows::I8 { codes, scales }, Packed::I8 { probes, scales: ps }) => {
                self.ints.resize(n * width, 0);
                kern.batch_i8(probes, &codes[values], &mut self.scratch, &mut self.ints);
                kern.scale_i8(&self.ints, width, &scales[span], ps, &mut self.scores);
            }
            (Rows::F32(rows), Packed::GemmF32(p)) => {
                gemm::tile_f32(p, &rows[values], &mut self.scores)
            }
            (Rows::F16(rows), Packed::GemmF32(p)) => {
                self.widened.resize(values.len(), 0.0);
                kern.widen_f16(&rows[values], &mut self.widened);
                gemm::tile_f32(p, &self.widened, &mut self.scores);
            }
            (Rows::I8 { codes, scales }, Packed::GemmI8 { probes, scales: ps }) => {
                self.ints.resize(n * width, 0);
                gemm::tile_i8(probes, &codes[values], &mut self.gemm, &mut self.ints);
                kern.scale_i8(&self.ints, width, &scales[span], ps, &mut self.scores);
            }
            _ => unreachable!("probes are packed for the index precision"),
        }
    }
}

/// The top-`k` of every probe over the snapshot, each tile scored with the panel kernels
/// when `product` is [`BatchProduct::Panels`] and `kern` has them, else with `faer`.
pub(super) fn search(
    kern: &Kernels,
    product: BatchProduct,
    snap: &Snapshot,
    probes: &[FaceTemplate],
    precision: Precision,
    dim: usize,
    k: usize,
) -> Vec<TopK> {
    let nq = probes.len();
    let gemm = product != BatchProduct::Panels || !kern.has_batch();
    let packed = Packed::new(probes, precision, dim, gemm);
    let width = packed.width();
    let tile = (BATCH_TILE_BYTES / precision.bytes_per_vector(dim)).max(4);
    snap.segments
        .par_iter()
        .filter(|seg| !seg.ids.is_empty())
        .fold(
            || Worker::new(nq, width, k),
            |mut w, seg| {
                for r0 in (0..seg.ids.len()).step_by(tile) {
                    let span = r0..(r0 + tile).min(seg.ids.len());
                    w.score(kern, seg, span.clone(), &packed, dim);
                    w.offer(kern, &seg.ids[span], width);
                }
                w
            },
        )
        .map(|w| w.heaps)
        .reduce(
            || vec![TopK::new(k); nq],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y);
                }
                a
            },
        )
}
