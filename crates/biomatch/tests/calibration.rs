//! Calibration: empirical body, exponential tail, persistence; against hand-computed values
//! and against distributions whose true FMR is known in closed form.

use biomatch::calibration::{Calibration, CalibrationError, FmrBasis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: got {actual}, expected {expected}"
    );
}

/// Ten scores 1..=10 (too few for a tail). FMR 0.2 allows 2 impostors at or above t: t just
/// above 8 (9 and 10 remain). FMR(8) = 3/10, FMR(8.5) = 2/10, above 10: none, beyond the data.
#[test]
fn empirical_body_hand_computed() {
    let scores: Vec<f64> = (1..=10).rev().map(f64::from).collect();
    let cal = Calibration::from_impostor_scores(&scores).unwrap();
    assert!(!cal.has_tail());
    let t = cal.threshold_for_fmr(0.2).unwrap();
    assert!(t > 8.0 && t < 8.000001, "{t}");
    assert_close(cal.fmr_of_score(t), 0.2, "FMR at the threshold");
    assert_close(cal.fmr_of_score(8.0), 0.3, "FMR(8)");
    assert_close(cal.fmr_of_score(8.5), 0.2, "FMR(8.5)");
    assert_close(cal.fmr_of_score(-5.0), 1.0, "FMR below all");
    let beyond = cal.fmr_estimate(11.0);
    assert_eq!((beyond.fmr, beyond.basis), (0.0, FmrBasis::BeyondData));
    assert_eq!(cal.threshold_for_fmr(1.0).unwrap(), f64::NEG_INFINITY);
    // 0.05 of 10 is half an impostor: the data cannot say, and there is no tail.
    assert!(matches!(
        cal.threshold_for_fmr(0.05),
        Err(CalibrationError::BeyondData { n: 10, .. })
    ));
}

#[test]
fn bad_input() {
    assert_eq!(
        Calibration::from_impostor_scores(&[]).unwrap_err(),
        CalibrationError::Empty
    );
    assert!(matches!(
        Calibration::from_impostor_scores(&[1.0, f64::NAN]),
        Err(CalibrationError::NotFinite { index: 1, .. })
    ));
    let cal = Calibration::from_impostor_scores(&[1.0, 2.0]).unwrap();
    for bad in [0.0, -0.1, 1.5, f64::NAN] {
        assert!(matches!(
            cal.threshold_for_fmr(bad),
            Err(CalibrationError::BadFmr(_))
        ));
    }
}

/// 0.29 * 100 is 28.999... in floating point; 29 impostors must still be allowed.
#[test]
fn rate_times_count_rounding() {
    let scores: Vec<f64> = (0..100).map(f64::from).collect();
    let cal = Calibration::from_impostor_scores(&scores).unwrap();
    let t = cal.threshold_for_fmr(0.29).unwrap();
    // Scores 71..=99 (29 of them) stay at or above t.
    assert!(t > 70.0 && t <= 71.0, "{t}");
}

/// n = 100: top ten scores 11..=20, one 10, 89 zeros. Tail size k = ceil(sqrt(100)) = 10, the
/// anchor is the 11th highest score, 10; m = 10 scores above it with mean excess
/// (1 + ... + 10) / 10 = 5.5. Tail: FMR(s) = 0.1 * exp(-(s - 10) / 5.5).
/// Threshold for 0.01: 10 + 5.5 ln 10. FMR 0.1 is not below the tail mass, so it is
/// empirical: just above 10.
#[test]
fn exponential_tail_hand_computed() {
    let mut scores: Vec<f64> = (11..=20).map(f64::from).collect();
    scores.push(10.0);
    scores.extend(std::iter::repeat_n(0.0, 89));
    let cal = Calibration::from_impostor_scores(&scores).unwrap();
    assert!(cal.has_tail());
    assert_close(cal.empirical_floor(), 0.1, "tail mass");
    let t = cal.threshold_estimate(0.01).unwrap();
    assert_eq!(t.basis, FmrBasis::TailModel);
    assert_close(t.threshold, 10.0 + 5.5 * 10f64.ln(), "threshold at 1e-2");
    let e = cal.fmr_estimate(15.0);
    assert_eq!(e.basis, FmrBasis::TailModel);
    assert_close(e.fmr, 0.1 * (-5.0f64 / 5.5).exp(), "FMR(15)");
    // Far above every impostor the tail still gives a (small, positive) estimate.
    assert!(cal.fmr_of_score(100.0) > 0.0);
    assert!(cal.fmr_of_score(f64::NAN).is_nan());
    assert_close(cal.fmr_of_score(10.0), 0.11, "FMR(10), empirical");
    let body = cal.threshold_estimate(0.1).unwrap();
    assert_eq!(body.basis, FmrBasis::Empirical);
    assert!(body.threshold > 10.0 && body.threshold < 10.000001);
    // The estimate is continuous where the model changes: just above the anchor both say 0.1.
    assert_close(
        cal.fmr_of_score(10.0 + 1e-9),
        0.1,
        "FMR just above the anchor",
    );
}

/// All scores equal: no spread to fit a tail, so tiny FMRs are refused.
#[test]
fn degenerate_scores_have_no_tail() {
    let cal = Calibration::from_impostor_scores(&[0.0; 500]).unwrap();
    assert!(!cal.has_tail());
    assert!(matches!(
        cal.threshold_for_fmr(1e-3),
        Err(CalibrationError::BeyondData { .. })
    ));
}

/// Synthetic impostors like a minutiae matcher's: 30 % exactly 0 (no evidence), the rest
/// Gamma(2, theta = 4), whose survival function is (1 + x/theta) exp(-x/theta). Calibrating
/// on 11,520 scores (one year of FVC all-pairs impostors), the true FMR at the thresholds for
/// 1e-2 and 1e-3 must be within a factor of 2; the tail is then asked for 1e-4 and 1e-5,
/// beyond the data, where the exponential fit is still asked to be within a factor of 4.
#[test]
fn gamma_mixture_true_fmr_within_factor() {
    const THETA: f64 = 4.0;
    const ZERO_FRACTION: f64 = 0.3;
    let true_fmr = |t: f64| {
        if t <= 0.0 {
            return 1.0;
        }
        (1.0 - ZERO_FRACTION) * (1.0 + t / THETA) * (-t / THETA).exp()
    };
    for seed in 0..5u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let scores: Vec<f64> = (0..11_520)
            .map(|_| {
                if rng.r#gen::<f64>() < ZERO_FRACTION {
                    0.0
                } else {
                    let (u1, u2): (f64, f64) = (rng.r#gen(), rng.r#gen());
                    -THETA * ((1.0 - u1).ln() + (1.0 - u2).ln())
                }
            })
            .collect();
        let cal = Calibration::from_impostor_scores(&scores).unwrap();
        for (target, factor) in [(1e-2, 2.0), (1e-3, 2.0), (1e-4, 4.0), (1e-5, 4.0)] {
            let t = cal.threshold_for_fmr(target).unwrap();
            let realised = true_fmr(t);
            assert!(
                realised <= target * factor && realised >= target / factor,
                "seed {seed}: FMR {target}: threshold {t} has true FMR {realised}"
            );
            // And the inverse: the estimated FMR of that threshold is the target.
            assert!((cal.fmr_of_score(t) / target - 1.0).abs() < 0.05 || target >= 1e-2);
        }
    }
}

/// Exponential impostors (rate 1): the tail model has the right form, so what is left is the
/// sampling error of its scale (about 1 / sqrt(m), 10 % for m ~ 108 of 11,520 scores), which
/// grows with the distance extrapolated. Over 20 samples: every threshold within a factor of
/// 2 of the target at 1e-3, 3 at 1e-4, 10 at 1e-6 (true FMR exp(-t)), and no bias: the
/// median ratio within [0.75, 1.33] at every level.
#[test]
fn exponential_tail_extrapolates() {
    let levels = [(1e-3, 2.0), (1e-4, 3.0), (1e-6, 10.0)];
    let mut ratios = vec![Vec::new(); levels.len()];
    for seed in 0..20u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let scores: Vec<f64> = (0..11_520)
            .map(|_| -(1.0 - rng.r#gen::<f64>()).ln())
            .collect();
        let cal = Calibration::from_impostor_scores(&scores).unwrap();
        for (k, &(target, factor)) in levels.iter().enumerate() {
            let t = cal.threshold_for_fmr(target).unwrap();
            let realised = (-t).exp();
            assert!(
                realised <= factor * target && realised >= target / factor,
                "seed {seed}: FMR {target}: threshold {t} has true FMR {realised}"
            );
            ratios[k].push(realised / target);
        }
    }
    for (k, r) in ratios.iter_mut().enumerate() {
        r.sort_by(f64::total_cmp);
        let median = (r[9] + r[10]) / 2.0;
        assert!(
            (0.75..=1.33).contains(&median),
            "FMR {}: median realised/target {median}",
            levels[k].0
        );
    }
}

#[test]
fn json_round_trip_and_checks() {
    let scores: Vec<f64> = (0..300).map(|i| f64::from(i % 37) * 0.25).collect();
    let cal = Calibration::from_impostor_scores(&scores)
        .unwrap()
        .with_description("synthetic: 300 scores");
    let json = cal.to_json();
    let back = Calibration::from_json(&json).unwrap();
    assert_eq!(back, cal);
    assert_eq!(back.description(), "synthetic: 300 scores");
    assert_eq!(
        back.threshold_for_fmr(1e-3).unwrap(),
        cal.threshold_for_fmr(1e-3).unwrap()
    );
    let wrong_version = json.replace("\"version\":1", "\"version\":9");
    assert!(matches!(
        Calibration::from_json(&wrong_version),
        Err(CalibrationError::Persist(m)) if m.contains("version 9")
    ));
    let empty = r#"{"version":1,"description":"","impostor_scores":[]}"#;
    assert!(matches!(
        Calibration::from_json(empty),
        Err(CalibrationError::Persist(_))
    ));
    assert!(Calibration::from_json("not json").is_err());
}

/// A saved calibration reloads bit for bit: its scores, and so its tail and every FMR
/// (serde_json's default float parser can be one ulp off; the workspace enables
/// `float_roundtrip`). Scores with long decimal expansions, as real ones have.
#[test]
fn json_round_trip_is_exact_for_arbitrary_scores() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let scores: Vec<f64> = (0..5000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64 * 0.7 - 0.2
        })
        .collect();
    let cal = Calibration::from_impostor_scores(&scores).unwrap();
    let back = Calibration::from_json(&cal.to_json()).unwrap();
    assert_eq!(back, cal);
    for i in 0..100 {
        let s = 0.3 + f64::from(i) * 0.002;
        assert_eq!(
            back.fmr_of_score(s).to_bits(),
            cal.fmr_of_score(s).to_bits(),
            "score {s}"
        );
    }
}
