//! The probe-side edge index and the edge matching that produces candidate correspondences.
//!
//! Every edge of the probe is stored in both directions and filed into all hash buckets its
//! tolerance box touches (quantised length × the two relative minutia directions). A
//! candidate edge then looks in exactly one bucket and verifies the few probe edges there,
//! so the cost is linear in the number of edges instead of quadratic. The verification itself
//! is a kernel chosen at run time ([`super::verify`]).

use super::geometry;
use super::params::MatcherParams;
use super::prepare::Edge;
use super::verify::{self, Kernel, SlotColumns};

/// Two edges that agree: minutia `p[0]` of the probe corresponds to `c[0]` of the candidate
/// and `p[1]` to `c[1]`. Laid out as one little-endian `u64` (`p`, `c`, `rot`, `err` from the
/// low bytes up), which the SIMD verification writes directly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
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
    pub(crate) angle: u16,
    /// [`MatcherParams::anisotropy`].
    pub(crate) anisotropy: f32,
    /// [`MatcherParams::anisotropy_rotation`] in angle units.
    pub(crate) anisotropy_rotation: u16,
    /// Half [`MatcherParams::length_tolerance_ratio`]: the relative length tolerance per unit
    /// of summed length (twice the mean length).
    pub(crate) half_ratio: f32,
    /// The largest extra length tolerance anisotropy can add, per unit of summed length:
    /// `anisotropy × sin(anisotropy_rotation) / 4`.
    pub(crate) quarter_cap: f32,
    /// Disagreement units per angle unit (1000 at the angle tolerance).
    pub(crate) angle_scale: f32,
    /// The verification kernel this CPU runs.
    pub(crate) kernel: Kernel,
}

impl Tolerances {
    pub(crate) fn new(params: &MatcherParams) -> Tolerances {
        let anisotropy = if params.anisotropy.is_finite() {
            params.anisotropy.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let length_ratio = params.length_tolerance_ratio.clamp(0.0, 1.0);
        let angle = geometry::tolerance(params.angle_tolerance).max(1);
        let anisotropy_cap = anisotropy
            * params
                .anisotropy_rotation
                .clamp(0.0, 90.0)
                .to_radians()
                .sin();
        Tolerances {
            length: params.length_tolerance.max(0.0),
            angle,
            anisotropy,
            anisotropy_rotation: geometry::tolerance(params.anisotropy_rotation),
            half_ratio: length_ratio * 0.5,
            quarter_cap: anisotropy_cap * 0.25,
            angle_scale: 1000.0 / angle as f32,
            kernel: Kernel::detect(),
        }
    }
}

/// At most this many length bins.
const MAX_LENGTH_BINS: usize = 256;

/// Fixed-point scale of the stored probe edge lengths ([`SlotColumns::len`]).
pub(crate) const LEN_SCALE: f32 = 8.0;

/// The bucketed directed edges of one view.
#[derive(Clone, Debug, Default)]
pub(crate) struct EdgeIndex {
    /// Bucket `i` holds slots `starts[i]..starts[i + 1]`.
    starts: Vec<u32>,
    /// The filed directed edges, bucket by bucket.
    slots: SlotColumns,
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
            slots: SlotColumns::default(),
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
        let r = tol.half_ratio + tol.quarter_cap;
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
        let mut slots = SlotColumns::with_capacity(pairs.len() + verify::SLOT_PADDING);
        for &(_, i) in &pairs {
            let e = &directed[i as usize];
            slots.push(
                e.alpha_a,
                e.alpha_b,
                (e.len * LEN_SCALE).round().clamp(0.0, u16::MAX as f32) as u16,
                u32::from(e.a) | u32::from(e.b) << 8 | u32::from(e.phi) << 16,
                e.y2,
            );
        }
        slots.pad();
        EdgeIndex {
            starts,
            slots,
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

    /// Writes to `out[..count]` every pair of a probe edge (from this index) and a candidate
    /// edge that agree within the tolerances, and returns `count`. `out` only ever grows: what
    /// lies beyond `count` is left over from earlier calls.
    pub(crate) fn match_edges(
        &self,
        candidate: &[Edge],
        tol: &Tolerances,
        out: &mut Vec<EdgeMatch>,
    ) -> usize {
        if self.starts.is_empty() {
            return 0;
        }
        verify::match_edges(
            &verify::Buckets {
                starts: &self.starts,
                slots: &self.slots,
                angle_shift: self.angle_shift,
            },
            candidate,
            tol,
            out,
        )
    }
}
