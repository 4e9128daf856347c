//! Small typed grids: pixel planes and block maps with bounds-safe accessors.

/// A row-major 2-D array.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Grid<T> {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) data: Vec<T>,
}

impl<T: Copy> Grid<T> {
    /// A grid filled with `value`.
    pub(crate) fn new(width: usize, height: usize, value: T) -> Grid<T> {
        Grid {
            width,
            height,
            data: vec![value; width * height],
        }
    }

    /// The value at (x, y); panics outside (callers index inside the grid).
    #[inline]
    pub(crate) fn at(&self, x: usize, y: usize) -> T {
        self.data[y * self.width + x]
    }

    /// Sets the value at (x, y).
    #[inline]
    pub(crate) fn set(&mut self, x: usize, y: usize, value: T) {
        self.data[y * self.width + x] = value;
    }

    /// The value at signed coordinates, or `None` outside the grid.
    #[inline]
    pub(crate) fn get(&self, x: isize, y: isize) -> Option<T> {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            None
        } else {
            Some(self.data[y as usize * self.width + x as usize])
        }
    }
}

/// How an image is cut into square blocks (the last row/column may be partial).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Blocks {
    /// Block side in pixels.
    pub(crate) size: usize,
    /// Number of block columns.
    pub(crate) cols: usize,
    /// Number of block rows.
    pub(crate) rows: usize,
}

impl Blocks {
    /// The block layout of a `width` x `height` image.
    pub(crate) fn new(width: usize, height: usize, size: usize) -> Blocks {
        Blocks {
            size,
            cols: width.div_ceil(size),
            rows: height.div_ceil(size),
        }
    }

    /// The block containing pixel (x, y).
    #[inline]
    pub(crate) fn of(&self, x: usize, y: usize) -> (usize, usize) {
        (
            (x / self.size).min(self.cols - 1),
            (y / self.size).min(self.rows - 1),
        )
    }

    /// The block containing the point (x, y) in pixel coordinates, clamped into the map.
    #[inline]
    pub(crate) fn of_point(&self, x: f32, y: f32) -> (usize, usize) {
        let bx = (x.max(0.0) as usize / self.size).min(self.cols - 1);
        let by = (y.max(0.0) as usize / self.size).min(self.rows - 1);
        (bx, by)
    }
}

/// Sums `values` inside a (2r+1)-square window around each cell, with a summed-area table.
pub(crate) fn box_sum(grid: &Grid<f32>, r: usize) -> Grid<f32> {
    let (w, h) = (grid.width, grid.height);
    let mut integral = vec![0f64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0f64;
        for x in 0..w {
            row += grid.at(x, y) as f64;
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = Grid::new(w, h, 0f32);
    for y in 0..h {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(h);
        for x in 0..w {
            let x0 = x.saturating_sub(r);
            let x1 = (x + r + 1).min(w);
            let s = integral[y1 * (w + 1) + x1]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0]
                + integral[y0 * (w + 1) + x0];
            out.set(x, y, s as f32);
        }
    }
    out
}

/// Sizes of the 8-connected components of the `true` cells; `labels` gets a component id per
/// cell (`u32::MAX` for `false` cells).
pub(crate) fn components(mask: &Grid<bool>, labels: &mut Vec<u32>) -> Vec<usize> {
    let (w, h) = (mask.width, mask.height);
    labels.clear();
    labels.resize(w * h, u32::MAX);
    let mut sizes = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !mask.data[start] || labels[start] != u32::MAX {
            continue;
        }
        let id = sizes.len() as u32;
        let mut size = 0usize;
        labels[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            size += 1;
            let (x, y) = ((i % w) as isize, (i / w) as isize);
            for dy in -1..=1isize {
                for dx in -1..=1isize {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if mask.data[j] && labels[j] == u32::MAX {
                        labels[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        sizes.push(size);
    }
    sizes
}

/// The orientation (radians in `[0, pi)`) of a doubled-angle vector.
#[inline]
pub(crate) fn from_doubled(c: f32, s: f32) -> f32 {
    let t = 0.5 * s.atan2(c);
    if t < 0.0 { t + std::f32::consts::PI } else { t }
}

/// A copy of the image with `pad` replicated pixels on each side.
pub(crate) fn pad_replicate(image: &Grid<f32>, pad: usize) -> Grid<f32> {
    let (w, h) = (image.width, image.height);
    let pw = w + 2 * pad;
    let mut out = Grid::new(pw, h + 2 * pad, 0f32);
    for py in 0..h + 2 * pad {
        let y = py.saturating_sub(pad).min(h - 1);
        let src = &image.data[y * w..(y + 1) * w];
        let dst = &mut out.data[py * pw..(py + 1) * pw];
        dst[..pad].fill(src[0]);
        dst[pad..pad + w].copy_from_slice(src);
        dst[pad + w..].fill(src[w - 1]);
    }
    out
}
