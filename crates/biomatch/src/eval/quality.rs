//! Judging a quality score: error versus discard (ISO/IEC 29794-1:2024, after Grother and
//! Tabassi's error-versus-reject characteristic).
//!
//! Fix a decision threshold, discard the genuine comparisons whose *pairwise quality* (the
//! lower of the two samples' scores) is lowest, and recompute the false non-match rate on
//! what is left. A quality score that predicts errors makes the rate fall fast. The summary
//! figure is the *normalised partial area*: the area under FNMR over the discarded fraction
//! from 0 to a limit (20 % here), divided by `limit × starting FNMR`. 1.0 means the score
//! predicts nothing (random discards leave the rate where it was), lower is better, and 0
//! would remove every error first.
//!
//! Ties: comparisons of equal pairwise quality are discarded together, so the curve is
//! taken as the expectation over every order within a tie (a tie group part-discarded
//! removes that part of its errors). Integer scores such as NFIQ 2's are judged fairly.
//!
//! The decision rule is "match when score > τ"; [`tau_at_fnmr`] and [`tau_at_fmr`] pick τ.

use super::metrics::MetricsError;

/// One genuine comparison: its score and its pairwise quality.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GenuineComparison {
    /// The matcher's score.
    pub score: f64,
    /// The lower quality of the two samples.
    pub quality: f64,
}

/// The threshold τ at which a fraction `fnmr` of the genuine scores are non-matches
/// (score ≤ τ): the `round(fnmr × n)`-th lowest genuine score. Ties at τ count as
/// non-matches, so the starting rate can be a little above `fnmr`.
pub fn tau_at_fnmr(genuine: &[f64], fnmr: f64) -> Result<f64, MetricsError> {
    let sorted = sorted_finite(genuine, "genuine")?;
    let k = (fnmr.clamp(0.0, 1.0) * sorted.len() as f64).round() as usize;
    Ok(if k == 0 {
        // No non-match wanted: below every score.
        sorted[0] - 1.0
    } else {
        sorted[k.min(sorted.len()) - 1]
    })
}

/// The lowest threshold τ at which at most a fraction `fmr` of the impostor scores are
/// false matches (score > τ).
pub fn tau_at_fmr(impostor: &[f64], fmr: f64) -> Result<f64, MetricsError> {
    let mut sorted = sorted_finite(impostor, "impostor")?;
    sorted.reverse();
    let k = (fmr.clamp(0.0, 1.0) * sorted.len() as f64).floor() as usize;
    Ok(sorted[k.min(sorted.len() - 1)])
}

fn sorted_finite(scores: &[f64], kind: &'static str) -> Result<Vec<f64>, MetricsError> {
    if scores.is_empty() {
        return Err(if kind == "genuine" {
            MetricsError::NoGenuine
        } else {
            MetricsError::NoImpostor
        });
    }
    super::metrics::check_scores(scores, kind)
}

/// The error-versus-discard curve of a set of genuine comparisons at a fixed threshold.
#[derive(Clone, Debug)]
pub struct ErrorVersusDiscard {
    /// Tie groups of equal pairwise quality, lowest first: (comparisons, errors).
    groups: Vec<(usize, usize)>,
    total: usize,
    errors: usize,
}

impl ErrorVersusDiscard {
    /// The curve of `genuine` at threshold `tau` (non-match when score ≤ τ).
    pub fn new(
        genuine: &[GenuineComparison],
        tau: f64,
    ) -> Result<ErrorVersusDiscard, MetricsError> {
        if genuine.is_empty() {
            return Err(MetricsError::NoGenuine);
        }
        if let Some(index) = genuine
            .iter()
            .position(|g| !g.score.is_finite() || !g.quality.is_finite())
        {
            let g = genuine[index];
            return Err(MetricsError::NotFinite {
                kind: "genuine",
                index,
                value: if g.score.is_finite() {
                    g.quality
                } else {
                    g.score
                },
            });
        }
        let mut sorted = genuine.to_vec();
        sorted.sort_by(|a, b| a.quality.total_cmp(&b.quality));
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut last = None;
        for g in &sorted {
            let error = usize::from(g.score <= tau);
            if last == Some(g.quality) {
                if let Some(cell) = groups.last_mut() {
                    cell.0 += 1;
                    cell.1 += error;
                }
            } else {
                groups.push((1, error));
                last = Some(g.quality);
            }
        }
        let errors = groups.iter().map(|g| g.1).sum();
        Ok(ErrorVersusDiscard {
            total: sorted.len(),
            groups,
            errors,
        })
    }

    /// FNMR before anything is discarded.
    pub fn start_fnmr(&self) -> f64 {
        self.errors as f64 / self.total as f64
    }

    /// FNMR after discarding the lowest-quality fraction `discard` (0..1) of the comparisons
    /// (expected value over the orders within a tie group). 0 when everything is discarded.
    pub fn fnmr_after(&self, discard: f64) -> f64 {
        let n = self.total as f64;
        let mut left = (discard.clamp(0.0, 1.0) * n).min(n);
        let kept = n - left;
        if kept <= 0.0 {
            return 0.0;
        }
        let mut removed = 0.0;
        for &(count, errors) in &self.groups {
            if left <= 0.0 {
                break;
            }
            let take = left.min(count as f64);
            removed += errors as f64 * take / count as f64;
            left -= take;
        }
        ((self.errors as f64 - removed) / kept).max(0.0)
    }

    /// The area under FNMR over the discarded fraction from 0 to `limit`, divided by
    /// `limit × starting FNMR` (1 = no prediction, lower is better). `None` when the
    /// starting FNMR is 0 or `limit` is not in (0, 1].
    pub fn normalised_partial_area(&self, limit: f64) -> Option<f64> {
        if self.errors == 0 || !(limit > 0.0 && limit <= 1.0) {
            return None;
        }
        // The curve is piecewise smooth between tie-group boundaries; a fine trapezoid rule
        // (well below one comparison per step) is exact to within 1e-4 of the area.
        let steps = (self.total * 8).max(2000);
        let h = limit / steps as f64;
        let mut area = 0.5 * (self.fnmr_after(0.0) + self.fnmr_after(limit));
        for i in 1..steps {
            area += self.fnmr_after(i as f64 * h);
        }
        Some(area * h / (limit * self.start_fnmr()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(score: f64, quality: f64) -> GenuineComparison {
        GenuineComparison { score, quality }
    }

    #[test]
    fn thresholds_hit_the_requested_rates() {
        let genuine: Vec<f64> = (1..=10).map(f64::from).collect();
        let tau = tau_at_fnmr(&genuine, 0.2).unwrap();
        assert_eq!(tau, 2.0);
        assert_eq!(genuine.iter().filter(|&&s| s <= tau).count(), 2);
        let impostor: Vec<f64> = (0..100).map(f64::from).collect();
        let tau = tau_at_fmr(&impostor, 0.05).unwrap();
        assert_eq!(impostor.iter().filter(|&&s| s > tau).count(), 5);
        assert!(tau_at_fnmr(&[], 0.1).is_err());
        assert!(tau_at_fmr(&[f64::NAN], 0.1).is_err());
    }

    #[test]
    fn perfect_predictor_removes_errors_first() {
        // 10 comparisons, 2 errors (scores 0), which have the lowest quality.
        let mut v: Vec<_> = (0..8).map(|i| g(1.0, 10.0 + i as f64)).collect();
        v.push(g(0.0, 1.0));
        v.push(g(0.0, 2.0));
        let edc = ErrorVersusDiscard::new(&v, 0.5).unwrap();
        assert_eq!(edc.start_fnmr(), 0.2);
        assert!((edc.fnmr_after(0.1) - 1.0 / 9.0).abs() < 1e-12);
        assert_eq!(edc.fnmr_after(0.2), 0.0);
        // Area by hand: the integral of (2 - 10f)/(10 - 10f) = 1 - 0.8/(1 - f) over f in
        // [0, 0.2] is 0.2 - 0.8 ln(1.25); divided by 0.2 x 0.2.
        let expected = (0.2 - 0.8 * (1.25f64).ln()) / 0.04;
        let got = edc.normalised_partial_area(0.2).unwrap();
        assert!((got - expected).abs() < 1e-3, "{got} vs {expected}");
    }

    #[test]
    fn constant_quality_predicts_nothing() {
        let v: Vec<_> = (0..50)
            .map(|i| g(if i % 5 == 0 { 0.0 } else { 1.0 }, 7.0))
            .collect();
        let edc = ErrorVersusDiscard::new(&v, 0.5).unwrap();
        for f in [0.0, 0.05, 0.1, 0.2] {
            assert!((edc.fnmr_after(f) - 0.2).abs() < 1e-12);
        }
        assert!((edc.normalised_partial_area(0.2).unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn no_errors_or_bad_input() {
        let v = [g(1.0, 1.0), g(2.0, 2.0)];
        let edc = ErrorVersusDiscard::new(&v, 0.5).unwrap();
        assert_eq!(edc.normalised_partial_area(0.2), None);
        assert!(ErrorVersusDiscard::new(&[], 0.5).is_err());
        assert!(ErrorVersusDiscard::new(&[g(1.0, f64::NAN)], 0.5).is_err());
        assert_eq!(edc.fnmr_after(1.0), 0.0);
    }
}
