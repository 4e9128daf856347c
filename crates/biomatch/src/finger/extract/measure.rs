//! Quality measurements taken from the extraction's intermediate results
//! (see [`crate::finger::quality`]).

use super::frequency::Periods;
use super::grid::{Blocks, Grid};
use super::orientation::Field;
use crate::finger::quality::QualityFeatures;
use crate::finger::template::{Minutia, MinutiaQuality};

/// Pixels per millimetre at 500 ppi.
const PX_PER_MM: f64 = 500.0 / 25.4;

/// Minutia quality from which a minutia counts as good.
const GOOD_MINUTIA: u8 = 60;

/// What the extraction passes to [`measure`].
pub(crate) struct Stages<'a> {
    pub(crate) image: &'a Grid<f32>,
    pub(crate) blocks: Blocks,
    pub(crate) contrast_mask: &'a Grid<bool>,
    pub(crate) mask: &'a Grid<bool>,
    pub(crate) field: &'a Field,
    pub(crate) periods: &'a Periods,
    pub(crate) binary: &'a Grid<bool>,
    pub(crate) skeleton: &'a Grid<bool>,
    /// Minutia candidates before false ones were removed.
    pub(crate) candidates: usize,
    /// The minutiae kept (internal frame: 500 ppi pixels of the trimmed image).
    pub(crate) minutiae: &'a [Minutia],
}

/// The quality measurements of one extraction.
pub(crate) fn measure(s: &Stages<'_>) -> QualityFeatures {
    let (cols, rows) = (s.blocks.cols, s.blocks.rows);
    let size = s.blocks.size;
    let (w, h) = (s.image.width, s.image.height);
    let mut f = QualityFeatures {
        image_std: std_of(s.image.data.iter().map(|&v| f64::from(v))),
        ..QualityFeatures::default()
    };
    // Ridge blocks: area, placement, coherence, contrast.
    let mut coherence = Vec::new();
    let mut contrast = Vec::new();
    let mut clarity = Vec::new();
    let (mut fg_px, mut edge, mut sx, mut sy) = (0usize, 0usize, 0f64, 0f64);
    let (mut skeleton_px, mut flow, mut flow_n) = (0usize, 0f64, 0usize);
    for by in 0..rows {
        for bx in 0..cols {
            if !s.mask.at(bx, by) {
                continue;
            }
            let (x0, y0) = (bx * size, by * size);
            let (x1, y1) = ((x0 + size).min(w), (y0 + size).min(h));
            let px = (x1 - x0) * (y1 - y0);
            fg_px += px;
            sx += (x0 + x1) as f64 / 2.0 * px as f64;
            sy += (y0 + y1) as f64 / 2.0 * px as f64;
            if bx == 0 || by == 0 || bx + 1 == cols || by + 1 == rows {
                edge += 1;
            }
            coherence.push(f64::from(s.field.coherence.at(bx, by)));
            if let Some(c) = block_clarity(s.image, s.binary, (x0, x1), (y0, y1)) {
                clarity.push(c);
            }
            skeleton_px += (y0..y1)
                .map(|y| (x0..x1).filter(|&x| s.skeleton.at(x, y)).count())
                .sum::<usize>();
            let a = f64::from(s.field.angle.at(bx, by));
            for (nx, ny) in [(bx + 1, by), (bx, by + 1)] {
                if nx < cols && ny < rows && s.mask.at(nx, ny) {
                    let d = (a - f64::from(s.field.angle.at(nx, ny))).abs();
                    flow += d.min(std::f64::consts::PI - d) / std::f64::consts::FRAC_PI_2;
                    flow_n += 1;
                }
            }
            contrast.push(std_of(
                (y0..y1).flat_map(|y| (x0..x1).map(move |x| f64::from(s.image.at(x, y)))),
            ));
        }
    }
    let fg_blocks = coherence.len();
    if fg_blocks > 0 {
        f.area_mm2 = fg_px as f64 / (PX_PER_MM * PX_PER_MM);
        f.foreground_fraction = fg_blocks as f64 / (cols * rows).max(1) as f64;
        f.edge_fraction = edge as f64 / fg_blocks as f64;
        let (cx, cy) = (sx / fg_px as f64, sy / fg_px as f64);
        let half_diagonal = ((w * w + h * h) as f64).sqrt() / 2.0;
        f.centroid_offset =
            ((cx - w as f64 / 2.0).hypot(cy - h as f64 / 2.0) / half_diagonal).min(1.0);
        f.coherence_mean = coherence.iter().sum::<f64>() / fg_blocks as f64;
        f.coherence_q25 = quantile(&mut coherence, 0.25);
        f.contrast = quantile(&mut contrast, 0.5);
        if !clarity.is_empty() {
            f.clarity_mean = clarity.iter().sum::<f64>() / clarity.len() as f64;
            f.clarity_q25 = quantile(&mut clarity, 0.25);
        }
        if flow_n > 0 {
            f.orientation_flow = flow / flow_n as f64;
        }
    }
    // Ridge period over the contrast foreground.
    let mut periods = Vec::new();
    let mut contrast_blocks = 0usize;
    for i in 0..s.contrast_mask.data.len() {
        if !s.contrast_mask.data[i] {
            continue;
        }
        contrast_blocks += 1;
        if s.periods.measured.data[i] {
            let p = f64::from(s.periods.period.data[i]);
            if p.is_finite() {
                periods.push(p);
            }
        }
    }
    if contrast_blocks > 0 {
        f.measured_fraction = periods.len() as f64 / contrast_blocks as f64;
    }
    if !periods.is_empty() {
        let mean = periods.iter().sum::<f64>() / periods.len() as f64;
        if periods.len() > 1 && mean > 0.0 {
            f.period_cv = std_of(periods.iter().copied()) / mean;
        }
        f.period_median = quantile(&mut periods, 0.5);
    }
    if fg_px > 0 {
        f.ridge_continuity = skeleton_px as f64 / fg_px as f64 * f.period_median;
    }
    // Minutiae.
    f.minutiae = s.minutiae.len() as f64;
    f.candidates = s.candidates as f64;
    if s.candidates > 0 {
        f.false_fraction = (1.0 - f.minutiae / f.candidates).clamp(0.0, 1.0);
    }
    if s.minutiae.len() > 1 {
        let xs = std_of(s.minutiae.iter().map(|m| f64::from(m.x)));
        let ys = std_of(s.minutiae.iter().map(|m| f64::from(m.y)));
        f.minutiae_spread_mm = xs.hypot(ys) / PX_PER_MM;
    }
    let qualities: Vec<u8> = s
        .minutiae
        .iter()
        .map(|m| match m.quality {
            MinutiaQuality::Score(q) => q,
            _ => 0,
        })
        .collect();
    f.good_minutiae = qualities.iter().filter(|&&q| q >= GOOD_MINUTIA).count() as f64;
    if !qualities.is_empty() {
        f.minutia_quality_mean =
            qualities.iter().map(|&q| f64::from(q)).sum::<f64>() / 100.0 / qualities.len() as f64;
    }
    f
}

/// The local clarity of one block: `|mean_r - mean_v| / (sd_r + sd_v)` of the grey levels
/// of its ridge and valley pixels. `None` when one class has fewer than 4 pixels.
fn block_clarity(
    image: &Grid<f32>,
    binary: &Grid<bool>,
    (x0, x1): (usize, usize),
    (y0, y1): (usize, usize),
) -> Option<f64> {
    let mut acc = [(0usize, 0f64, 0f64); 2];
    for y in y0..y1 {
        for x in x0..x1 {
            let v = f64::from(image.at(x, y));
            let a = &mut acc[usize::from(binary.at(x, y))];
            a.0 += 1;
            a.1 += v;
            a.2 += v * v;
        }
    }
    if acc.iter().any(|a| a.0 < 4) {
        return None;
    }
    let stats = acc.map(|(n, s, q)| {
        let mean = s / n as f64;
        (mean, (q / n as f64 - mean * mean).max(0.0).sqrt())
    });
    let spread = stats[0].1 + stats[1].1;
    Some((stats[0].0 - stats[1].0).abs() / spread.max(1.0))
}

/// Population standard deviation (0 for fewer than two values).
fn std_of(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0f64), |(n, s), v| (n + 1, s + v));
    if n < 2 {
        return 0.0;
    }
    let mean = sum / n as f64;
    let var = values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
    var.max(0.0).sqrt()
}

/// The `q` quantile (nearest rank below) of non-empty finite values; sorts them.
fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * q) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_and_quantile_match_hand_figures() {
        let v = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert!((std_of(v.iter().copied()) - 2.0).abs() < 1e-12);
        assert_eq!(std_of([3.0].iter().copied()), 0.0);
        let mut w = vec![5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&mut w, 0.5), 3.0);
        assert_eq!(quantile(&mut w, 0.25), 2.0);
        assert_eq!(quantile(&mut [], 0.5), 0.0);
    }
}
