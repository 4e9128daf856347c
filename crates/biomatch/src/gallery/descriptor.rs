//! The first stage of fingerprint 1:N: a fixed-length binary descriptor per finger view,
//! compared with AND + popcount.
//!
//! Every ordered pair of minutiae (i, j) closer than [`PAIR_DISTANCE_MAX`] (at 500 ppi) is
//! described by three rotation- and translation-invariant numbers: the distance |ij|, the
//! direction of minutia i relative to the line i→j, and the direction of minutia j relative to
//! the same line. The triple is quantised into one of 16 × 16 × 16 = 4096 cells and the cell's
//! bit is set. An enrolled view sets one bit per pair; a probe sets the cell and its nearest
//! neighbour along each axis (8 cells per pair), so that a pair near a bin border still meets
//! its mate.
//!
//! The first-stage score of a candidate with `g` bits set, against a probe whose bit vector
//! has a fraction `f` of its bits set, is the overlap `o = popcount(probe & candidate)` as a
//! z-score against chance, `(o - f g) / sqrt(g f (1 - f) + 1)`: an impostor's pairs fall on the
//! probe's bits at rate `f`, a mate's shared pairs fall there almost always.

use crate::finger::template::FingerView;
use crate::gallery::params::{
    DESCRIPTOR_WORDS, PAIR_ANGLE_BINS, PAIR_DISTANCE_BINS, PAIR_DISTANCE_MAX, PAIR_DISTANCE_MIN,
};

/// The bit vector of one view.
pub(crate) type Bits = [u64; DESCRIPTOR_WORDS];

/// A probe's descriptor with its fill fraction.
#[derive(Clone, Debug)]
pub(crate) struct ProbeDescriptor {
    pub(crate) bits: Box<Bits>,
    fill: f32,
}

/// Minutiae of a view as (x, y, direction in radians) at 500 ppi.
fn normalised_points(view: &FingerView) -> Vec<(f32, f32, f32)> {
    let sx = if view.resolution.x_ppcm == 0 {
        1.0
    } else {
        197.0 / view.resolution.x_ppcm as f32
    };
    let sy = if view.resolution.y_ppcm == 0 {
        1.0
    } else {
        197.0 / view.resolution.y_ppcm as f32
    };
    view.minutiae
        .iter()
        .filter(|m| m.x.is_finite() && m.y.is_finite() && m.angle.is_finite())
        .map(|m| (m.x * sx, m.y * sy, m.angle.to_radians()))
        .collect()
}

/// Calls `visit(d, a_i, a_j)` with continuous bin coordinates for every ordered pair in range.
fn for_each_pair(view: &FingerView, mut visit: impl FnMut(f32, f32, f32)) {
    let pts = normalised_points(view);
    let tau = std::f32::consts::TAU;
    let d_scale = PAIR_DISTANCE_BINS as f32 / (PAIR_DISTANCE_MAX - PAIR_DISTANCE_MIN);
    let a_scale = PAIR_ANGLE_BINS as f32 / tau;
    for (i, &(xi, yi, ti)) in pts.iter().enumerate() {
        for (j, &(xj, yj, tj)) in pts.iter().enumerate() {
            if i == j {
                continue;
            }
            let (dx, dy) = (xj - xi, yj - yi);
            let d = (dx * dx + dy * dy).sqrt();
            if !(PAIR_DISTANCE_MIN..PAIR_DISTANCE_MAX).contains(&d) {
                continue;
            }
            // Directions are counter-clockwise with y down, so the line's direction is
            // atan2(-dy, dx) in the same convention.
            let line = (-dy).atan2(dx);
            let ai = (ti - line).rem_euclid(tau) * a_scale;
            let aj = (tj - line).rem_euclid(tau) * a_scale;
            visit((d - PAIR_DISTANCE_MIN) * d_scale, ai, aj);
        }
    }
}

fn cell(d: usize, ai: usize, aj: usize) -> usize {
    (d * PAIR_ANGLE_BINS + ai) * PAIR_ANGLE_BINS + aj
}

fn set(bits: &mut Bits, c: usize) {
    bits[c / 64] |= 1 << (c % 64);
}

/// The enrolled-side descriptor of a view and its number of set bits.
pub(crate) fn gallery_descriptor(view: &FingerView) -> (Bits, u16) {
    let mut bits = [0u64; DESCRIPTOR_WORDS];
    let nb = PAIR_ANGLE_BINS;
    for_each_pair(view, |d, ai, aj| {
        let d = (d as usize).min(PAIR_DISTANCE_BINS - 1);
        set(&mut bits, cell(d, ai as usize % nb, aj as usize % nb));
    });
    let count = bits.iter().map(|w| w.count_ones()).sum::<u32>() as u16;
    (bits, count)
}

/// The bin of a continuous coordinate and its nearest neighbour bin (wrapping for angles,
/// `None` past the end of the distance axis).
fn bin_and_neighbour(v: f32, bins: usize, wrap: bool) -> (usize, Option<usize>) {
    let b = (v as usize).min(bins - 1);
    let frac = v - b as f32;
    let n = if frac < 0.5 {
        if b == 0 {
            wrap.then_some(bins - 1)
        } else {
            Some(b - 1)
        }
    } else if b + 1 == bins {
        wrap.then_some(0)
    } else {
        Some(b + 1)
    };
    (b, n)
}

/// The probe-side descriptor of a view (each pair dilated to its neighbouring cells).
pub(crate) fn probe_descriptor(view: &FingerView) -> ProbeDescriptor {
    let mut bits = Box::new([0u64; DESCRIPTOR_WORDS]);
    for_each_pair(view, |d, ai, aj| {
        let (d0, d1) = bin_and_neighbour(d, PAIR_DISTANCE_BINS, false);
        let (a0, a1) = bin_and_neighbour(ai, PAIR_ANGLE_BINS, true);
        let (b0, b1) = bin_and_neighbour(aj, PAIR_ANGLE_BINS, true);
        for dd in [Some(d0), d1].into_iter().flatten() {
            for aa in [Some(a0), a1].into_iter().flatten() {
                for bb in [Some(b0), b1].into_iter().flatten() {
                    set(&mut bits, cell(dd, aa, bb));
                }
            }
        }
    });
    let set_bits = bits.iter().map(|w| w.count_ones()).sum::<u32>();
    ProbeDescriptor {
        bits,
        fill: set_bits as f32 / (DESCRIPTOR_WORDS * 64) as f32,
    }
}

impl ProbeDescriptor {
    /// The first-stage score of a candidate given its overlap with the probe and its bit count.
    #[inline]
    pub(crate) fn z_score(&self, overlap: u32, candidate_bits: u16) -> f32 {
        let g = candidate_bits as f32;
        let f = self.fill;
        (overlap as f32 - f * g) / (g * f * (1.0 - f) + 1.0).sqrt()
    }

    /// Scores each candidate of `descriptors` (with bit counts `counts`) into `out`.
    pub(crate) fn score_all(&self, descriptors: &[Bits], counts: &[u16], out: &mut Vec<f32>) {
        out.clear();
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU supports `popcnt`, checked just above.
                unsafe { score_all_popcnt(self, descriptors, counts, out) };
                return;
            }
        }
        out.extend(
            descriptors
                .iter()
                .zip(counts)
                .map(|(d, &c)| self.z_score(overlap_portable(&self.bits, d), c)),
        );
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn score_all_popcnt(
    probe: &ProbeDescriptor,
    descriptors: &[Bits],
    counts: &[u16],
    out: &mut Vec<f32>,
) {
    out.extend(
        descriptors
            .iter()
            .zip(counts)
            .map(|(d, &c)| probe.z_score(overlap_popcnt(&probe.bits, d), c)),
    );
}

/// `popcount(a & b)`, with the hardware popcount instruction when the CPU has it.
#[cfg(test)]
fn overlap(a: &Bits, b: &Bits) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports `popcnt`, checked just above.
            return unsafe { overlap_popcnt(a, b) };
        }
    }
    overlap_portable(a, b)
}

#[inline]
fn overlap_portable(a: &Bits, b: &Bits) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x & y).count_ones()).sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn overlap_popcnt(a: &Bits, b: &Bits) -> u32 {
    // Four independent accumulators keep the popcount units busy.
    let mut acc = [0u32; 4];
    for (ca, cb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for k in 0..4 {
            acc[k] += (ca[k] & cb[k]).count_ones();
        }
    }
    acc.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finger::template::{Minutia, MinutiaKind, MinutiaQuality, Resolution};

    fn view(points: &[(f32, f32, f32)]) -> FingerView {
        let mut v = FingerView::new(300, 400, Resolution::PPI_500);
        v.minutiae = points
            .iter()
            .map(|&(x, y, angle)| Minutia {
                x,
                y,
                angle,
                kind: MinutiaKind::RidgeEnding,
                quality: MinutiaQuality::Unknown,
            })
            .collect();
        v
    }

    #[test]
    fn descriptor_is_invariant_to_rotation_and_translation() {
        let pts = [(100.0, 100.0, 10.0), (150.0, 120.0, 200.0), (120.0, 180.0, 95.0)];
        let (a, _) = gallery_descriptor(&view(&pts));
        // Rotate by 30 degrees counter-clockwise on screen (y down) about (0,0) and shift.
        let r = 30f32.to_radians();
        let moved: Vec<_> = pts
            .iter()
            .map(|&(x, y, t)| {
                let (xr, yr) = (x * r.cos() + y * r.sin(), -x * r.sin() + y * r.cos());
                (xr + 40.0, yr + 90.0, (t + 30.0).rem_euclid(360.0))
            })
            .collect();
        let p = probe_descriptor(&view(&moved));
        let (b, nb) = gallery_descriptor(&view(&moved));
        // Every enrolled bit of the original view is covered by the moved probe's dilation.
        assert_eq!(overlap(&p.bits, &a), nb as u32);
        assert_eq!(overlap_portable(&a, &b), overlap(&a, &b));
    }

    #[test]
    fn distant_pairs_are_ignored() {
        let (_, n) = gallery_descriptor(&view(&[(0.0, 0.0, 0.0), (250.0, 0.0, 0.0)]));
        assert_eq!(n, 0);
        let (_, n) = gallery_descriptor(&view(&[(0.0, 0.0, 0.0), (50.0, 0.0, 0.0)]));
        assert_eq!(n, 2);
    }
}
