//! Evaluation: the field's accuracy metrics, evaluation protocols and DET curves.
//!
//! * [`metrics`]: verification (FVC EER bracket, FMR100, FMR1000, ZeroFMR, TAR at FAR).
//! * [`identification`]: 1:N (FNIR at FPIR and rank, CMC).
//! * [`protocol`]: FVC file naming and the all-pairs / FVC comparison lists.
//! * [`dataset`]: loading an FVC-named folder into finger views.
//! * [`scoring`]: scoring a pair list in parallel with deterministic output.
//! * [`det`]: DET curves drawn as SVG.

pub mod dataset;
pub mod det;
pub mod identification;
pub mod metrics;
pub mod protocol;
pub mod scoring;

pub use det::{DetAxes, DetSeries, det_svg};
pub use identification::{
    IdentificationPoint, MatedSearch, NonMatedSearch, cmc, fnir_at_fpir, rank_hit_rate,
};
pub use metrics::{
    Eer, MetricsError, OperatingPoint, VerificationCurve, VerificationSummary, verification_summary,
};
pub use protocol::{FvcFile, FvcId, PairList, Protocol};
