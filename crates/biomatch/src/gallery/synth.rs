//! Synthetic distractor fingers whose minutiae follow the statistics of real templates.
//!
//! A large 1:N gallery needs far more fingers than any public dataset holds, so the fingers
//! that are not mates ("distractors") are generated. A distractor that is too easy to reject
//! would flatter the search, so each generated view copies the statistics of a randomly
//! chosen real view ([`SynthModel::fit`]) and adds the structure real minutiae have:
//!
//! 1. **Count**: the real view's minutia count, jittered by ±10 %.
//! 2. **Finger-shaped region**: an ellipse centred on the real view's minutia centroid
//!    (jittered by ±10 px) whose semi-axes are twice the real view's minutia standard
//!    deviations along x and y (a uniform distribution on an ellipse with semi-axis `a` has
//!    standard deviation `a / 2`), clipped to the image.
//! 3. **Minimum spacing**: positions are drawn uniformly inside the region and rejected when
//!    closer than the real data's 5th-percentile nearest-neighbour distance to an accepted
//!    minutia (a hard-core point process, like the ridge spacing imposes on real minutiae).
//! 4. **Smooth direction field**: the ridge orientation follows the zero-pole model of
//!    Sherlock and Monro (a global tilt plus half the sum of the angles to each core, minus
//!    half the sum to each delta) with a loop (one core, one delta), a whorl (two cores, two
//!    deltas) or an arch (no singularity, a gentle bend) pattern. Each minutia points along the
//!    local orientation, in one of its two senses at random, with 8° of Gaussian noise.
//! 5. **Kind and quality**: ridge ending with the real view's ending fraction; quality drawn
//!    from the real view's minutia qualities.
//!
//! Generation is deterministic for a given seed (SplitMix64, no external generator).

use crate::finger::template::{
    FingerPosition, FingerView, Minutia, MinutiaKind, MinutiaQuality, Resolution,
};

/// One real view's statistics.
#[derive(Clone, Debug)]
struct ViewStats {
    count: usize,
    mean: (f32, f32),
    sd: (f32, f32),
    ending_fraction: f32,
    qualities: Vec<MinutiaQuality>,
}

/// Statistics of a set of real views, from which distractors are drawn.
#[derive(Clone, Debug)]
pub struct SynthModel {
    views: Vec<ViewStats>,
    width: u16,
    height: u16,
    resolution: Resolution,
    min_spacing: f32,
}

/// Why a model could not be fitted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("no real view with at least 4 minutiae to fit a distractor model on")]
pub struct NoRealViews;

impl SynthModel {
    /// Fits the model on real views (views with fewer than 4 minutiae are skipped). The image
    /// size and resolution of generated views are those of the first usable view.
    pub fn fit(real: &[FingerView]) -> Result<SynthModel, NoRealViews> {
        let usable: Vec<&FingerView> = real.iter().filter(|v| v.minutiae.len() >= 4).collect();
        let first = usable.first().ok_or(NoRealViews)?;
        let mut nn = Vec::new();
        let views = usable
            .iter()
            .map(|v| {
                let n = v.minutiae.len() as f32;
                let mx = v.minutiae.iter().map(|m| m.x).sum::<f32>() / n;
                let my = v.minutiae.iter().map(|m| m.y).sum::<f32>() / n;
                let sx = (v.minutiae.iter().map(|m| (m.x - mx).powi(2)).sum::<f32>() / n).sqrt();
                let sy = (v.minutiae.iter().map(|m| (m.y - my).powi(2)).sum::<f32>() / n).sqrt();
                for (i, a) in v.minutiae.iter().enumerate() {
                    let d = v
                        .minutiae
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, b)| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt())
                        .fold(f32::INFINITY, f32::min);
                    nn.push(d);
                }
                let endings = v
                    .minutiae
                    .iter()
                    .filter(|m| m.kind == MinutiaKind::RidgeEnding)
                    .count();
                ViewStats {
                    count: v.minutiae.len(),
                    mean: (mx, my),
                    sd: (sx.max(10.0), sy.max(10.0)),
                    ending_fraction: endings as f32 / n,
                    qualities: v.minutiae.iter().map(|m| m.quality).collect(),
                }
            })
            .collect();
        nn.sort_by(f32::total_cmp);
        let min_spacing = nn[nn.len() / 20];
        Ok(SynthModel {
            views,
            width: first.width,
            height: first.height,
            resolution: first.resolution,
            min_spacing,
        })
    }

    /// The hard-core distance used, in pixels.
    pub fn min_spacing(&self) -> f32 {
        self.min_spacing
    }

    /// The `index`-th distractor of the stream for `seed` (the same arguments always give the
    /// same view, so galleries can be generated in parallel).
    pub fn generate(&self, seed: u64, index: u64) -> FingerView {
        let mut rng = SplitMix64::new(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let stats = &self.views[rng.below(self.views.len())];
        let target = ((stats.count as f32) * (0.9 + 0.2 * rng.unit())).round() as usize;
        let target = target.clamp(4, 255);
        let (w, h) = (self.width as f32, self.height as f32);
        let cx = stats.mean.0 + 20.0 * (rng.unit() - 0.5);
        let cy = stats.mean.1 + 20.0 * (rng.unit() - 0.5);
        let (a, b) = (2.0 * stats.sd.0, 2.0 * stats.sd.1);
        let field = OrientationField::random(&mut rng, (cx, cy), (a, b));

        let mut view = FingerView::new(self.width, self.height, self.resolution);
        let spacing2 = self.min_spacing * self.min_spacing;
        let mut attempts = 0;
        while view.minutiae.len() < target && attempts < target * 40 {
            attempts += 1;
            // Uniform point in the unit disc, scaled to the ellipse.
            let (u, v) = (2.0 * rng.unit() - 1.0, 2.0 * rng.unit() - 1.0);
            if u * u + v * v > 1.0 {
                continue;
            }
            let (x, y) = (cx + a * u, cy + b * v);
            if !(0.0..w).contains(&x) || !(0.0..h).contains(&y) {
                continue;
            }
            if view
                .minutiae
                .iter()
                .any(|m| (m.x - x).powi(2) + (m.y - y).powi(2) < spacing2)
            {
                continue;
            }
            let sense = if rng.unit() < 0.5 { 0.0 } else { 180.0 };
            let angle =
                (field.orientation_deg(x, y) + sense + 8.0 * rng.normal()).rem_euclid(360.0);
            let kind = if rng.unit() < stats.ending_fraction {
                MinutiaKind::RidgeEnding
            } else {
                MinutiaKind::Bifurcation
            };
            let quality = stats.qualities[rng.below(stats.qualities.len())];
            view.minutiae.push(Minutia {
                x: x.round(),
                y: y.round(),
                angle,
                kind,
                quality,
            });
        }
        view.finger_position = FingerPosition::UNKNOWN;
        view
    }
}

/// A zero-pole ridge orientation field.
struct OrientationField {
    tilt: f32,
    cores: Vec<(f32, f32)>,
    deltas: Vec<(f32, f32)>,
    bend: f32,
    centre: (f32, f32),
}

impl OrientationField {
    fn random(rng: &mut SplitMix64, centre: (f32, f32), axes: (f32, f32)) -> OrientationField {
        let (cx, cy) = centre;
        let (a, b) = axes;
        let tilt = 15.0f32.to_radians() * rng.normal();
        let pattern = rng.unit();
        let jitter = |rng: &mut SplitMix64, s: f32| s * (rng.unit() - 0.5);
        let (cores, deltas) = if pattern < 0.65 {
            // Loop: core above the centre, delta below on one side.
            let side = if rng.unit() < 0.5 { -1.0 } else { 1.0 };
            let core = (
                cx + jitter(rng, 0.6 * a),
                cy - 0.2 * b + jitter(rng, 0.4 * b),
            );
            let delta = (
                core.0 + side * a * (0.6 + 0.4 * rng.unit()),
                core.1 + b * (0.5 + 0.5 * rng.unit()),
            );
            (vec![core], vec![delta])
        } else if pattern < 0.9 {
            // Whorl: two cores close together, deltas on both sides below.
            let c = (cx + jitter(rng, 0.4 * a), cy + jitter(rng, 0.4 * b));
            let d = 10.0 + 20.0 * rng.unit();
            (
                vec![(c.0, c.1 - d), (c.0, c.1 + d)],
                vec![
                    (c.0 - 0.9 * a, c.1 + 0.7 * b),
                    (c.0 + 0.9 * a, c.1 + 0.7 * b),
                ],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        OrientationField {
            tilt,
            cores,
            deltas,
            bend: 0.6 * rng.normal(),
            centre,
        }
    }

    /// Ridge orientation at (x, y) in degrees (mod 180), in the template convention
    /// (counter-clockwise on screen, y down).
    fn orientation_deg(&self, x: f32, y: f32) -> f32 {
        // Work with y up so that angles are counter-clockwise as on screen.
        let arg = |p: &(f32, f32)| (-(y - p.1)).atan2(x - p.0);
        let mut theta = self.tilt;
        theta += 0.5 * self.cores.iter().map(arg).sum::<f32>();
        theta -= 0.5 * self.deltas.iter().map(arg).sum::<f32>();
        if self.cores.is_empty() {
            // Arch: ridges bend up across the middle.
            let u = (x - self.centre.0) / 150.0;
            theta += self.bend * (-u * u).exp() * u;
        }
        theta.to_degrees()
    }
}

/// A tiny deterministic generator (SplitMix64).
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in 0..n (n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Standard normal (Box-Muller).
    pub(crate) fn normal(&mut self) -> f32 {
        let u1 = self.unit().max(1e-7);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_view() -> FingerView {
        let mut v = FingerView::new(300, 400, Resolution::PPI_500);
        for i in 0..6 {
            for j in 0..7 {
                v.minutiae.push(Minutia {
                    x: 80.0 + 25.0 * i as f32,
                    y: 100.0 + 30.0 * j as f32,
                    angle: 45.0,
                    kind: if (i + j) % 3 == 0 {
                        MinutiaKind::Bifurcation
                    } else {
                        MinutiaKind::RidgeEnding
                    },
                    quality: MinutiaQuality::Score(60),
                });
            }
        }
        v
    }

    #[test]
    fn generated_views_follow_the_fitted_statistics() {
        let real = grid_view();
        let model = SynthModel::fit(std::slice::from_ref(&real)).unwrap();
        assert_eq!(model.min_spacing(), 25.0);
        for i in 0..50 {
            let v = model.generate(7, i);
            let n = v.minutiae.len();
            assert!((30..=46).contains(&n), "count {n}");
            for (k, a) in v.minutiae.iter().enumerate() {
                assert!(a.x >= 0.0 && a.x < 300.0 && a.y >= 0.0 && a.y < 400.0);
                assert!((0.0..360.0).contains(&a.angle));
                for b in &v.minutiae[k + 1..] {
                    let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
                    assert!(d >= 24.0, "spacing {d}");
                }
            }
        }
        assert_eq!(model.generate(7, 3), model.generate(7, 3));
        assert_ne!(model.generate(7, 3), model.generate(7, 4));
    }

    #[test]
    fn fitting_needs_a_real_view() {
        assert_eq!(SynthModel::fit(&[]).unwrap_err(), NoRealViews);
    }
}
