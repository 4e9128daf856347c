//! Binarisation: ridge pixels are where the enhanced image is negative inside the mask; tiny
//! ridge islands are erased and tiny valley holes filled (they would become short ridges,
//! spikes and bridges after thinning).

use super::grid::{Blocks, Grid, components};
use super::params::BinarizeParams;

/// The binary ridge image (`true` = ridge); its outermost pixels are always `false`.
pub(crate) fn binarize(
    enhanced: &Grid<f32>,
    blocks: Blocks,
    mask: &Grid<bool>,
    params: &BinarizeParams,
) -> Grid<bool> {
    let (w, h) = (enhanced.width, enhanced.height);
    let mut ridges = Grid::new(w, h, false);
    for y in 1..h.saturating_sub(1) {
        for x in 1..w - 1 {
            let (bx, by) = blocks.of(x, y);
            ridges.set(x, y, mask.at(bx, by) && enhanced.at(x, y) < 0.0);
        }
    }
    let mut labels = Vec::new();
    remove_small(&mut ridges, params.min_island, &mut labels);
    let mut valleys = Grid {
        width: w,
        height: h,
        data: ridges.data.iter().map(|&r| !r).collect(),
    };
    remove_small(&mut valleys, params.min_hole, &mut labels);
    for (r, v) in ridges.data.iter_mut().zip(&valleys.data) {
        *r = !v;
    }
    for x in 0..w {
        ridges.set(x, 0, false);
        ridges.set(x, h - 1, false);
    }
    for y in 0..h {
        ridges.set(0, y, false);
        ridges.set(w - 1, y, false);
    }
    ridges
}

/// Clears the `true` components smaller than `min` pixels.
fn remove_small(grid: &mut Grid<bool>, min: usize, labels: &mut Vec<u32>) {
    let sizes = components(grid, labels);
    for (g, &l) in grid.data.iter_mut().zip(labels.iter()) {
        if l != u32::MAX && sizes[l as usize] < min {
            *g = false;
        }
    }
}
