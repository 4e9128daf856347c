//! Storage encodings of unit vectors.
//!
//! * **f16**: each value rounded to the nearest IEEE binary16. For unit vectors every value
//!   is at most 1 in magnitude; the relative rounding error is at most 2^-11 for values above
//!   2^-14 and the absolute error at most 2^-25 below. Hence
//!   `|a.b - a.b16| <= 2^-11 * sum|a_i b_i| + d * 2^-25 <= 2^-11 + d * 2^-25` (about 5e-4 at
//!   d = 512), plus f32 accumulation error.
//! * **int8**: symmetric per-vector scale `s = max|v_i| / 127`, codes `c_i = round(v_i / s)`
//!   in -127..=127, so `|v_i - s c_i| <= s / 2`. Gallery rows are stored as `c_i + 128` (u8)
//!   for the VNNI kernel; probes are quantised the same way. The score is
//!   `s_a s_b sum(c_a c_b)`, computed exactly in integers, and for unit vectors `a`, `b`
//!   (`||a||_1 <= sqrt(d)`):
//!   `|a.b - score| <= (sqrt(d) / 2) (s_a + s_b) + d s_a s_b / 4`
//!   (see [`i8_error_bound`]). Since `s <= 1/127` this is at most 0.18 at d = 512 in the
//!   worst case (all mass in one value); typical embeddings have `max|v_i|` near 4/sqrt(d),
//!   giving about 0.03, and the rounding errors are random so the actual error is far smaller
//!   (about 2e-3 RMS on LFW).

use super::params::I8_LEVELS;

/// Rounds values to IEEE half bits.
pub(crate) fn to_f16_bits(values: &[f32], out: &mut Vec<u16>) {
    out.extend(values.iter().map(|v| half::f16::from_f32(*v).to_bits()));
}

/// Symmetric int8 quantisation; returns the scale (`value ~= scale * code`).
pub(crate) fn quantise_i8(values: &[f32], out: &mut Vec<i8>) -> f32 {
    let max = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let scale = if max > 0.0 { max / I8_LEVELS } else { 1.0 };
    out.extend(
        values
            .iter()
            .map(|v| (v / scale).round().clamp(-I8_LEVELS, I8_LEVELS) as i8),
    );
    scale
}

/// Gallery form of int8 codes: `code + 128` as u8 (the VNNI kernels multiply u8 x i8).
pub(crate) fn offset_codes(codes: &[i8], out: &mut Vec<u8>) {
    out.extend(codes.iter().map(|c| (*c as i16 + 128) as u8));
}

/// Worst-case error of an int8 score of two unit vectors of dimension `dim` quantised with
/// scales `scale_a` and `scale_b` (see the module documentation).
pub fn i8_error_bound(scale_a: f32, scale_b: f32, dim: usize) -> f32 {
    let d = dim as f32;
    d.sqrt() / 2.0 * (scale_a + scale_b) + d * scale_a * scale_b / 4.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn unit(rng: &mut ChaCha8Rng, d: usize) -> Vec<f32> {
        let v: Vec<f32> = (0..d).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn int8_scores_stay_within_the_stated_bound() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for d in [128usize, 512, 1000] {
            for _ in 0..200 {
                let (a, mut b) = (unit(&mut rng, d), unit(&mut rng, d));
                // Some pairs highly correlated, some spiky (one dominant value).
                if rng.gen_bool(0.3) {
                    b = a.iter().zip(&b).map(|(x, y)| x + 0.1 * y).collect();
                    let n = b.iter().map(|x| x * x).sum::<f32>().sqrt();
                    b.iter_mut().for_each(|x| *x /= n);
                }
                let exact: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
                let (mut ca, mut cb) = (vec![], vec![]);
                let sa = quantise_i8(&a, &mut ca);
                let sb = quantise_i8(&b, &mut cb);
                let dot: i64 = ca.iter().zip(&cb).map(|(x, y)| *x as i64 * *y as i64).sum();
                let score = dot as f64 * sa as f64 * sb as f64;
                let bound = i8_error_bound(sa, sb, d) as f64;
                assert!(
                    (score - exact).abs() <= bound,
                    "d={d} err={} bound={bound}",
                    (score - exact).abs()
                );
            }
        }
    }

    #[test]
    fn int8_codes_use_the_full_range_and_round_trip() {
        let v = [0.5f32, -0.25, 0.0, 0.125];
        let mut c = vec![];
        let s = quantise_i8(&v, &mut c);
        assert_eq!(c, vec![127, -64, 0, 32]);
        assert!((s - 0.5 / 127.0).abs() < 1e-9);
        let mut u = vec![];
        offset_codes(&c, &mut u);
        assert_eq!(u, vec![255, 64, 128, 160]);
    }

    #[test]
    fn f16_error_is_within_half_ulp() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let v = unit(&mut rng, 512);
        let mut h = vec![];
        to_f16_bits(&v, &mut h);
        for (x, b) in v.iter().zip(&h) {
            let y = half::f16::from_bits(*b).to_f32();
            assert!((x - y).abs() <= x.abs() * 2f32.powi(-11) + 2f32.powi(-25));
        }
    }
}
