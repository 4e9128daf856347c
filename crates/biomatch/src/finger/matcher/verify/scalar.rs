//! The portable verification kernel, and the reference the SIMD kernel is tested against.

use super::super::geometry;
use super::super::index::{EdgeMatch, LEN_SCALE, Tolerances};
use super::super::prepare::Edge;
use super::SlotColumns;

/// Verifies candidate edge `ce` against slots `from..to`, writing the agreeing matches to
/// `out[n..]` (which has room for `to - from` more); returns the new count.
#[inline(always)]
pub(crate) fn verify_run(
    slots: &SlotColumns,
    from: usize,
    to: usize,
    ce: &Edge,
    tol: &Tolerances,
    out: &mut [EdgeMatch],
    mut n: usize,
) -> usize {
    let c = [ce.a, ce.b];
    let columns = slots.alpha_a[from..to]
        .iter()
        .zip(&slots.alpha_b[from..to])
        .zip(&slots.len[from..to])
        .zip(&slots.ends[from..to])
        .zip(&slots.y2[from..to]);
    // At most one match per slot: `n` stays within `out`.
    let out = &mut out[..n + (to - from)];
    for ((((&alpha_a, &alpha_b), &len), &ends), &y2) in columns {
        // Every test is evaluated for every slot and combined without branches.
        let da = geometry::distance(alpha_a, ce.alpha_a);
        let db = geometry::distance(alpha_b, ce.alpha_b);
        let plen = len as f32 * (1.0 / LEN_SCALE);
        let sum = plen + ce.len;
        let dl = (plen - ce.len).abs();
        let lt = tol.length + tol.half_ratio * sum;
        let rot = ce.phi.wrapping_sub((ends >> 16) as u16);
        // The anisotropy allowance, for edge pairs rotated little enough.
        let cap = tol.quarter_cap * sum;
        let extra = (tol.anisotropy * (y2 - ce.y2).abs() / sum).min(cap);
        let stretched = geometry::distance(rot, 0) <= tol.anisotropy_rotation;
        let limit = if dl > lt { lt + extra } else { lt };
        let agrees =
            (da <= tol.angle) & (db <= tol.angle) & ((dl <= lt) | (stretched & (dl <= limit)));
        let err = dl / limit * 1000.0 + (da as f32 + db as f32) * tol.angle_scale;
        out[n] = EdgeMatch {
            p: [ends as u8, (ends >> 8) as u8],
            c,
            rot,
            err: err as u16,
        };
        n += agrees as usize;
    }
    n
}
