//! Minutiae extraction from 500 ppi-class grayscale fingerprint images.
//!
//! The pipeline, one module per stage, all constants in [`ExtractParams`]:
//! resample to 500 ppi, cut uniform stripes off the image edges (scanner frames), segment the
//! fingerprint area, estimate the orientation field and the
//! ridge period, enhance with oriented Gabor filters, binarise, thin to a one-pixel skeleton,
//! detect endings and bifurcations, remove false minutiae and rate the rest.
//!
//! The result is a [`FingerView`] in the template convention: coordinates in pixels of the
//! *original* image (y down), ISO directions (degrees counter-clockwise on screen, into the
//! ridge for endings, into the valley between the branches for bifurcations) and
//! [`MinutiaQuality::Score`](crate::finger::MinutiaQuality::Score) qualities.

mod binarize;
mod detect;
mod enhance;
mod filter;
mod frame;
mod frequency;
mod grid;
mod measure;
mod orientation;
mod params;
mod quality;
mod resample;
mod segment;
mod sink;
mod thin;

use thiserror::Error;

use crate::finger::image::Raster;
use crate::finger::quality::QualityReport;
use crate::finger::template::{FingerView, Resolution};

pub use params::{
    BinarizeParams, EnhanceParams, ExtractParams, FilterParams, FrameParams, FrequencyParams,
    Limits, OrientationParams, QualityParams, SegmentParams,
};
pub use sink::{DebugSink, NoSink};

/// Why an image was refused.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ExtractError {
    /// Width or height is zero.
    #[error("empty image ({width} x {height} pixels)")]
    Empty {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// The pixel buffer does not hold `width * height` values.
    #[error("pixel buffer holds {actual} values, {width} x {height} needs {expected}")]
    BufferSize {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// `width * height`.
        expected: usize,
        /// Length of the buffer.
        actual: usize,
    },
    /// The image is larger than [`Limits`] allow.
    #[error(
        "image too large: {width} x {height} pixels (limits: {max_side} per side, {max_pixels} in all)"
    )]
    TooLarge {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// Largest side allowed.
        max_side: usize,
        /// Largest pixel count allowed.
        max_pixels: usize,
    },
    /// The image is too small to hold a fingerprint once at 500 ppi.
    #[error("image too small: {width} x {height} pixels at 500 ppi (at least {min_side} per side)")]
    TooSmall {
        /// Width at 500 ppi.
        width: usize,
        /// Height at 500 ppi.
        height: usize,
        /// Smallest side allowed.
        min_side: usize,
    },
    /// The resolution is not finite or outside the supported range.
    #[error("unsupported resolution {ppi} ppi (supported {min} to {max} ppi)")]
    Resolution {
        /// The resolution given.
        ppi: f32,
        /// Lowest supported.
        min: f32,
        /// Highest supported.
        max: f32,
    },
}

/// Extracts the minutiae of a fingerprint image.
pub fn extract(raster: &Raster, params: &ExtractParams) -> Result<FingerView, ExtractError> {
    extract_with_sink(raster, params, &mut NoSink)
}

/// Extracts the minutiae and measures the image's quality in the same pass (see
/// [`crate::finger::quality`]). The view's `finger_quality` is the report's score.
pub fn extract_with_quality(
    raster: &Raster,
    params: &ExtractParams,
) -> Result<(FingerView, QualityReport), ExtractError> {
    extract_full(raster, params, &mut NoSink)
}

/// Extracts the minutiae, handing every stage's intermediate result to `sink`.
pub fn extract_with_sink<S: DebugSink>(
    raster: &Raster,
    params: &ExtractParams,
    sink: &mut S,
) -> Result<FingerView, ExtractError> {
    extract_full(raster, params, sink).map(|(view, _)| view)
}

/// The whole pipeline: the view and its quality report.
fn extract_full<S: DebugSink>(
    raster: &Raster,
    params: &ExtractParams,
    sink: &mut S,
) -> Result<(FingerView, QualityReport), ExtractError> {
    let frame = resample::Frame::check(raster, &params.limits)?;
    let image = resample::to_500ppi(raster, &frame);
    let (image, trim) = frame::trim(image, &params.frame, params.limits.min_side);
    sink.image("resampled", image.width, image.height, &image.data);
    let blocks = grid::Blocks::new(image.width, image.height, params.block_size);
    let contrast_mask = segment::segment(&image, blocks, &params.segment);
    sink_blocks(sink, "mask", blocks, &segment::as_values(&contrast_mask));
    let field = orientation::field(&image, blocks, &contrast_mask, &params.orientation);
    sink_blocks(sink, "orientation", blocks, &field.angle.data);
    sink_blocks(sink, "coherence", blocks, &field.coherence.data);
    let periods = frequency::periods(&image, blocks, &contrast_mask, &field, &params.frequency);
    sink_blocks(sink, "period", blocks, &periods.period.data);
    let mask = segment::refine(&contrast_mask, &periods.measured, &params.segment);
    sink_blocks(sink, "ridge_mask", blocks, &segment::as_values(&mask));
    let enhanced = enhance::gabor(
        &image,
        blocks,
        &mask,
        &field,
        &periods.period,
        &params.enhance,
    );
    sink.image("enhanced", enhanced.width, enhanced.height, &enhanced.data);
    let binary = binarize::binarize(&enhanced, blocks, &mask, &params.binarize);
    sink.mask("binary", binary.width, binary.height, &binary.data);
    let skeleton = thin::thin(&binary);
    sink.mask("skeleton", skeleton.width, skeleton.height, &skeleton.data);
    let candidates = detect::detect(&skeleton, blocks, &field, params.filter.direction_trace);
    sink.minutiae("candidates", &detect::as_minutiae(&candidates));
    let depth = segment::depth(&mask);
    let candidate_count = candidates.len();
    let kept = filter::remove_false(candidates, &skeleton, blocks, &field, &mask, &params.filter);
    let mut rated = quality::rate(kept, blocks, &field, &depth, &params.quality);
    rated.truncate(params.filter.max_minutiae);
    sink.minutiae("minutiae", &rated);
    let mut view = FingerView::new(
        raster.width as u16,
        raster.height as u16,
        Resolution::from_ppi(raster.ppi),
    );
    let report = QualityReport::from_features(measure::measure(&measure::Stages {
        image: &image,
        blocks,
        contrast_mask: &contrast_mask,
        mask: &mask,
        field: &field,
        periods: &periods,
        binary: &binary,
        skeleton: &skeleton,
        candidates: candidate_count,
        minutiae: &rated,
    }));
    view.finger_quality = report.score;
    view.capture.quality_blocks = vec![crate::finger::template::QualityBlock {
        score: report.score,
        vendor: crate::finger::quality::QUALITY_VENDOR,
        algorithm: crate::finger::quality::QUALITY_ALGORITHM_ID,
    }];
    view.minutiae = rated
        .iter()
        .map(|m| {
            frame.original_of(&crate::finger::template::Minutia {
                x: m.x + trim.left as f32,
                y: m.y + trim.top as f32,
                ..*m
            })
        })
        .collect();
    Ok((view, report))
}

/// Hands a block map to the sink.
fn sink_blocks<S: DebugSink>(sink: &mut S, key: &'static str, blocks: grid::Blocks, v: &[f32]) {
    sink.blocks(key, blocks.cols, blocks.rows, blocks.size, v);
}
