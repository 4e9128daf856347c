//! Fingerprint 1:1 minutiae matcher.
//!
//! A view is prepared once ([`Matcher::prepare`]) and then compared against many prepared
//! views with [`Matcher::score`], reusing one [`MatchScratch`] per thread.
//!
//! Placeholder until the matcher lands: the API is fixed, the scores are not meaningful.

use crate::finger::template::FingerView;

/// Tuning parameters of the matcher.
#[derive(Clone, Debug, Default)]
pub struct MatcherParams {}

/// A view prepared for matching (never serialised; rebuilt from the template on load).
#[derive(Clone, Debug)]
pub struct PreparedFinger {
    minutiae: usize,
}

/// Scratch memory reused across comparisons on one thread.
#[derive(Debug, Default)]
pub struct MatchScratch {}

/// The minutiae matcher.
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    _params: MatcherParams,
}

impl Matcher {
    /// A matcher with the given parameters.
    pub fn new(params: MatcherParams) -> Matcher {
        Matcher { _params: params }
    }

    /// Prepares a view for matching.
    pub fn prepare(&self, view: &FingerView) -> PreparedFinger {
        PreparedFinger {
            minutiae: view.minutiae.len(),
        }
    }

    /// Scratch memory for [`Matcher::score`].
    pub fn scratch(&self) -> MatchScratch {
        MatchScratch::default()
    }

    /// Similarity of two prepared views: 0 for no evidence of a match, higher is more similar.
    pub fn score(
        &self,
        probe: &PreparedFinger,
        candidate: &PreparedFinger,
        _scratch: &mut MatchScratch,
    ) -> f32 {
        (probe.minutiae.min(candidate.minutiae)) as f32 * 0.0
    }
}
