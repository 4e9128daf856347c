//! Verification accuracy from genuine and impostor score lists (higher = more similar).

use crate::calibration::{Calibration, CalibrationError};

/// True-accept rate at a false-accept rate: the threshold is the smallest one accepting at
/// most `far` of the impostors ([`Calibration::threshold_for_fmr`]), and the result is the
/// fraction of genuine scores at or above it.
pub fn true_accept_rate_at(
    genuine: &[f64],
    impostor: &[f64],
    far: f64,
) -> Result<f64, CalibrationError> {
    let t = Calibration::from_impostor_scores(impostor)?.threshold_for_fmr(far)?;
    if genuine.is_empty() {
        return Ok(0.0);
    }
    Ok(genuine.iter().filter(|g| **g >= t).count() as f64 / genuine.len() as f64)
}

/// Equal error rate: over all thresholds (each observed score), the point where the
/// false-reject rate and the false-accept rate cross; returns their mean at the threshold
/// where they are closest. `None` when either list is empty.
pub fn equal_error_rate(genuine: &[f64], impostor: &[f64]) -> Option<f64> {
    if genuine.is_empty() || impostor.is_empty() {
        return None;
    }
    let mut g = genuine.to_vec();
    let mut i = impostor.to_vec();
    g.sort_by(f64::total_cmp);
    i.sort_by(f64::total_cmp);
    let mut thresholds: Vec<f64> = g.iter().chain(&i).copied().collect();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    let mut best = (f64::INFINITY, 0.0);
    for t in thresholds {
        // Accept scores >= t.
        let frr = g.partition_point(|s| *s < t) as f64 / g.len() as f64;
        let far = (i.len() - i.partition_point(|s| *s < t)) as f64 / i.len() as f64;
        let gap = (frr - far).abs();
        if gap < best.0 {
            best = (gap, (frr + far) / 2.0);
        }
    }
    Some(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_scores_have_zero_eer_and_full_tar() {
        let g = [0.9, 0.8, 0.85];
        let i = [0.1, 0.2, 0.3, 0.0];
        assert_eq!(equal_error_rate(&g, &i), Some(0.0));
        assert_eq!(true_accept_rate_at(&g, &i, 0.25).unwrap(), 1.0);
    }

    #[test]
    fn overlapping_scores() {
        // Genuine 0.5..1.0 uniform-ish, impostor 0.0..0.6: overlap 0.5..0.6.
        let g: Vec<f64> = (0..100).map(|k| 0.5 + k as f64 * 0.005).collect();
        let i: Vec<f64> = (0..100).map(|k| k as f64 * 0.006).collect();
        let eer = equal_error_rate(&g, &i).unwrap();
        // Brute force: FRR(t)=FAR(t) near t=0.545: FRR ~ 0.09, FAR ~ 0.09.
        assert!((eer - 0.09).abs() < 0.015, "eer {eer}");
        // FAR 1e-2 -> threshold just above the 2nd highest impostor (0.588): genuine >= 0.5881
        let tar = true_accept_rate_at(&g, &i, 0.01).unwrap();
        let expect = g.iter().filter(|s| **s > 0.588).count() as f64 / 100.0;
        assert_eq!(tar, expect);
    }
}
