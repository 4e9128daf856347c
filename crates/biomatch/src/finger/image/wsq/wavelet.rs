//! The WSQ subband decomposition tree and the inverse wavelet transform.
//!
//! # The tree
//! One step of the 2-D transform splits a rectangle into four: left/right by filtering the
//! rows, top/bottom by filtering the columns. A line of `n` samples gives `ceil(n/2)` lowpass
//! and `floor(n/2)` highpass samples. Normally the lowpass half comes first (left/top); in a
//! rectangle that was itself the right (bottom) part of its parent the row (column) split is
//! *spectrally inverted*: the highpass half comes first. WSQ applies the steps in a fixed
//! pattern that leaves 64 subbands, numbered depth-first (top-left, top-right, bottom-left,
//! bottom-right):
//!
//! ```text
//! image  -> [ A, split(52..55), split(56..59), not coded (60..63) ]
//! A      -> [ D, E(19..34), E(35..50), 51 ]        E = split twice (16 subbands)
//! D      -> [ G, split(7..10), split(11..14), split(15..18) ]
//! G      -> [ split(0..3), 4, 5, 6 ]
//! ```
//!
//! # The filters
//! The transform table carries the analysis filters: a symmetric odd-length lowpass `h0`
//! (centred on even samples) and highpass `h1` (centred on odd samples). Synthesis uses the
//! modulated filters `g0[c] = (-1)^c h1[c]` for the lowpass band and `g1[c] = (-1)^c h0[c]`
//! for the highpass band (`c` the offset from the centre tap). The signal is extended by
//! whole-sample symmetry at both ends; that induces the extension of each band (whole- or
//! half-sample symmetric depending on the band and the parity of the length), which this
//! module gets by reflecting sample *positions* rather than band indices.

use super::markers::TransformTable;

/// Number of coded subbands (60..63 are always zero).
pub(crate) const CODED_SUBBANDS: usize = 60;

/// A rectangle of the coefficient plane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rect {
    /// Left column.
    pub(crate) x: usize,
    /// Top row.
    pub(crate) y: usize,
    /// Width.
    pub(crate) w: usize,
    /// Height.
    pub(crate) h: usize,
}

/// One 2-D transform step: a rectangle and whether its row / column split is inverted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Split {
    /// The rectangle split into four.
    pub(crate) rect: Rect,
    /// Row filtering puts the highpass half first.
    pub(crate) invert_x: bool,
    /// Column filtering puts the highpass half first.
    pub(crate) invert_y: bool,
}

/// The decomposition of an image: the transform steps in analysis order (parents before
/// children) and the rectangles of the coded subbands.
#[derive(Clone, Debug)]
pub(crate) struct Tree {
    /// Transform steps, parents first.
    pub(crate) splits: Vec<Split>,
    /// Subbands 0..60.
    pub(crate) subbands: Vec<Rect>,
}

/// The shape of the WSQ decomposition.
enum Shape {
    /// A coded subband.
    Leaf,
    /// The never-coded corner (subbands 60..63).
    Dropped,
    /// A transform step with its four children (TL, TR, BL, BR).
    Split(Box<[Shape; 4]>),
}

fn split(children: [Shape; 4]) -> Shape {
    Shape::Split(Box::new(children))
}

fn split_once() -> Shape {
    split([Shape::Leaf, Shape::Leaf, Shape::Leaf, Shape::Leaf])
}

fn split_twice() -> Shape {
    split([split_once(), split_once(), split_once(), split_once()])
}

fn wsq_shape() -> Shape {
    let g = split([split_once(), Shape::Leaf, Shape::Leaf, Shape::Leaf]);
    let d = split([g, split_once(), split_once(), split_once()]);
    let a = split([d, split_twice(), split_twice(), Shape::Leaf]);
    split([a, split_once(), split_once(), Shape::Dropped])
}

/// Sizes of the first and second part of a split line of length `n`.
fn halves(n: usize, inverted: bool) -> (usize, usize) {
    let (low, high) = (n.div_ceil(2), n / 2);
    if inverted { (high, low) } else { (low, high) }
}

impl Tree {
    /// The decomposition tree of a `width` x `height` image.
    pub(crate) fn new(width: usize, height: usize) -> Self {
        let mut tree = Tree {
            splits: Vec::new(),
            subbands: Vec::with_capacity(CODED_SUBBANDS),
        };
        let root = Rect {
            x: 0,
            y: 0,
            w: width,
            h: height,
        };
        tree.walk(&wsq_shape(), root, false, false);
        debug_assert_eq!(tree.subbands.len(), CODED_SUBBANDS);
        tree
    }

    fn walk(&mut self, shape: &Shape, rect: Rect, invert_x: bool, invert_y: bool) {
        match shape {
            Shape::Leaf => self.subbands.push(rect),
            Shape::Dropped => {}
            Shape::Split(children) => {
                self.splits.push(Split {
                    rect,
                    invert_x,
                    invert_y,
                });
                let (w0, w1) = halves(rect.w, invert_x);
                let (h0, h1) = halves(rect.h, invert_y);
                let parts = [
                    (rect.x, rect.y, w0, h0, false, false),
                    (rect.x + w0, rect.y, w1, h0, true, false),
                    (rect.x, rect.y + h0, w0, h1, false, true),
                    (rect.x + w0, rect.y + h0, w1, h1, true, true),
                ];
                for (child, (x, y, w, h, ix, iy)) in children.iter().zip(parts) {
                    self.walk(child, Rect { x, y, w, h }, ix, iy);
                }
            }
        }
    }
}

/// The synthesis filters, as full centred kernels split by output parity.
#[derive(Clone, Debug)]
pub(crate) struct Synthesis {
    /// Half-width of the kernels.
    radius: usize,
    /// Kernel for even output positions, indexed by offset `t + radius`.
    even: Vec<f32>,
    /// Kernel for odd output positions.
    odd: Vec<f32>,
}

impl Synthesis {
    /// The synthesis kernels for the analysis filters of a transform table.
    pub(crate) fn new(table: &TransformTable) -> Self {
        // g0 from the analysis highpass, g1 from the analysis lowpass, both modulated.
        let modulated = |half: &[f32], c: usize| -> f32 {
            half.get(c)
                .map(|&v| if c.is_multiple_of(2) { v } else { -v })
                .unwrap_or(0.0)
        };
        let r0 = table.highpass_half.len() - 1;
        let r1 = table.lowpass_half.len() - 1;
        let radius = r0.max(r1);
        let mut even = vec![0f32; 2 * radius + 1];
        let mut odd = vec![0f32; 2 * radius + 1];
        for t in -(radius as isize)..=radius as isize {
            let c = t.unsigned_abs();
            let g0 = if c <= r0 {
                modulated(&table.highpass_half, c)
            } else {
                0.0
            };
            let g1 = if c <= r1 {
                modulated(&table.lowpass_half, c)
            } else {
                0.0
            };
            let i = (t + radius as isize) as usize;
            // Output m takes sample position m - t: a lowpass sample when that is even.
            even[i] = if t % 2 == 0 { g0 } else { g1 };
            odd[i] = if t % 2 == 0 { g1 } else { g0 };
        }
        Synthesis { radius, even, odd }
    }

    /// Reconstructs `out.len()` samples from a line stored as its two bands (`first` then the
    /// rest of `line`), given whether the highpass band comes first.
    fn line(&self, line: &[f32], inverted: bool, ext: &mut Vec<f32>, out: &mut [f32]) {
        let n = line.len();
        let (first, _) = halves(n, inverted);
        let (low, high) = if inverted {
            (&line[first..], &line[..first])
        } else {
            (&line[..first], &line[first..])
        };
        // Interleave the bands by sample position (lowpass on even, highpass on odd), with
        // `radius` reflected positions on each side.
        let r = self.radius;
        let sample = |p: isize| match reflect(p, n) {
            Some(q) if q % 2 == 0 => low[q / 2],
            Some(q) => high[q / 2],
            None => 0.0,
        };
        ext.clear();
        ext.extend((-(r as isize)..0).map(sample));
        for (l, h) in low.iter().zip(high) {
            ext.push(*l);
            ext.push(*h);
        }
        if low.len() > high.len() {
            ext.push(low[low.len() - 1]);
        }
        ext.extend((n as isize..(n + r) as isize).map(sample));
        for (m, o) in out.iter_mut().enumerate() {
            let kernel = if m % 2 == 0 { &self.even } else { &self.odd };
            // Sample position m - t for t = -r..=r lives at ext[m - t + r]; walking the
            // kernel forwards walks the samples backwards.
            let window = &ext[m..m + 2 * r + 1];
            let mut acc = 0f32;
            for (k, s) in kernel.iter().zip(window.iter().rev()) {
                acc += k * s;
            }
            *o = acc;
        }
    }

    /// Undoes one 2-D transform step in place on a `stride`-wide plane.
    pub(crate) fn undo_split(&self, plane: &mut [f32], stride: usize, split: &Split) {
        let Rect { x, y, w, h } = split.rect;
        if w == 0 || h == 0 {
            return;
        }
        let mut line = vec![0f32; w.max(h)];
        let mut out = vec![0f32; w.max(h)];
        let mut ext = Vec::with_capacity(w.max(h) + 2 * self.radius);
        // Columns first, then rows (the reverse of the analysis order).
        for col in x..x + w {
            for (i, v) in line[..h].iter_mut().enumerate() {
                *v = plane[(y + i) * stride + col];
            }
            self.line(&line[..h], split.invert_y, &mut ext, &mut out[..h]);
            for (i, v) in out[..h].iter().enumerate() {
                plane[(y + i) * stride + col] = *v;
            }
        }
        for row in y..y + h {
            let start = row * stride + x;
            line[..w].copy_from_slice(&plane[start..start + w]);
            self.line(&line[..w], split.invert_x, &mut ext, &mut out[..w]);
            plane[start..start + w].copy_from_slice(&out[..w]);
        }
    }
}

/// The analysis filters (the encoder's side): lowpass outputs centred on even samples,
/// highpass on odd ones, whole-sample symmetric extension at both ends.
#[derive(Clone, Debug)]
pub(crate) struct Analysis {
    lowpass_half: Vec<f32>,
    highpass_half: Vec<f32>,
}

impl Analysis {
    /// The analysis filters of a transform table.
    pub(crate) fn new(table: &TransformTable) -> Self {
        Analysis {
            lowpass_half: table.lowpass_half.clone(),
            highpass_half: table.highpass_half.clone(),
        }
    }

    /// Splits `x` into its lowpass and highpass bands, written to `out` in band order (the
    /// highpass band first when `inverted`).
    fn line(&self, x: &[f32], inverted: bool, out: &mut [f32]) {
        let n = x.len();
        let sample = |p: isize| reflect(p, n).map(|q| x[q]).unwrap_or(0.0);
        let filt = |half: &[f32], centre: isize| -> f32 {
            let mut acc = half[0] * sample(centre);
            for (j, &h) in half.iter().enumerate().skip(1) {
                let j = j as isize;
                acc += h * (sample(centre - j) + sample(centre + j));
            }
            acc
        };
        let (first, _) = halves(n, inverted);
        let (low_at, high_at) = if inverted { (first, 0) } else { (0, first) };
        for k in 0..n.div_ceil(2) {
            out[low_at + k] = filt(&self.lowpass_half, 2 * k as isize);
        }
        for k in 0..n / 2 {
            out[high_at + k] = filt(&self.highpass_half, 2 * k as isize + 1);
        }
    }

    /// Applies one 2-D transform step in place: rows, then columns.
    fn split(&self, plane: &mut [f32], stride: usize, split: &Split) {
        let Rect { x, y, w, h } = split.rect;
        if w == 0 || h == 0 {
            return;
        }
        let mut line = vec![0f32; w.max(h)];
        let mut out = vec![0f32; w.max(h)];
        for row in y..y + h {
            let start = row * stride + x;
            line[..w].copy_from_slice(&plane[start..start + w]);
            self.line(&line[..w], split.invert_x, &mut out[..w]);
            plane[start..start + w].copy_from_slice(&out[..w]);
        }
        for col in x..x + w {
            for (i, v) in line[..h].iter_mut().enumerate() {
                *v = plane[(y + i) * stride + col];
            }
            self.line(&line[..h], split.invert_y, &mut out[..h]);
            for (i, v) in out[..h].iter().enumerate() {
                plane[(y + i) * stride + col] = *v;
            }
        }
    }
}

/// Applies the whole decomposition in place (the inverse of [`reconstruct`]).
pub(crate) fn decompose(plane: &mut [f32], width: usize, tree: &Tree, analysis: &Analysis) {
    for split in &tree.splits {
        analysis.split(plane, width, split);
    }
}

/// Position `p` of a whole-sample symmetric extension of `0..n`, mapped back into `0..n`
/// (parity is preserved for `n >= 2`). For `n == 1` only even positions exist (the single
/// lowpass sample); odd ones are empty.
fn reflect(p: isize, n: usize) -> Option<usize> {
    if n == 1 {
        return (p % 2 == 0).then_some(0);
    }
    let period = 2 * (n as isize - 1);
    let q = p.rem_euclid(period);
    Some(if q >= n as isize { period - q } else { q } as usize)
}

/// Inverts the whole decomposition in place.
pub(crate) fn reconstruct(plane: &mut [f32], width: usize, tree: &Tree, synthesis: &Synthesis) {
    for split in tree.splits.iter().rev() {
        synthesis.undo_split(plane, width, split);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analysis filters of the standard FBI WSQ encoder (centre tap first).
    fn standard_table() -> TransformTable {
        TransformTable {
            lowpass_half: vec![
                0.852_698_7,
                0.377_402_85,
                -0.110_624_4,
                -0.023_849_465,
                0.037_828_455,
            ],
            highpass_half: vec![0.788_485_6, -0.418_092_27, -0.040_689_418, 0.064_538_88],
        }
    }

    /// Forward transform of one line, the way a WSQ encoder does it: lowpass outputs centred
    /// on even positions, highpass on odd, whole-sample symmetric extension.
    fn analyse_line(x: &[f32], inverted: bool, t: &TransformTable) -> Vec<f32> {
        let n = x.len();
        let tap = |half: &[f32], j: isize| half.get(j.unsigned_abs()).copied().unwrap_or(0.0);
        let sample = |p: isize| reflect(p, n).map(|q| x[q]).unwrap_or(0.0);
        let filt = |half: &[f32], centre: isize| -> f32 {
            let r = half.len() as isize - 1;
            (-r..=r).map(|j| tap(half, j) * sample(centre + j)).sum()
        };
        let low: Vec<f32> = (0..n.div_ceil(2))
            .map(|k| filt(&t.lowpass_half, 2 * k as isize))
            .collect();
        let high: Vec<f32> = (0..n / 2)
            .map(|k| filt(&t.highpass_half, 2 * k as isize + 1))
            .collect();
        if inverted {
            [high, low].concat()
        } else {
            [low, high].concat()
        }
    }

    #[test]
    fn lines_reconstruct_perfectly() {
        let t = standard_table();
        let s = Synthesis::new(&t);
        for n in [2usize, 3, 4, 5, 8, 9, 16, 17, 31, 64, 101] {
            for inverted in [false, true] {
                let x: Vec<f32> = (0..n)
                    .map(|i| ((i * 37 + 11) % 23) as f32 * 3.0 - 30.0)
                    .collect();
                let coded = analyse_line(&x, inverted, &t);
                let mut fast = vec![0f32; n];
                Analysis::new(&t).line(&x, inverted, &mut fast);
                for (a, b) in coded.iter().zip(&fast) {
                    assert!((a - b).abs() < 1e-4, "analysis n={n}: {a} vs {b}");
                }
                let mut out = vec![0f32; n];
                let mut ext = Vec::new();
                s.line(&coded, inverted, &mut ext, &mut out);
                for (a, b) in x.iter().zip(&out) {
                    assert!((a - b).abs() < 1e-3, "n={n} inv={inverted}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn images_decompose_and_reconstruct() {
        let t = standard_table();
        for (w, h) in [(37, 41), (64, 48), (33, 35)] {
            let tree = Tree::new(w, h);
            let x: Vec<f32> = (0..w * h)
                .map(|i| ((i * 7919) % 251) as f32 - 125.0)
                .collect();
            let mut plane = x.clone();
            decompose(&mut plane, w, &tree, &Analysis::new(&t));
            assert!(plane.iter().zip(&x).any(|(a, b)| (a - b).abs() > 1.0));
            reconstruct(&mut plane, w, &tree, &Synthesis::new(&t));
            for (a, b) in plane.iter().zip(&x) {
                assert!((a - b).abs() < 2e-3, "{w}x{h}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn single_sample_lines_do_not_panic() {
        let s = Synthesis::new(&standard_table());
        let mut out = [0f32; 1];
        let mut ext = Vec::new();
        s.line(&[2.0], false, &mut ext, &mut out);
        s.line(&[2.0], true, &mut ext, &mut out);
        assert!(out[0].is_finite());
    }

    #[test]
    fn tree_tiles_the_coded_area() {
        for (w, h) in [(832, 768), (545, 622), (37, 41), (1, 1)] {
            let tree = Tree::new(w, h);
            assert_eq!(tree.subbands.len(), CODED_SUBBANDS);
            // Coded subbands plus the dropped corner cover every pixel exactly once.
            let mut cover = vec![0u8; w * h];
            for r in &tree.subbands {
                for y in r.y..r.y + r.h {
                    for x in r.x..r.x + r.w {
                        cover[y * w + x] += 1;
                    }
                }
            }
            let (cx, cy) = (w.div_ceil(2), h.div_ceil(2));
            for y in 0..h {
                for x in 0..w {
                    let expect = if x >= cx && y >= cy { 0 } else { 1 };
                    assert_eq!(cover[y * w + x], expect, "{w}x{h} at ({x},{y})");
                }
            }
        }
    }

    #[test]
    fn tree_matches_the_specified_layout_for_an_odd_size() {
        // Hand-derived from the split rules for a 37-wide image: root 19 | 18; A = 19 wide
        // -> D 10 | E 9; E is inverted in x -> its first part is floor(9/2) = 4.
        let tree = Tree::new(37, 37);
        assert_eq!(tree.splits[0].rect.w, 37);
        let a = tree.splits[1].rect;
        assert_eq!((a.x, a.w), (0, 19));
        let e = tree
            .splits
            .iter()
            .find(|s| s.invert_x && !s.invert_y && s.rect.x == 10 && s.rect.y == 0)
            .expect("E split");
        assert_eq!(e.rect.w, 9);
        // Subband 19 is E's top-left quarter's top-left: 4 wide -> 2.
        assert_eq!(
            tree.subbands[19],
            Rect {
                x: 10,
                y: 0,
                w: 2,
                h: 3
            }
        );
    }
}
