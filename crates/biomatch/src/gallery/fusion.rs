//! Calibrated score fusion: every modality's score becomes an estimated false-match rate
//! (FMR), and the FMRs of one subject combine into one fused FMR.
//!
//! # The rule
//! 1. **Per comparison.** A raw score `s` of a modality becomes `p = FMR(s)`, the fraction of
//!    that modality's calibration impostor scores at or above `s`
//!    ([`Calibration::fmr_of_score`]), floored at `1 / (2 n)` for a calibration of `n`
//!    impostor scores (the data cannot resolve smaller rates, and a zero would end any
//!    product).
//! 2. **Best of m.** A probe finger compared with `m` enrolled impressions (several
//!    impressions of the same finger, or every finger of the subject when the probe's
//!    position is unknown) keeps its best score; the chance that the best of `m` impostor
//!    comparisons reaches it is `1 - (1 - p)^m` (Šidák correction, comparisons taken as
//!    independent).
//! 3. **Across probe fingers and the face.** The `k` corrected rates `p_1..p_k` (one per probe
//!    finger, one for the face) are combined with Fisher's method: for independent impostor
//!    evidence each `p_i` is uniform, and the chance that their product is at most the observed
//!    `q = p_1 ··· p_k` is `q · Σ_{i<k} (-ln q)^i / i!`. That value is the **fused FMR**: a
//!    1:1 decision "same person" taken when the fused FMR is at most `t` falsely matches an
//!    impostor with probability about `t` (under the independence assumption; fingers of one
//!    person and face are independent for impostors to a good approximation).
//! 4. **Score.** The fused score is `-log10(fused FMR)`: higher is more similar, 3 means an
//!    estimated FMR of 1e-3.
//! 5. **1:N.** Searching a gallery of `N` subjects with a per-subject threshold `t` gives an
//!    expected false-positive identification rate of about `N · t` for small `N · t`;
//!    [`fpir_threshold`] turns a target FPIR into the fused-FMR threshold.

use crate::calibration::Calibration;

/// One modality's score turned into an FMR.
pub(crate) fn comparison_fmr(calibration: &Calibration, score: f64) -> f64 {
    let floor = 0.5 / calibration.len() as f64;
    calibration.fmr_of_score(score).max(floor)
}

/// The FMR of the best of `m` impostor comparisons reaching the level `p` (Šidák).
pub fn best_of(p: f64, m: usize) -> f64 {
    if m <= 1 {
        return p;
    }
    // 1 - (1 - p)^m, computed without cancellation for small p.
    -(m as f64 * (-p).ln_1p()).exp_m1()
}

/// Fisher's combination of independent FMRs: the probability that `k` independent uniform
/// rates have a product at most the observed one. One rate is returned unchanged; an empty
/// list gives 1.
pub fn fisher_combine(rates: &[f64]) -> f64 {
    match rates {
        [] => return 1.0,
        [p] => return p.clamp(0.0, 1.0),
        _ => {}
    }
    let ln_q: f64 = rates
        .iter()
        .map(|p| p.clamp(f64::MIN_POSITIVE, 1.0).ln())
        .sum();
    let x = -ln_q;
    let mut term = 1.0;
    let mut sum = 1.0;
    for i in 1..rates.len() {
        term *= x / i as f64;
        sum += term;
    }
    (ln_q.exp() * sum).min(1.0)
}

/// The fused score of a fused FMR: `-log10(fmr)`.
pub fn fused_score(fmr: f64) -> f64 {
    (-fmr.max(f64::MIN_POSITIVE).log10()).max(0.0)
}

/// The per-subject fused-FMR threshold that gives about `target_fpir` false-positive
/// identifications per non-mated search of a gallery of `n` subjects.
pub fn fpir_threshold(target_fpir: f64, n: usize) -> f64 {
    target_fpir / n.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_matches_the_closed_form_for_two_rates() {
        // For k = 2: q (1 - ln q).
        let q: f64 = 0.01 * 0.02;
        let want = q * (1.0 - q.ln());
        assert!((fisher_combine(&[0.01, 0.02]) - want).abs() < 1e-15);
        assert_eq!(fisher_combine(&[0.3]), 0.3);
        assert_eq!(fisher_combine(&[]), 1.0);
        assert_eq!(fisher_combine(&[1.0, 1.0, 1.0]), 1.0);
    }

    #[test]
    fn fisher_is_calibrated_on_uniform_rates() {
        // Simulate independent uniform impostor rates and check the fused FMR is uniform.
        let mut rng = crate::gallery::synth::SplitMix64::new(1);
        let n = 200_000;
        let t = 0.01;
        let hits = (0..n)
            .filter(|_| {
                let r: Vec<f64> = (0..3).map(|_| rng.unit() as f64 + 1e-9).collect();
                fisher_combine(&r) <= t
            })
            .count();
        let rate = hits as f64 / n as f64;
        assert!((rate - t).abs() < 0.0015, "rate {rate}");
    }

    #[test]
    fn best_of_is_sidak() {
        assert!((best_of(0.1, 2) - 0.19).abs() < 1e-12);
        assert!((best_of(1e-9, 10) - 1e-8).abs() < 1e-15);
        assert_eq!(best_of(0.2, 1), 0.2);
        assert_eq!(fused_score(1e-3), 3.0);
    }
}
