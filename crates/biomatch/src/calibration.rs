//! Score calibration: from an impostor score distribution to the threshold for a target
//! false-match rate, and from a score to its estimated false-match rate. Shared by the
//! fingerprint and face modalities.

use serde::{Deserialize, Serialize};
use thiserror::Error;

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
}

/// An empirical impostor score distribution: higher scores are more similar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Impostor scores sorted in descending order.
    impostors_desc: Vec<f64>,
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
        Ok(Calibration { impostors_desc })
    }

    /// Number of impostor scores behind this calibration; FMRs below `1 / len` are not
    /// resolved by the data.
    pub fn len(&self) -> usize {
        self.impostors_desc.len()
    }

    /// Always false: a calibration holds at least one score.
    pub fn is_empty(&self) -> bool {
        self.impostors_desc.is_empty()
    }

    /// The smallest threshold `t` such that the fraction of impostor scores `>= t` is at most
    /// `fmr` (a decision "match" is taken for scores `>= t`).
    pub fn threshold_for_fmr(&self, fmr: f64) -> Result<f64, CalibrationError> {
        if !(fmr > 0.0 && fmr <= 1.0) {
            return Err(CalibrationError::BadFmr(fmr));
        }
        let n = self.impostors_desc.len();
        let allowed = (fmr * n as f64).floor() as usize;
        if allowed >= n {
            return Ok(f64::NEG_INFINITY);
        }
        // Accept at most `allowed` impostors: the threshold sits just above score #allowed.
        let s = self.impostors_desc[allowed];
        Ok(next_up(s))
    }

    /// Estimated FMR of a score: the fraction of impostor scores at or above it.
    pub fn fmr_of_score(&self, score: f64) -> f64 {
        let above = self.impostors_desc.partition_point(|&s| s >= score);
        above as f64 / self.impostors_desc.len() as f64
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
