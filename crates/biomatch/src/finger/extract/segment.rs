//! Segmentation: which blocks hold fingerprint ridges.
//!
//! A block is foreground when the grey-level standard deviation around it (optionally
//! measured after a light smoothing that removes pixel-scale sensor noise) reaches both an
//! absolute floor and a fraction of the image's high-percentile contrast; majority votes
//! smooth the mask, holes are filled and only the largest region is kept.

use super::grid::{Blocks, Grid, box_sum, components};
use super::params::SegmentParams;

/// The block mask of the fingerprint area (`true` = foreground).
pub(crate) fn segment(image: &Grid<f32>, blocks: Blocks, params: &SegmentParams) -> Grid<bool> {
    let smoothed = binomial_smooth(image, params.smooth_passes);
    let std = block_contrast(smoothed.as_ref().unwrap_or(image), blocks, params.window);
    let mut sorted: Vec<f32> = std.data.clone();
    sorted.sort_by(f32::total_cmp);
    let high = sorted[((sorted.len() - 1) as f32 * params.percentile) as usize];
    let threshold = params.min_std.max(params.relative_std * high);
    let mut mask = Grid {
        width: std.width,
        height: std.height,
        data: std.data.iter().map(|&s| s >= threshold).collect(),
    };
    for _ in 0..params.vote_rounds {
        mask = majority(&mask, params.vote_radius);
    }
    fill_holes(&mut mask);
    keep_largest(&mut mask);
    mask
}

/// The mask restricted to blocks where ridges of a plausible period were measured in at
/// least `min_measured` of the (2r+1)-square neighbourhood (strong edges and smudges have
/// contrast but no ridge period), then cleaned as in [`segment`].
pub(crate) fn refine(
    mask: &Grid<bool>,
    measured: &Grid<bool>,
    params: &SegmentParams,
) -> Grid<bool> {
    let ones = Grid {
        width: mask.width,
        height: mask.height,
        data: measured.data.iter().map(|&b| b as u8 as f32).collect(),
    };
    let all = Grid::new(mask.width, mask.height, 1f32);
    let r = params.period_radius;
    let (ones, all) = (box_sum(&ones, r), box_sum(&all, r));
    let mut refined = Grid {
        width: mask.width,
        height: mask.height,
        data: (0..mask.data.len())
            .map(|i| mask.data[i] && ones.data[i] >= params.min_measured * all.data[i])
            .collect(),
    };
    for _ in 0..params.vote_rounds {
        refined = majority(&refined, params.vote_radius);
    }
    fill_holes(&mut refined);
    keep_largest(&mut refined);
    refined
}

/// The image smoothed by `passes` rounds of the separable [1 2 1] / 4 filter (edges
/// replicated), or `None` for no pass. Each round halves pixel-scale noise (sensor
/// streaks, grain) at the highest frequency while ridges, about 9 pixels apart at 500 ppi,
/// keep most of their contrast.
fn binomial_smooth(image: &Grid<f32>, passes: usize) -> Option<Grid<f32>> {
    if passes == 0 {
        return None;
    }
    let (w, h) = (image.width, image.height);
    let mut cur = image.clone();
    let mut tmp = Grid::new(w, h, 0f32);
    for _ in 0..passes {
        for y in 0..h {
            let row = &cur.data[y * w..(y + 1) * w];
            let out = &mut tmp.data[y * w..(y + 1) * w];
            for x in 0..w {
                let l = row[x.saturating_sub(1)];
                let r = row[(x + 1).min(w - 1)];
                out[x] = 0.25 * (l + r) + 0.5 * row[x];
            }
        }
        for y in 0..h {
            let (u, d) = (y.saturating_sub(1), (y + 1).min(h - 1));
            for x in 0..w {
                cur.data[y * w + x] =
                    0.25 * (tmp.data[u * w + x] + tmp.data[d * w + x]) + 0.5 * tmp.data[y * w + x];
            }
        }
    }
    Some(cur)
}

/// Standard deviation of grey levels over a (2r+1)-block window around each block.
fn block_contrast(image: &Grid<f32>, blocks: Blocks, r: usize) -> Grid<f32> {
    let mut sum = Grid::new(blocks.cols, blocks.rows, 0f32);
    let mut sq = Grid::new(blocks.cols, blocks.rows, 0f32);
    let mut count = Grid::new(blocks.cols, blocks.rows, 0f32);
    for y in 0..image.height {
        let by = y / blocks.size;
        let row = &image.data[y * image.width..(y + 1) * image.width];
        for (bx, chunk) in row.chunks(blocks.size).enumerate() {
            let s: f32 = chunk.iter().sum();
            let q: f32 = chunk.iter().map(|v| v * v).sum();
            let i = by * blocks.cols + bx;
            sum.data[i] += s;
            sq.data[i] += q;
            count.data[i] += chunk.len() as f32;
        }
    }
    let (sum, sq, count) = (box_sum(&sum, r), box_sum(&sq, r), box_sum(&count, r));
    let mut out = Grid::new(blocks.cols, blocks.rows, 0f32);
    for i in 0..out.data.len() {
        let mean = sum.data[i] / count.data[i];
        out.data[i] = (sq.data[i] / count.data[i] - mean * mean).max(0.0).sqrt();
    }
    out
}

/// Each cell takes the majority value of its (2r+1)-square neighbourhood.
fn majority(mask: &Grid<bool>, r: usize) -> Grid<bool> {
    let ones = Grid {
        width: mask.width,
        height: mask.height,
        data: mask.data.iter().map(|&b| b as u8 as f32).collect(),
    };
    let all = Grid::new(mask.width, mask.height, 1f32);
    let (ones, all) = (box_sum(&ones, r), box_sum(&all, r));
    Grid {
        width: mask.width,
        height: mask.height,
        data: ones
            .data
            .iter()
            .zip(&all.data)
            .map(|(o, a)| 2.0 * o > *a)
            .collect(),
    }
}

/// Background regions that do not touch the image edge become foreground.
fn fill_holes(mask: &mut Grid<bool>) {
    let background = Grid {
        width: mask.width,
        height: mask.height,
        data: mask.data.iter().map(|&b| !b).collect(),
    };
    let mut labels = Vec::new();
    let sizes = components(&background, &mut labels);
    let mut touches = vec![false; sizes.len()];
    let (w, h) = (mask.width, mask.height);
    for y in 0..h {
        for x in 0..w {
            let l = labels[y * w + x];
            if l != u32::MAX && (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                touches[l as usize] = true;
            }
        }
    }
    for (m, &l) in mask.data.iter_mut().zip(&labels) {
        if l != u32::MAX && !touches[l as usize] {
            *m = true;
        }
    }
}

/// Keeps only the largest foreground region.
fn keep_largest(mask: &mut Grid<bool>) {
    let mut labels = Vec::new();
    let sizes = components(mask, &mut labels);
    if let Some((largest, _)) = sizes.iter().enumerate().max_by_key(|(_, s)| **s) {
        for (m, &l) in mask.data.iter_mut().zip(&labels) {
            *m = l == largest as u32;
        }
    }
}

/// The mask as 0/1 values (for the debug sink).
pub(crate) fn as_values(mask: &Grid<bool>) -> Vec<f32> {
    mask.data.iter().map(|&b| b as u8 as f32).collect()
}

/// Distance of each block to the nearest background block or the image edge, in blocks
/// (chessboard metric; 0 for background).
pub(crate) fn depth(mask: &Grid<bool>) -> Grid<f32> {
    let (w, h) = (mask.width, mask.height);
    let big = (w + h) as f32;
    let mut d = Grid::new(w, h, 0f32);
    for i in 0..w * h {
        d.data[i] = if mask.data[i] { big } else { 0.0 };
    }
    let get = |d: &Grid<f32>, x: isize, y: isize| d.get(x, y).unwrap_or(0.0);
    for y in 0..h as isize {
        for x in 0..w as isize {
            let v = d.at(x as usize, y as usize);
            let m = [(-1, -1), (0, -1), (1, -1), (-1, 0)]
                .iter()
                .map(|&(dx, dy)| get(&d, x + dx, y + dy) + 1.0)
                .fold(v, f32::min);
            d.set(x as usize, y as usize, m);
        }
    }
    for y in (0..h as isize).rev() {
        for x in (0..w as isize).rev() {
            let v = d.at(x as usize, y as usize);
            let m = [(1, 1), (0, 1), (-1, 1), (1, 0)]
                .iter()
                .map(|&(dx, dy)| get(&d, x + dx, y + dy) + 1.0)
                .fold(v, f32::min);
            d.set(x as usize, y as usize, m);
        }
    }
    d
}

/// Euclidean distance in pixels from pixel (`x`, `y`) of a `width` x `height` image to the
/// nearest background block or the image edge, capped at `limit`.
pub(crate) fn border_distance(
    mask: &Grid<bool>,
    blocks: Blocks,
    (width, height): (usize, usize),
    (x, y): (usize, usize),
    limit: f32,
) -> f32 {
    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
    let mut best = limit
        .min(px)
        .min(py)
        .min(width as f32 - px)
        .min(height as f32 - py);
    let reach = (limit / blocks.size as f32).ceil() as isize + 1;
    let (bx, by) = blocks.of(x, y);
    let size = blocks.size as f32;
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let (cx, cy) = (bx as isize + dx, by as isize + dy);
            if mask.get(cx, cy) != Some(false) {
                continue;
            }
            // Distance from the point to the block's square.
            let (x0, y0) = (cx as f32 * size, cy as f32 * size);
            let ex = (x0 - px).max(px - (x0 + size)).max(0.0);
            let ey = (y0 - py).max(py - (y0 + size)).max(0.0);
            best = best.min(ex.hypot(ey));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `cols` x `rows` block mask whose first block column is background.
    fn left_background(cols: usize, rows: usize) -> Grid<bool> {
        let mut mask = Grid::new(cols, rows, true);
        for y in 0..rows {
            mask.set(0, y, false);
        }
        mask
    }

    #[test]
    fn border_distance_measures_to_background_blocks_and_image_edges() {
        let blocks = Blocks::new(80, 80, 8);
        let mask = left_background(10, 10);
        let size = (80, 80);
        // Pixel centre 20.5: 12.5 from the background column (which ends at x = 8).
        assert_eq!(border_distance(&mask, blocks, size, (20, 40), 50.0), 12.5);
        // Near the top edge of the image, the edge is closer.
        assert_eq!(border_distance(&mask, blocks, size, (40, 3), 50.0), 3.5);
        // Far from both, the cap applies.
        assert_eq!(border_distance(&mask, blocks, size, (60, 40), 10.0), 10.0);
        // Inside a background block the distance is 0.
        assert_eq!(border_distance(&mask, blocks, size, (4, 40), 50.0), 0.0);
    }

    #[test]
    fn binomial_smoothing_flattens_pixel_stripes_and_keeps_flat_areas() {
        // Columns alternating 100 / 140: one [1 2 1] pass averages them to 120 away from the
        // left and right edges; a flat image stays flat.
        let (w, h) = (16, 6);
        let stripes = Grid {
            width: w,
            height: h,
            data: (0..w * h)
                .map(|i| if i % 2 == 0 { 100.0 } else { 140.0 })
                .collect(),
        };
        let out = binomial_smooth(&stripes, 1).expect("one pass");
        for y in 0..h {
            for x in 1..w - 1 {
                assert!(
                    (out.at(x, y) - 120.0).abs() < 1e-4,
                    "({x}, {y}): {}",
                    out.at(x, y)
                );
            }
        }
        let flat = Grid::new(w, h, 77.0f32);
        let out = binomial_smooth(&flat, 2).expect("two passes");
        assert!(out.data.iter().all(|v| (v - 77.0).abs() < 1e-4));
        assert!(binomial_smooth(&flat, 0).is_none());
    }
}
