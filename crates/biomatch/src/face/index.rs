//! The flat face gallery index: segmented copy-on-write storage, parallel exact search.
//!
//! Concurrency: the gallery is a list of segments of at most `SEGMENT_ROWS` rows, each behind
//! an `Arc`, collected in an immutable snapshot (`Arc<Snapshot>`). A search clones the
//! published snapshot's `Arc` under a short read lock and scans it with no lock held, so it
//! sees exactly the entries of one moment. Writers (enrol, remove) take turns on a writer
//! mutex that searches never touch. When no search holds the published snapshot or any of
//! its segments, a writer edits it in place under the publishing lock (an append or a row
//! move, no copy). Otherwise it copies the list of segment pointers and the touched segments
//! with no lock but the writer mutex held, then publishes the new snapshot by swapping one
//! `Arc`: a copy never stalls a search, and running searches keep their old, consistent view.
//! Nothing is ever lost or seen twice: every snapshot is the state between two complete
//! writes.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use rayon::prelude::*;

use super::kernels::{self, BatchProduct, Isa, Kernels};
use super::params::{BATCH_MIN_PROBES, ROW_TILE_BYTES, SEGMENT_ROWS};
use super::quant;
use super::storage::RowBuf;
use super::{Candidate, FaceError, FaceTemplate, Precision};
use crate::calibration::Calibration;
use crate::topk::{Scored, TopK, sort_best_first};

/// Stored vectors of one segment, row-major.
#[derive(Clone, Debug)]
pub(crate) enum Rows {
    F32(RowBuf<f32>),
    F16(RowBuf<u16>),
    /// `code + 128` per value, and the per-row scale.
    I8 {
        codes: RowBuf<u8>,
        scales: Vec<f32>,
    },
}

/// One vector encoded for storage.
#[derive(Clone, Debug)]
pub(crate) enum Encoded {
    F32(Vec<f32>),
    F16(Vec<u16>),
    I8 { codes: Vec<u8>, scale: f32 },
}

impl Encoded {
    pub(crate) fn from_values(values: &[f32], precision: Precision) -> Encoded {
        match precision {
            Precision::F32 => Encoded::F32(values.to_vec()),
            Precision::F16 => {
                let mut out = Vec::with_capacity(values.len());
                quant::to_f16_bits(values, &mut out);
                Encoded::F16(out)
            }
            Precision::I8 => {
                let mut c = Vec::with_capacity(values.len());
                let scale = quant::quantise_i8(values, &mut c);
                let mut codes = Vec::with_capacity(values.len());
                quant::offset_codes(&c, &mut codes);
                Encoded::I8 { codes, scale }
            }
        }
    }
}

/// Up to `SEGMENT_ROWS` enrolled entries.
#[derive(Clone, Debug)]
pub(crate) struct Segment {
    pub(crate) ids: Vec<u64>,
    pub(crate) rows: Rows,
}

impl Segment {
    fn empty(precision: Precision) -> Segment {
        let rows = match precision {
            Precision::F32 => Rows::F32(RowBuf::new()),
            Precision::F16 => Rows::F16(RowBuf::new()),
            Precision::I8 => Rows::I8 {
                codes: RowBuf::new(),
                scales: Vec::new(),
            },
        };
        Segment {
            ids: Vec::new(),
            rows,
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn push(&mut self, id: u64, enc: &Encoded) {
        /// The first row reserves room for the whole segment, so its memory never moves.
        fn append<T: bytemuck::Pod>(r: &mut RowBuf<T>, v: &[T]) {
            if r.capacity() == 0 {
                r.reserve_exact(SEGMENT_ROWS * v.len());
            }
            r.extend_from_slice(v);
        }
        match (&mut self.rows, enc) {
            (Rows::F32(r), Encoded::F32(v)) => append(r, v),
            (Rows::F16(r), Encoded::F16(v)) => append(r, v),
            (Rows::I8 { codes, scales }, Encoded::I8 { codes: c, scale }) => {
                append(codes, c);
                scales.push(*scale);
            }
            _ => unreachable!("encoding always follows the index precision"),
        }
        self.ids.push(id);
    }

    /// Removes `row` by moving the last row into its place; returns the moved id.
    fn swap_remove(&mut self, row: usize, dim: usize) -> Option<u64> {
        let last = self.len() - 1;
        fn move_row<T: bytemuck::Pod>(v: &mut RowBuf<T>, row: usize, last: usize, dim: usize) {
            v.copy_within(last * dim..(last + 1) * dim, row * dim);
            v.truncate(last * dim);
        }
        match &mut self.rows {
            Rows::F32(r) => move_row(r, row, last, dim),
            Rows::F16(r) => move_row(r, row, last, dim),
            Rows::I8 { codes, scales } => {
                move_row(codes, row, last, dim);
                scales.swap_remove(row);
            }
        }
        self.ids.swap_remove(row);
        (row < last).then(|| self.ids[row])
    }

    /// The decoded (dequantised) values of `row`.
    pub(crate) fn decoded(&self, row: usize, dim: usize) -> Vec<f32> {
        let span = row * dim..(row + 1) * dim;
        match &self.rows {
            Rows::F32(r) => r[span].to_vec(),
            Rows::F16(r) => r[span]
                .iter()
                .map(|b| half::f16::from_bits(*b).to_f32())
                .collect(),
            Rows::I8 { codes, scales } => codes[span]
                .iter()
                .map(|c| (*c as f32 - 128.0) * scales[row])
                .collect(),
        }
    }
}

/// An immutable view of the gallery.
#[derive(Clone, Debug, Default)]
pub(crate) struct Snapshot {
    pub(crate) segments: Vec<Arc<Segment>>,
    len: usize,
}

impl Snapshot {
    /// True when nothing but this snapshot refers to any of its segments (no older snapshot
    /// held by a search shares one), so editing them in place copies nothing.
    fn segments_unshared(&self) -> bool {
        self.segments.iter().all(|s| Arc::strong_count(s) == 1)
    }
}

/// Writer-side bookkeeping: where each id lives. Guarded by the writer mutex; always
/// describes the published snapshot between writes.
#[derive(Debug, Default)]
struct Slots {
    /// id -> (segment, row).
    slots: HashMap<u64, (usize, usize)>,
    /// Segments with room, lowest first.
    open: BTreeSet<usize>,
}

impl Slots {
    fn insert(&mut self, snap: &mut Snapshot, id: u64, enc: &Encoded, precision: Precision) {
        let s = match self.open.first() {
            Some(&s) => s,
            None => {
                snap.segments.push(Arc::new(Segment::empty(precision)));
                self.open.insert(snap.segments.len() - 1);
                snap.segments.len() - 1
            }
        };
        let seg = Arc::make_mut(&mut snap.segments[s]);
        self.slots.insert(id, (s, seg.len()));
        seg.push(id, enc);
        if seg.len() >= SEGMENT_ROWS {
            self.open.remove(&s);
        }
        snap.len += 1;
    }

    fn remove(&mut self, snap: &mut Snapshot, id: u64, dim: usize) -> Result<(), FaceError> {
        let (s, row) = self.slots.remove(&id).ok_or(FaceError::UnknownId(id))?;
        let seg = Arc::make_mut(&mut snap.segments[s]);
        if let Some(moved) = seg.swap_remove(row, dim) {
            self.slots.insert(moved, (s, row));
        }
        self.open.insert(s);
        snap.len -= 1;
        Ok(())
    }
}

/// Probes encoded for one precision, flattened `nq x dim`.
enum Probes {
    F32(Vec<f32>),
    I8 { codes: Vec<i8>, scales: Vec<f32> },
}

impl Probes {
    fn encode(probes: &[&FaceTemplate], precision: Precision) -> Probes {
        match precision {
            Precision::F32 | Precision::F16 => Probes::F32(
                probes
                    .iter()
                    .flat_map(|p| p.values().iter().copied())
                    .collect(),
            ),
            Precision::I8 => {
                let mut codes = Vec::new();
                let scales = probes
                    .iter()
                    .map(|p| quant::quantise_i8(p.values(), &mut codes))
                    .collect();
                Probes::I8 { codes, scales }
            }
        }
    }

    fn count(&self, dim: usize) -> usize {
        match self {
            Probes::F32(v) => v.len() / dim,
            Probes::I8 { scales, .. } => scales.len(),
        }
    }
}

/// Per-worker scratch buffers.
#[derive(Default)]
struct Scratch {
    scores: Vec<f32>,
    ints: Vec<i32>,
}

/// Scores rows `span` of `seg` against every probe: `scratch.scores[q * span.len() + r]`.
fn score_rows(
    kern: &Kernels,
    seg: &Segment,
    span: std::ops::Range<usize>,
    probes: &Probes,
    dim: usize,
    scratch: &mut Scratch,
) {
    let n = span.len();
    let nq = probes.count(dim);
    let values = span.start * dim..span.end * dim;
    scratch.scores.clear();
    scratch.scores.resize(nq * n, 0.0);
    match (&seg.rows, probes) {
        (Rows::F32(rows), Probes::F32(p)) => {
            kern.dots_f32(p, &rows[values], dim, &mut scratch.scores)
        }
        (Rows::F16(rows), Probes::F32(p)) => {
            kern.dots_f16(p, &rows[values], dim, &mut scratch.scores)
        }
        (
            Rows::I8 { codes, scales },
            Probes::I8 {
                codes: pc,
                scales: ps,
            },
        ) => {
            scratch.ints.clear();
            scratch.ints.resize(nq * n, 0);
            kern.dots_i8(pc, &codes[values], dim, &mut scratch.ints);
            let outs = scratch.scores.chunks_exact_mut(n);
            for ((out, ints), pscale) in outs.zip(scratch.ints.chunks_exact(n)).zip(ps) {
                for ((o, i), s) in out.iter_mut().zip(ints).zip(&scales[span.clone()]) {
                    *o = *i as f32 * (pscale * s);
                }
            }
        }
        _ => unreachable!("probes are encoded for the index precision"),
    }
}

/// Rows scored per step: a whole segment for one probe (a pure stream), an L2-sized tile for
/// a batch (the tile is reused by every probe and the score buffer stays small).
fn rows_per_step(nq: usize, precision: Precision, dim: usize) -> usize {
    if nq == 1 {
        SEGMENT_ROWS
    } else {
        (ROW_TILE_BYTES / precision.bytes_per_vector(dim)).max(4)
    }
}

/// A flat (exhaustive) face gallery index, safe to search from many threads while others
/// enrol and remove.
///
/// The index accepts templates of one model and one dimension; since [`FaceTemplate::new`]
/// only builds templates of dimension 128..=4096, an index created with another `dim`
/// rejects every template ([`FaceError::WrongDimension`]).
pub struct FaceIndex {
    model: String,
    dim: usize,
    precision: Precision,
    /// The published snapshot (searches clone it under a short read lock).
    current: RwLock<Arc<Snapshot>>,
    /// Writers' bookkeeping; holding it is what makes a writer the only one.
    writer: Mutex<Slots>,
    calibration: RwLock<Option<Calibration>>,
    kernels: &'static Kernels,
    batch_product: BatchProduct,
}

impl fmt::Debug for FaceIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaceIndex")
            .field("model", &self.model)
            .field("dim", &self.dim)
            .field("precision", &self.precision)
            .field("len", &self.len())
            .finish()
    }
}

impl FaceIndex {
    /// An empty index for embeddings of `dim` values from `model`, stored at `precision`.
    pub fn new(model: &str, dim: usize, precision: Precision) -> FaceIndex {
        FaceIndex {
            model: model.to_string(),
            dim,
            precision,
            current: RwLock::new(Arc::default()),
            writer: Mutex::new(Slots::default()),
            calibration: RwLock::new(None),
            kernels: kernels::best(),
            batch_product: kernels::best().default_batch_product(precision),
        }
    }

    /// This index with the kernels of `isa` (and that family's default batch product), or
    /// `None` when the CPU cannot run them. For benchmarks and cross-checks: the best family
    /// is chosen by default, and every family gives the same results (f32 and f16 scores
    /// within rounding of the summation order, int8 scores identical).
    pub fn with_isa(mut self, isa: Isa) -> Option<FaceIndex> {
        self.kernels = kernels::of_isa(isa)?;
        self.batch_product = self.kernels.default_batch_product(self.precision);
        Some(self)
    }

    /// This index with batches scored by `product`, or `None` when its kernel family has no
    /// such product ([`BatchProduct::Panels`] exists for AVX-512 only).
    pub fn with_batch_product(mut self, product: BatchProduct) -> Option<FaceIndex> {
        if product == BatchProduct::Panels && !self.kernels.has_batch() {
            return None;
        }
        self.batch_product = product;
        Some(self)
    }

    /// The instruction-set family of this index's kernels.
    pub fn isa(&self) -> Isa {
        self.kernels.isa()
    }

    /// How batches of at least 8 probes are scored.
    pub fn batch_product(&self) -> BatchProduct {
        self.batch_product
    }

    /// The model tag templates must carry.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The embedding dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The storage precision.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Bytes a single-probe search reads (stored vectors and scales, not ids).
    pub fn vector_bytes(&self) -> usize {
        self.len() * self.precision.bytes_per_vector(self.dim)
    }

    fn check(&self, t: &FaceTemplate) -> Result<(), FaceError> {
        if t.model() != self.model {
            return Err(FaceError::ModelMismatch {
                expected: self.model.clone(),
                got: t.model().to_string(),
            });
        }
        if t.values().len() != self.dim {
            return Err(FaceError::WrongDimension {
                expected: self.dim,
                got: t.values().len(),
            });
        }
        Ok(())
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The published snapshot: what a search started now sees.
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Applies `edit` (which must succeed: callers check first) as one write and publishes
    /// the result. The caller holds the writer mutex (`slots`).
    fn write(&self, slots: &mut Slots, edit: impl FnOnce(&mut Slots, &mut Snapshot)) {
        {
            // In place when nothing else refers to the snapshot or its segments: the edit
            // copies nothing, so holding the publishing lock for it is short. Readers only
            // clone under the read lock, so the counts cannot grow while it is held.
            let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
            if let Some(snap) = Arc::get_mut(&mut current)
                && snap.segments_unshared()
            {
                edit(slots, snap);
                return;
            }
        }
        // Otherwise copy outside the publishing lock (only the touched segments are copied,
        // by `Arc::make_mut`), then publish by swapping the `Arc`.
        let mut next = (*self.snapshot()).clone();
        edit(slots, &mut next);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    }

    /// Enrols a template under `id`.
    pub fn enrol(&self, id: u64, template: &FaceTemplate) -> Result<(), FaceError> {
        self.check(template)?;
        let enc = Encoded::from_values(template.values(), self.precision);
        let mut slots = self.lock_writer();
        if slots.slots.contains_key(&id) {
            return Err(FaceError::DuplicateId(id));
        }
        let precision = self.precision;
        self.write(&mut slots, |sl, snap| sl.insert(snap, id, &enc, precision));
        Ok(())
    }

    /// Enrols many templates at once, all or nothing: any invalid template or duplicate id
    /// (within `entries` or already enrolled) rejects the whole call. Searches see either
    /// none or all of them.
    pub fn enrol_many(&self, entries: &[(u64, FaceTemplate)]) -> Result<(), FaceError> {
        for (_, t) in entries {
            self.check(t)?;
        }
        let encoded: Vec<Encoded> = entries
            .par_iter()
            .map(|(_, t)| Encoded::from_values(t.values(), self.precision))
            .collect();
        self.insert_encoded(entries.iter().map(|(id, _)| *id).zip(encoded))
    }

    /// Inserts already-encoded rows (all or nothing on duplicate ids).
    pub(crate) fn insert_encoded(
        &self,
        rows: impl IntoIterator<Item = (u64, Encoded)>,
    ) -> Result<(), FaceError> {
        let rows: Vec<(u64, Encoded)> = rows.into_iter().collect();
        let mut seen = std::collections::HashSet::with_capacity(rows.len());
        if let Some((id, _)) = rows.iter().find(|(id, _)| !seen.insert(*id)) {
            return Err(FaceError::DuplicateId(*id));
        }
        let mut slots = self.lock_writer();
        if let Some((id, _)) = rows.iter().find(|(id, _)| slots.slots.contains_key(id)) {
            return Err(FaceError::DuplicateId(*id));
        }
        let precision = self.precision;
        self.write(&mut slots, |sl, snap| {
            for (id, enc) in &rows {
                sl.insert(snap, *id, enc, precision);
            }
        });
        Ok(())
    }

    /// Removes `id`.
    pub fn remove(&self, id: u64) -> Result<(), FaceError> {
        let mut slots = self.lock_writer();
        if !slots.slots.contains_key(&id) {
            return Err(FaceError::UnknownId(id));
        }
        let dim = self.dim;
        self.write(&mut slots, |sl, snap| {
            // Checked above under the same writer lock.
            let _ = sl.remove(snap, id, dim);
        });
        Ok(())
    }

    /// Whether `id` is enrolled (waits for a write in progress).
    pub fn contains(&self, id: u64) -> bool {
        self.lock_writer().slots.contains_key(&id)
    }

    /// Number of enrolled templates.
    pub fn len(&self) -> usize {
        self.snapshot().len
    }

    /// True when nothing is enrolled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stored (for f16 and int8: dequantised) vector of `id`.
    pub fn stored_vector(&self, id: u64) -> Result<Vec<f32>, FaceError> {
        // Under the writer mutex the slots describe the published snapshot.
        let slots = self.lock_writer();
        let (s, row) = *slots.slots.get(&id).ok_or(FaceError::UnknownId(id))?;
        Ok(self.snapshot().segments[s].decoded(row, self.dim))
    }

    /// The `k` best candidates, best first (ties: smaller id first).
    pub fn search_top_k(
        &self,
        probe: &FaceTemplate,
        k: usize,
    ) -> Result<Vec<Candidate>, FaceError> {
        Ok(self.search_batch(std::slice::from_ref(probe), k)?.remove(0))
    }

    /// The `k` best candidates of each probe, best first. Several probes are scored together
    /// tile by tile (the gallery is read from memory once per batch), which makes the search
    /// compute-bound: use batches when many probes are waiting. From 8 probes on, the
    /// probes are packed in panels of 16 and scored by register-blocked FMA / VNNI kernels on
    /// AVX-512 CPUs (about 6x the single-probe throughput per probe at 100 probes, one
    /// thread, 1M x 512 f32), and by one `faer` matrix product per tile on AVX2 and NEON (see
    /// [`FaceIndex::with_batch_product`]).
    pub fn search_batch(
        &self,
        probes: &[FaceTemplate],
        k: usize,
    ) -> Result<Vec<Vec<Candidate>>, FaceError> {
        self.search_batch_in(&self.snapshot(), probes, k)
    }

    /// The `k` best candidates of `probe` in `snap` (a snapshot of this index taken earlier,
    /// e.g. with a gallery's), best first.
    pub(crate) fn search_top_k_in(
        &self,
        snap: &Snapshot,
        probe: &FaceTemplate,
        k: usize,
    ) -> Result<Vec<Candidate>, FaceError> {
        Ok(self
            .search_batch_in(snap, std::slice::from_ref(probe), k)?
            .remove(0))
    }

    /// [`FaceIndex::search_batch`] over the snapshot `snap`.
    fn search_batch_in(
        &self,
        snap: &Snapshot,
        probes: &[FaceTemplate],
        k: usize,
    ) -> Result<Vec<Vec<Candidate>>, FaceError> {
        for p in probes {
            self.check(p)?;
        }
        if probes.is_empty() {
            return Ok(Vec::new());
        }
        let kern = self.kernels;
        if probes.len() >= BATCH_MIN_PROBES && self.batch_product != BatchProduct::Rows {
            let heaps = super::batch::search(
                kern,
                self.batch_product,
                snap,
                probes,
                self.precision,
                self.dim,
                k,
            );
            return Ok(heaps
                .into_iter()
                .map(|h| to_candidates(h.into_sorted_vec()))
                .collect());
        }
        let refs: Vec<&FaceTemplate> = probes.iter().collect();
        let enc = Probes::encode(&refs, self.precision);
        let nq = probes.len();
        let step = rows_per_step(nq, self.precision, self.dim);
        let dim = self.dim;
        let heaps = snap
            .segments
            .par_iter()
            .filter(|seg| seg.len() > 0)
            .fold(
                || (vec![TopK::new(k); nq], Scratch::default()),
                |(mut heaps, mut scratch), seg| {
                    for r0 in (0..seg.len()).step_by(step) {
                        let span = r0..(r0 + step).min(seg.len());
                        let n = span.len();
                        score_rows(kern, seg, span.clone(), &enc, dim, &mut scratch);
                        for (q, heap) in heaps.iter_mut().enumerate() {
                            let scores = &scratch.scores[q * n..(q + 1) * n];
                            push_all(heap, &seg.ids[span.clone()], scores);
                        }
                    }
                    (heaps, scratch)
                },
            )
            .map(|(heaps, _)| heaps)
            .reduce(
                || vec![TopK::new(k); nq],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        x.merge(y);
                    }
                    a
                },
            );
        Ok(heaps
            .into_iter()
            .map(|h| to_candidates(h.into_sorted_vec()))
            .collect())
    }

    /// Every candidate scoring at or above `threshold`, best first.
    pub fn search_threshold(
        &self,
        probe: &FaceTemplate,
        threshold: f32,
    ) -> Result<Vec<Candidate>, FaceError> {
        self.check(probe)?;
        let snap = self.snapshot();
        let enc = Probes::encode(&[probe], self.precision);
        let kern = self.kernels;
        let dim = self.dim;
        let mut hits: Vec<Scored> = snap
            .segments
            .par_iter()
            .filter(|seg| seg.len() > 0)
            .fold(
                || (Vec::new(), Scratch::default()),
                |(mut hits, mut scratch), seg| {
                    score_rows(kern, seg, 0..seg.len(), &enc, dim, &mut scratch);
                    hits.extend(
                        seg.ids
                            .iter()
                            .zip(&scratch.scores)
                            .filter(|(_, s)| **s >= threshold)
                            .map(|(id, s)| Scored { id: *id, score: *s }),
                    );
                    (hits, scratch)
                },
            )
            .map(|(hits, _)| hits)
            .reduce(Vec::new, |mut a, mut b| {
                a.append(&mut b);
                a
            });
        sort_best_first(&mut hits);
        Ok(to_candidates(hits))
    }

    /// Builds the calibration from impostor scores (the integrator's own data) and keeps it
    /// with the index (it is saved and loaded with it).
    pub fn calibrate(&self, impostor_scores: &[f64]) -> Result<(), FaceError> {
        let c = Calibration::from_impostor_scores(impostor_scores)?;
        self.set_calibration(Some(c));
        Ok(())
    }

    /// Replaces (or clears) the calibration.
    pub fn set_calibration(&self, calibration: Option<Calibration>) {
        *self.calibration.write().unwrap_or_else(|p| p.into_inner()) = calibration;
    }

    /// The calibration, if any.
    pub fn calibration(&self) -> Option<Calibration> {
        self.calibration
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The score threshold whose estimated false-match rate is at most `fmr`.
    pub fn threshold_for_fmr(&self, fmr: f64) -> Result<f64, FaceError> {
        let c = self.calibration().ok_or(FaceError::NotCalibrated)?;
        Ok(c.threshold_for_fmr(fmr)?)
    }

    /// The estimated false-match rate of a score.
    pub fn fmr_of_score(&self, score: f64) -> Result<f64, FaceError> {
        let c = self.calibration().ok_or(FaceError::NotCalibrated)?;
        Ok(c.fmr_of_score(score))
    }
}

/// Offers a segment's scores to a heap, skipping those below its admission score (the ids,
/// a second stream of 8 bytes per row, are only read for admitted rows).
fn push_all(heap: &mut TopK, ids: &[u64], scores: &[f32]) {
    let mut floor = heap.admission_score().unwrap_or(f32::NEG_INFINITY);
    for (i, s) in scores.iter().enumerate() {
        if *s >= floor {
            heap.push(ids[i], *s);
            if let Some(f) = heap.admission_score() {
                floor = f;
            }
        }
    }
}

fn to_candidates(v: Vec<Scored>) -> Vec<Candidate> {
    v.into_iter()
        .map(|s| Candidate {
            id: s.id,
            score: s.score,
        })
        .collect()
}
