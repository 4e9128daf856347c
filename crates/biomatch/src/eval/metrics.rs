//! Verification metrics: FMR/FNMR operating points, the FVC equal error rate with its bracket,
//! FMR100, FMR1000, ZeroFMR and TAR at a given FAR.
//!
//! # Conventions
//! * Higher scores are more similar. A comparison is decided "match" when
//!   `score >= threshold`, so at threshold `t`:
//!   `FMR(t) = #{impostor >= t} / #impostor` and `FNMR(t) = #{genuine < t} / #genuine`.
//!   A genuine score equal to the threshold is accepted; an impostor score equal to it is a
//!   false match.
//! * Both rates only change at score values, so every distinct score plus one threshold above
//!   the largest score (where FMR = 0 and FNMR = 1) give every operating point there is.
//! * Rates are fractions in `[0, 1]`, not percentages.
//!
//! # Equal error rate (FVC definition)
//! With discrete scores FMR and FNMR rarely cross at one threshold. FVC2000 (Maio, Maltoni,
//! Cappelli, Wayman, Jain, IEEE TPAMI 24(3), 2002) defines
//! `t1 = max{t : FNMR(t) <= FMR(t)}` and `t2 = min{t : FNMR(t) >= FMR(t)}` and brackets the
//! EER by the operating point, of those two, with the smaller total error:
//! `[EERlow, EERhigh] = [FNMR(t1), FMR(t1)]` when `FNMR(t1) + FMR(t1) <= FMR(t2) + FNMR(t2)`,
//! else `[FMR(t2), FNMR(t2)]`; the reported EER is the midpoint.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why metrics could not be computed.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum MetricsError {
    /// There are no genuine scores.
    #[error("no genuine scores: verification metrics need at least one genuine comparison")]
    NoGenuine,
    /// There are no impostor scores.
    #[error("no impostor scores: verification metrics need at least one impostor comparison")]
    NoImpostor,
    /// A score was NaN or infinite.
    #[error("{kind} score {index} is not finite ({value})")]
    NotFinite {
        /// "genuine", "impostor", "mated" or "non-mated".
        kind: &'static str,
        /// Position in the input.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A requested rate is outside `[0, 1]` or NaN.
    #[error("rate {0} is outside [0, 1]")]
    BadRate(f64),
    /// Identification metrics need at least one search of this kind.
    #[error("no {0} searches")]
    NoSearches(&'static str),
    /// A rank of 0 was asked for or reported (ranks start at 1).
    #[error("rank must be at least 1")]
    BadRank,
}

/// One operating point: the error rates when deciding "match" for `score >= threshold`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    /// The decision threshold (`f64::INFINITY` for the point above every score).
    pub threshold: f64,
    /// False match rate at this threshold.
    pub fmr: f64,
    /// False non-match rate at this threshold.
    pub fnmr: f64,
}

/// The EER with the FVC bracket (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Eer {
    /// Midpoint of the bracket: the reported EER.
    pub eer: f64,
    /// Lower end of the bracket.
    pub low: f64,
    /// Upper end of the bracket.
    pub high: f64,
    /// `t1 = max{t : FNMR(t) <= FMR(t)}`.
    pub t1: f64,
    /// `t2 = min{t : FNMR(t) >= FMR(t)}`.
    pub t2: f64,
}

/// Every operating point of one set of genuine and impostor scores, by increasing threshold
/// (FMR non-increasing, FNMR non-decreasing along it).
#[derive(Clone, Debug, PartialEq)]
pub struct VerificationCurve {
    genuine: usize,
    impostor: usize,
    points: Vec<OperatingPoint>,
}

/// The scores sorted ascending, or the first non-finite one as an error.
pub(crate) fn check_scores(scores: &[f64], kind: &'static str) -> Result<Vec<f64>, MetricsError> {
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(MetricsError::NotFinite {
            kind,
            index,
            value: scores[index],
        });
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(sorted)
}

pub(crate) fn check_rate(rate: f64) -> Result<(), MetricsError> {
    if (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(MetricsError::BadRate(rate))
    }
}

impl VerificationCurve {
    /// Builds the curve from genuine (same-finger / mated) and impostor scores, in any order.
    pub fn new(genuine: &[f64], impostor: &[f64]) -> Result<VerificationCurve, MetricsError> {
        if genuine.is_empty() {
            return Err(MetricsError::NoGenuine);
        }
        if impostor.is_empty() {
            return Err(MetricsError::NoImpostor);
        }
        let gen_sorted = check_scores(genuine, "genuine")?;
        let imp_sorted = check_scores(impostor, "impostor")?;
        let (g, i) = (gen_sorted.len(), imp_sorted.len());

        // Walk the distinct scores upwards. At threshold t, `gen_below` genuine scores are < t
        // and `imp_below` impostor scores are < t.
        let mut points = Vec::with_capacity(g + i + 1);
        let (mut gi, mut ii) = (0usize, 0usize);
        loop {
            let next = match (gen_sorted.get(gi), imp_sorted.get(ii)) {
                (Some(&a), Some(&b)) => a.min(b),
                (Some(&a), None) => a,
                (None, Some(&b)) => b,
                (None, None) => break,
            };
            points.push(OperatingPoint {
                threshold: next,
                fmr: (i - ii) as f64 / i as f64,
                fnmr: gi as f64 / g as f64,
            });
            while gen_sorted.get(gi) == Some(&next) {
                gi += 1;
            }
            while imp_sorted.get(ii) == Some(&next) {
                ii += 1;
            }
        }
        // Above every (finite) score: nothing matches.
        points.push(OperatingPoint {
            threshold: f64::INFINITY,
            fmr: 0.0,
            fnmr: 1.0,
        });
        Ok(VerificationCurve {
            genuine: g,
            impostor: i,
            points,
        })
    }

    /// Number of genuine scores.
    pub fn genuine_count(&self) -> usize {
        self.genuine
    }

    /// Number of impostor scores.
    pub fn impostor_count(&self) -> usize {
        self.impostor
    }

    /// The operating points by increasing threshold; the first accepts everything
    /// (FMR 1, FNMR 0), the last rejects everything (FMR 0, FNMR 1).
    pub fn points(&self) -> &[OperatingPoint] {
        &self.points
    }

    /// The smallest FMR these impostors can resolve (one false match): `1 / #impostor`.
    /// Rates asked for below it can only be met at FMR 0.
    pub fn fmr_resolution(&self) -> f64 {
        1.0 / self.impostor as f64
    }

    /// The FVC equal error rate and its bracket.
    pub fn eer(&self) -> Eer {
        // FNMR - FMR is non-decreasing along the points, so t1 is the last point with
        // FNMR <= FMR and t2 the first with FNMR >= FMR. Both exist: the first point has
        // FNMR 0 <= FMR 1, the last FNMR 1 >= FMR 0.
        let p1 = self
            .points
            .iter()
            .rev()
            .find(|p| p.fnmr <= p.fmr)
            .copied()
            .unwrap_or(self.points[0]);
        let p2 = self
            .points
            .iter()
            .find(|p| p.fnmr >= p.fmr)
            .copied()
            .unwrap_or(self.points[self.points.len() - 1]);
        let (low, high) = if p1.fnmr + p1.fmr <= p2.fmr + p2.fnmr {
            (p1.fnmr, p1.fmr)
        } else {
            (p2.fmr, p2.fnmr)
        };
        Eer {
            eer: (low + high) / 2.0,
            low,
            high,
            t1: p1.threshold,
            t2: p2.threshold,
        }
    }

    /// The operating point with the lowest FNMR among those with `FMR <= max_fmr` (the
    /// lowest such threshold). Always exists: the last point has FMR 0.
    pub fn point_at_fmr(&self, max_fmr: f64) -> Result<OperatingPoint, MetricsError> {
        check_rate(max_fmr)?;
        // FMR is non-increasing: the first point with FMR <= max_fmr has the lowest FNMR.
        let idx = self.points.partition_point(|p| p.fmr > max_fmr);
        Ok(self.points[idx.min(self.points.len() - 1)])
    }

    /// Lowest FNMR with `FMR <= max_fmr`.
    pub fn fnmr_at_fmr(&self, max_fmr: f64) -> Result<f64, MetricsError> {
        Ok(self.point_at_fmr(max_fmr)?.fnmr)
    }

    /// FMR100: lowest FNMR with FMR <= 1 %.
    pub fn fmr100(&self) -> f64 {
        self.point_at_fmr(0.01).map(|p| p.fnmr).unwrap_or(1.0)
    }

    /// FMR1000: lowest FNMR with FMR <= 0.1 %.
    pub fn fmr1000(&self) -> f64 {
        self.point_at_fmr(0.001).map(|p| p.fnmr).unwrap_or(1.0)
    }

    /// ZeroFMR: lowest FNMR at FMR 0 (the fraction of genuine scores not above every
    /// impostor score).
    pub fn zero_fmr(&self) -> f64 {
        self.point_at_fmr(0.0).map(|p| p.fnmr).unwrap_or(1.0)
    }

    /// True accept rate (1 - FNMR) at the best threshold with FMR (FAR) <= `far`: the face
    /// verification figure. When `far` is below [`fmr_resolution`](Self::fmr_resolution) this
    /// is the TAR at FMR 0.
    pub fn tar_at_far(&self, far: f64) -> Result<f64, MetricsError> {
        Ok(1.0 - self.fnmr_at_fmr(far)?)
    }

    /// The summary FVC reports for one database.
    pub fn summary(&self) -> VerificationSummary {
        let eer = self.eer();
        VerificationSummary {
            genuine: self.genuine,
            impostor: self.impostor,
            eer: eer.eer,
            eer_low: eer.low,
            eer_high: eer.high,
            fmr100: self.fmr100(),
            fmr1000: self.fmr1000(),
            zero_fmr: self.zero_fmr(),
        }
    }
}

/// The FVC figures for one database (rates as fractions).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerificationSummary {
    /// Number of genuine comparisons.
    pub genuine: usize,
    /// Number of impostor comparisons.
    pub impostor: usize,
    /// FVC EER (midpoint of the bracket).
    pub eer: f64,
    /// Lower end of the EER bracket.
    pub eer_low: f64,
    /// Upper end of the EER bracket.
    pub eer_high: f64,
    /// Lowest FNMR with FMR <= 1 %.
    pub fmr100: f64,
    /// Lowest FNMR with FMR <= 0.1 %.
    pub fmr1000: f64,
    /// Lowest FNMR with FMR = 0.
    pub zero_fmr: f64,
}

/// Shorthand for [`VerificationCurve::new`] followed by [`VerificationCurve::summary`].
pub fn verification_summary(
    genuine: &[f64],
    impostor: &[f64],
) -> Result<VerificationSummary, MetricsError> {
    Ok(VerificationCurve::new(genuine, impostor)?.summary())
}
