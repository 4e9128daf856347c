//! Scanner frame trimming: uniform stripes along the image edges (platen borders, dark
//! scanner frames) are cut off before any other stage.
//!
//! Such a stripe has a strong edge towards the print that the later stages would take for a
//! ridge: the skeleton runs along it and every ridge that meets it ends there, so a row of
//! false endings and bifurcations appears along the frame. A line of pixels parallel to an
//! image edge belongs to a stripe when its grey levels hardly vary along its length compared
//! with the lines inside the image (measured after a light smoothing along the line, which
//! removes pixel noise but keeps ridges, about 9 pixels apart). Lines are examined from the
//! edge inwards; the stripe ends at the first line that varies like the interior.

use super::grid::Grid;
use super::params::FrameParams;

/// Pixels cut from each side of the image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Trim {
    pub(crate) left: usize,
    pub(crate) right: usize,
    pub(crate) top: usize,
    pub(crate) bottom: usize,
}

/// The image without its edge stripes, and what was cut. The image is returned unchanged
/// when trimming is off, finds nothing, or would leave less than `min_side` pixels.
pub(crate) fn trim(image: Grid<f32>, params: &FrameParams, min_side: usize) -> (Grid<f32>, Trim) {
    if params.max_stripe == 0 {
        return (image, Trim::default());
    }
    let (w, h) = (image.width, image.height);
    // Per-line variation along the line, for columns and for rows.
    let column_var = column_std(&image);
    let row_var: Vec<f32> = (0..h)
        .map(|y| along_line_std((0..w).map(|x| image.at(x, y))))
        .collect();
    let (column_median, row_median) = (median(&column_var), median(&row_var));
    let t = Trim {
        left: stripe_width(column_var.iter().copied(), column_median, params),
        right: stripe_width(column_var.iter().rev().copied(), column_median, params),
        top: stripe_width(row_var.iter().copied(), row_median, params),
        bottom: stripe_width(row_var.iter().rev().copied(), row_median, params),
    };
    if t == Trim::default() || w < t.left + t.right + min_side || h < t.top + t.bottom + min_side {
        return (image, Trim::default());
    }
    let (nw, nh) = (w - t.left - t.right, h - t.top - t.bottom);
    let mut data = Vec::with_capacity(nw * nh);
    for y in t.top..t.top + nh {
        data.extend_from_slice(&image.data[y * w + t.left..y * w + t.left + nw]);
    }
    (
        Grid {
            width: nw,
            height: nh,
            data,
        },
        t,
    )
}

/// The median of `values` (the upper one of an even count).
fn median(values: &[f32]) -> f32 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    sorted[sorted.len() / 2]
}

/// How many lines, from the edge inwards, vary less than `params.ratio` times `median`, the
/// median variation of all lines in that direction (at most `params.max_stripe`).
fn stripe_width(from_edge: impl Iterator<Item = f32>, median: f32, params: &FrameParams) -> usize {
    if median <= 0.0 {
        return 0;
    }
    from_edge
        .take(params.max_stripe)
        .take_while(|&v| v < params.ratio * median)
        .count()
}

/// [`along_line_std`] of every column, computed row by row (cache-friendly): two vertical
/// [1 2 1] / 4 passes with replicated edges, then per-column sums.
fn column_std(image: &Grid<f32>) -> Vec<f32> {
    let (w, h) = (image.width, image.height);
    if h < 3 {
        return vec![0.0; w];
    }
    let mut cur = image.data.clone();
    let mut tmp = vec![0f32; cur.len()];
    for _ in 0..2 {
        for y in 0..h {
            let (u, d) = (y.saturating_sub(1), (y + 1).min(h - 1));
            let (up, mid, down) = (
                &cur[u * w..(u + 1) * w],
                &cur[y * w..(y + 1) * w],
                &cur[d * w..(d + 1) * w],
            );
            for (x, out) in tmp[y * w..(y + 1) * w].iter_mut().enumerate() {
                *out = 0.25 * (up[x] + down[x]) + 0.5 * mid[x];
            }
        }
        std::mem::swap(&mut cur, &mut tmp);
    }
    let mut sum = vec![0f32; w];
    for row in cur.chunks_exact(w) {
        for (s, &v) in sum.iter_mut().zip(row) {
            *s += v;
        }
    }
    let mean: Vec<f32> = sum.iter().map(|s| s / h as f32).collect();
    let mut sq = vec![0f32; w];
    for row in cur.chunks_exact(w) {
        for ((q, &v), &m) in sq.iter_mut().zip(row).zip(&mean) {
            *q += (v - m) * (v - m);
        }
    }
    sq.iter().map(|q| (q / h as f32).sqrt()).collect()
}

/// Standard deviation of a line's grey levels after two [1 2 1] / 4 passes along it.
fn along_line_std(values: impl Iterator<Item = f32>) -> f32 {
    let mut v: Vec<f32> = values.collect();
    let n = v.len();
    if n < 3 {
        return 0.0;
    }
    let mut tmp = vec![0f32; n];
    for _ in 0..2 {
        for i in 0..n {
            let l = v[i.saturating_sub(1)];
            let r = v[(i + 1).min(n - 1)];
            tmp[i] = 0.25 * (l + r) + 0.5 * v[i];
        }
        std::mem::swap(&mut v, &mut tmp);
    }
    let mean = v.iter().sum::<f32>() / n as f32;
    (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n as f32).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Diagonal ridges of period 9 over the whole image, with pixel noise.
    fn ridges(w: usize, h: usize) -> Grid<f32> {
        let mut seed = 12345u32;
        let mut noise = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            ((seed >> 16) % 21) as f32 - 10.0
        };
        Grid {
            width: w,
            height: h,
            data: (0..w * h)
                .map(|i| {
                    let (x, y) = ((i % w) as f32, (i / w) as f32);
                    let phase = ((x + 0.5 * y) / 9.0 * std::f32::consts::TAU).cos();
                    135.0 + 40.0 * phase + noise()
                })
                .collect(),
        }
    }

    fn params() -> FrameParams {
        FrameParams {
            max_stripe: 24,
            ratio: 0.35,
        }
    }

    #[test]
    fn dark_stripes_are_cut_and_a_plain_print_is_kept() {
        let plain = ridges(120, 150);
        let (same, t) = trim(plain.clone(), &params(), 48);
        assert_eq!(t, Trim::default());
        assert_eq!(same.data, plain.data);

        let mut striped = plain;
        for y in 0..150 {
            for x in 0..6 {
                striped.set(x, y, 40.0 + (y % 3) as f32);
            }
        }
        for y in 145..150 {
            for x in 0..120 {
                striped.set(x, y, 35.0);
            }
        }
        let (cut, t) = trim(striped.clone(), &params(), 48);
        assert_eq!(
            t,
            Trim {
                left: 6,
                right: 0,
                top: 0,
                bottom: 5
            }
        );
        assert_eq!((cut.width, cut.height), (114, 145));
        assert_eq!(cut.at(0, 0), striped.at(6, 0));
        assert_eq!(cut.at(113, 144), striped.at(119, 144));
    }

    #[test]
    fn column_statistics_equal_the_line_by_line_reference() {
        let g = ridges(37, 23);
        let fast = column_std(&g);
        for (x, f) in fast.iter().enumerate() {
            let reference = along_line_std((0..g.height).map(|y| g.at(x, y)));
            assert!(
                (f - reference).abs() < 1e-3,
                "column {x}: {f} vs {reference}"
            );
        }
    }

    #[test]
    fn off_or_too_small_leaves_the_image() {
        let mut g = ridges(60, 60);
        for y in 0..60 {
            for x in 0..10 {
                g.set(x, y, 30.0);
            }
        }
        let off = FrameParams {
            max_stripe: 0,
            ..params()
        };
        assert_eq!(trim(g.clone(), &off, 48).1, Trim::default());
        // Cutting 10 columns would leave 50 < 55 pixels.
        assert_eq!(trim(g.clone(), &params(), 55).1, Trim::default());
        assert_eq!(trim(g, &params(), 48).1.left, 10);
    }
}
