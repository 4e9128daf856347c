//! Score calibration: from an impostor score distribution to the threshold for a target
//! false-match rate, and from a score to its estimated false-match rate. Shared by the
//! fingerprint and face modalities.
//!
//! # The distribution
//! A [`Calibration`] is built from the impostor scores of one matcher on one stated impostor
//! population, and everything it says holds for that population only. Record which one with
//! [`Calibration::with_description`]; it is saved with the calibration. The fingerprint
//! matcher's reference calibration is the all-pairs impostors of FVC2002 DB1-DB4 B-sets
//! (4 x 2880 = 11,520 comparisons of the ISO templates in `datasets/iso-secugen`), checked
//! against the FVC2004 B-sets by the `calibration_fvc` test.
//!
//! # The model
//! Higher scores are more similar and "match" means `score >= threshold`, as in
//! [`eval::metrics`](crate::eval::metrics). With `n` impostor scores:
//! * **Body** (empirical): `FMR(s)` = fraction of impostor scores `>= s`.
//! * **Tail** (extrapolated): the top `k = max(5, ceil(sqrt(n)))` scores define a tail anchor
//!   `u` (the `(k+1)`-th highest score); the `m` scores strictly above `u` are fitted with an
//!   exponential excess distribution (the peaks-over-threshold model with a generalised Pareto
//!   shape of 0), whose maximum-likelihood scale is the mean excess `beta = mean(s - u)`. Above
//!   `u`: `FMR(s) = (m / n) * exp(-(s - u) / beta)`. This gives FMRs below `1 / n` a stated
//!   basis: an exponential tail, the usual shape of similarity-count scores far from the
//!   bulk. A heavier true tail makes the extrapolation optimistic (thresholds too low), a
//!   lighter one pessimistic; below about `1 / (10 n)` treat it as an order of magnitude.
//! * **Which answers**: the empirical body answers while at least 10 impostor scores lie at
//!   or above the threshold; past that (FMRs below `10 / n`) the tail answers, clamped so
//!   that FMR stays non-increasing in the score across the switch.
//! * The tail is only fitted when there are at least 50 scores, at least 5 of them above `u`,
//!   and they are not all equal. Without a tail, FMRs below `1 / n` are refused with
//!   [`CalibrationError::BeyondData`] and scores above every impostor are reported with an
//!   estimated FMR of 0 and [`FmrBasis::BeyondData`].
//!
//! Use [`Calibration::fmr_estimate`] and [`Calibration::threshold_estimate`] to learn which
//! part of the model an answer comes from.
//!
//! ```
//! use biomatch::calibration::{Calibration, FmrBasis};
//!
//! let impostors: Vec<f64> = (0..10_000).map(|i| f64::from(i % 100) / 10.0).collect();
//! let cal = Calibration::from_impostor_scores(&impostors)?
//!     .with_description("example: 10,000 synthetic impostor scores");
//! let t = cal.threshold_for_fmr(1e-2)?; // decide "match" when score >= t
//! assert!(cal.fmr_of_score(t) <= 1e-2);
//! let far = cal.threshold_estimate(1e-6)?; // 100 times below 1/n: extrapolated
//! assert_eq!(far.basis, FmrBasis::TailModel);
//! let saved = cal.to_json();
//! assert_eq!(Calibration::from_json(&saved)?, cal);
//! # Ok::<(), biomatch::calibration::CalibrationError>(())
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Fewest impostor scores for which a tail is fitted.
const MIN_SCORES_FOR_TAIL: usize = 50;
/// Fewest scores strictly above the tail anchor for a tail fit.
const MIN_TAIL_EXCEEDANCES: usize = 5;
/// Version of the saved form.
const FILE_VERSION: u32 = 1;

/// Why a calibration could not be built or used.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum CalibrationError {
    /// No impostor scores were given.
    #[error("calibration needs at least one impostor score")]
    Empty,
    /// A score was NaN or infinite.
    #[error("impostor score {index} is not finite ({value})")]
    NotFinite {
        /// Position in the input.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The requested FMR is outside (0, 1].
    #[error("target FMR {0} is outside (0, 1]")]
    BadFmr(f64),
    /// The FMR is below what the impostor scores resolve and no tail could be fitted.
    #[error(
        "target FMR {fmr} is below the {resolution} the {n} impostor scores resolve, and they \
         do not support a tail fit: calibrate on more impostor comparisons"
    )]
    BeyondData {
        /// The requested FMR.
        fmr: f64,
        /// `1 / n`.
        resolution: f64,
        /// Number of impostor scores.
        n: usize,
    },
    /// A saved calibration could not be read.
    #[error("cannot read saved calibration: {0}")]
    Persist(String),
}

/// Where an estimate comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FmrBasis {
    /// Counted directly from the impostor scores.
    Empirical,
    /// Extrapolated by the fitted exponential tail.
    TailModel,
    /// Beyond every impostor score with no tail to extrapolate: the value is a bare count
    /// (0 impostors) and says only that the FMR is below about `1 / n`.
    BeyondData,
}

/// An estimated FMR and its basis.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FmrEstimate {
    /// The estimated false-match rate.
    pub fmr: f64,
    /// How it was obtained.
    pub basis: FmrBasis,
}

/// A threshold and its basis.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdEstimate {
    /// Decide "match" for scores `>= threshold`.
    pub threshold: f64,
    /// [`FmrBasis::Empirical`] or [`FmrBasis::TailModel`].
    pub basis: FmrBasis,
}

/// The fitted exponential tail.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ExponentialTail {
    /// The anchor `u`: the `(k+1)`-th highest impostor score.
    anchor: f64,
    /// `m`: impostor scores strictly above the anchor.
    exceedances: usize,
    /// Mean excess over the anchor.
    scale: f64,
}

/// An impostor score distribution with an exponential tail (see the module docs); higher
/// scores are more similar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CalibrationFile", into = "CalibrationFile")]
pub struct Calibration {
    /// Impostor scores sorted in descending order.
    impostors_desc: Vec<f64>,
    tail: Option<ExponentialTail>,
    description: String,
}

/// The saved form: the scores themselves, so a load rebuilds (and re-checks) the model.
#[derive(Serialize, Deserialize)]
struct CalibrationFile {
    version: u32,
    description: String,
    impostor_scores: Vec<f64>,
}

impl From<Calibration> for CalibrationFile {
    fn from(c: Calibration) -> CalibrationFile {
        CalibrationFile {
            version: FILE_VERSION,
            description: c.description,
            impostor_scores: c.impostors_desc,
        }
    }
}

impl TryFrom<CalibrationFile> for Calibration {
    type Error = CalibrationError;

    fn try_from(f: CalibrationFile) -> Result<Calibration, CalibrationError> {
        if f.version != FILE_VERSION {
            return Err(CalibrationError::Persist(format!(
                "version {} (this build reads version {FILE_VERSION})",
                f.version
            )));
        }
        Ok(Calibration::from_impostor_scores(&f.impostor_scores)?.with_description(f.description))
    }
}

/// Number of top scores that make the tail: `max(5, ceil(sqrt(n)))`.
fn tail_size(n: usize) -> usize {
    ((n as f64).sqrt().ceil() as usize).max(MIN_TAIL_EXCEEDANCES)
}

fn fit_tail(desc: &[f64]) -> Option<ExponentialTail> {
    let n = desc.len();
    if n < MIN_SCORES_FOR_TAIL {
        return None;
    }
    let k = tail_size(n).min(n - 1);
    let anchor = desc[k];
    let exceedances = desc.partition_point(|&s| s > anchor);
    if exceedances < MIN_TAIL_EXCEEDANCES {
        return None;
    }
    let scale = desc[..exceedances].iter().map(|&s| s - anchor).sum::<f64>() / exceedances as f64;
    (scale > 0.0 && scale.is_finite()).then_some(ExponentialTail {
        anchor,
        exceedances,
        scale,
    })
}

/// The empirical estimate is used while at least this many impostor scores lie at or above
/// the threshold (relative standard error about 30 %); beyond it the tail model answers.
const EMPIRICAL_MIN_COUNT: usize = 10;

/// `floor(rate * n)`, tolerant of the rounding in `rate * n` (0.29 * 100 = 28.999...).
fn count_at_rate(rate: f64, n: usize) -> usize {
    (rate * n as f64 * (1.0 + 1e-12)).floor() as usize
}

impl Calibration {
    /// Builds a calibration from impostor scores (any order).
    pub fn from_impostor_scores(scores: &[f64]) -> Result<Calibration, CalibrationError> {
        if scores.is_empty() {
            return Err(CalibrationError::Empty);
        }
        if let Some((index, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(CalibrationError::NotFinite { index, value });
        }
        let mut impostors_desc = scores.to_vec();
        impostors_desc.sort_by(|a, b| b.total_cmp(a));
        let tail = fit_tail(&impostors_desc);
        Ok(Calibration {
            impostors_desc,
            tail,
            description: String::new(),
        })
    }

    /// The same calibration with a statement of the impostor population it was built from
    /// (matcher version, datasets, protocol); saved with it.
    pub fn with_description(mut self, description: impl Into<String>) -> Calibration {
        self.description = description.into();
        self
    }

    /// The impostor scores behind this calibration, highest first.
    pub fn impostor_scores(&self) -> &[f64] {
        &self.impostors_desc
    }

    /// The stated impostor population (empty if none was given).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Number of impostor scores behind this calibration; FMRs below `1 / len` are not
    /// resolved by the data and come from the tail model, if any.
    pub fn len(&self) -> usize {
        self.impostors_desc.len()
    }

    /// Always false: a calibration holds at least one score.
    pub fn is_empty(&self) -> bool {
        self.impostors_desc.is_empty()
    }

    /// Whether an exponential tail was fitted (so FMRs below `1 / len` can be estimated).
    pub fn has_tail(&self) -> bool {
        self.tail.is_some()
    }

    /// The FMR below which answers come from the tail model (`m / n`), or `1 / n` when no
    /// tail was fitted (below it, thresholds are refused).
    pub fn empirical_floor(&self) -> f64 {
        let n = self.impostors_desc.len() as f64;
        match self.tail {
            Some(t) => t.exceedances as f64 / n,
            None => 1.0 / n,
        }
    }

    /// The threshold for a target FMR and whether it was extrapolated: in the body, the
    /// smallest threshold `t` such that the fraction of impostor scores `>= t` is at most
    /// `fmr`; in the tail, the score where the fitted tail reaches `fmr`.
    pub fn threshold_estimate(&self, fmr: f64) -> Result<ThresholdEstimate, CalibrationError> {
        if !(fmr > 0.0 && fmr <= 1.0) {
            return Err(CalibrationError::BadFmr(fmr));
        }
        let n = self.impostors_desc.len();
        let allowed = count_at_rate(fmr, n);
        if allowed >= n {
            return Ok(ThresholdEstimate {
                threshold: f64::NEG_INFINITY,
                basis: FmrBasis::Empirical,
            });
        }
        if allowed < EMPIRICAL_MIN_COUNT
            && let Some(t) = self.tail
        {
            // Never below the threshold of the last FMR the data resolves.
            let switch = next_up(self.impostors_desc[EMPIRICAL_MIN_COUNT.min(n - 1)]);
            let tail_mass = t.exceedances as f64 / n as f64;
            return Ok(ThresholdEstimate {
                threshold: (t.anchor + t.scale * (tail_mass / fmr).ln()).max(switch),
                basis: FmrBasis::TailModel,
            });
        }
        if allowed == 0 {
            return Err(CalibrationError::BeyondData {
                fmr,
                resolution: 1.0 / n as f64,
                n,
            });
        }
        // Accept at most `allowed` impostors: the threshold sits just above score #allowed.
        Ok(ThresholdEstimate {
            threshold: next_up(self.impostors_desc[allowed]),
            basis: FmrBasis::Empirical,
        })
    }

    /// The threshold for a target FMR (see [`threshold_estimate`](Self::threshold_estimate));
    /// decide "match" for scores `>= threshold`.
    pub fn threshold_for_fmr(&self, fmr: f64) -> Result<f64, CalibrationError> {
        Ok(self.threshold_estimate(fmr)?.threshold)
    }

    /// The estimated FMR of a score and its basis (a NaN score gets a NaN FMR).
    pub fn fmr_estimate(&self, score: f64) -> FmrEstimate {
        let n = self.impostors_desc.len() as f64;
        if score.is_nan() {
            return FmrEstimate {
                fmr: f64::NAN,
                basis: FmrBasis::BeyondData,
            };
        }
        let above = self.impostors_desc.partition_point(|&s| s >= score);
        if above < EMPIRICAL_MIN_COUNT
            && let Some(t) = self.tail
        {
            let model = t.exceedances as f64 / n * (-(score - t.anchor) / t.scale).exp();
            return FmrEstimate {
                fmr: model.min(EMPIRICAL_MIN_COUNT as f64 / n),
                basis: FmrBasis::TailModel,
            };
        }
        FmrEstimate {
            fmr: above as f64 / n,
            basis: if above == 0 {
                FmrBasis::BeyondData
            } else {
                FmrBasis::Empirical
            },
        }
    }

    /// Estimated FMR of a score: the fraction of impostor scores at or above it, or the
    /// fitted tail above the tail anchor (see the module docs). NaN gives NaN.
    pub fn fmr_of_score(&self, score: f64) -> f64 {
        self.fmr_estimate(score).fmr
    }

    /// The calibration as JSON (the impostor scores and the description).
    pub fn to_json(&self) -> String {
        // Serialising plain numbers and a string cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a calibration saved with [`to_json`](Self::to_json), re-checking every score.
    pub fn from_json(json: &str) -> Result<Calibration, CalibrationError> {
        serde_json::from_str(json).map_err(|e| CalibrationError::Persist(e.to_string()))
    }
}

fn next_up(x: f64) -> f64 {
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
