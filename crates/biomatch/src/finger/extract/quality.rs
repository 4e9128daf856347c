//! Per-minutia quality (0..=100) from the orientation coherence around the minutia and its
//! distance to the background (the image's quality is [`crate::finger::quality`]'s).

use super::detect::Candidate;
use super::grid::{Blocks, Grid};
use super::orientation::Field;
use super::params::QualityParams;
use crate::finger::template::{Minutia, MinutiaQuality};

/// The candidates as template minutiae (internal frame), best quality first.
pub(crate) fn rate(
    candidates: Vec<Candidate>,
    blocks: Blocks,
    field: &Field,
    depth: &Grid<f32>,
    params: &QualityParams,
) -> Vec<Minutia> {
    let mut rated: Vec<Minutia> = candidates
        .iter()
        .map(|c| {
            let (bx, by) = blocks.of(c.x, c.y);
            let span = (params.coherence_high - params.coherence_low).max(1e-6);
            let coherence =
                ((field.coherence.at(bx, by) - params.coherence_low) / span).clamp(0.0, 1.0);
            let border = (depth.at(bx, by) / params.border_blocks).clamp(0.0, 1.0);
            let q = (100.0 * coherence * (0.5 + 0.5 * border)).round() as u8;
            Minutia {
                x: c.x as f32,
                y: c.y as f32,
                angle: c.iso_degrees(),
                kind: c.kind,
                quality: MinutiaQuality::Score(q.min(100)),
            }
        })
        .collect();
    let score = |m: &Minutia| match m.quality {
        MinutiaQuality::Score(q) => q,
        _ => 0,
    };
    rated.sort_by_key(|m| std::cmp::Reverse(score(m)));
    rated
}
