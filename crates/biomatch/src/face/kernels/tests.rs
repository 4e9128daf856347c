//! Every SIMD kernel against the portable one and against f64 / exact integer arithmetic, at
//! sizes around the vector widths, with random and adversarial values.

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SIZES: [usize; 16] = [
    1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 511, 512, 513,
];

fn simd_kernels() -> Vec<Kernels> {
    let ks: Vec<Kernels> = Isa::ALL
        .iter()
        .filter(|i| **i != Isa::Scalar)
        .filter_map(|i| Kernels::for_isa(*i))
        .collect();
    eprintln!(
        "testing kernels: {:?}",
        ks.iter().map(|k| k.isa()).collect::<Vec<_>>()
    );
    ks
}

#[derive(Clone, Copy, Debug)]
enum Data {
    Uniform,
    Large,
    Denormal,
    Mixed,
}
const DATA: [Data; 4] = [Data::Uniform, Data::Large, Data::Denormal, Data::Mixed];

fn f32_value(rng: &mut ChaCha8Rng, kind: Data) -> f32 {
    match kind {
        Data::Uniform => rng.gen_range(-1.0..1.0),
        // Products up to 1e34, sums of 513 of them stay finite.
        Data::Large => rng.gen_range(-1.0..1.0) * 1e17,
        Data::Denormal => {
            f32::from_bits(rng.gen_range(1..0x0080_0000))
                * if rng.gen_bool(0.5) { 1.0 } else { -1.0 }
        }
        Data::Mixed => match rng.gen_range(0..4) {
            0 => rng.gen_range(-1.0..1.0) * 1e17,
            1 => f32::from_bits(rng.gen_range(1..0x0080_0000)),
            2 => 0.0,
            _ => rng.gen_range(-1.0..1.0),
        },
    }
}

/// f64 exact-ish dot and the f32 error allowance `2 n eps sum|ab| + n * 2^-149`.
fn reference(a: &[f32], b: &[f32]) -> (f64, f64) {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let abs: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 * *y as f64).abs())
        .sum();
    let n = a.len() as f64;
    (
        dot,
        2.0 * n * f32::EPSILON as f64 * abs + n * 2f64.powi(-149) * 4.0,
    )
}

fn check_f32_like(
    name: &str,
    isa: Isa,
    probes: &[f32],
    rows_f32: &[f32],
    dim: usize,
    got: &[f32],
    scalar: &[f32],
) {
    let nq = probes.len() / dim;
    let nr = rows_f32.len() / dim;
    for q in 0..nq {
        for r in 0..nr {
            let (exact, tol) = reference(
                &probes[q * dim..(q + 1) * dim],
                &rows_f32[r * dim..(r + 1) * dim],
            );
            let g = got[q * nr + r] as f64;
            let s = scalar[q * nr + r] as f64;
            assert!(
                (g - exact).abs() <= tol,
                "{name} {isa:?} dim {dim} q{q} r{r}: got {g}, exact {exact}, tol {tol}"
            );
            assert!(
                (g - s).abs() <= 2.0 * tol,
                "{name} {isa:?} dim {dim}: vs scalar {g} {s}"
            );
        }
    }
}

#[test]
fn f32_kernels_match_reference() {
    let scalar = Kernels::scalar();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for k in simd_kernels() {
        for dim in SIZES {
            for kind in DATA {
                for (nq, nr) in [(1, 1), (1, 5), (1, 37), (3, 4), (4, 7), (6, 9)] {
                    let p: Vec<f32> = (0..nq * dim).map(|_| f32_value(&mut rng, kind)).collect();
                    let g: Vec<f32> = (0..nr * dim).map(|_| f32_value(&mut rng, kind)).collect();
                    let mut got = vec![0.0; nq * nr];
                    let mut want = vec![0.0; nq * nr];
                    k.dots_f32(&p, &g, dim, &mut got);
                    scalar.dots_f32(&p, &g, dim, &mut want);
                    check_f32_like("f32", k.isa(), &p, &g, dim, &got, &want);
                }
            }
        }
    }
}

fn f16_bits(rng: &mut ChaCha8Rng, kind: Data) -> u16 {
    let sign = if rng.gen_bool(0.5) { 0x8000 } else { 0 };
    match kind {
        Data::Uniform => half::f16::from_f32(rng.gen_range(-1.0..1.0)).to_bits(),
        // Up to 65504 (largest finite half): exponent field 0x1e.
        Data::Large => sign | (0x1e << 10) | rng.gen_range(0..0x400),
        // Subnormal halves.
        Data::Denormal => sign | rng.gen_range(1..0x400),
        Data::Mixed => match rng.gen_range(0..3) {
            0 => sign | (0x1e << 10) | rng.gen_range(0..0x400),
            1 => sign | rng.gen_range(1..0x400),
            _ => half::f16::from_f32(rng.gen_range(-1.0..1.0)).to_bits(),
        },
    }
}

#[test]
fn f16_kernels_match_reference() {
    let scalar = Kernels::scalar();
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for k in simd_kernels() {
        for dim in SIZES {
            for kind in DATA {
                for (nq, nr) in [(1, 1), (1, 5), (1, 37), (3, 4), (6, 9)] {
                    let p: Vec<f32> = (0..nq * dim)
                        .map(|_| {
                            f32_value(
                                &mut rng,
                                if matches!(kind, Data::Large) {
                                    Data::Uniform
                                } else {
                                    kind
                                },
                            )
                        })
                        .collect();
                    let g: Vec<u16> = (0..nr * dim).map(|_| f16_bits(&mut rng, kind)).collect();
                    let decoded: Vec<f32> = g
                        .iter()
                        .map(|b| half::f16::from_bits(*b).to_f32())
                        .collect();
                    let mut got = vec![0.0; nq * nr];
                    let mut want = vec![0.0; nq * nr];
                    k.dots_f16(&p, &g, dim, &mut got);
                    scalar.dots_f16(&p, &g, dim, &mut want);
                    check_f32_like("f16", k.isa(), &p, &decoded, dim, &got, &want);
                }
            }
        }
    }
}

#[test]
fn i8_kernels_are_exact() {
    let scalar = Kernels::scalar();
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    for k in simd_kernels() {
        for dim in SIZES {
            for extreme in [false, true] {
                for (nq, nr) in [(1, 1), (1, 5), (1, 37), (3, 4), (6, 9)] {
                    // Extremes: every code at +-127, the largest magnitudes the kernels see.
                    let code = |rng: &mut ChaCha8Rng| -> i8 {
                        if extreme {
                            if rng.gen_bool(0.5) { 127 } else { -127 }
                        } else {
                            rng.gen_range(-127..=127)
                        }
                    };
                    let p: Vec<i8> = (0..nq * dim).map(|_| code(&mut rng)).collect();
                    let gc: Vec<i8> = (0..nr * dim).map(|_| code(&mut rng)).collect();
                    let mut g = Vec::new();
                    crate::face::quant::offset_codes(&gc, &mut g);
                    let mut got = vec![0; nq * nr];
                    let mut want = vec![0; nq * nr];
                    k.dots_i8(&p, &g, dim, &mut got);
                    scalar.dots_i8(&p, &g, dim, &mut want);
                    for q in 0..nq {
                        for r in 0..nr {
                            let exact: i32 = (0..dim)
                                .map(|j| p[q * dim + j] as i32 * gc[r * dim + j] as i32)
                                .sum();
                            assert_eq!(want[q * nr + r], exact, "scalar dim {dim}");
                            assert_eq!(got[q * nr + r], exact, "{:?} dim {dim} q{q} r{r}", k.isa());
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn batch_tiling_covers_every_pair() {
    // 101 rows of 512 f32 span three row tiles; 6 probes span two register blocks.
    let scalar = Kernels::scalar();
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let dim = 512;
    let (nq, nr) = (6, 101);
    let p: Vec<f32> = (0..nq * dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let g: Vec<f32> = (0..nr * dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
    for k in simd_kernels().into_iter().chain([scalar]) {
        let mut got = vec![f32::NAN; nq * nr];
        k.dots_f32(&p, &g, dim, &mut got);
        let mut want = vec![0.0; nq * nr];
        scalar.dots_f32(&p, &g, dim, &mut want);
        check_f32_like("tiled", k.isa(), &p, &g, dim, &got, &want);
    }
}

#[test]
fn read_sum_matches_scalar() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    for n in SIZES.iter().copied().chain([0, 1000, 4099]) {
        let w: Vec<u64> = (0..n).map(|_| rng.r#gen()).collect();
        let want = scalar::read_sum(&w);
        for k in simd_kernels() {
            assert_eq!(k.read_sum(&w), want, "{:?} n {n}", k.isa());
        }
    }
}

#[test]
fn the_best_isa_is_available() {
    assert!(best().isa().is_available());
}

/// Kernels that have the batch (panel) kernels, and the portable reference of those.
fn batch_kernels() -> Vec<Kernels> {
    let ks: Vec<Kernels> = simd_kernels()
        .into_iter()
        .filter(|k| k.has_batch())
        .collect();
    eprintln!(
        "testing batch kernels: {:?}",
        ks.iter().map(|k| k.isa()).collect::<Vec<_>>()
    );
    ks
}

/// Probe counts around the panel width (one to five panels: every panel-group size) and
/// row counts that end in every register-block size.
const BATCH_SHAPES: [(usize, usize); 6] = [(1, 1), (15, 6), (16, 7), (17, 9), (33, 4), (70, 5)];

/// Reads `out[r * width + q]` into `[q * nr + r]` (the layout of `reference`).
fn unpanel<T: Copy>(out: &[T], nq: usize, nr: usize, width: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(nq * nr);
    for q in 0..nq {
        for r in 0..nr {
            v.push(out[r * width + q]);
        }
    }
    v
}

#[test]
fn batch_f32_kernels_match_reference() {
    let reference = Kernels::scalar_with_panels();
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for k in batch_kernels() {
        for dim in SIZES {
            for kind in DATA {
                for (nq, nr) in BATCH_SHAPES {
                    let p: Vec<f32> = (0..nq * dim).map(|_| f32_value(&mut rng, kind)).collect();
                    let g: Vec<f32> = (0..nr * dim).map(|_| f32_value(&mut rng, kind)).collect();
                    let packed = PackedF32::new(&p, dim);
                    let width = packed.width();
                    let mut got = vec![f32::NAN; nr * width];
                    let mut want = vec![f32::NAN; nr * width];
                    k.batch_f32(&packed, &g, &mut got);
                    reference.batch_f32(&packed, &g, &mut want);
                    let (got, want) = (unpanel(&got, nq, nr, width), unpanel(&want, nq, nr, width));
                    check_f32_like("batch f32", k.isa(), &p, &g, dim, &got, &want);
                }
            }
        }
    }
}

#[test]
fn batch_f16_kernels_match_reference() {
    let reference = Kernels::scalar_with_panels();
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    for k in batch_kernels() {
        let mut scratch = BatchScratch::default();
        for dim in SIZES {
            for kind in DATA {
                for (nq, nr) in BATCH_SHAPES {
                    let pkind = if matches!(kind, Data::Large) {
                        Data::Uniform
                    } else {
                        kind
                    };
                    let p: Vec<f32> = (0..nq * dim).map(|_| f32_value(&mut rng, pkind)).collect();
                    let g: Vec<u16> = (0..nr * dim).map(|_| f16_bits(&mut rng, kind)).collect();
                    let decoded: Vec<f32> = g
                        .iter()
                        .map(|b| half::f16::from_bits(*b).to_f32())
                        .collect();
                    let packed = PackedF32::new(&p, dim);
                    let width = packed.width();
                    let mut got = vec![f32::NAN; nr * width];
                    let mut want = vec![f32::NAN; nr * width];
                    k.batch_f16(&packed, &g, &mut scratch, &mut got);
                    reference.batch_f16(&packed, &g, &mut scratch, &mut want);
                    let (got, want) = (unpanel(&got, nq, nr, width), unpanel(&want, nq, nr, width));
                    check_f32_like("batch f16", k.isa(), &p, &decoded, dim, &got, &want);
                }
            }
        }
    }
}

#[test]
fn batch_i8_kernels_are_exact() {
    let reference = Kernels::scalar_with_panels();
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    for k in batch_kernels().into_iter().chain([reference]) {
        let mut scratch = BatchScratch::default();
        for dim in SIZES {
            for extreme in [false, true] {
                for (nq, nr) in BATCH_SHAPES {
                    let code = |rng: &mut ChaCha8Rng| -> i8 {
                        if extreme {
                            if rng.gen_bool(0.5) { 127 } else { -127 }
                        } else {
                            rng.gen_range(-127..=127)
                        }
                    };
                    let p: Vec<i8> = (0..nq * dim).map(|_| code(&mut rng)).collect();
                    let gc: Vec<i8> = (0..nr * dim).map(|_| code(&mut rng)).collect();
                    let mut g = Vec::new();
                    crate::face::quant::offset_codes(&gc, &mut g);
                    let packed = PackedI8::new(&p, dim);
                    let width = packed.width();
                    let mut got = vec![i32::MIN; nr * width];
                    k.batch_i8(&packed, &g, &mut scratch, &mut got);
                    for q in 0..nq {
                        for r in 0..nr {
                            let exact: i32 = (0..dim)
                                .map(|j| p[q * dim + j] as i32 * gc[r * dim + j] as i32)
                                .sum();
                            assert_eq!(
                                got[r * width + q],
                                exact,
                                "{:?} dim {dim} nq {nq} q{q} r{r}",
                                k.isa()
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn f16_widening_is_exact_for_every_bit_pattern() {
    let all: Vec<u16> = (0..=u16::MAX).collect();
    let mut families = simd_kernels();
    families.push(Kernels::scalar());
    for k in families {
        // Every pattern but the last three (a length that is not a multiple of the vector
        // width: the tail loop is covered too), then short lengths around the widths.
        for len in [all.len() - 3, 0, 1, 7, 8, 9, 15, 16, 17, 31, 33] {
            let mut widened = vec![f32::NAN; len];
            // Short runs start just below 1.0 (0x3c00): normal values of both signs' neighbours.
            let src = if len > 1000 {
                &all[..]
            } else {
                &all[0x3c00 - len / 2..]
            };
            k.widen_f16(src, &mut widened);
            for (b, w) in src.iter().zip(&widened) {
                let want = half::f16::from_bits(*b).to_f32();
                assert!(
                    (w.is_nan() && want.is_nan()) || w.to_bits() == want.to_bits(),
                    "{:?} len {len} bits {b:#06x}: {w} vs {want}",
                    k.isa()
                );
            }
        }
    }
}

#[test]
fn i8_score_scaling_matches_reference() {
    let reference = Kernels::scalar_with_panels();
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    for k in batch_kernels() {
        for (width, nr) in [(16, 1), (32, 7), (112, 9)] {
            // Integer dot products up to the largest int8 magnitudes, scales 1/127 and tiny.
            let ints: Vec<i32> = (0..width * nr)
                .map(|_| rng.gen_range(-127 * 127 * 4096..=127 * 127 * 4096))
                .collect();
            let scale = |rng: &mut ChaCha8Rng| -> f32 {
                if rng.gen_bool(0.2) {
                    f32::from_bits(rng.gen_range(1..0x0080_0000))
                } else {
                    rng.gen_range(0.0..1.0 / 127.0)
                }
            };
            let rows: Vec<f32> = (0..nr).map(|_| scale(&mut rng)).collect();
            let probes: Vec<f32> = (0..width).map(|_| scale(&mut rng)).collect();
            let mut got = vec![f32::NAN; width * nr];
            let mut want = vec![f32::NAN; width * nr];
            k.scale_i8(&ints, width, &rows, &probes, &mut got);
            reference.scale_i8(&ints, width, &rows, &probes, &mut want);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(
                    g.to_bits(),
                    w.to_bits(),
                    "{:?} width {width} slot {i}",
                    k.isa()
                );
            }
        }
    }
}

#[test]
fn admission_scan_matches_reference() {
    let reference = Kernels::scalar_with_panels();
    let mut rng = ChaCha8Rng::seed_from_u64(25);
    for k in batch_kernels() {
        for (width, rows) in [(16, 1), (32, 40), (112, 65)] {
            // Few admitted rows: high floors, some -inf (always admit) and +inf (never) lanes,
            // scores equal to a floor in some rows (the comparison is >=).
            let mut floors: Vec<f32> = (0..width).map(|_| rng.gen_range(0.9..1.0)).collect();
            floors[width - 1] = f32::INFINITY;
            let mut scores: Vec<f32> = (0..width * rows)
                .map(|_| rng.gen_range(-1.0..0.95))
                .collect();
            for r in (0..rows).step_by(7) {
                let q = rng.gen_range(0..width - 1);
                scores[r * width + q] = floors[q];
            }
            for never_admit in [false, true] {
                if never_admit {
                    floors.iter_mut().for_each(|f| *f = f32::INFINITY);
                }
                for from in 0..=rows {
                    assert_eq!(
                        k.next_admitted(&scores, width, &floors, from),
                        reference.next_admitted(&scores, width, &floors, from),
                        "{:?} width {width} from {from}",
                        k.isa()
                    );
                }
            }
            floors[0] = f32::NEG_INFINITY;
            assert_eq!(k.next_admitted(&scores, width, &floors, 0), Some(0));
        }
    }
}
