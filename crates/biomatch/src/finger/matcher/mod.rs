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
//!    directions relative to it. The edges are filed in a hash index (both directions, every
//!    bucket their tolerance box touches), and a coarse footprint bitmap of the area the
//!    minutiae cover is kept. Minutia type and quality are ignored (unreliable across
//!    extractors).
//! 2. **Edge matching**: each candidate edge looks in one bucket of the probe's index and
//!    verifies the few probe edges there. Every agreement proposes two minutia
//!    correspondences. Work is linear in the number of edges.
//! 3. **Consolidation**: from the best-supported correspondences, a crawl follows agreeing
//!    edges to free correspondences, smallest disagreement first, keeping the rotation close
//!    to the root's. Local checks only, so skin distortion is tolerated. The largest
//!    pairing wins.
//! 4. **Score**: the pairs are aligned rigidly; the minutiae of each view that fall inside the
//!    other's footprint are the *overlap*; the score is `pairs² / (overlap_probe ·
//!    overlap_candidate)` (overlaps floored by [`MatcherParams::min_overlap`]), weighted by
//!    how well the pairs are tied together by agreeing edges.
//!
//! # Score semantics
//! The score is in `[0, 1]`: 0 means no evidence of a common finger (also for empty or
//! degenerate views, which never panic or give NaN), values near 1 mean nearly every minutia
//! in the common area is paired. It is a similarity, not a probability. On FVC-like data
//! (see the accuracy test) impostor scores stay mostly below about 0.05-0.10 and genuine
//! scores spread upwards from there; calibrate a threshold on your own data for a target
//! false-match rate. The comparison is deterministic, and `score(a, b) == score(b, a)`
//! exactly (the two sides are put in a canonical order first).

mod consolidate;
mod footprint;
mod geometry;
mod index;
mod params;
mod prepare;
mod scoring;

pub use params::MatcherParams;

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

/// Scratch memory reused across comparisons on one thread. After the first few comparisons
/// its buffers have grown to their working size and a comparison allocates nothing.
#[derive(Debug, Default)]
pub struct MatchScratch {
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
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    params: MatcherParams,
}

impl Matcher {
    /// A matcher with the given parameters.
    pub fn new(params: MatcherParams) -> Matcher {
        Matcher { params }
    }

    /// The parameters in use.
    pub fn params(&self) -> &MatcherParams {
        &self.params
    }

    /// Prepares a view for matching. Never fails: a degenerate view (no minutiae, all at one
    /// point, non-finite values) gives a prepared finger that scores 0 against everything.
    pub fn prepare(&self, view: &FingerView) -> PreparedFinger {
        PreparedFinger {
            inner: prepare::prepare(view, &self.params),
        }
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
        self.compare(probe, candidate, scratch).score
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
        // Canonical order: the result does not depend on which side is the probe.
        let swapped = candidate.inner.key < probe.inner.key;
        let (a, b) = if swapped {
            (&candidate.inner, &probe.inner)
        } else {
            (&probe.inner, &candidate.inner)
        };
        let mut out = self.compare_ordered(a, b, scratch);
        if swapped {
            std::mem::swap(&mut out.probe_overlap, &mut out.candidate_overlap);
            std::mem::swap(&mut out.probe_minutiae, &mut out.candidate_minutiae);
        }
        out
    }

    fn compare_ordered(
        &self,
        a: &Prepared,
        b: &Prepared,
        scratch: &mut MatchScratch,
    ) -> MatchOutcome {
        let p = &self.params;
        let mut out = MatchOutcome {
            probe_minutiae: a.points.len(),
            candidate_minutiae: b.points.len(),
            ..MatchOutcome::default()
        };
        scratch.matches.clear();
        a.index
            .match_edges(&b.edges, &Tolerances::new(p), &mut scratch.matches);
        if scratch.matches.is_empty() {
            return out;
        }
        let found = scratch.crawl.consolidate(
            &scratch.matches,
            &a.points,
            &b.points,
            p.roots,
            geometry::tolerance(p.rotation_tolerance),
        );
        out.pairs = found.pairs;
        out.supporting_edges = found.supporting_edges;
        out.supporting_weight = found.supporting_weight;
        out.well_tied_pairs = found.well_tied_pairs;
        let Some(align) = scoring::Alignment::fit(&scratch.crawl.best, &a.points, &b.points) else {
            return out;
        };
        let (ov_a, ov_b) =
            scoring::overlap(&align, &a.points, &a.footprint, &b.points, &b.footprint);
        out.probe_overlap = ov_a;
        out.candidate_overlap = ov_b;
        out.score = scoring::score(&out, p);
        out
    }
}
