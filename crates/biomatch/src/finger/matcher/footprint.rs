//! The area a view's minutiae cover, as a coarse bitmap: used to count how many minutiae of
//! the other view fall where this view could have shown them (the overlap the score is
//! normalised by).

use super::params::MatcherParams;
use super::prepare::Point;

/// Grid side in cells.
const SIDE: usize = 64;

/// Cells near at least one minutia.
#[derive(Clone, Debug)]
pub(crate) struct Footprint {
    rows: [u64; SIDE],
    origin_x: f32,
    origin_y: f32,
    cell: f32,
}

impl Footprint {
    /// The footprint of `points`: each minutia's cell dilated by the configured radius.
    pub(crate) fn build(points: &[Point], params: &MatcherParams) -> Footprint {
        let cell = params.footprint_cell.max(1.0);
        let dil = params.footprint_dilation.clamp(0, 8);
        let (mut min_x, mut min_y) = (f32::INFINITY, f32::INFINITY);
        for p in points {
            min_x = min_x.min(p.x);
            min_y = min_y.min(p.y);
        }
        if points.is_empty() {
            (min_x, min_y) = (0.0, 0.0);
        }
        let origin_x = min_x - (dil as f32 + 0.5) * cell;
        let origin_y = min_y - (dil as f32 + 0.5) * cell;
        let mut fp = Footprint {
            rows: [0; SIDE],
            origin_x,
            origin_y,
            cell,
        };
        for p in points {
            let cx = ((p.x - origin_x) / cell) as i32;
            let cy = ((p.y - origin_y) / cell) as i32;
            for y in cy - dil..=cy + dil {
                for x in cx - dil..=cx + dil {
                    if (0..SIDE as i32).contains(&x) && (0..SIDE as i32).contains(&y) {
                        fp.rows[y as usize] |= 1u64 << x;
                    }
                }
            }
        }
        fp
    }

    /// Whether the point `(x, y)` (matcher frame of this view) lies in the footprint.
    #[inline]
    pub(crate) fn covers(&self, x: f32, y: f32) -> bool {
        let fx = (x - self.origin_x) / self.cell;
        let fy = (y - self.origin_y) / self.cell;
        if !(fx >= 0.0 && fy >= 0.0 && fx < SIDE as f32 && fy < SIDE as f32) {
            return false;
        }
        self.rows[fy as usize] >> (fx as usize) & 1 == 1
    }
}
