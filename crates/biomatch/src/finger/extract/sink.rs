//! The debug sink: an opt-in observer of every stage's intermediate result.
//!
//! [`extract`](super::extract) uses [`NoSink`], whose empty methods compile away; a caller
//! that wants to see inside (a debugging tool, the CLI's overlay) passes its own sink to
//! [`extract_with_sink`](super::extract_with_sink). Images are in the internal 500 ppi frame.

use crate::finger::template::Minutia;

/// Receives the intermediate data of each stage under a stable key.
///
/// Keys, in pipeline order: `"resampled"` (image), `"mask"` (blocks, 1 foreground),
/// `"orientation"` (blocks, ridge angle in radians, y down), `"coherence"` (blocks),
/// `"period"` (blocks, ridge period in pixels), `"ridge_mask"` (blocks, the mask keeping
/// only areas with measurable ridges), `"enhanced"` (image), `"binary"` (mask),
/// `"skeleton"` (mask), `"candidates"` and `"minutiae"` (minutiae in the 500 ppi frame).
pub trait DebugSink {
    /// A grey-level or real-valued image, row-major.
    fn image(&mut self, _key: &'static str, _width: usize, _height: usize, _pixels: &[f32]) {}
    /// A binary image, row-major.
    fn mask(&mut self, _key: &'static str, _width: usize, _height: usize, _pixels: &[bool]) {}
    /// A block map: one value per block, row-major, `block_size` pixels per block side.
    fn blocks(
        &mut self,
        _key: &'static str,
        _cols: usize,
        _rows: usize,
        _block_size: usize,
        _values: &[f32],
    ) {
    }
    /// A set of minutiae.
    fn minutiae(&mut self, _key: &'static str, _minutiae: &[Minutia]) {}
}

/// The sink that ignores everything (free when unused).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSink;

impl DebugSink for NoSink {}
