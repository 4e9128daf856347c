//! Evaluation: the field's accuracy metrics, evaluation protocols and DET curves.
//!
//! * [`metrics`]: verification (FVC EER bracket, FMR100, FMR1000, ZeroFMR, TAR at FAR).
//! * [`identification`]: 1:N (FNIR at FPIR and rank, CMC).
//! * [`protocol`]: FVC file naming and the all-pairs / FVC comparison lists.
//! * [`dataset`]: loading an FVC-named folder into finger views.
//! * [`scoring`]: scoring a pair list in parallel with deterministic output.
//! * [`det`]: DET curves drawn as SVG.
//! * [`perturb`]: seeded image transformations of the robustness suite.
//! * [`quality`]: judging quality scores by error versus discard.
//!
//! ```
//! use biomatch::eval::{VerificationCurve, fnir_at_fpir, MatedSearch, NonMatedSearch};
//!
//! // 1:1: genuine and impostor scores (higher = more similar, "match" when score >= t).
//! let curve = VerificationCurve::new(&[0.9, 0.5, 0.2, 0.5], &[0.3, 0.05, 0.5, 0.1, 0.2])?;
//! let eer = curve.eer();
//! assert_eq!((eer.low, eer.high), (0.2, 0.25));
//! let tar = curve.tar_at_far(0.2)?; // face: TAR at FAR
//! assert_eq!(tar, 0.75);
//!
//! // 1:N: where the mate came back, and the top score of searches with no mate.
//! let mated = [MatedSearch::found(1, 0.9), MatedSearch::found(3, 0.8), MatedSearch::missed()];
//! let nonmated = [NonMatedSearch { top_score: Some(0.6) }, NonMatedSearch { top_score: None }];
//! let point = fnir_at_fpir(&mated, &nonmated, 0.0, 1)?;
//! assert!((point.fnir - 2.0 / 3.0).abs() < 1e-12);
//! # Ok::<(), biomatch::eval::MetricsError>(())
//! ```

pub mod dataset;
pub mod det;
pub mod identification;
pub mod metrics;
pub mod perturb;
pub mod protocol;
pub mod quality;
pub mod scoring;

pub use det::{DetAxes, DetSeries, det_svg};
pub use identification::{
    IdentificationPoint, MatedSearch, NonMatedSearch, cmc, fnir_at_fpir, rank_hit_rate,
};
pub use metrics::{
    Eer, MetricsError, OperatingPoint, VerificationCurve, VerificationSummary, verification_summary,
};
pub use perturb::Perturbation;
pub use protocol::{FvcFile, FvcId, PairList, Protocol};
