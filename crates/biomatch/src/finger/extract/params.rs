//! Every tuned constant of the extractor, in pipeline order. Distances are in pixels at the
//! internal 500 ppi resolution.
//!
//! Every struct reads from JSON with missing fields taken from the defaults, so a tuning run
//! or an integrator can override a few constants (`biomatch eval verify --extract-params`).

use serde::{Deserialize, Serialize};

/// Parameters of [`extract`](super::extract), grouped by stage in pipeline order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtractParams {
    /// Limits on the input image.
    pub limits: Limits,
    /// Side of the square blocks of every block map (segmentation, orientation, frequency).
    pub block_size: usize,
    /// Trimming of uniform stripes along the image edges (scanner frames).
    pub frame: FrameParams,
    /// Segmentation of the fingerprint area.
    pub segment: SegmentParams,
    /// Orientation field.
    pub orientation: OrientationParams,
    /// Ridge frequency.
    pub frequency: FrequencyParams,
    /// Contextual (oriented Gabor) enhancement.
    pub enhance: EnhanceParams,
    /// Binarisation cleanup.
    pub binarize: BinarizeParams,
    /// Removal of false minutiae.
    pub filter: FilterParams,
    /// Per-minutia quality.
    pub quality: QualityParams,
}

/// Input limits: anything outside is an [`ExtractError`](super::ExtractError).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest accepted width or height, in pixels of the original image.
    pub max_side: usize,
    /// Largest accepted number of pixels of the original image.
    pub max_pixels: usize,
    /// Smallest accepted width or height after resampling to 500 ppi.
    pub min_side: usize,
    /// Lowest accepted resolution, pixels per inch.
    pub min_ppi: f32,
    /// Highest accepted resolution, pixels per inch.
    pub max_ppi: f32,
}

/// Scanner frame trimming: lines along an image edge that hardly vary along their length
/// are cut off before segmentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrameParams {
    /// Most pixels cut from one side (0 disables trimming).
    pub max_stripe: usize,
    /// A line belongs to a stripe when its variation along its length is below this
    /// fraction of the median line's.
    pub ratio: f32,
}

/// Segmentation: blocks with enough grey-level contrast, smoothed by majority votes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SegmentParams {
    /// Rounds of [1 2 1] smoothing before contrast is measured (suppresses pixel-scale
    /// sensor noise that has contrast but no ridges).
    pub smooth_passes: usize,
    /// Radius, in blocks, of the window over which contrast is measured.
    pub window: usize,
    /// Absolute floor of the standard deviation (grey levels) of a foreground block.
    pub min_std: f32,
    /// Fraction of the high-percentile block contrast a foreground block must reach.
    pub relative_std: f32,
    /// The percentile of block contrast that `relative_std` refers to.
    pub percentile: f32,
    /// Radius, in blocks, of the majority vote that smooths the mask.
    pub vote_radius: usize,
    /// Number of majority-vote rounds.
    pub vote_rounds: usize,
    /// Radius, in blocks, of the neighbourhood checked for measured ridge periods.
    pub period_radius: usize,
    /// Fraction of that neighbourhood whose ridge period must have been measured.
    pub min_measured: f32,
}

/// Orientation: block sums of squared gradients, smoothed as doubled-angle vectors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrientationParams {
    /// Radius, in blocks, of the window measuring coherence.
    pub coherence_radius: usize,
    /// Radius, in blocks, of the smoothing window of the field.
    pub smooth_radius: usize,
}

/// Ridge frequency: peaks of the grey-level signature across the ridges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrequencyParams {
    /// Length of the signature across the ridges, in pixels.
    pub window_across: usize,
    /// Half length of the strip averaged along the ridges, in pixels.
    pub half_along: usize,
    /// Smallest plausible ridge period in pixels.
    pub min_period: f32,
    /// Largest plausible ridge period in pixels.
    pub max_period: f32,
    /// Smallest signature amplitude (grey levels) worth measuring.
    pub min_amplitude: f32,
    /// Smallest ratio of the median to the largest swing of a block's ridge signature for the
    /// block to count as measured ridges when the mask is refined (0 = not checked). Ridges
    /// rise and fall by similar amounts; the border of a sensor window, with the ringing that
    /// lossy compression adds beside it, is one large swing among small ones.
    pub min_swing_ratio: f32,
    /// Radius, in blocks, of the averaging of valid periods.
    pub smooth_radius: usize,
    /// Period used when no block gives a valid measurement.
    pub default_period: f32,
}

/// Enhancement: a Gabor filter applied as a Gaussian along the ridge then a zero-mean Gabor
/// profile across it, with kernels precomputed per orientation and period bin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnhanceParams {
    /// Number of orientation bins over 180 degrees.
    pub orientation_bins: usize,
    /// Width of one period bin, in pixels.
    pub period_step: f32,
    /// Half length of the smoothing along the ridge, in pixels.
    pub along_radius: usize,
    /// Standard deviation of the smoothing along the ridge, in pixels.
    pub along_sigma: f32,
    /// Half length of the Gabor profile across the ridge, in pixels.
    pub across_radius: usize,
    /// Standard deviation of the profile across the ridge, as a fraction of the period.
    pub across_sigma: f32,
}

/// Binarisation: the sign of the enhanced image, then removal of tiny islands and holes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BinarizeParams {
    /// Ridge components smaller than this many pixels are erased.
    pub min_island: usize,
    /// Valley components smaller than this many pixels are filled.
    pub min_hole: usize,
}

/// Removal of false minutiae.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterParams {
    /// Length of the ridge traced to measure a minutia's direction, in pixels.
    pub direction_trace: usize,
    /// Minutiae closer than this many pixels to the background or the image edge are
    /// dropped.
    pub border_distance: f32,
    /// Minutiae closer than this many pixels to the image edge are dropped (a print cut by
    /// the capture window has false endings along it).
    pub edge_distance: f32,
    /// An ending whose open side (opposite its direction) reaches the background within this
    /// many pixels is dropped: the edge of the print cut its ridge. 0 disables the check.
    pub border_facing: f32,
    /// Minutiae in blocks of lower orientation coherence are dropped.
    pub min_coherence: f32,
    /// An ending whose ridge meets another minutia within this many pixels is dropped with
    /// it (short ridges and spikes).
    pub short_ridge: usize,
    /// Bifurcations joined by a ridge shorter than this many pixels are dropped (bridges).
    pub bridge: usize,
    /// Two endings facing each other closer than this are a broken ridge and are dropped.
    pub break_distance: f32,
    /// Largest angle, in degrees, between one ending's direction and the opposite of the
    /// other's for them to face each other.
    pub break_angle: f32,
    /// Radius of the neighbourhood counted for clusters, in pixels.
    pub cluster_radius: f32,
    /// A minutia with at least this many neighbours inside the cluster radius is dropped.
    pub cluster_count: usize,
    /// Two minutiae closer than this many pixels are both dropped.
    pub min_distance: f32,
    /// At most this many minutiae are kept, best quality first.
    pub max_minutiae: usize,
}

/// Per-minutia quality from orientation coherence and distance to the background.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityParams {
    /// Coherence mapped to quality 0.
    pub coherence_low: f32,
    /// Coherence mapped to full quality.
    pub coherence_high: f32,
    /// Distance to the background, in blocks, from which the border no longer lowers quality.
    pub border_blocks: f32,
}

impl Default for ExtractParams {
    fn default() -> ExtractParams {
        ExtractParams {
            limits: Limits {
                max_side: 4096,
                max_pixels: 4_000_000,
                min_side: 48,
                min_ppi: 200.0,
                max_ppi: 2000.0,
            },
            block_size: 8,
            frame: FrameParams {
                max_stripe: 24,
                ratio: 0.5,
            },
            segment: SegmentParams {
                smooth_passes: 0,
                window: 1,
                min_std: 6.0,
                relative_std: 0.25,
                percentile: 0.9,
                vote_radius: 2,
                vote_rounds: 2,
                period_radius: 1,
                min_measured: 0.7,
            },
            orientation: OrientationParams {
                coherence_radius: 1,
                smooth_radius: 3,
            },
            frequency: FrequencyParams {
                window_across: 32,
                half_along: 6,
                min_period: 4.0,
                max_period: 18.0,
                min_amplitude: 6.0,
                min_swing_ratio: 0.04,
                smooth_radius: 3,
                default_period: 9.0,
            },
            enhance: EnhanceParams {
                orientation_bins: 24,
                period_step: 0.5,
                along_radius: 7,
                along_sigma: 3.5,
                across_radius: 7,
                across_sigma: 0.45,
            },
            binarize: BinarizeParams {
                min_island: 20,
                min_hole: 20,
            },
            filter: FilterParams {
                direction_trace: 12,
                border_distance: 8.0,
                edge_distance: 8.0,
                border_facing: 20.0,
                min_coherence: 0.15,
                short_ridge: 11,
                bridge: 8,
                break_distance: 12.0,
                break_angle: 40.0,
                cluster_radius: 12.0,
                cluster_count: 3,
                min_distance: 5.0,
                max_minutiae: 120,
            },
            quality: QualityParams {
                coherence_low: 0.2,
                coherence_high: 0.8,
                border_blocks: 5.0,
            },
        }
    }
}

/// Each stage's defaults are the ones [`ExtractParams::default`] holds.
macro_rules! stage_defaults {
    ($($ty:ident => $field:ident),* $(,)?) => {$(
        impl Default for $ty {
            fn default() -> $ty {
                ExtractParams::default().$field
            }
        }
    )*};
}

stage_defaults!(
    Limits => limits,
    FrameParams => frame,
    SegmentParams => segment,
    OrientationParams => orientation,
    FrequencyParams => frequency,
    EnhanceParams => enhance,
    BinarizeParams => binarize,
    FilterParams => filter,
    QualityParams => quality,
);
