//! 1:N identification metrics: FNIR at a given FPIR and rank, and the CMC (rank-k hit rate).
//!
//! Definitions follow ISO/IEC 19795-1 and NIST's FRVT/ELFT 1:N reports:
//! * A **mated search** searches a subject who is enrolled in the gallery; its outcome is the
//!   rank (1-based) and score of the mate in the returned candidate list, or "not returned".
//! * A **non-mated search** searches someone who is not enrolled; what matters is the highest
//!   score in its candidate list.
//! * `FPIR(T)` = fraction of non-mated searches whose top candidate scores `>= T`.
//! * `FNIR(T, R)` = fraction of mated searches whose mate is not returned at rank `<= R` with a
//!   score `>= T`.
//! * The threshold for a target FPIR is the smallest `T` with `FPIR(T) <= target`; with ties
//!   or few non-mated searches the realised FPIR can be below the target, and it is reported.
//! * The CMC at rank `k` is the fraction of mated searches whose mate is at rank `<= k`, with
//!   no threshold (FNIR at `T = -inf` is `1 - CMC`).

use serde::{Deserialize, Serialize};

use super::metrics::{MetricsError, check_rate};

/// The outcome of one mated search.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatedSearch {
    /// Rank of the mate in the candidate list (1 = top), `None` if not returned.
    pub mate_rank: Option<usize>,
    /// Score of the mate (ignored when `mate_rank` is `None`).
    pub mate_score: f64,
}

impl MatedSearch {
    /// The mate was returned at `rank` (1-based) with `score`.
    pub fn found(rank: usize, score: f64) -> MatedSearch {
        MatedSearch {
            mate_rank: Some(rank),
            mate_score: score,
        }
    }

    /// The mate was not in the candidate list.
    pub fn missed() -> MatedSearch {
        MatedSearch {
            mate_rank: None,
            mate_score: f64::NEG_INFINITY,
        }
    }

    /// The outcome from a candidate list in rank order (best first, as a gallery search
    /// returns it): the mate's rank is its position in the list, so ties keep the list's order.
    pub fn from_candidates<I: PartialEq>(candidates: &[(I, f64)], mate: &I) -> MatedSearch {
        match candidates.iter().position(|(id, _)| id == mate) {
            Some(pos) => MatedSearch::found(pos + 1, candidates[pos].1),
            None => MatedSearch::missed(),
        }
    }

    fn hit(&self, threshold: f64, rank: usize) -> bool {
        matches!(self.mate_rank, Some(r) if r >= 1 && r <= rank) && self.mate_score >= threshold
    }
}

/// The outcome of one non-mated search: the highest candidate score, `None` if the candidate
/// list was empty.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NonMatedSearch {
    /// The top candidate's score.
    pub top_score: Option<f64>,
}

impl NonMatedSearch {
    /// The outcome from a candidate list in any order.
    pub fn from_scores(scores: &[f64]) -> NonMatedSearch {
        NonMatedSearch {
            top_score: scores.iter().copied().reduce(f64::max),
        }
    }
}

/// An identification operating point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdentificationPoint {
    /// The threshold `T` (candidates count only when `score >= T`).
    pub threshold: f64,
    /// The FPIR realised at `T` on the non-mated searches (at most the target).
    pub fpir: f64,
    /// FNIR at `T` and the requested rank.
    pub fnir: f64,
}

fn check_nan_mated(mated: &[MatedSearch]) -> Result<(), MetricsError> {
    match mated
        .iter()
        .position(|m| m.mate_rank.is_some() && m.mate_score.is_nan())
    {
        Some(index) => Err(MetricsError::NotFinite {
            kind: "mated",
            index,
            value: f64::NAN,
        }),
        None => Ok(()),
    }
}

/// FPIR at threshold `T`: the fraction of non-mated searches whose top score is `>= T`.
pub fn fpir_at_threshold(nonmated: &[NonMatedSearch], threshold: f64) -> Result<f64, MetricsError> {
    if nonmated.is_empty() {
        return Err(MetricsError::NoSearches("non-mated"));
    }
    let above = nonmated
        .iter()
        .filter(|s| s.top_score.is_some_and(|t| t >= threshold))
        .count();
    Ok(above as f64 / nonmated.len() as f64)
}

/// The smallest threshold `T` with `FPIR(T) <= fpir` (`-inf` when every threshold qualifies).
pub fn threshold_for_fpir(nonmated: &[NonMatedSearch], fpir: f64) -> Result<f64, MetricsError> {
    check_rate(fpir)?;
    if nonmated.is_empty() {
        return Err(MetricsError::NoSearches("non-mated"));
    }
    let mut tops = Vec::with_capacity(nonmated.len());
    for (index, s) in nonmated.iter().enumerate() {
        if let Some(t) = s.top_score {
            if t.is_nan() {
                return Err(MetricsError::NotFinite {
                    kind: "non-mated",
                    index,
                    value: t,
                });
            }
            tops.push(t);
        }
    }
    tops.sort_by(|a, b| b.total_cmp(a));
    // At most `allowed` non-mated searches may have a top score >= T.
    let allowed = (fpir * nonmated.len() as f64 + 1e-9).floor() as usize;
    if allowed >= tops.len() {
        return Ok(f64::NEG_INFINITY);
    }
    Ok(next_up(tops[allowed]))
}

/// FNIR at threshold `T` and rank `R`: the fraction of mated searches whose mate is not
/// returned at rank `<= R` with a score `>= T`.
pub fn fnir_at_threshold(
    mated: &[MatedSearch],
    threshold: f64,
    rank: usize,
) -> Result<f64, MetricsError> {
    if mated.is_empty() {
        return Err(MetricsError::NoSearches("mated"));
    }
    if rank == 0 {
        return Err(MetricsError::BadRank);
    }
    check_nan_mated(mated)?;
    if mated.iter().any(|m| m.mate_rank == Some(0)) {
        return Err(MetricsError::BadRank);
    }
    let hits = mated.iter().filter(|m| m.hit(threshold, rank)).count();
    Ok(1.0 - hits as f64 / mated.len() as f64)
}

/// FNIR at the threshold that gives `FPIR <= fpir` on the non-mated searches, counting a mate
/// only at rank `<= rank`. For the usual "FNIR at FPIR = 0.01, rank 1" pass `(0.01, 1)`.
pub fn fnir_at_fpir(
    mated: &[MatedSearch],
    nonmated: &[NonMatedSearch],
    fpir: f64,
    rank: usize,
) -> Result<IdentificationPoint, MetricsError> {
    let threshold = threshold_for_fpir(nonmated, fpir)?;
    Ok(IdentificationPoint {
        threshold,
        fpir: fpir_at_threshold(nonmated, threshold)?,
        fnir: fnir_at_threshold(mated, threshold, rank)?,
    })
}

/// Rank-`k` hit rate (identification rate, no threshold): the fraction of mated searches
/// whose mate is at rank `<= k`.
pub fn rank_hit_rate(mated: &[MatedSearch], k: usize) -> Result<f64, MetricsError> {
    Ok(1.0 - fnir_at_threshold(mated, f64::NEG_INFINITY, k)?)
}

/// The cumulative match characteristic: element `k - 1` is the rank-`k` hit rate, for
/// `k = 1..=max_rank`.
pub fn cmc(mated: &[MatedSearch], max_rank: usize) -> Result<Vec<f64>, MetricsError> {
    if mated.is_empty() {
        return Err(MetricsError::NoSearches("mated"));
    }
    if max_rank == 0 {
        return Err(MetricsError::BadRank);
    }
    check_nan_mated(mated)?;
    if mated.iter().any(|m| m.mate_rank == Some(0)) {
        return Err(MetricsError::BadRank);
    }
    let mut at_rank = vec![0usize; max_rank];
    for m in mated {
        if let Some(r) = m.mate_rank
            && (1..=max_rank).contains(&r)
        {
            at_rank[r - 1] += 1;
        }
    }
    let n = mated.len() as f64;
    let mut total = 0usize;
    Ok(at_rank
        .into_iter()
        .map(|c| {
            total += c;
            total as f64 / n
        })
        .collect())
}

/// The smallest `f64` greater than `x` (for finite `x`).
pub(crate) fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let bits = x.to_bits();
    if x > 0.0 {
        f64::from_bits(bits + 1)
    } else {
        f64::from_bits(bits - 1)
    }
}
