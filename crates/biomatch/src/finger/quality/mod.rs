//! Fingerprint image quality: a 0-100 score that predicts how likely a capture is to fail
//! verification, with feedback flags a gate can act on (ask for another capture, re-place
//! the finger, clean the glass).
//!
//! The score comes out of the extraction pass ([`crate::finger::extract::extract_with_quality`];
//! the measurements cost well under a millisecond on top of the extraction) or standalone
//! ([`assess`]). It is a logistic model ([`QualityModel`]) of measurements of the image
//! ([`QualityFeatures`]: ridge area, orientation coherence, ridge-period regularity,
//! minutiae and their quality, placement, contrast), trained by `scripts/train-quality.py`
//! on how well each image's genuine comparisons scored, leave-one-database-out (see
//! `docs/quality.md`). Higher is better; 0 is also given to images with no usable ridges.
//!
//! Scores are deterministic: the extractor has no SIMD kernels and runs single-threaded
//! per image, so the same image gives the same integer on every thread count and kernel.
//!
//! The flags ([`QualityFlags`]) are fixed rules with documented thresholds, independent of
//! the learned score, so that a gate can tell the traveller what to do.

mod features;
mod model;

pub use features::QualityFeatures;
pub use model::{ModelError, ModelInput, QualityModel, Transform};

use serde::{Deserialize, Serialize};

use crate::finger::extract::{ExtractError, ExtractParams};
use crate::finger::image::Raster;

/// Actionable findings about a capture, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QualityFlags(pub u32);

impl QualityFlags {
    /// No finding.
    pub const NONE: QualityFlags = QualityFlags(0);
    /// The image is empty, uniform or of too low contrast to show ridges: nothing on the
    /// glass, or a dry / pressed-too-lightly finger.
    pub const LOW_CONTRAST: QualityFlags = QualityFlags(1);
    /// Too little fingerprint area (less than [`MIN_AREA_MM2`]): finger touched lightly or
    /// only partly on the sensor.
    pub const SMALL_FOREGROUND: QualityFlags = QualityFlags(1 << 1);
    /// Fewer than [`MIN_MINUTIAE`] usable minutiae.
    pub const FEW_MINUTIAE: QualityFlags = QualityFlags(1 << 2);
    /// The fingerprint sits against an image edge, off centre (centre offset above
    /// [`MAX_CENTROID_OFFSET`] of half the diagonal): part of it is likely off the sensor.
    pub const NEAR_EDGE: QualityFlags = QualityFlags(1 << 3);
    /// The ridge period is outside what fingers show at the stated resolution
    /// ([`PLAUSIBLE_PERIOD`] pixels at 500 ppi): the stated resolution is probably wrong.
    pub const IMPLAUSIBLE_FREQUENCY: QualityFlags = QualityFlags(1 << 4);

    /// Every flag with its name, in bit order.
    pub const ALL: [(QualityFlags, &'static str); 5] = [
        (QualityFlags::LOW_CONTRAST, "low_contrast"),
        (QualityFlags::SMALL_FOREGROUND, "small_foreground"),
        (QualityFlags::FEW_MINUTIAE, "few_minutiae"),
        (QualityFlags::NEAR_EDGE, "near_edge"),
        (QualityFlags::IMPLAUSIBLE_FREQUENCY, "implausible_frequency"),
    ];

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: QualityFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the flags set, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        QualityFlags::ALL
            .iter()
            .filter(|(f, _)| self.contains(*f))
            .map(|(_, n)| *n)
            .collect()
    }
}

impl std::ops::BitOr for QualityFlags {
    type Output = QualityFlags;
    fn bitor(self, rhs: QualityFlags) -> QualityFlags {
        QualityFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for QualityFlags {
    fn bitor_assign(&mut self, rhs: QualityFlags) {
        self.0 |= rhs.0;
    }
}

/// Below this fingerprint area (mm²) [`QualityFlags::SMALL_FOREGROUND`] is set: NFIQ 2's
/// foreground rule (50,000 pixels at 500 ppi), in area units so it holds at any resolution.
pub const MIN_AREA_MM2: f64 = 50_000.0 / (500.0 / 25.4) / (500.0 / 25.4);

/// Below this many minutiae [`QualityFlags::FEW_MINUTIAE`] is set (12 is the classic
/// minimum for a reliable minutiae comparison).
pub const MIN_MINUTIAE: usize = 12;

/// Above this centre offset (fraction of half the image diagonal) [`QualityFlags::NEAR_EDGE`]
/// is set.
pub const MAX_CENTROID_OFFSET: f64 = 0.4;

/// Ridge periods (pixels at 500 ppi) outside this range set
/// [`QualityFlags::IMPLAUSIBLE_FREQUENCY`]: adult ridges are 8-12 px apart at 500 ppi,
/// children's down to about 6.
pub const PLAUSIBLE_PERIOD: (f64, f64) = (5.5, 15.0);

/// Image grey-level standard deviation below which [`QualityFlags::LOW_CONTRAST`] is set.
pub const MIN_IMAGE_STD: f64 = 4.0;

/// The quality-algorithm vendor written into ISO 19794-2:2011 / ANSI 378-2009 quality blocks:
/// 0, "not reported", because biomatch has no IBIA-registered vendor number.
pub const QUALITY_VENDOR: u16 = 0;

/// The quality-algorithm ID written next to [`QUALITY_VENDOR`]: the model's major version
/// (`biomatch-quality-1` is 1), so a reader can tell scores of different models apart.
pub const QUALITY_ALGORITHM_ID: u16 = 1;

/// The quality of one capture.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// 0..=100, higher is better (see the module docs).
    pub score: u8,
    /// What to tell the traveller.
    pub flags: QualityFlags,
    /// The measurements the score was computed from.
    pub features: QualityFeatures,
}

impl QualityReport {
    /// The report of a set of measurements under the built-in model.
    pub fn from_features(features: QualityFeatures) -> QualityReport {
        let flags = flags_of(&features);
        let score = if flags.contains(QualityFlags::LOW_CONTRAST) || features.area_mm2 <= 0.0 {
            0
        } else {
            QualityModel::built_in().map_or(0, |m| m.score(&features))
        };
        QualityReport {
            score,
            flags,
            features,
        }
    }
}

/// A capture refused because its quality is below a minimum: the score, the minimum and the
/// feedback flags (what to tell the traveller).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("capture quality {score} is below the minimum {threshold} (feedback: {})", flag_list(*.flags))]
pub struct LowQuality {
    /// The capture's score.
    pub score: u8,
    /// The minimum asked for.
    pub threshold: u8,
    /// The capture's feedback flags.
    pub flags: QualityFlags,
}

fn flag_list(flags: QualityFlags) -> String {
    if flags.is_empty() {
        "none".into()
    } else {
        flags.names().join(", ")
    }
}

/// `Ok` when the capture's score reaches `threshold`, else the [`LowQuality`] refusal (for
/// enrolment stations and gates that ask for another capture).
pub fn require(report: &QualityReport, threshold: u8) -> Result<(), LowQuality> {
    if report.score >= threshold {
        Ok(())
    } else {
        Err(LowQuality {
            score: report.score,
            threshold,
            flags: report.flags,
        })
    }
}

/// The flags the fixed rules give for a set of measurements.
pub fn flags_of(f: &QualityFeatures) -> QualityFlags {
    let mut flags = QualityFlags::NONE;
    if f.image_std < MIN_IMAGE_STD || f.area_mm2 <= 0.0 {
        flags |= QualityFlags::LOW_CONTRAST;
    }
    if f.area_mm2 < MIN_AREA_MM2 {
        flags |= QualityFlags::SMALL_FOREGROUND;
    }
    if f.minutiae < MIN_MINUTIAE as f64 {
        flags |= QualityFlags::FEW_MINUTIAE;
    }
    if f.area_mm2 > 0.0 && f.centroid_offset > MAX_CENTROID_OFFSET {
        flags |= QualityFlags::NEAR_EDGE;
    }
    if f.period_median > 0.0
        && (f.period_median < PLAUSIBLE_PERIOD.0 || f.period_median > PLAUSIBLE_PERIOD.1)
    {
        flags |= QualityFlags::IMPLAUSIBLE_FREQUENCY;
    }
    flags
}

/// The quality of an image on its own (runs the extraction, whose measurements the score
/// needs). Errors are the extractor's: an empty, oversized or undersized image, or an
/// unsupported resolution.
pub fn assess(raster: &Raster, params: &ExtractParams) -> Result<QualityReport, ExtractError> {
    crate::finger::extract::extract_with_quality(raster, params).map(|(_, q)| q)
}

/// The name and version the scores are reported under (for the ISO 19794-2:2011 quality
/// block and the CLI's JSON).
pub fn algorithm() -> &'static str {
    QualityModel::built_in().map_or("biomatch-quality-unavailable", |m| m.algorithm.as_str())
}
