//! Scalar dequantisation of the wavelet subbands.
//!
//! A quantised coefficient `s` of a subband with bin width `Q`, zero-bin width `Z` and bin
//! centre `C` becomes `0` for `s == 0`, `Q (s - C) + Z/2` for `s > 0` and `Q (s + C) - Z/2`
//! for `s < 0`. Subbands with `Q == 0` were not coded and stay zero. Coefficients arrive
//! subband by subband (0..60), each in row-major order.

use super::markers::QuantTable;
use super::wavelet::{CODED_SUBBANDS, Rect};

/// Number of coefficients the coded subbands hold.
pub(crate) fn coded_coefficients(table: &QuantTable, subbands: &[Rect]) -> usize {
    subbands
        .iter()
        .take(CODED_SUBBANDS)
        .enumerate()
        .filter(|(i, _)| table.q[*i] != 0.0)
        .map(|(_, r)| r.w * r.h)
        .sum()
}

/// Places the dequantised coefficients into a `width`-wide plane (zero elsewhere).
/// `coefficients.len()` must equal [`coded_coefficients`].
pub(crate) fn dequantize(
    coefficients: &[i32],
    table: &QuantTable,
    subbands: &[Rect],
    plane: &mut [f32],
    width: usize,
) {
    let c = table.bin_center;
    let mut next = coefficients.iter();
    for (i, r) in subbands.iter().take(CODED_SUBBANDS).enumerate() {
        let (q, half_z) = (table.q[i], table.z[i] / 2.0);
        if q == 0.0 {
            continue;
        }
        for y in r.y..r.y + r.h {
            let row = &mut plane[y * width + r.x..y * width + r.x + r.w];
            for (v, &s) in row.iter_mut().zip(next.by_ref()) {
                let s = s as f32;
                *v = if s > 0.0 {
                    q * (s - c) + half_z
                } else if s < 0.0 {
                    q * (s + c) - half_z
                } else {
                    0.0
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequantisation_follows_the_bin_formula() {
        let mut table = QuantTable {
            bin_center: 0.44,
            q: [0.0; 64],
            z: [0.0; 64],
        };
        table.q[1] = 2.0;
        table.z[1] = 3.0;
        let subbands = vec![
            Rect {
                x: 0,
                y: 0,
                w: 1,
                h: 1,
            },
            Rect {
                x: 1,
                y: 0,
                w: 3,
                h: 1,
            },
        ];
        assert_eq!(coded_coefficients(&table, &subbands), 3);
        let mut plane = vec![9.0f32; 4];
        dequantize(&[1, 0, -2], &table, &subbands, &mut plane, 4);
        // Subband 0 is not coded and keeps what the plane held (the caller zeroes it).
        assert_eq!(plane[0], 9.0);
        assert!((plane[1] - (2.0 * (1.0 - 0.44) + 1.5)).abs() < 1e-6);
        assert_eq!(plane[2], 0.0);
        assert!((plane[3] - (2.0 * (-2.0 + 0.44) - 1.5)).abs() < 1e-6);
    }
}
