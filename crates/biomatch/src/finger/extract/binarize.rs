//! Binarisation: ridge pixels are where the enhanced image is negative inside the mask; tiny
//! ridge islands are erased and tiny valley holes filled (they would become short ridges,
//! spikes and bridges after thinning).

use super::grid::{Blocks, Grid};
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
    let mut stack = Vec::new();
    remove_small(&mut ridges, params.min_island, &mut stack);
    let mut valleys = Grid {
        width: w,
        height: h,
        data: ridges.data.iter().map(|&r| !r).collect(),
    };
    remove_small(&mut valleys, params.min_hole, &mut stack);
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

/// Clears the 8-connected `true` components smaller than `min` pixels. Each flood stops as
/// soon as its component is known to be large enough, so the work stays linear.
fn remove_small(grid: &mut Grid<bool>, min: usize, stack: &mut Vec<usize>) {
    const UNSEEN: u8 = 0;
    const LARGE: u8 = 1;
    const FLOODING: u8 = 2;
    let (w, h) = (grid.width, grid.height);
    let mut state = vec![UNSEEN; w * h];
    let mut members = Vec::with_capacity(min);
    for start in 0..w * h {
        if !grid.data[start] || state[start] != UNSEEN {
            continue;
        }
        members.clear();
        stack.clear();
        stack.push(start);
        state[start] = FLOODING;
        let mut large = false;
        while let Some(i) = stack.pop() {
            members.push(i);
            if members.len() >= min {
                large = true;
                break;
            }
            let (x, y) = (i % w, i / w);
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = ny * w + nx;
                    if grid.data[j] {
                        match state[j] {
                            UNSEEN => {
                                state[j] = FLOODING;
                                stack.push(j);
                            }
                            LARGE => large = true,
                            _ => {}
                        }
                    }
                }
            }
            if large {
                break;
            }
        }
        let verdict = if large { LARGE } else { UNSEEN };
        for &i in members.iter().chain(stack.iter()) {
            state[i] = verdict;
            if !large {
                grid.data[i] = false;
            }
        }
    }
}
