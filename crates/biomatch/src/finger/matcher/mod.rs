//! Fingerprint 1:1 minutiae matcher.
//!
//! A view is prepared once ([`Matcher::prepare`]) and then compared against many prepared
//! views with [`Matcher::score`], reusing one [`MatchScratch`] per thread.
//!
//! # Algorithm
//! 1. **Prepare** ([`Matcher::prepare`]): minutiae are scaled to a 500 ppi frame using the
//!    view's stated resolution, y is flipped so angles are ordinary counter-clockwise angles,
//!    and every minutia is joined to its nearest neighbours by *edges*. An edge is described
//!    by rotation- and translation-invariant features: its length and the two minutia
//!    directions relative to it (plus its squared extent along the frame's y axis, for the
//!    anisotropy allowance below). The edges are filed in a hash index (both directions,
//!    under every length and first-angle bin their tolerance touches), and a coarse footprint
//!    of the area the minutiae cover is kept. Minutia type and quality are ignored
//!    (unreliable across extractors).
//! 2. **Edge matching**: each candidate edge reads one contiguous run of buckets of the
//!    probe's index (its second angle widened by the tolerance) and verifies the few probe
//!    edges there: lengths within an absolute plus a relative tolerance, relative directions
//!    within an angle tolerance. Lengths may also differ as far as an unknown axis-aligned
//!    anisotropic scale of the image frame predicts for the two edges' directions (SDKs that
//!    resample every image into a fixed frame, or scanners with unequal x/y resolution, make
//!    a rotated finger's edges stretch by direction; pressure does much the same); this
//!    allowance applies only to edge pairs rotated by at most
//!    [`MatcherParams::anisotropy_rotation`]. Every agreement proposes two minutia
//!    correspondences and carries its *closeness* (1 identical, 0 at the tolerances). Work is
//!    linear in the number of edges.
//! 3. **Consolidation**: the correspondences proposed by at least four agreeing edges are the
//!    possible roots; from the best-supported few, a crawl follows agreeing edges to free
//!    correspondences, smallest disagreement first, keeping the rotation close to the root's.
//!    Local checks only, so skin distortion is tolerated. Pairs a rigid fit of the whole
//!    pairing places too far off (relative to their distance from its centre) are dropped.
//!    The pairing with the most *supporting edges* (agreeing edges whose both ends are pairs)
//!    wins. A comparison without any root stops after the edge matching (score 0).
//! 4. **Score**: the summed closeness of the supporting edges, divided by the number of
//!    agreeing edge pairs the edge matching found at all raised to
//!    [`MatcherParams::chance_exponent`], squashed into `[0, 1)` by `x / (x + score_half)`.
//!    A genuine pairing is a dense web of mutually consistent, closely agreeing edges; a
//!    chance pairing is a sparse chain. The number of agreeing edge pairs measures how easily
//!    this pair of views agrees by chance (dense or squeezed minutiae, many short edges,
//!    similar ridge flow): dividing by it evens out the impostor score distribution across
//!    capture conditions, which is what lets one calibration hold on another data set.
//!
//! # Score semantics
//! The score is in `[0, 1)`: 0 means no evidence of a common finger (also for empty or
//! degenerate views, which never panic or give NaN), and it grows with the amount of
//! consistent structure the two views share. It is a similarity, not a probability. Pooled
//! over the eight FVC 2002/2004 databases of the accuracy test (SecuGen ISO templates,
//! 23,040 impostor comparisons), about 1 % of impostor comparisons score 0.22 or more,
//! 0.1 % score 0.28 or more and none reached 0.34, while the median genuine comparison
//! scores about 0.55. So roughly: 0.25 is a permissive threshold (FMR near 0.4 %), 0.30 a
//! strict one (FMR near 0.04 %), above 0.35 is strong evidence. Calibrate on your own data
//! for a target false-match rate ([`crate::calibration`]).
//!
//! The comparison is deterministic. Only the probe's index is read, so a probe compared
//! against many candidates stays in cache; `score(a, b)` and `score(b, a)` agree closely
//! but not bit for bit (ties in the crawl are broken by each side's own minutia order, and
//! the index stores lengths in fixed point): within 10 % + 0.02 in the tests.
//!
//! # Speed and memory
//! One comparison is linear in the number of edges (about 4-5 per minutia). The edge
//! verification, most of a comparison's time, runs an AVX-512 kernel where the CPU has one
//! (eight probe edges per step, results identical to the portable kernel). All working
//! memory lives in the [`MatchScratch`]; after warm-up nothing is allocated (the support
//! matrix is stamped per comparison rather than cleared). A prepared finger holds its
//! minutiae (12 bytes each), its edges (20 bytes each: the compact stored form a 1:N first
//! stage can be derived from) and its probe-side index: about 20 slots of 14 bytes per edge
//! (stored as columns for the SIMD verification kernel, see `verify`) and a bucket table of
//! 135 KB with the default parameters. Only the probe's index is read by a comparison, so a gallery keeps
//! only the candidate side ([`PreparedCandidate`], a few KB) of each enrolled finger.

mod consolidate;
mod footprint;
mod geometry;
mod index;
mod params;
mod prepare;
mod scoring;
mod verify;

pub use params::MatcherParams;
pub use verify::Kernel;

use consolidate::CrawlBuffers;
use index::{EdgeMatch, Tolerances};
use prepare::Prepared;

use crate::finger::template::FingerView;

/// A view prepared for matching (never serialised; rebuilt from the template on load).
#[derive(Clone, Debug)]
pub struct PreparedFinger {
    inner: Prepared,
}

impl PreparedFinger {
    /// How many minutiae the matcher uses (after dropping non-finite ones and capping).
    pub fn minutiae_count(&self) -> usize {
        self.inner.points.len()
    }

    /// How many neighbour edges were built.
    pub fn edge_count(&self) -> usize {
        self.inner.edges.len()
    }
}

/// The candidate side of a prepared view: only what a comparison reads when the view is the
/// stored template (its minutiae and edges, about 12 + 4.5 × 20 bytes per minutia), without
/// the probe-side index. A 1:N gallery keeps one per enrolled finger; see
/// [`Matcher::prepare_candidate`] and [`Matcher::score_candidate`].
#[derive(Clone, Debug)]
pub struct PreparedCandidate {
    points: Box<[prepare::Point]>,
    edges: Box<[prepare::Edge]>,
}

impl PreparedCandidate {
    /// How many minutiae the matcher uses.
    pub fn minutiae_count(&self) -> usize {
        self.points.len()
    }

    /// Heap bytes held (for sizing a gallery).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.points) + std::mem::size_of_val(&*self.edges)
    }
}

/// Scratch memory reused across comparisons on one thread. After the first few comparisons
/// its buffers have grown to their working size and a comparison allocates nothing.
#[derive(Debug, Default)]
pub struct MatchScratch {
    /// Agreeing edge pairs of the last comparison in `..agreeing_edges`, leftovers beyond.
    matches: Vec<EdgeMatch>,
    crawl: CrawlBuffers,
}

impl MatchScratch {
    /// Bytes currently reserved by the scratch buffers (for checking that reuse works).
    pub fn capacity_bytes(&self) -> usize {
        self.matches.capacity() * std::mem::size_of::<EdgeMatch>() + self.crawl.capacity_bytes()
    }
}

/// The details of one comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MatchOutcome {
    /// The similarity score (see the module docs).
    pub score: f32,
    /// Minutia pairs found.
    pub pairs: usize,
    /// Agreeing edges between paired minutiae.
    pub supporting_edges: usize,
    /// Sum over the supporting edges of their closeness (1 identical, 0 at tolerance).
    pub supporting_weight: f32,
    /// Agreeing edge pairs the edge matching found between the two views, consistent or not
    /// (the chance level the score is normalised by).
    pub agreeing_edges: usize,
    /// Pairs tied to the others by at least two agreeing edges.
    pub well_tied_pairs: usize,
    /// Probe minutiae inside the candidate's footprint after alignment.
    pub probe_overlap: usize,
    /// Candidate minutiae inside the probe's footprint after alignment.
    pub candidate_overlap: usize,
    /// Probe minutiae used.
    pub probe_minutiae: usize,
    /// Candidate minutiae used.
    pub candidate_minutiae: usize,
}

/// The minutiae matcher.
#[derive(Clone, Debug)]
pub struct Matcher {
    params: MatcherParams,
    /// The edge-matching tolerances derived from `params` once, not per comparison.
    tolerances: Tolerances,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher::new(MatcherParams::default())
    }
}

impl Matcher {
    /// A matcher with the given parameters.
    pub fn new(params: MatcherParams) -> Matcher {
        Matcher {
            tolerances: Tolerances::new(&params),
            params,
        }
    }

    /// The parameters in use.
    pub fn params(&self) -> &MatcherParams {
        &self.params
    }

    /// The same matcher running the given edge-verification kernel family (scores are
    /// identical with every family; for benchmarking them against each other). `None` when
    /// this CPU cannot run it. [`Matcher::new`] picks the best one ([`Kernel::detect`]).
    pub fn with_kernel(mut self, kernel: Kernel) -> Option<Matcher> {
        if !kernel.is_available() {
            return None;
        }
        self.tolerances.kernel = kernel;
        Some(self)
    }

    /// The edge-verification kernel family in use.
    pub fn kernel(&self) -> Kernel {
        self.tolerances.kernel
    }

    /// Prepares a view for matching. Never fails: a degenerate view (no minutiae, all at one
    /// point, non-finite values) gives a prepared finger that scores 0 against everything.
    pub fn prepare(&self, view: &FingerView) -> PreparedFinger {
        PreparedFinger {
            inner: prepare::prepare(view, &self.params),
        }
    }

    /// Prepares the candidate side only (what a stored template needs): the same minutiae and
    /// edges as [`Matcher::prepare`], without the probe-side index.
    /// `score_candidate(p, &prepare_candidate(v))` equals `score(p, &prepare(v))`.
    pub fn prepare_candidate(&self, view: &FingerView) -> PreparedCandidate {
        let (points, edges) = prepare::candidate_side(view, &self.params);
        PreparedCandidate {
            points: points.into_boxed_slice(),
            edges: edges.into_boxed_slice(),
        }
    }

    /// The candidate side of an already prepared view.
    pub fn candidate_of(&self, prepared: &PreparedFinger) -> PreparedCandidate {
        PreparedCandidate {
            points: prepared.inner.points.clone().into_boxed_slice(),
            edges: prepared.inner.edges.clone().into_boxed_slice(),
        }
    }

    /// Like [`Matcher::score`], against a compact candidate.
    pub fn score_candidate(
        &self,
        probe: &PreparedFinger,
        candidate: &PreparedCandidate,
        scratch: &mut MatchScratch,
    ) -> f32 {
        self.pairing(&probe.inner, &candidate.points, &candidate.edges, scratch)
            .score
    }

    /// Scratch memory for [`Matcher::score`].
    pub fn scratch(&self) -> MatchScratch {
        MatchScratch::default()
    }

    /// Similarity of two prepared views in `[0, 1]`: 0 for no evidence of a match, higher is
    /// more similar (see the module docs).
    pub fn score(
        &self,
        probe: &PreparedFinger,
        candidate: &PreparedFinger,
        scratch: &mut MatchScratch,
    ) -> f32 {
        self.compare_ordered(&probe.inner, &candidate.inner, scratch, false)
            .score
    }

    /// Prepares two views and scores them (convenient for one-off comparisons).
    pub fn score_views(&self, a: &FingerView, b: &FingerView) -> f32 {
        let (a, b) = (self.prepare(a), self.prepare(b));
        self.score(&a, &b, &mut self.scratch())
    }

    /// Compares two prepared views and reports how the score came about.
    pub fn compare(
        &self,
        probe: &PreparedFinger,
        candidate: &PreparedFinger,
        scratch: &mut MatchScratch,
    ) -> MatchOutcome {
        self.compare_ordered(&probe.inner, &candidate.inner, scratch, true)
    }

    /// The comparison; `detailed` also fills the diagnostic fields of the outcome (well-tied
    /// pairs, overlaps), which the score itself does not need.
    fn compare_ordered(
        &self,
        a: &Prepared,
        b: &Prepared,
        scratch: &mut MatchScratch,
        detailed: bool,
    ) -> MatchOutcome {
        let mut out = self.pairing(a, &b.points, &b.edges, scratch);
        if detailed && out.pairs > 0 {
            let matches = &scratch.matches[..out.agreeing_edges];
            out.well_tied_pairs = scratch.crawl.well_tied_pairs(matches);
            if let Some(align) = scoring::Alignment::fit(&scratch.crawl.best, &a.points, &b.points)
            {
                (out.probe_overlap, out.candidate_overlap) =
                    scoring::overlap(&align, &a.points, &a.footprint, &b.points, &b.footprint);
            }
        }
        out
    }

    /// Edge matching, consolidation and score of a probe against a candidate's minutiae and
    /// edges (the part of a comparison that never reads the candidate's index or footprint).
    fn pairing(
        &self,
        a: &Prepared,
        b_points: &[prepare::Point],
        b_edges: &[prepare::Edge],
        scratch: &mut MatchScratch,
    ) -> MatchOutcome {
        let p = &self.params;
        let mut out = MatchOutcome {
            probe_minutiae: a.points.len(),
            candidate_minutiae: b_points.len(),
            ..MatchOutcome::default()
        };
        // 1. Edge matching against the probe's index.
        // The buffer keeps its length between comparisons (only `..agreeing_edges` is current),
        // so it is not refilled every time.
        out.agreeing_edges = a
            .index
            .match_edges(b_edges, &self.tolerances, &mut scratch.matches);
        if out.agreeing_edges == 0 {
            return out;
        }
        // 2. Consolidation into one consistent pairing.
        let found = scratch.crawl.consolidate(
            &scratch.matches[..out.agreeing_edges],
            &a.points,
            b_points,
            p.roots,
            geometry::tolerance(p.rotation_tolerance),
            (p.consistency_tolerance, p.consistency_ratio),
        );
        out.pairs = found.pairs;
        out.supporting_edges = found.supporting_edges;
        out.supporting_weight = found.supporting_weight;
        // 3. Score.
        out.score = scoring::score(&out, p);
        out
    }
}
