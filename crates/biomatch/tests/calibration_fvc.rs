//! The stated impostor distribution, checked across years: calibrate the matcher on the
//! all-pairs impostors of FVC2002 DB1-DB4 (ISO templates, 4 x 2880 = 11,520 scores), then
//! measure the realised FMR of the thresholds for 1e-2 and 1e-3 on FVC2004 DB1-DB4's
//! all-pairs impostors (another 11,520). Each must be within a factor of 2 of its target.
//!
//! Skips when the data is absent and `BIOMATCH_DATASETS` is unset; fails when it is set.

mod common;

use biomatch::calibration::Calibration;
use biomatch::eval::dataset::Dataset;
use biomatch::eval::scoring::{Scores, score_views};
use biomatch::eval::{PairList, Protocol, VerificationCurve};
use biomatch::finger::matcher::Matcher;

fn score_year(root: &std::path::Path, year: &str, matcher: &Matcher) -> Vec<Scores> {
    (1..=4)
        .map(|db| {
            let ds = Dataset::open(&root.join(year).join(format!("DB{db}_B")), None).unwrap();
            let views = ds.load_default().unwrap();
            let ids: Vec<_> = ds.files.iter().map(|f| f.id).collect();
            let pairs = PairList::new(&ids, Protocol::AllPairs);
            score_views(matcher, &views, &pairs, &mut |_| {})
        })
        .collect()
}

#[test]
fn fvc2002_calibration_holds_on_fvc2004() {
    let Some(root) = common::dataset("iso-secugen") else {
        return;
    };
    let matcher = Matcher::default();
    let calib_scores = score_year(&root, "fvc2002", &matcher);
    let check_scores = score_year(&root, "fvc2004", &matcher);

    for scores in calib_scores.iter().chain(&check_scores) {
        assert_eq!((scores.genuine.len(), scores.impostor.len()), (280, 2880));
    }

    let impostors_2002: Vec<f64> = calib_scores
        .iter()
        .flat_map(|s| s.impostor.clone())
        .collect();
    let impostors_2004: Vec<f64> = check_scores
        .iter()
        .flat_map(|s| s.impostor.clone())
        .collect();
    assert_eq!(
        (impostors_2002.len(), impostors_2004.len()),
        (11_520, 11_520)
    );
    let calibration = Calibration::from_impostor_scores(&impostors_2002)
        .unwrap()
        .with_description("FVC2002 DB1-4 B, ISO SecuGen templates, all-pairs impostors");

    let mut failures = Vec::new();
    for target in [1e-2, 1e-3] {
        let estimate = calibration.threshold_estimate(target).unwrap();
        let accepted = impostors_2004
            .iter()
            .filter(|&&s| s >= estimate.threshold)
            .count();
        let realised = accepted as f64 / impostors_2004.len() as f64;
        let realised_2002 = calibration.fmr_of_score(estimate.threshold);
        eprintln!(
            "target FMR {target:e}: threshold {:.4} ({:?}), FVC2002 estimate {realised_2002:.2e}, \
             FVC2004 realised {realised:.2e} ({accepted} of {})",
            estimate.threshold,
            estimate.basis,
            impostors_2004.len()
        );
        if !(realised <= 2.0 * target && realised >= target / 2.0) {
            failures.push(format!("FMR {target:e}: realised {realised:.2e}"));
        }
    }
    // Context for the reader: the per-year FVC figures with these scores.
    for (year, scores) in [("FVC2002", &calib_scores), ("FVC2004", &check_scores)] {
        for (db, s) in scores.iter().enumerate() {
            let summary = VerificationCurve::new(&s.genuine, &s.impostor)
                .unwrap()
                .summary();
            eprintln!("{year} DB{}: EER {:.2} %", db + 1, 100.0 * summary.eer);
        }
    }
    assert!(
        failures.is_empty(),
        "calibration on FVC2002 does not hold on FVC2004 within a factor of 2: {failures:?}"
    );
}
