//! From a consolidated pairing to a score: a rigid alignment of the pairs, the overlap of the
//! two views under it, and the pair count normalised by that overlap.

use super::footprint::Footprint;
use super::prepare::Point;

/// A rigid transform taking candidate coordinates to probe coordinates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Alignment {
    cos: f32,
    sin: f32,
    probe_centre: (f32, f32),
    candidate_centre: (f32, f32),
}

impl Alignment {
    /// The least-squares rotation and translation of the paired candidate minutiae onto the
    /// paired probe minutiae. `None` for fewer than two pairs.
    pub(crate) fn fit(
        pairs: &[(u8, u8)],
        probe: &[Point],
        candidate: &[Point],
    ) -> Option<Alignment> {
        if pairs.len() < 2 {
            return None;
        }
        let n = pairs.len() as f32;
        let (mut px, mut py, mut cx, mut cy) = (0.0, 0.0, 0.0, 0.0);
        for &(p, c) in pairs {
            px += probe[p as usize].x;
            py += probe[p as usize].y;
            cx += candidate[c as usize].x;
            cy += candidate[c as usize].y;
        }
        let (px, py, cx, cy) = (px / n, py / n, cx / n, cy / n);
        let (mut dot, mut cross) = (0.0f32, 0.0f32);
        for &(p, c) in pairs {
            let (ux, uy) = (candidate[c as usize].x - cx, candidate[c as usize].y - cy);
            let (vx, vy) = (probe[p as usize].x - px, probe[p as usize].y - py);
            dot += ux * vx + uy * vy;
            cross += ux * vy - uy * vx;
        }
        let norm = (dot * dot + cross * cross).sqrt();
        if norm.is_nan() || norm <= 1e-6 {
            return None;
        }
        Some(Alignment {
            cos: dot / norm,
            sin: cross / norm,
            probe_centre: (px, py),
            candidate_centre: (cx, cy),
        })
    }

    /// The centre of the paired probe minutiae.
    pub(crate) fn probe_centre(self) -> (f32, f32) {
        self.probe_centre
    }

    /// A candidate point in the probe frame.
    #[inline]
    pub(crate) fn into_probe(self, x: f32, y: f32) -> (f32, f32) {
        let (ux, uy) = (x - self.candidate_centre.0, y - self.candidate_centre.1);
        (
            self.cos * ux - self.sin * uy + self.probe_centre.0,
            self.sin * ux + self.cos * uy + self.probe_centre.1,
        )
    }

    /// A probe point in the candidate frame.
    #[inline]
    fn into_candidate(self, x: f32, y: f32) -> (f32, f32) {
        let (vx, vy) = (x - self.probe_centre.0, y - self.probe_centre.1);
        (
            self.cos * vx + self.sin * vy + self.candidate_centre.0,
            -self.sin * vx + self.cos * vy + self.candidate_centre.1,
        )
    }
}

/// How many minutiae of each view lie where the other view could have shown them.
pub(crate) fn overlap(
    align: &Alignment,
    probe: &[Point],
    probe_fp: &Footprint,
    candidate: &[Point],
    candidate_fp: &Footprint,
) -> (usize, usize) {
    let in_candidate = probe
        .iter()
        .filter(|p| {
            let (x, y) = align.into_candidate(p.x, p.y);
            candidate_fp.covers(x, y)
        })
        .count();
    let in_probe = candidate
        .iter()
        .filter(|c| {
            let (x, y) = align.into_probe(c.x, c.y);
            probe_fp.covers(x, y)
        })
        .count();
    (in_candidate, in_probe)
}

/// The score of a comparison from its counts, in `[0, 1)`.
///
/// The evidence is the summed closeness of the agreeing edges between paired minutiae (a
/// dense web of mutually consistent, closely agreeing edges is what separates a genuine
/// pairing from a chance chain), divided by a power of the number of agreeing edge pairs the
/// edge matching found at all: that number measures how easily the two views' edges agree by
/// chance (dense or squeezed minutiae, many short edges, similar ridge flow), so the score
/// rewards consistency beyond what chance offers for this pair of views. Squashed into
/// `[0, 1)` by `x / (x + score_half)`.
pub(crate) fn score(o: &super::MatchOutcome, params: &super::MatcherParams) -> f32 {
    if o.pairs < 3 || o.supporting_edges == 0 {
        return 0.0;
    }
    let exponent = params.chance_exponent.clamp(0.0, 1.0);
    let chance = (o.agreeing_edges.max(1) as f32).powf(exponent);
    let raw = o.supporting_weight / chance;
    let s = raw / (raw + params.score_half);
    if s.is_finite() {
        s.clamp(0.0, 1.0)
    } else {
        0.0
    }
}
