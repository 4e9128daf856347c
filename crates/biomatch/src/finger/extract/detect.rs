//! Minutiae detection on the skeleton: crossing number 1 is a ridge ending, 3 a bifurcation.
//! Each direction comes from the ridge traced away from the minutia, snapped to the smooth
//! orientation field when the two agree.

use super::grid::{Blocks, Grid};
use super::orientation::Field;
use super::thin::{RING, code, transitions};
use crate::finger::template::{Minutia, MinutiaKind, MinutiaQuality};

/// A detected minutia in the internal 500 ppi frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    /// Column of the skeleton pixel.
    pub(crate) x: usize,
    /// Row of the skeleton pixel.
    pub(crate) y: usize,
    /// Ending or bifurcation.
    pub(crate) kind: MinutiaKind,
    /// Unit direction in image coordinates (y down), into the ridge for an ending, into the
    /// valley between the branches for a bifurcation.
    pub(crate) dx: f32,
    /// See `dx`.
    pub(crate) dy: f32,
}

impl Candidate {
    /// Direction in ISO degrees: counter-clockwise on screen, 0 = +x, in `[0, 360)`.
    pub(crate) fn iso_degrees(&self) -> f32 {
        let a = (-self.dy).atan2(self.dx).to_degrees();
        let a = if a < 0.0 { a + 360.0 } else { a };
        if a >= 360.0 { 0.0 } else { a }
    }
}

/// How a trace along a skeleton ridge stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// It walked the requested length.
    Length,
    /// The ridge ended.
    Ending,
    /// The ridge met a junction.
    Junction,
}

/// Where a trace stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Trace {
    /// Last pixel reached.
    pub(crate) x: usize,
    /// See `x`.
    pub(crate) y: usize,
    /// Pixels walked.
    pub(crate) steps: usize,
    /// Why it stopped.
    pub(crate) stop: Stop,
}

/// The minutiae of a skeleton (outermost pixels `false`).
pub(crate) fn detect(
    skeleton: &Grid<bool>,
    blocks: Blocks,
    field: &Field,
    trace_len: usize,
) -> Vec<Candidate> {
    let (w, h) = (skeleton.width, skeleton.height);
    let img: Vec<u8> = skeleton.data.iter().map(|&b| b as u8).collect();
    let mut found = Vec::new();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            if img[i] == 0 {
                continue;
            }
            let c = code(&img, w, i);
            let kind = match transitions(c) {
                1 => MinutiaKind::RidgeEnding,
                3 => MinutiaKind::Bifurcation,
                _ => continue,
            };
            let starts = branch_starts(x, y, c);
            let traced = traced_direction(skeleton, x, y, &starts, trace_len);
            let Some((tx, ty)) = traced else { continue };
            let theta = field.angle_at(blocks, x as f32, y as f32);
            let (mut fx, mut fy) = (theta.cos(), theta.sin());
            let agree = fx * tx + fy * ty;
            if agree < 0.0 {
                fx = -fx;
                fy = -fy;
            }
            // The field is smoother than a short pixel trace; trust it unless they disagree.
            let (dx, dy) = if agree.abs() > 0.7 {
                (fx, fy)
            } else {
                (tx, ty)
            };
            found.push(Candidate { x, y, kind, dx, dy });
        }
    }
    found
}

/// One starting pixel per branch leaving (x, y): per run of set ring neighbours, its
/// 4-neighbour if it has one, else its first pixel.
pub(crate) fn branch_starts(x: usize, y: usize, c: u8) -> Vec<(usize, usize)> {
    let bit = |k: usize| (c >> (k % 8)) & 1 == 1;
    let mut starts = Vec::with_capacity(4);
    for k in 0..8 {
        if bit(k) && !bit(k + 7) {
            let mut pick = k;
            let mut j = k;
            while bit(j) && j < k + 8 {
                if j % 2 == 0 {
                    pick = j % 8;
                    break;
                }
                j += 1;
            }
            let (dx, dy) = RING[pick];
            starts.push(((x as isize + dx) as usize, (y as isize + dy) as usize));
        }
    }
    starts
}

/// The unit direction of the minutia at (x, y) from traces along its branches.
fn traced_direction(
    skeleton: &Grid<bool>,
    x: usize,
    y: usize,
    starts: &[(usize, usize)],
    len: usize,
) -> Option<(f32, f32)> {
    let vectors: Vec<(f32, f32)> = starts
        .iter()
        .map(|&s| {
            let t = trace(skeleton, (x, y), s, starts, len);
            let (vx, vy) = (t.x as f32 - x as f32, t.y as f32 - y as f32);
            let n = vx.hypot(vy).max(1e-6);
            (vx / n, vy / n)
        })
        .collect();
    let (sx, sy) = match vectors.len() {
        1 => vectors[0],
        3 => {
            // The two branches closest in direction are the forks; the stem is the third.
            let dot = |a: (f32, f32), b: (f32, f32)| a.0 * b.0 + a.1 * b.1;
            let pairs = [(0, 1), (0, 2), (1, 2)];
            let &(i, j) = pairs
                .iter()
                .max_by(|p, q| {
                    dot(vectors[p.0], vectors[p.1]).total_cmp(&dot(vectors[q.0], vectors[q.1]))
                })
                .unwrap_or(&(0, 1));
            (vectors[i].0 + vectors[j].0, vectors[i].1 + vectors[j].1)
        }
        _ => return None,
    };
    let n = sx.hypot(sy);
    (n > 1e-3).then(|| (sx / n, sy / n))
}

/// Walks along the skeleton from `origin` through `first` for at most `max_steps` pixels,
/// never stepping onto `origin` or the pixels of `avoid`.
pub(crate) fn trace(
    skeleton: &Grid<bool>,
    origin: (usize, usize),
    first: (usize, usize),
    avoid: &[(usize, usize)],
    max_steps: usize,
) -> Trace {
    let mut recent = [origin, origin, origin];
    let mut cur = first;
    let mut steps = 1;
    loop {
        if steps >= max_steps {
            return Trace {
                x: cur.0,
                y: cur.1,
                steps,
                stop: Stop::Length,
            };
        }
        let mut next = None;
        let mut count = 0;
        for (k, &(dx, dy)) in RING.iter().enumerate() {
            let nx = cur.0 as isize + dx;
            let ny = cur.1 as isize + dy;
            if skeleton.get(nx, ny) != Some(true) {
                continue;
            }
            let p = (nx as usize, ny as usize);
            if p == origin || recent.contains(&p) || (steps <= 2 && avoid.contains(&p)) {
                continue;
            }
            count += 1;
            // Prefer the 4-neighbour: it is the continuation of a staircase.
            if next.is_none() || k % 2 == 0 {
                next = Some(p);
            }
        }
        match (count, next) {
            (0, _) | (_, None) => {
                return Trace {
                    x: cur.0,
                    y: cur.1,
                    steps,
                    stop: Stop::Ending,
                };
            }
            (1, Some(p)) => {
                recent = [recent[1], recent[2], cur];
                cur = p;
                steps += 1;
            }
            (_, Some(_)) => {
                return Trace {
                    x: cur.0,
                    y: cur.1,
                    steps,
                    stop: Stop::Junction,
                };
            }
        }
    }
}

/// Candidates as template minutiae in the internal frame (for the debug sink).
pub(crate) fn as_minutiae(candidates: &[Candidate]) -> Vec<Minutia> {
    candidates
        .iter()
        .map(|c| Minutia {
            x: c.x as f32,
            y: c.y as f32,
            angle: c.iso_degrees(),
            kind: c.kind,
            quality: MinutiaQuality::Unknown,
        })
        .collect()
}
