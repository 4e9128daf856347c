//! Tuned constants of the minutiae matcher, in one place.
//!
//! Lengths are in *matcher units*: pixels of a 500 ppi (197 ppcm) image, whatever the
//! resolution the template states. Angles are in degrees.

use serde::{Deserialize, Serialize};

/// Tuning parameters of the matcher. [`MatcherParams::default`] holds the values tuned
/// globally on the eight FVC 2002/2004 B databases (never per database or per file).
///
/// Serialisable (JSON through serde; missing fields keep their default values, unknown
/// fields are refused) so that tuning runs can evaluate other constants without a rebuild.
/// Out-of-range values are clamped where they are used, never a panic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatcherParams {
    /// At most this many minutiae of a view are used (the first ones, in record order).
    pub max_minutiae: usize,
    /// Each minutia is joined by an edge to this many nearest neighbours.
    pub neighbours: usize,
    /// Edges shorter than this (matcher units) carry no reliable direction and are skipped.
    pub min_edge_length: f32,
    /// Edges longer than this (matcher units) are skipped (distortion grows with length).
    pub max_edge_length: f32,
    /// Allowed difference of two edge lengths: this absolute part ...
    pub length_tolerance: f32,
    /// ... plus this fraction of the mean length (skin distortion grows with distance).
    pub length_tolerance_ratio: f32,
    /// Allowed difference of the minutia directions relative to the edge, degrees.
    pub angle_tolerance: f32,
    /// Allowed difference between an edge's rotation and the root pair's rotation, degrees.
    pub rotation_tolerance: f32,
    /// The edge index files lengths into bins this wide (matcher units). The index layout
    /// affects speed and memory; scores only through the order in which agreeing edges are
    /// found (ties in the crawl), which moves individual scores by tiny amounts.
    pub index_length_bin: f32,
    /// The edge index splits each relative direction into `2^index_angle_bits` bins.
    pub index_angle_bits: u32,
    /// How many root pairs (the best-supported minutia pairs) start a consolidation crawl.
    pub roots: usize,
    /// After a crawl, a pair whose rigidly aligned partner lies further than this ...
    pub consistency_tolerance: f32,
    /// ... plus this fraction of its distance from the pairing's centre is dropped.
    pub consistency_ratio: f32,
    /// A footprint cell is this many matcher units wide (footprints only feed the overlap
    /// figures of [`Matcher::compare`](super::Matcher::compare), not the score).
    pub footprint_cell: f32,
    /// Footprint cells within this many cells of a minutia count as covered.
    pub footprint_dilation: i32,
    /// Edge lengths may also differ as an unknown axis-aligned anisotropic scale of the
    /// image frame (unequal or misreported x/y resolution) predicts: the squared lengths may
    /// differ by up to this fraction of the difference of their squared y extents (0 turns
    /// this off). It costs speed: with it off, about a third more comparisons per second
    /// (measured on the iso-secugen impostor pairs) but a mean all-pairs EER of 5.8 % instead
    /// of 4.8 % there, most of the difference on FVC2004 DB1.
    pub anisotropy: f32,
    /// ... but only for edge pairs whose rotation is at most this, degrees.
    pub anisotropy_rotation: f32,
    /// The evidence (summed closeness of the supporting edges per `chance_exponent` power of
    /// the number of agreeing edge pairs) at which the score reaches 0.5.
    pub score_half: f32,
    /// The power of the number of agreeing edge pairs (the chance level) the evidence is
    /// divided by, in `[0, 1]`.
    pub chance_exponent: f32,
}

impl Default for MatcherParams {
    fn default() -> MatcherParams {
        MatcherParams {
            max_minutiae: 160,
            neighbours: 8,
            min_edge_length: 8.0,
            max_edge_length: 260.0,
            length_tolerance: 6.0,
            length_tolerance_ratio: 0.055,
            angle_tolerance: 15.5,
            rotation_tolerance: 25.0,
            index_length_bin: 8.0,
            index_angle_bits: 5,
            roots: 6,
            consistency_tolerance: 20.0,
            consistency_ratio: 0.15,
            footprint_cell: 16.0,
            footprint_dilation: 2,
            anisotropy: 0.4,
            anisotropy_rotation: 40.0,
            score_half: 4.0,
            chance_exponent: 0.35,
        }
    }
}
