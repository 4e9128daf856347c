//! Preparation of a view: minutiae in the matcher frame, the neighbour edges, the edge index
//! used when the view is the probe side, and the footprint used to normalise scores.

use super::footprint::Footprint;
use super::geometry;
use super::index::EdgeIndex;
use super::params::MatcherParams;
use crate::finger::template::FingerView;

/// Coordinates further than this from the origin (matcher units) are treated as corrupt.
const MAX_COORDINATE: f32 = 1.0e5;

/// A minutia in the matcher frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    /// x in matcher units.
    pub(crate) x: f32,
    /// y in matcher units, pointing up.
    pub(crate) y: f32,
    /// Direction, counter-clockwise from +x.
    pub(crate) dir: u16,
}

/// An edge between two minutiae, described by rotation- and translation-invariant features.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Edge {
    /// Start minutia.
    pub(crate) a: u8,
    /// End minutia.
    pub(crate) b: u8,
    /// Direction of `a`'s minutia relative to the edge direction.
    pub(crate) alpha_a: u16,
    /// Direction of `b`'s minutia relative to the edge direction.
    pub(crate) alpha_b: u16,
    /// Direction of the vector from `a` to `b`.
    pub(crate) phi: u16,
    /// Length in matcher units.
    pub(crate) len: f32,
    /// Squared extent along the frame's y axis (for the anisotropy allowance).
    pub(crate) y2: f32,
    /// The index bucket this edge looks in when it is on the candidate side (set by
    /// [`prepare`], so a comparison does not recompute it).
    pub(crate) bucket: u32,
}

impl Edge {
    /// The edge between `points[a]` and `points[b]`, directed from `a` to `b`.
    pub(crate) fn between(points: &[Point], a: usize, b: usize) -> Edge {
        let (pa, pb) = (points[a], points[b]);
        let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
        let phi = geometry::direction(dx, dy);
        Edge {
            a: a as u8,
            b: b as u8,
            alpha_a: pa.dir.wrapping_sub(phi),
            alpha_b: pb.dir.wrapping_sub(phi),
            phi,
            len: (dx * dx + dy * dy).sqrt(),
            y2: dy * dy,
            bucket: 0,
        }
    }
}

/// The minutiae of `view` in the matcher frame: scaled to 500 ppi, y up, non-finite or absurd
/// values dropped, at most `max` of them.
pub(crate) fn frame_points(view: &FingerView, max: usize) -> Vec<Point> {
    let scale = |ppcm: u16| {
        if ppcm == 0 { 1.0 } else { 197.0 / ppcm as f32 }
    };
    let (sx, sy) = (scale(view.resolution.x_ppcm), scale(view.resolution.y_ppcm));
    view.minutiae
        .iter()
        .filter(|m| m.x.is_finite() && m.y.is_finite() && m.angle.is_finite())
        .map(|m| Point {
            x: m.x * sx,
            y: -m.y * sy,
            dir: geometry::from_degrees(m.angle),
        })
        .filter(|p| p.x.abs() < MAX_COORDINATE && p.y.abs() < MAX_COORDINATE)
        .take(max.min(u8::MAX as usize))
        .collect()
}

/// Undirected neighbour edges (each once, directed from the lower index): every minutia is
/// joined to its `k` nearest neighbours within the allowed length range.
pub(crate) fn neighbour_edges(points: &[Point], params: &MatcherParams) -> Vec<Edge> {
    let n = points.len();
    let mut linked = vec![false; n * n];
    let mut near: Vec<(f32, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        near.clear();
        for j in 0..n {
            if j == i {
                continue;
            }
            let (dx, dy) = (points[j].x - points[i].x, points[j].y - points[i].y);
            let d = (dx * dx + dy * dy).sqrt();
            if d >= params.min_edge_length && d <= params.max_edge_length {
                near.push((d, j));
            }
        }
        near.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        for &(_, j) in near.iter().take(params.neighbours) {
            linked[i.min(j) * n + i.max(j)] = true;
        }
    }
    let mut edges = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            if linked[a * n + b] {
                edges.push(Edge::between(points, a, b));
            }
        }
    }
    edges
}

/// Everything the matcher needs about one view.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    pub(crate) points: Vec<Point>,
    pub(crate) edges: Vec<Edge>,
    pub(crate) index: EdgeIndex,
    pub(crate) footprint: Footprint,
}

/// Prepares `view` (infallible: a degenerate view gives no edges and then scores 0).
pub(crate) fn prepare(view: &FingerView, params: &MatcherParams) -> Prepared {
    let points = frame_points(view, params.max_minutiae);
    let edges = neighbour_edges(&points, params);
    let index = EdgeIndex::build(&edges, params);
    let edges = in_bucket_order(edges, &index);
    let footprint = Footprint::build(&points, params);
    Prepared {
        points,
        edges,
        index,
        footprint,
    }
}

/// Sets each edge's bucket and sorts the edges by it: in bucket order, a comparison walks the
/// other view's index front to back (cache friendly) instead of jumping around it.
fn in_bucket_order(mut edges: Vec<Edge>, index: &EdgeIndex) -> Vec<Edge> {
    for e in &mut edges {
        e.bucket = index.bucket(e) as u32;
    }
    edges.sort_by_key(|e| e.bucket);
    edges
}

/// The candidate side of [`prepare`]: the same points and edges in the same order, without
/// building the index (its bucket geometry alone gives the buckets).
pub(crate) fn candidate_side(view: &FingerView, params: &MatcherParams) -> (Vec<Point>, Vec<Edge>) {
    let points = frame_points(view, params.max_minutiae);
    let edges = neighbour_edges(&points, params);
    let index = EdgeIndex::geometry_only(params);
    (points, in_bucket_order(edges, &index))
}
