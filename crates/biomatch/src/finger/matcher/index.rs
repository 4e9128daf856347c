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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

impl Tolerances {
    pub(crate) fn new(params: &MatcherParams) -> Tolerances {
        Tolerances {
            length: params.length_tolerance.max(0.0),
            length_ratio: params.length_tolerance_ratio.clamp(0.0, 1.0),
            angle: geometry::tolerance(params.angle_tolerance).max(1),
        }
    }
}

/// A directed edge as filed in a bucket (compact, so a bucket is one contiguous read).
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    alpha_a: u16,
    alpha_b: u16,
    phi: u16,
    a: u8,
    b: u8,
    len: f32,
}

/// The bucketed directed edges of one view.
#[derive(Clone, Debug, Default)]
pub(crate) struct EdgeIndex {
    starts: Vec<u32>,
    entries: Vec<Slot>,
    length_bin: f32,
    length_bins: usize,
    angle_shift: u32,
}

impl EdgeIndex {
    /// Files `edges` (and their reverses) into buckets.
    pub(crate) fn build(edges: &[Edge], params: &MatcherParams) -> EdgeIndex {
        let tol = Tolerances::new(params);
        let angle_bits = params.index_angle_bits.clamp(1, 6);
        let length_bin = params.index_length_bin.max(1.0);
        let length_bins = (params.max_edge_length.max(0.0) / length_bin) as usize + 1;
        let angle_shift = 16 - angle_bits;
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
            });
        }
        // Bucket ranges each directed edge must be filed under.
        let r = tol.length_ratio * 0.5;
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
            let (a0, na) = abins(e.alpha_a);
            let (b0, nb) = abins(e.alpha_b);
            for l in lbin(lo)..=lbin(hi) {
                for ia in 0..na {
                    let ab = (a0 + ia) & (angle_bins - 1);
                    for ib in 0..nb {
                        let bb = (b0 + ib) & (angle_bins - 1);
                        let bucket = (l * angle_bins + ab) * angle_bins + bb;
                        pairs.push((bucket as u32, i as u16));
                    }
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
                    phi: e.phi,
                    a: e.a,
                    b: e.b,
                    len: e.len,
                }
            })
            .collect();
        EdgeIndex {
            starts,
            entries,
            length_bin,
            length_bins,
            angle_shift,
        }
    }

    /// The bucket a candidate edge looks in.
    #[inline]
    fn bucket(&self, e: &Edge) -> usize {
        let l = ((e.len / self.length_bin) as usize).min(self.length_bins - 1);
        let shift = self.angle_shift;
        let angle_bins = 1usize << (16 - shift);
        (l * angle_bins + (e.alpha_a >> shift) as usize) * angle_bins
            + (e.alpha_b >> shift) as usize
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
        for ce in candidate {
            let b = self.bucket(ce);
            let (s, t) = (self.starts[b] as usize, self.starts[b + 1] as usize);
            for pe in &self.entries[s..t] {
                let da = geometry::distance(pe.alpha_a, ce.alpha_a);
                let db = geometry::distance(pe.alpha_b, ce.alpha_b);
                let dl = (pe.len - ce.len).abs();
                let lt = tol.length + tol.length_ratio * 0.5 * (pe.len + ce.len);
                // One branch for the three tests: most slots fail, unpredictably which test.
                if !((da <= tol.angle) & (db <= tol.angle) & (dl <= lt)) {
                    continue;
                }
                let err = dl / lt * 1000.0 + (da as f32 + db as f32) * angle_scale;
                out.push(EdgeMatch {
                    p: [pe.a, pe.b],
                    c: [ce.a, ce.b],
                    rot: ce.phi.wrapping_sub(pe.phi),
                    err: err as u16,
                });
            }
        }
    }
}
