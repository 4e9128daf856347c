//! The measurements a quality score is computed from.

use serde::{Deserialize, Serialize};

/// Measurements of one fingerprint image, taken in the extraction pass on the image as the
/// extractor sees it (resampled to 500 ppi, scanner frame trimmed). Lengths are in pixels at
/// 500 ppi, so the figures mean the same at every input resolution.
///
/// Each field is one input of the quality model ([`super::QualityModel`]); the names of the
/// JSON form are the names the model file uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityFeatures {
    /// Fingerprint area (ridge blocks), mm².
    pub area_mm2: f64,
    /// Share of the image's blocks that hold ridges, 0..1.
    pub foreground_fraction: f64,
    /// Mean orientation coherence over the ridge blocks, 0..1.
    pub coherence_mean: f64,
    /// Lower quartile of the orientation coherence over the ridge blocks, 0..1.
    pub coherence_q25: f64,
    /// Share of the contrast foreground whose own ridge period could be measured, 0..1.
    pub measured_fraction: f64,
    /// Median measured ridge period, pixels at 500 ppi (0 when none was measured).
    pub period_median: f64,
    /// Coefficient of variation of the measured ridge periods (0 when fewer than two).
    pub period_cv: f64,
    /// Minutiae the extractor kept.
    pub minutiae: f64,
    /// Of those, minutiae of quality 60 or more (clear ridge flow, away from the border).
    pub good_minutiae: f64,
    /// Mean minutia quality, 0..1 (0 without minutiae).
    pub minutia_quality_mean: f64,
    /// Share of the ridge blocks on the image's outermost ring of blocks, 0..1.
    pub edge_fraction: f64,
    /// Distance of the ridge area's centre from the image centre, as a fraction of half the
    /// image diagonal, 0..1.
    pub centroid_offset: f64,
    /// Median grey-level standard deviation inside the ridge blocks (0..255 scale).
    pub contrast: f64,
    /// Grey-level standard deviation of the whole image (0..255 scale).
    pub image_std: f64,
    /// Minutia candidates on the skeleton before false ones were removed.
    pub candidates: f64,
    /// Share of the candidates removed as false (breaks, spurs, bridges, border), 0..1.
    pub false_fraction: f64,
    /// Skeleton pixels per ridge-area pixel times the ridge period: about 1 where ridges run
    /// unbroken, lower where they are fragmented, higher where noise adds lines.
    pub ridge_continuity: f64,
    /// Mean direction change between neighbouring ridge blocks, as a fraction of 90°.
    pub orientation_flow: f64,
    /// Spread of the minutiae (root of the summed variances of x and y), mm.
    pub minutiae_spread_mm: f64,
    /// Local clarity, mean over the ridge blocks: how far apart the grey levels of the
    /// block's ridge and valley pixels (as the binarisation split them) lie, relative to
    /// their spreads, `|mean_r - mean_v| / (sd_r + sd_v)`.
    pub clarity_mean: f64,
    /// Lower quartile of the local clarity over the ridge blocks.
    pub clarity_q25: f64,
}

impl QualityFeatures {
    /// The names of the model inputs, in [`QualityFeatures::values`] order.
    pub const NAMES: [&'static str; 21] = [
        "area_mm2",
        "foreground_fraction",
        "coherence_mean",
        "coherence_q25",
        "measured_fraction",
        "period_median",
        "period_cv",
        "minutiae",
        "good_minutiae",
        "minutia_quality_mean",
        "edge_fraction",
        "centroid_offset",
        "contrast",
        "image_std",
        "candidates",
        "false_fraction",
        "ridge_continuity",
        "orientation_flow",
        "minutiae_spread_mm",
        "clarity_mean",
        "clarity_q25",
    ];

    /// The values in [`QualityFeatures::NAMES`] order.
    pub fn values(&self) -> [f64; 21] {
        [
            self.area_mm2,
            self.foreground_fraction,
            self.coherence_mean,
            self.coherence_q25,
            self.measured_fraction,
            self.period_median,
            self.period_cv,
            self.minutiae,
            self.good_minutiae,
            self.minutia_quality_mean,
            self.edge_fraction,
            self.centroid_offset,
            self.contrast,
            self.image_std,
            self.candidates,
            self.false_fraction,
            self.ridge_continuity,
            self.orientation_flow,
            self.minutiae_spread_mm,
            self.clarity_mean,
            self.clarity_q25,
        ]
    }
}
