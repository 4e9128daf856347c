//! The probe-side edge index and the edge matching that produces candidate correspondences.
//!
//! Every edge of the probe is stored in both directions and filed into all hash buckets its
//! tolerance box touches (quantised length × the two relative minutia directions). A
//! candidate edge then looks in exactly one bucket and verifies the few probe edges there,
//! so the cost is linear in the number of edges instead of quadratic.

use super::geometry;
use super::params::MatcherParams;
use super::prepare::Edge;

/// Two edges that agree: minutia `p[0]` of the probe corresponds to `c[0]` of the candidate
/// and `p[1]` to `c[1]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct EdgeMatch {
    /// Probe minutiae (start, end).
    pub(crate) p: [u8; 2],
    /// Candidate minutiae (start, end).
    pub(crate) c: [u8; 2],
    /// Rotation taking the probe edge onto the candidate edge.
    pub(crate) rot: u16,
    /// Normalised disagreement, 0 (identical) to about 3000 (every feature at its tolerance).
    pub(crate) err: u16,
}

/// Tolerances in the units the hot loop uses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tolerances {
    pub(crate) length: f32,
    pub(crate) length_ratio: f32,
    pub(crate) angle: u16,
    /// [`MatcherParams::anisotropy`].
    pub(crate) anisotropy: f32,
    /// [`MatcherParams::anisotropy_rotation`] in angle units.
    pub(crate) anisotropy_rotation: u16,
    /// The largest extra length tolerance anisotropy can add, as a fraction of the mean length.
    pub(crate) anisotropy_cap: f32,
}

impl Tolerances {
    pub(crate) fn new(params: &MatcherParams) -> Tolerances {
        let anisotropy = if params.anisotropy.is_finite() {
            params.anisotropy.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Tolerances {
            length: params.length_tolerance.max(0.0),
            length_ratio: params.length_tolerance_ratio.clamp(0.0, 1.0),
            angle: geometry::tolerance(params.angle_tolerance).max(1),
            anisotropy,
            anisotropy_rotation: geometry::tolerance(params.anisotropy_rotation),
            anisotropy_cap: anisotropy
                * params
                    .anisotropy_rotation
                    .clamp(0.0, 90.0)
                    .to_radians()
                    .sin(),
        }
    }
}

/// At most this many length bins.
const MAX_LENGTH_BINS: usize = 256;

/// Fixed-point scale of [`Slot::len`].
const LEN_SCALE: f32 = 8.0;

/// A directed edge as filed in a bucket: the features the verification reads, in 8 bytes,
/// so a bucket is one short contiguous read.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    alpha_a: u16,
    alpha_b: u16,
    /// Length × [`LEN_SCALE`].
    len: u16,
    /// Index into [`EdgeIndex::ends`].
    id: u16,
}

/// The minutiae, direction and squared y extent (for the anisotropy allowance) of a directed
/// edge: the rest of what a verification reads, in 8 bytes.
#[derive(Clone, Copy, Debug, Default)]
struct Ends {
    a: u8,
    b: u8,
    phi: u16,
    y2: f32,
}

/// The bucketed directed edges of one view.
#[derive(Clone, Debug, Default)]
pub(crate) struct EdgeIndex {
    starts: Vec<u32>,
    entries: Vec<Slot>,
    ends: Vec<Ends>,
    length_bin: f32,
    length_bins: usize,
    angle_shift: u32,
}

impl EdgeIndex {
    /// An index with no edges and no table, only the bucket geometry of `params`: enough for
    /// [`EdgeIndex::bucket`] (the candidate side needs nothing more).
    pub(crate) fn geometry_only(params: &MatcherParams) -> EdgeIndex {
        let angle_bits = params.index_angle_bits.clamp(1, 6);
        let length_bin = params.index_length_bin.max(1.0);
        EdgeIndex {
            starts: Vec::new(),
            entries: Vec::new(),
            ends: Vec::new(),
            length_bin,
            // Capped so that odd parameters cannot ask for a huge table (longer edges share
            // the last bin, which only costs verifications).
            length_bins: ((params.max_edge_length.max(0.0) / length_bin) as usize + 1)
                .min(MAX_LENGTH_BINS),
            angle_shift: 16 - angle_bits,
        }
    }

    /// Files `edges` (and their reverses) into buckets.
    pub(crate) fn build(edges: &[Edge], params: &MatcherParams) -> EdgeIndex {
        let tol = Tolerances::new(params);
        let EdgeIndex {
            length_bin,
            length_bins,
            angle_shift,
            ..
        } = EdgeIndex::geometry_only(params);
        let angle_bits = 16 - angle_shift;
        let angle_bins = 1usize << angle_bits;
        let buckets = length_bins * angle_bins * angle_bins;
        let mut directed = Vec::with_capacity(edges.len() * 2);
        for e in edges {
            directed.push(*e);
            directed.push(Edge {
                a: e.b,
                b: e.a,
                alpha_a: e.alpha_b.wrapping_add(0x8000),
                alpha_b: e.alpha_a.wrapping_add(0x8000),
                phi: e.phi.wrapping_add(0x8000),
                len: e.len,
                y2: e.y2,
                bucket: 0,
            });
        }
        // Bucket ranges each directed edge must be filed under.
        let r = (tol.length_ratio + tol.anisotropy_cap * 0.5) * 0.5;
        let lbin = |len: f32| ((len.max(0.0) / length_bin) as usize).min(length_bins - 1);
        let abins = |a: u16| {
            let lo = a.wrapping_sub(tol.angle) >> angle_shift;
            let hi = a.wrapping_add(tol.angle) >> angle_shift;
            let count = (hi.wrapping_sub(lo) as usize & (angle_bins - 1)) + 1;
            (lo as usize, count)
        };
        let mut pairs: Vec<(u32, u16)> = Vec::new();
        for (i, e) in directed.iter().enumerate() {
            let lo = (e.len * (1.0 - r) - tol.length) / (1.0 + r);
            let hi = (e.len * (1.0 + r) + tol.length) / (1.0 - r).max(1e-3);
            // Spread over the length and first-angle bins its tolerance touches; the second
            // angle is filed under its own bin only and widened by the lookup, which then
            // reads one contiguous run of buckets (two where the angle wraps).
            let (a0, na) = abins(e.alpha_a);
            let bb = (e.alpha_b >> angle_shift) as usize;
            for l in lbin(lo)..=lbin(hi) {
                for ia in 0..na {
                    let ab = (a0 + ia) & (angle_bins - 1);
                    let bucket = (l * angle_bins + ab) * angle_bins + bb;
                    pairs.push((bucket as u32, i as u16));
                }
            }
        }
        pairs.sort_unstable();
        let mut starts = vec![0u32; buckets + 1];
        for &(b, _) in &pairs {
            starts[b as usize + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        let entries = pairs
            .into_iter()
            .map(|(_, i)| {
                let e = &directed[i as usize];
                Slot {
                    alpha_a: e.alpha_a,
                    alpha_b: e.alpha_b,
                    len: (e.len * LEN_SCALE).round().clamp(0.0, u16::MAX as f32) as u16,
                    id: i,
                }
            })
            .collect();
        let ends = directed
            .iter()
            .map(|e| Ends {
                a: e.a,
                b: e.b,
                phi: e.phi,
                y2: e.y2,
            })
            .collect();
        EdgeIndex {
            starts,
            entries,
            ends,
            length_bin,
            length_bins,
            angle_shift,
        }
    }

    /// The first bucket of the run a candidate edge looks in (its length and first-angle
    /// bin; the run spans the second-angle bins).
    #[inline]
    pub(crate) fn bucket(&self, e: &Edge) -> usize {
        let l = ((e.len / self.length_bin) as usize).min(self.length_bins - 1);
        let shift = self.angle_shift;
        let angle_bins = 1usize << (16 - shift);
        (l * angle_bins + (e.alpha_a >> shift) as usize) * angle_bins
    }

    /// Appends to `out` every pair of a probe edge (from this index) and a candidate edge that
    /// agree within the tolerances.
    pub(crate) fn match_edges(
        &self,
        candidate: &[Edge],
        tol: &Tolerances,
        out: &mut Vec<EdgeMatch>,
    ) {
        if self.starts.is_empty() {
            return;
        }
        let angle_scale = 1000.0 / tol.angle as f32;
        let shift = self.angle_shift;
        let angle_bins = 1usize << (16 - shift);
        let last_row = self.starts.len() - 1 - angle_bins;
        // `out[..n]` holds the matches; the verification writes every slot's outcome at `n`
        // and advances `n` only when it agrees (no branch on the outcome).
        let mut n = out.len();
        for ce in candidate {
            // Rows were computed by the same parameters at preparation.
            let row = (ce.bucket as usize).min(last_row);
            let lo = (ce.alpha_b.wrapping_sub(tol.angle) >> shift) as usize;
            let hi = (ce.alpha_b.wrapping_add(tol.angle) >> shift) as usize;
            if lo <= hi {
                n = self.verify(ce, row + lo, row + hi + 1, tol, angle_scale, out, n);
            } else {
                n = self.verify(ce, row + lo, row + angle_bins, tol, angle_scale, out, n);
                n = self.verify(ce, row, row + hi + 1, tol, angle_scale, out, n);
            }
        }
        out.truncate(n);
    }

    /// Verifies the candidate edge against the slots of buckets `from..to`, writing the
    /// agreeing ones to `out[n..]`; returns the new count.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn verify(
        &self,
        ce: &Edge,
        from: usize,
        to: usize,
        tol: &Tolerances,
        angle_scale: f32,
        out: &mut Vec<EdgeMatch>,
        mut n: usize,
    ) -> usize {
        let (s, t) = (self.starts[from] as usize, self.starts[to] as usize);
        let slots = &self.entries[s..t];
        if out.len() < n + slots.len() {
            out.resize(n + slots.len() + 64, EdgeMatch::default());
        }
        // At most one match per slot: `n` stays within the buffer.
        let out = &mut out[..n + slots.len()];
        for pe in slots {
            // Every test is evaluated for every slot and combined without branches: most
            // slots fail, unpredictably which test, so branches would mostly mispredict.
            let ends = self.ends[pe.id as usize];
            let da = geometry::distance(pe.alpha_a, ce.alpha_a);
            let db = geometry::distance(pe.alpha_b, ce.alpha_b);
            let plen = pe.len as f32 * (1.0 / LEN_SCALE);
            let sum = plen + ce.len;
            let dl = (plen - ce.len).abs();
            let lt = tol.length + tol.length_ratio * 0.5 * sum;
            let rot = ce.phi.wrapping_sub(ends.phi);
            // The anisotropy allowance, for edge pairs rotated little enough.
            let cap = tol.anisotropy_cap * 0.25 * sum;
            let extra = (tol.anisotropy * (ends.y2 - ce.y2).abs() / sum).min(cap);
            let stretched = geometry::distance(rot, 0) <= tol.anisotropy_rotation;
            let limit = if dl > lt { lt + extra } else { lt };
            let agrees = (da <= tol.angle)
                & (db <= tol.angle)
                & ((dl <= lt) | (stretched & (dl <= limit)));
            let err = dl / limit * 1000.0 + (da as f32 + db as f32) * angle_scale;
            out[n] = EdgeMatch {
                p: [ends.a, ends.b],
                c: [ce.a, ce.b],
                rot,
                err: err as u16,
            };
            n += agrees as usize;
        }
        n
    }
}
