//! Orientation field: the local ridge direction per block, from squared gradients.
//!
//! Sobel gradients are summed per block as the doubled-angle vector
//! `(gx² - gy², 2 gx gy)`; the ridge direction is perpendicular to the dominant gradient.
//! Coherence (0 for isotropic noise, 1 for perfectly parallel ridges) is measured over a
//! small window and the field is smoothed over a larger one.

use super::grid::{Blocks, Grid, box_sum, from_doubled};
use super::params::OrientationParams;

/// Ridge direction and its reliability per block.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// Ridge direction in radians in `[0, pi)`, x right, y down (`(cos, sin)` runs along the
    /// ridge in image coordinates).
    pub(crate) angle: Grid<f32>,
    /// Coherence of the gradients in `[0, 1]`.
    pub(crate) coherence: Grid<f32>,
}

impl Field {
    /// The ridge direction at a pixel.
    #[inline]
    pub(crate) fn angle_at(&self, blocks: Blocks, x: f32, y: f32) -> f32 {
        let (bx, by) = blocks.of_point(x, y);
        self.angle.at(bx, by)
    }
}

/// The orientation field of the image over the foreground blocks (background blocks take
/// the smoothed direction of their neighbourhood).
pub(crate) fn field(
    image: &Grid<f32>,
    blocks: Blocks,
    mask: &Grid<bool>,
    params: &OrientationParams,
) -> Field {
    let (mut a, mut b, mut e) = gradient_sums(image, blocks);
    for i in 0..mask.data.len() {
        if !mask.data[i] {
            a.data[i] = 0.0;
            b.data[i] = 0.0;
            e.data[i] = 0.0;
        }
    }
    let (ca, cb, ce) = (
        box_sum(&a, params.coherence_radius),
        box_sum(&b, params.coherence_radius),
        box_sum(&e, params.coherence_radius),
    );
    let coherence = Grid {
        width: a.width,
        height: a.height,
        data: (0..a.data.len())
            .map(|i| {
                if ce.data[i] > 0.0 {
                    (ca.data[i].hypot(cb.data[i]) / ce.data[i]).min(1.0)
                } else {
                    0.0
                }
            })
            .collect(),
    };
    // Smooth unit doubled-angle vectors weighted by coherence, so that one high-contrast
    // block does not dominate its neighbourhood.
    let mut ua = Grid::new(a.width, a.height, 0f32);
    let mut ub = Grid::new(a.width, a.height, 0f32);
    for i in 0..a.data.len() {
        let n = ca.data[i].hypot(cb.data[i]);
        if n > 0.0 {
            ua.data[i] = ca.data[i] / n * coherence.data[i];
            ub.data[i] = cb.data[i] / n * coherence.data[i];
        }
    }
    let (sa, sb) = (
        box_sum(&ua, params.smooth_radius),
        box_sum(&ub, params.smooth_radius),
    );
    let angle = Grid {
        width: a.width,
        height: a.height,
        data: (0..a.data.len())
            .map(|i| {
                // Gradient direction plus 90 degrees is the ridge direction.
                let g = from_doubled(sa.data[i], sb.data[i]);
                let r = g + std::f32::consts::FRAC_PI_2;
                if r >= std::f32::consts::PI {
                    r - std::f32::consts::PI
                } else {
                    r
                }
            })
            .collect(),
    };
    Field { angle, coherence }
}

/// Per-block sums of `gx² - gy²`, `2 gx gy` and `gx² + gy²` from Sobel gradients.
fn gradient_sums(image: &Grid<f32>, blocks: Blocks) -> (Grid<f32>, Grid<f32>, Grid<f32>) {
    let (w, h) = (image.width, image.height);
    let mut a = Grid::new(blocks.cols, blocks.rows, 0f32);
    let mut b = Grid::new(blocks.cols, blocks.rows, 0f32);
    let mut e = Grid::new(blocks.cols, blocks.rows, 0f32);
    let mut ra = vec![0f32; blocks.cols];
    let mut rb = vec![0f32; blocks.cols];
    let mut re = vec![0f32; blocks.cols];
    for y in 1..h - 1 {
        let up = &image.data[(y - 1) * w..y * w];
        let mid = &image.data[y * w..(y + 1) * w];
        let down = &image.data[(y + 1) * w..(y + 2) * w];
        ra.iter_mut().for_each(|v| *v = 0.0);
        rb.iter_mut().for_each(|v| *v = 0.0);
        re.iter_mut().for_each(|v| *v = 0.0);
        for x in 1..w - 1 {
            let gx = (up[x + 1] + 2.0 * mid[x + 1] + down[x + 1])
                - (up[x - 1] + 2.0 * mid[x - 1] + down[x - 1]);
            let gy =
                (down[x - 1] + 2.0 * down[x] + down[x + 1]) - (up[x - 1] + 2.0 * up[x] + up[x + 1]);
            let bx = x / blocks.size;
            ra[bx] += gx * gx - gy * gy;
            rb[bx] += 2.0 * gx * gy;
            re[bx] += gx * gx + gy * gy;
        }
        let by = y / blocks.size;
        for bx in 0..blocks.cols {
            let i = by * blocks.cols + bx;
            a.data[i] += ra[bx];
            b.data[i] += rb[bx];
            e.data[i] += re[bx];
        }
    }
    (a, b, e)
}
