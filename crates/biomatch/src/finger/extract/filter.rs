//! Removal of false minutiae, in order: short ridges and spikes (an ending whose ridge soon
//! meets another minutia), bridges (two bifurcations joined by a short ridge), broken ridges
//! (two endings facing each other across a small gap), minutiae near the border of the
//! fingerprint area or the image (pixel distance), endings whose open side faces the nearby
//! background (ridges cut by the edge of the print), minutiae in incoherent blocks, pairs
//! closer than a minimum distance, and clusters.

use super::detect::{Candidate, Stop, branch_starts, trace};
use super::grid::{Blocks, Grid};
use super::orientation::Field;
use super::params::FilterParams;
use super::segment;
use super::thin::code;
use crate::finger::template::MinutiaKind;

/// The candidates that survive every filter.
pub(crate) fn remove_false(
    candidates: Vec<Candidate>,
    skeleton: &Grid<bool>,
    blocks: Blocks,
    field: &Field,
    mask: &Grid<bool>,
    params: &FilterParams,
) -> Vec<Candidate> {
    let mut drop = vec![false; candidates.len()];
    mark_short_structures(&candidates, skeleton, params, &mut drop);
    mark_broken_ridges(&candidates, params, &mut drop);
    for (i, c) in candidates.iter().enumerate() {
        let (bx, by) = blocks.of(c.x, c.y);
        let border = segment::border_distance(
            mask,
            blocks,
            (skeleton.width, skeleton.height),
            (c.x, c.y),
            params.border_distance,
        );
        let (px, py) = (c.x as f32 + 0.5, c.y as f32 + 0.5);
        let edge = px
            .min(py)
            .min(skeleton.width as f32 - px)
            .min(skeleton.height as f32 - py);
        if border < params.border_distance
            || edge < params.edge_distance
            || facing_border(c, mask, blocks, (skeleton.width, skeleton.height), params)
            || field.coherence.at(bx, by) < params.min_coherence
        {
            drop[i] = true;
        }
    }
    let kept: Vec<Candidate> = keep(&candidates, &drop);
    let mut drop = vec![false; kept.len()];
    mark_close_pairs(&kept, params, &mut drop);
    let kept = keep(&kept, &drop);
    let mut drop = vec![false; kept.len()];
    mark_clusters(&kept, params, &mut drop);
    keep(&kept, &drop)
}

/// An ending whose open side meets the background (or the image edge) within
/// `border_facing` pixels: its ridge was most likely cut by the edge of the print.
fn facing_border(
    c: &Candidate,
    mask: &Grid<bool>,
    blocks: Blocks,
    (width, height): (usize, usize),
    params: &FilterParams,
) -> bool {
    if c.kind != MinutiaKind::RidgeEnding || params.border_facing <= 0.0 {
        return false;
    }
    let steps = (params.border_facing / blocks.size as f32 * 2.0).ceil() as usize;
    (1..=steps).any(|k| {
        let t = params.border_facing * k as f32 / steps as f32;
        let x = c.x as f32 + 0.5 - t * c.dx;
        let y = c.y as f32 + 0.5 - t * c.dy;
        if x < 0.0 || y < 0.0 || x >= width as f32 || y >= height as f32 {
            return true;
        }
        let (bx, by) = blocks.of_point(x, y);
        !mask.at(bx, by)
    })
}

fn keep(candidates: &[Candidate], drop: &[bool]) -> Vec<Candidate> {
    candidates
        .iter()
        .zip(drop)
        .filter(|(_, d)| !**d)
        .map(|(c, _)| *c)
        .collect()
}

/// Short ridges, spikes and bridges: traces that reach another minutia too soon.
fn mark_short_structures(
    candidates: &[Candidate],
    skeleton: &Grid<bool>,
    params: &FilterParams,
    drop: &mut [bool],
) {
    let (w, h) = (skeleton.width, skeleton.height);
    let mut at = Grid::new(w, h, u32::MAX);
    for (i, c) in candidates.iter().enumerate() {
        at.set(c.x, c.y, i as u32);
    }
    let img: Vec<u8> = skeleton.data.iter().map(|&b| b as u8).collect();
    // The minutia at or next to a trace's end, other than `i`.
    let near = |i: usize, x: usize, y: usize| -> Option<usize> {
        for dy in -1..=1isize {
            for dx in -1..=1isize {
                if let Some(j) = at.get(x as isize + dx, y as isize + dy)
                    && j != u32::MAX
                    && j as usize != i
                {
                    return Some(j as usize);
                }
            }
        }
        None
    };
    for (i, c) in candidates.iter().enumerate() {
        let starts = branch_starts(c.x, c.y, code(&img, w, c.y * w + c.x));
        let limit = match c.kind {
            MinutiaKind::RidgeEnding => params.short_ridge,
            _ => params.bridge,
        };
        for &s in &starts {
            let t = trace(skeleton, (c.x, c.y), s, &starts, limit);
            if t.stop == Stop::Length {
                continue;
            }
            let Some(j) = near(i, t.x, t.y) else { continue };
            let other = candidates[j].kind;
            let is_bridge = c.kind == MinutiaKind::Bifurcation && other == MinutiaKind::Bifurcation;
            if c.kind == MinutiaKind::RidgeEnding || is_bridge {
                drop[i] = true;
                drop[j] = true;
            }
        }
    }
}

/// Two endings facing each other across a small gap (a ridge broken by noise or a scar).
fn mark_broken_ridges(candidates: &[Candidate], params: &FilterParams, drop: &mut [bool]) {
    let cos_limit = params.break_angle.to_radians().cos();
    let d2 = params.break_distance * params.break_distance;
    for (i, a) in candidates.iter().enumerate() {
        if a.kind != MinutiaKind::RidgeEnding {
            continue;
        }
        for (j, b) in candidates.iter().enumerate().skip(i + 1) {
            if b.kind != MinutiaKind::RidgeEnding {
                continue;
            }
            let (vx, vy) = (b.x as f32 - a.x as f32, b.y as f32 - a.y as f32);
            let dist2 = vx * vx + vy * vy;
            if dist2 > d2 || dist2 == 0.0 {
                continue;
            }
            // Opposite directions, and b lies behind a (away from a's ridge).
            let opposite = -(a.dx * b.dx + a.dy * b.dy);
            let dist = dist2.sqrt();
            let behind = -(a.dx * vx + a.dy * vy) / dist;
            if opposite > cos_limit && behind > cos_limit {
                drop[i] = true;
                drop[j] = true;
            }
        }
    }
}

/// Pairs closer than the minimum distance.
fn mark_close_pairs(candidates: &[Candidate], params: &FilterParams, drop: &mut [bool]) {
    let d2 = params.min_distance * params.min_distance;
    for (i, a) in candidates.iter().enumerate() {
        for (j, b) in candidates.iter().enumerate().skip(i + 1) {
            let (vx, vy) = (b.x as f32 - a.x as f32, b.y as f32 - a.y as f32);
            if vx * vx + vy * vy < d2 {
                drop[i] = true;
                drop[j] = true;
            }
        }
    }
}

/// Minutiae with too many neighbours within the cluster radius.
fn mark_clusters(candidates: &[Candidate], params: &FilterParams, drop: &mut [bool]) {
    let r2 = params.cluster_radius * params.cluster_radius;
    for (i, a) in candidates.iter().enumerate() {
        let neighbours = candidates
            .iter()
            .filter(|b| {
                let (vx, vy) = (b.x as f32 - a.x as f32, b.y as f32 - a.y as f32);
                let d = vx * vx + vy * vy;
                d > 0.0 && d < r2
            })
            .count();
        if neighbours >= params.cluster_count {
            drop[i] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finger::extract::ExtractParams;

    fn ending(x: usize, y: usize, dx: f32, dy: f32) -> Candidate {
        Candidate {
            x,
            y,
            kind: MinutiaKind::RidgeEnding,
            dx,
            dy,
        }
    }

    #[test]
    fn only_endings_open_towards_the_background_face_the_border() {
        // 10 x 10 blocks of 8 pixels; the first block column is background.
        let blocks = Blocks::new(80, 80, 8);
        let mut mask = Grid::new(10, 10, true);
        for y in 0..10 {
            mask.set(0, y, false);
        }
        let params = ExtractParams::default().filter;
        let reach = params.border_facing;
        let size = (80, 80);
        // An ending at x = 20 whose ridge runs right (+x) is open to the left, where the
        // background starts 12 pixels away: cut by the edge of the print.
        assert!(reach > 12.5);
        assert!(facing_border(
            &ending(20, 40, 1.0, 0.0),
            &mask,
            blocks,
            size,
            &params
        ));
        // The same ending with its ridge running left opens towards the interior.
        assert!(!facing_border(
            &ending(20, 40, -1.0, 0.0),
            &mask,
            blocks,
            size,
            &params
        ));
        // Open upwards, towards the image edge 30 pixels away: beyond the reach only when
        // the reach is shorter.
        let up = ending(40, 30, 0.0, 1.0);
        assert_eq!(
            facing_border(&up, &mask, blocks, size, &params),
            reach >= 30.5
        );
        // Bifurcations are never dropped by this test.
        let fork = Candidate {
            kind: MinutiaKind::Bifurcation,
            ..ending(20, 40, 1.0, 0.0)
        };
        assert!(!facing_border(&fork, &mask, blocks, size, &params));
    }
}
