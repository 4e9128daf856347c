//! Verification and identification metrics against hand-computed cases.
//!
//! Convention (see `biomatch::eval::metrics`): "match" when score >= t, so
//! FMR(t) = #{impostor >= t} / I and FNMR(t) = #{genuine < t} / G.

use biomatch::eval::identification::{fpir_at_threshold, threshold_for_fpir};
use biomatch::eval::{
    MatedSearch, MetricsError, NonMatedSearch, VerificationCurve, cmc, fnir_at_fpir, rank_hit_rate,
    verification_summary,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        close(actual, expected),
        "{what}: got {actual}, expected {expected}"
    );
}

/// Genuine {0.2, 0.5, 0.5, 0.9}, impostor {0.05, 0.1, 0.2, 0.3, 0.5}: ties between genuine
/// and impostor scores at 0.2 and 0.5.
///
/// | t    | FMR       | FNMR      |
/// |------|-----------|-----------|
/// | 0.05 | 5/5 = 1   | 0         |
/// | 0.1  | 4/5 = 0.8 | 0         |
/// | 0.2  | 3/5 = 0.6 | 0 (0.2 is accepted) |
/// | 0.3  | 2/5 = 0.4 | 1/4       |
/// | 0.5  | 1/5 = 0.2 | 1/4 (both 0.5 accepted) |
/// | 0.9  | 0         | 3/4       |
/// | inf  | 0         | 1         |
///
/// t1 = max{FNMR <= FMR} = 0.3 (0.25 <= 0.4; at 0.5, 0.25 > 0.2).
/// t2 = min{FNMR >= FMR} = 0.5. Sums: t1 0.65, t2 0.45 -> bracket from t2:
/// [FMR(t2), FNMR(t2)] = [0.2, 0.25], EER 0.225.
/// FMR100 = FMR1000 = ZeroFMR = FNMR(0.9) = 0.75: the genuine 0.5 ties the top impostor, so
/// at FMR 0 it is rejected.
#[test]
fn ties_between_genuine_and_impostor() {
    let genuine = [0.9, 0.5, 0.2, 0.5];
    let impostor = [0.3, 0.05, 0.5, 0.1, 0.2];
    let curve = VerificationCurve::new(&genuine, &impostor).unwrap();
    let expected = [
        (0.05, 1.0, 0.0),
        (0.1, 0.8, 0.0),
        (0.2, 0.6, 0.0),
        (0.3, 0.4, 0.25),
        (0.5, 0.2, 0.25),
        (0.9, 0.0, 0.75),
        (f64::INFINITY, 0.0, 1.0),
    ];
    assert_eq!(curve.points().len(), expected.len());
    for (p, &(t, fmr, fnmr)) in curve.points().iter().zip(&expected) {
        assert_eq!(p.threshold, t);
        assert_close(p.fmr, fmr, "fmr");
        assert_close(p.fnmr, fnmr, "fnmr");
    }
    let eer = curve.eer();
    assert_eq!((eer.t1, eer.t2), (0.3, 0.5));
    assert_close(eer.low, 0.2, "EER low");
    assert_close(eer.high, 0.25, "EER high");
    assert_close(eer.eer, 0.225, "EER");
    assert_close(curve.fmr100(), 0.75, "FMR100");
    assert_close(curve.fmr1000(), 0.75, "FMR1000");
    assert_close(curve.zero_fmr(), 0.75, "ZeroFMR");
    // Lowest FNMR with FMR <= 0.2 is at t = 0.5; with FMR <= 0.5 at t = 0.3; with
    // FMR <= 0.6 at t = 0.2.
    assert_close(curve.fnmr_at_fmr(0.2).unwrap(), 0.25, "FNMR@FMR0.2");
    assert_close(curve.fnmr_at_fmr(0.5).unwrap(), 0.25, "FNMR@FMR0.5");
    assert_close(curve.fnmr_at_fmr(0.6).unwrap(), 0.0, "FNMR@FMR0.6");
    assert_close(curve.tar_at_far(0.2).unwrap(), 0.75, "TAR@FAR0.2");
}

/// Every score equal (what a matcher that always answers the same gives): points
/// t = 0.7 (FMR 1, FNMR 0) and inf (FMR 0, FNMR 1). t1 = 0.7, t2 = inf, equal sums (1 = 1)
/// -> [FNMR(t1), FMR(t1)] = [0, 1], EER 0.5. FMR100 = ZeroFMR = 1.
#[test]
fn all_equal_scores() {
    let curve = VerificationCurve::new(&[0.7; 3], &[0.7; 4]).unwrap();
    assert_eq!(curve.points().len(), 2);
    let eer = curve.eer();
    assert_eq!((eer.t1, eer.t2), (0.7, f64::INFINITY));
    assert_close(eer.low, 0.0, "EER low");
    assert_close(eer.high, 1.0, "EER high");
    assert_close(eer.eer, 0.5, "EER");
    assert_close(curve.fmr100(), 1.0, "FMR100");
    assert_close(curve.zero_fmr(), 1.0, "ZeroFMR");
}

/// Many zero scores (no evidence): genuine {0, 0, 3, 5}, impostor nine 0s and one 1.
/// | t   | FMR  | FNMR |
/// | 0   | 1    | 0    |
/// | 1   | 0.1  | 0.5  |
/// | 3   | 0    | 0.5  |
/// | 5   | 0    | 0.75 |
/// | inf | 0    | 1    |
/// t1 = 0, t2 = 1; sums 1 and 0.6 -> [FMR(t2), FNMR(t2)] = [0.1, 0.5], EER 0.3.
/// FMR100 = ZeroFMR = FNMR(3) = 0.5; lowest FNMR with FMR <= 0.1 is 0.5 (t = 1).
#[test]
fn zero_scores() {
    let mut impostor = vec![0.0; 9];
    impostor.push(1.0);
    let curve = VerificationCurve::new(&[0.0, 3.0, 0.0, 5.0], &impostor).unwrap();
    let eer = curve.eer();
    assert_eq!((eer.t1, eer.t2), (0.0, 1.0));
    assert_close(eer.low, 0.1, "EER low");
    assert_close(eer.high, 0.5, "EER high");
    assert_close(eer.eer, 0.3, "EER");
    assert_close(curve.fmr100(), 0.5, "FMR100");
    assert_close(curve.zero_fmr(), 0.5, "ZeroFMR");
    assert_close(curve.fnmr_at_fmr(0.1).unwrap(), 0.5, "FNMR@FMR0.1");
}

/// Genuine {1, 2, 2, 2}, impostor {0, 2, 3}: the bracket comes from t1.
/// | t   | FMR | FNMR |
/// | 0   | 1   | 0    |
/// | 1   | 2/3 | 0    |
/// | 2   | 2/3 | 1/4  |
/// | 3   | 1/3 | 1    |
/// | inf | 0   | 1    |
/// t1 = 2, t2 = 3; sums 11/12 <= 4/3 -> [FNMR(t1), FMR(t1)] = [1/4, 2/3], EER 11/24.
#[test]
fn bracket_from_t1() {
    let curve = VerificationCurve::new(&[1.0, 2.0, 2.0, 2.0], &[0.0, 2.0, 3.0]).unwrap();
    let eer = curve.eer();
    assert_eq!((eer.t1, eer.t2), (2.0, 3.0));
    assert_close(eer.low, 0.25, "EER low");
    assert_close(eer.high, 2.0 / 3.0, "EER high");
    assert_close(eer.eer, 11.0 / 24.0, "EER");
}

/// Genuine {1, 5, 6, 7}, impostor {0, 2, 3, 4}: FMR and FNMR are both 1/4 at t = 4, so
/// t1 = t2 = 4 and the bracket closes: [0.25, 0.25].
#[test]
fn exact_crossing() {
    let curve = VerificationCurve::new(&[1.0, 5.0, 6.0, 7.0], &[0.0, 2.0, 3.0, 4.0]).unwrap();
    let eer = curve.eer();
    assert_eq!((eer.t1, eer.t2), (4.0, 4.0));
    assert_close(eer.low, 0.25, "EER low");
    assert_close(eer.high, 0.25, "EER high");
}

/// Genuine {2, 3}, impostor {0, 1}: at t = 2 both rates are 0, EER 0, ZeroFMR 0.
#[test]
fn perfect_separation() {
    let s = verification_summary(&[3.0, 2.0], &[1.0, 0.0]).unwrap();
    assert_eq!((s.genuine, s.impostor), (2, 2));
    assert_eq!((s.eer, s.eer_low, s.eer_high), (0.0, 0.0, 0.0));
    assert_eq!((s.fmr100, s.fmr1000, s.zero_fmr), (0.0, 0.0, 0.0));
}

/// 200 impostors scoring 0, 1, ..., 199; genuine {150.5, 198, 199, 250}.
/// FMR <= 1 % allows 2 impostors at or above t: t = 198 (198 and 199), FNMR = 1/4.
/// FMR <= 0.1 % allows none: t must exceed 199, next score is 250, FNMR = 3/4 (the genuine
/// 199 ties the top impostor and is rejected). ZeroFMR is the same 3/4.
#[test]
fn fmr100_and_fmr1000() {
    let impostor: Vec<f64> = (0..200).map(f64::from).collect();
    let curve = VerificationCurve::new(&[150.5, 198.0, 199.0, 250.0], &impostor).unwrap();
    let p = curve.point_at_fmr(0.01).unwrap();
    assert_eq!(p.threshold, 198.0);
    assert_close(p.fmr, 0.01, "realised FMR");
    assert_close(curve.fmr100(), 0.25, "FMR100");
    assert_close(curve.fmr1000(), 0.75, "FMR1000");
    assert_close(curve.zero_fmr(), 0.75, "ZeroFMR");
    assert_close(curve.fmr_resolution(), 1.0 / 200.0, "resolution");
}

#[test]
fn bad_input_is_a_typed_error() {
    assert_eq!(
        VerificationCurve::new(&[], &[1.0]).unwrap_err(),
        MetricsError::NoGenuine
    );
    assert_eq!(
        VerificationCurve::new(&[1.0], &[]).unwrap_err(),
        MetricsError::NoImpostor
    );
    assert!(matches!(
        VerificationCurve::new(&[1.0, f64::NAN], &[0.0]),
        Err(MetricsError::NotFinite {
            kind: "genuine",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        VerificationCurve::new(&[1.0], &[f64::INFINITY]),
        Err(MetricsError::NotFinite {
            kind: "impostor",
            index: 0,
            ..
        })
    ));
    let curve = VerificationCurve::new(&[1.0], &[0.0]).unwrap();
    assert_eq!(
        curve.fnmr_at_fmr(1.5).unwrap_err(),
        MetricsError::BadRate(1.5)
    );
    assert!(curve.fnmr_at_fmr(f64::NAN).is_err());
}

/// Five mated searches: mate at (rank 1, 0.9), (2, 0.8), (1, 0.3), (5, 0.95), not returned.
/// Five non-mated searches with top scores 0.5, 0.7, 0.2, (empty list), 0.85.
fn searches() -> (Vec<MatedSearch>, Vec<NonMatedSearch>) {
    let mated = vec![
        MatedSearch::found(1, 0.9),
        MatedSearch::found(2, 0.8),
        MatedSearch::found(1, 0.3),
        MatedSearch::found(5, 0.95),
        MatedSearch::missed(),
    ];
    let nonmated = [Some(0.5), Some(0.7), Some(0.2), None, Some(0.85)]
        .into_iter()
        .map(|top_score| NonMatedSearch { top_score })
        .collect();
    (mated, nonmated)
}

/// FPIR 0.2 of 5 searches allows one non-mated top score >= T: T just above 0.7, realised
/// FPIR 1/5 (only 0.85). Rank 1: only (1, 0.9) is a hit -> FNIR 4/5. Rank 5: (1, 0.9),
/// (2, 0.8), (5, 0.95) -> FNIR 2/5. FPIR 0: T just above 0.85; rank 5 hits 0.9 and 0.95 ->
/// FNIR 3/5. FPIR 1: no threshold; rank 1 hits (1, 0.9) and (1, 0.3) -> FNIR 3/5.
#[test]
fn fnir_at_fpir_hand_computed() {
    let (mated, nonmated) = searches();
    let p = fnir_at_fpir(&mated, &nonmated, 0.2, 1).unwrap();
    assert!(p.threshold > 0.7 && p.threshold <= 0.85, "{}", p.threshold);
    assert_close(p.fpir, 0.2, "FPIR");
    assert_close(p.fnir, 0.8, "FNIR rank 1");
    assert_close(
        fnir_at_fpir(&mated, &nonmated, 0.2, 5).unwrap().fnir,
        0.4,
        "rank 5",
    );
    let p0 = fnir_at_fpir(&mated, &nonmated, 0.0, 5).unwrap();
    assert_close(p0.fpir, 0.0, "FPIR 0");
    assert_close(p0.fnir, 0.6, "FNIR at FPIR 0");
    let p1 = fnir_at_fpir(&mated, &nonmated, 1.0, 1).unwrap();
    assert_eq!(p1.threshold, f64::NEG_INFINITY);
    assert_close(p1.fnir, 0.6, "FNIR at FPIR 1");
}

/// Rank 1: 2 of 5; rank 2: 3 of 5; ranks 3-4: still 3; rank 5: 4 of 5.
#[test]
fn cmc_hand_computed() {
    let (mated, _) = searches();
    let curve = cmc(&mated, 5).unwrap();
    let expected = [0.4, 0.6, 0.6, 0.6, 0.8];
    for (k, (&got, &want)) in curve.iter().zip(&expected).enumerate() {
        assert_close(got, want, &format!("CMC rank {}", k + 1));
    }
    assert_close(rank_hit_rate(&mated, 2).unwrap(), 0.6, "rank-2 hit rate");
    assert_eq!(cmc(&mated, 0).unwrap_err(), MetricsError::BadRank);
}

/// Tied non-mated top scores {0.7, 0.7, 0.1, 0.1}, FPIR 0.25 (one allowed): a threshold that
/// lets one 0.7 through lets both through, so T goes above 0.7 and the realised FPIR is 0.
#[test]
fn fpir_ties_are_not_split() {
    let nonmated: Vec<_> = [0.7, 0.1, 0.7, 0.1]
        .into_iter()
        .map(|t| NonMatedSearch { top_score: Some(t) })
        .collect();
    let t = threshold_for_fpir(&nonmated, 0.25).unwrap();
    assert!(t > 0.7);
    assert_close(fpir_at_threshold(&nonmated, t).unwrap(), 0.0, "FPIR");
    // FPIR 0.5 allows both 0.7s: T just above 0.1.
    let t = threshold_for_fpir(&nonmated, 0.5).unwrap();
    assert!(t > 0.1 && t <= 0.7);
    assert_close(fpir_at_threshold(&nonmated, t).unwrap(), 0.5, "FPIR");
}

#[test]
fn mated_from_candidate_list() {
    let list = [("a", 0.9), ("b", 0.9), ("c", 0.4)];
    assert_eq!(
        MatedSearch::from_candidates(&list, &"b"),
        MatedSearch::found(2, 0.9)
    );
    assert_eq!(MatedSearch::from_candidates(&list, &"z").mate_rank, None);
    assert_eq!(
        NonMatedSearch::from_scores(&[0.2, 0.8, 0.5]).top_score,
        Some(0.8)
    );
    assert_eq!(NonMatedSearch::from_scores(&[]).top_score, None);
}

mod against_definitions {
    //! The curve against a direct reading of the definitions, on small integer score lists
    //! (many ties), for thresholds on a half-step grid that covers every gap between scores.
    use biomatch::eval::VerificationCurve;
    use proptest::prelude::*;

    fn rates(genuine: &[f64], impostor: &[f64], t: f64) -> (f64, f64) {
        let fmr = impostor.iter().filter(|&&s| s >= t).count() as f64 / impostor.len() as f64;
        let fnmr = genuine.iter().filter(|&&s| s < t).count() as f64 / genuine.len() as f64;
        (fmr, fnmr)
    }

    proptest! {
        #[test]
        fn matches_definitions(
            genuine in prop::collection::vec(0u8..12, 1..25),
            impostor in prop::collection::vec(0u8..12, 1..40),
        ) {
            let genuine: Vec<f64> = genuine.into_iter().map(f64::from).collect();
            let impostor: Vec<f64> = impostor.into_iter().map(f64::from).collect();
            let curve = VerificationCurve::new(&genuine, &impostor).unwrap();
            // Thresholds -1, -0.5, 0, ..., 13: every operating point there is.
            let grid: Vec<f64> = (-2..=26).map(|k| f64::from(k) / 2.0).collect();
            let points: Vec<(f64, f64)> = grid.iter().map(|&t| rates(&genuine, &impostor, t)).collect();
            for p in curve.points() {
                prop_assert!(points.contains(&(p.fmr, p.fnmr)));
            }
            for pt in &points {
                prop_assert!(curve.points().iter().any(|p| (p.fmr, p.fnmr) == *pt));
            }
            // t1 = max{t : FNMR <= FMR}, t2 = min{t : FNMR >= FMR} over the grid.
            let k1 = (0..grid.len()).rev().find(|&k| points[k].1 <= points[k].0).unwrap();
            let k2 = (0..grid.len()).find(|&k| points[k].1 >= points[k].0).unwrap();
            let (fmr1, fnmr1) = points[k1];
            let (fmr2, fnmr2) = points[k2];
            let (low, high) = if fnmr1 + fmr1 <= fmr2 + fnmr2 { (fnmr1, fmr1) } else { (fmr2, fnmr2) };
            let eer = curve.eer();
            prop_assert_eq!((eer.low, eer.high), (low, high));
            prop_assert!(eer.low <= eer.high);
            // Lowest FNMR with FMR <= x, for the FVC levels and a coarse one.
            for x in [0.0, 0.001, 0.01, 0.1, 0.5] {
                let best = points.iter().filter(|p| p.0 <= x).map(|p| p.1).fold(1.0, f64::min);
                prop_assert_eq!(curve.fnmr_at_fmr(x).unwrap(), best);
            }
        }
    }
}

#[test]
fn identification_bad_input() {
    let (mated, nonmated) = searches();
    assert_eq!(
        fnir_at_fpir(&mated, &nonmated, 0.1, 0).unwrap_err(),
        MetricsError::BadRank
    );
    assert_eq!(
        fnir_at_fpir(&[MatedSearch::found(0, 1.0)], &nonmated, 0.1, 1).unwrap_err(),
        MetricsError::BadRank
    );
    assert_eq!(
        fnir_at_fpir(&[], &nonmated, 0.1, 1).unwrap_err(),
        MetricsError::NoSearches("mated")
    );
    assert_eq!(
        fnir_at_fpir(&mated, &[], 0.1, 1).unwrap_err(),
        MetricsError::NoSearches("non-mated")
    );
    assert_eq!(
        fnir_at_fpir(&mated, &nonmated, 1.5, 1).unwrap_err(),
        MetricsError::BadRate(1.5)
    );
    assert!(fnir_at_fpir(&[MatedSearch::found(1, f64::NAN)], &nonmated, 0.1, 1).is_err());
}
