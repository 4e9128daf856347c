//! The flat face index: exact results against brute force, every precision within its stated
//! error bound, enrol/remove bookkeeping across segments, batches, calibration.

use biomatch::face::{
    BatchProduct, Candidate, FaceError, FaceIndex, FaceTemplate, Isa, Precision, i8_error_bound,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random(rng: &mut ChaCha8Rng, dim: usize) -> FaceTemplate {
    let v: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    FaceTemplate::new("m", &v).unwrap()
}

fn exact(a: &FaceTemplate, b: &FaceTemplate) -> f64 {
    a.values()
        .iter()
        .zip(b.values())
        .map(|(x, y)| *x as f64 * *y as f64)
        .sum()
}

fn i8_scale(t: &FaceTemplate) -> f32 {
    t.values().iter().fold(0.0f32, |m, v| m.max(v.abs())) / 127.0
}

/// Brute-force top-k ids by exact score.
fn brute_top(gallery: &[(u64, FaceTemplate)], probe: &FaceTemplate, k: usize) -> Vec<(u64, f64)> {
    let mut s: Vec<(u64, f64)> = gallery
        .iter()
        .map(|(id, t)| (*id, exact(probe, t)))
        .collect();
    s.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    s.truncate(k);
    s
}

#[test]
fn f32_search_equals_brute_force_over_several_segments() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let dim = 128;
    let gallery: Vec<(u64, FaceTemplate)> = (0..5000u64)
        .map(|i| (i * 3 + 1, random(&mut rng, dim)))
        .collect();
    let index = FaceIndex::new("m", dim, Precision::F32);
    index.enrol_many(&gallery).unwrap();
    assert_eq!(index.len(), 5000);
    for _ in 0..5 {
        let probe = random(&mut rng, dim);
        let got = index.search_top_k(&probe, 10).unwrap();
        let want = brute_top(&gallery, &probe, 10);
        assert_eq!(
            got.iter().map(|c| c.id).collect::<Vec<_>>(),
            want.iter().map(|w| w.0).collect::<Vec<_>>()
        );
        for (c, w) in got.iter().zip(&want) {
            assert!((c.score as f64 - w.1).abs() < 1e-5);
        }
        // Threshold search: exactly the gallery entries at or above the 25th best score.
        let t = brute_top(&gallery, &probe, 25)[24].1 as f32 - 1e-4;
        let above = index.search_threshold(&probe, t).unwrap();
        let want_n = gallery
            .iter()
            .filter(|(_, g)| exact(&probe, g) as f32 >= t)
            .count();
        assert!(
            above.len().abs_diff(want_n) <= 1,
            "{} vs {want_n}",
            above.len()
        );
        assert!(above.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(above.iter().all(|c| c.score >= t));
    }
}

#[test]
fn quantised_scores_are_within_the_documented_bounds() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let dim = 512;
    let gallery: Vec<(u64, FaceTemplate)> =
        (0..300u64).map(|i| (i, random(&mut rng, dim))).collect();
    for precision in [Precision::F16, Precision::I8] {
        let index = FaceIndex::new("m", dim, precision);
        index.enrol_many(&gallery).unwrap();
        let probe = random(&mut rng, dim);
        let all = index.search_top_k(&probe, usize::MAX).unwrap();
        assert_eq!(all.len(), gallery.len());
        for c in &all {
            let g = &gallery[c.id as usize].1;
            let bound = match precision {
                Precision::F16 => 2f64.powi(-11) + dim as f64 * 2f64.powi(-25) + 1e-5,
                _ => i8_error_bound(i8_scale(&probe), i8_scale(g), dim) as f64 + 1e-5,
            };
            let err = (c.score as f64 - exact(&probe, g)).abs();
            assert!(
                err <= bound,
                "{precision:?} id {}: error {err} > bound {bound}",
                c.id
            );
        }
    }
}

#[test]
fn batch_search_equals_single_searches() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for (dim, precision) in [
        (256, Precision::F32),
        (130, Precision::F32),
        (256, Precision::F16),
        (256, Precision::I8),
        (1100, Precision::I8),
    ] {
        let gallery: Vec<(u64, FaceTemplate)> =
            (0..3000u64).map(|i| (i, random(&mut rng, dim))).collect();
        // Reference: the portable kernels, one probe at a time.
        let reference = FaceIndex::new("m", dim, precision)
            .with_isa(Isa::Scalar)
            .unwrap();
        reference.enrol_many(&gallery).unwrap();
        // 7 probes stay row by row; 8, 16, 17 and 37 take the batch product (panels of 16:
        // one full, one partial, several).
        let probes: Vec<FaceTemplate> = (0..37).map(|_| random(&mut rng, dim)).collect();
        let singles: Vec<Vec<Candidate>> = probes
            .iter()
            .map(|p| reference.search_top_k(p, 5).unwrap())
            .collect();
        for isa in Isa::ALL.into_iter().filter(|i| i.is_available()) {
            for product in [BatchProduct::Rows, BatchProduct::Panels, BatchProduct::Gemm] {
                let Some(index) = FaceIndex::new("m", dim, precision)
                    .with_isa(isa)
                    .unwrap()
                    .with_batch_product(product)
                else {
                    continue;
                };
                index.enrol_many(&gallery).unwrap();
                for nq in [7, 8, 16, 17, 37] {
                    let batch = index.search_batch(&probes[..nq], 5).unwrap();
                    for (b, single) in batch.iter().zip(&singles) {
                        let what = format!("{precision:?} dim {dim} {isa:?} {product:?} nq {nq}");
                        assert_eq!(
                            b.iter().map(|c| c.id).collect::<Vec<_>>(),
                            single.iter().map(|c| c.id).collect::<Vec<_>>(),
                            "{what}"
                        );
                        for (x, y) in b.iter().zip(single) {
                            if precision == Precision::I8 {
                                // Exact integer dot products on every path.
                                assert_eq!(x.score, y.score, "{what}");
                            } else {
                                assert!((x.score - y.score).abs() < 1e-5, "{what}");
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn enrol_and_remove_bookkeeping() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let dim = 128;
    let index = FaceIndex::new("m", dim, Precision::I8);
    let templates: Vec<FaceTemplate> = (0..4500).map(|_| random(&mut rng, dim)).collect();
    for (i, t) in templates.iter().enumerate() {
        index.enrol(i as u64, t).unwrap();
    }
    assert_eq!(
        index.enrol(5, &templates[0]),
        Err(FaceError::DuplicateId(5))
    );
    assert_eq!(index.remove(99_999), Err(FaceError::UnknownId(99_999)));
    // Remove every third id: rows move inside their segments, each must stay findable.
    for i in (0..4500u64).step_by(3) {
        index.remove(i).unwrap();
    }
    assert_eq!(index.len(), 3000);
    for i in 0..4500u64 {
        let hit = index.search_top_k(&templates[i as usize], 1).unwrap();
        if i % 3 == 0 {
            assert!(!index.contains(i));
            assert_ne!(hit[0].id, i);
        } else {
            assert_eq!(hit[0].id, i, "id {i} lost after removals");
            assert!(hit[0].score > 0.99);
        }
    }
    // Holes are reused.
    index.enrol(0, &templates[0]).unwrap();
    assert_eq!(index.search_top_k(&templates[0], 1).unwrap()[0].id, 0);
    // enrol_many is all or nothing.
    let batch = vec![(10_000, templates[1].clone()), (1, templates[2].clone())];
    assert_eq!(index.enrol_many(&batch), Err(FaceError::DuplicateId(1)));
    assert!(!index.contains(10_000));
}

#[test]
fn wrong_templates_are_rejected() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let index = FaceIndex::new("m", 128, Precision::F32);
    let other_dim = random(&mut rng, 256);
    assert_eq!(
        index.enrol(1, &other_dim),
        Err(FaceError::WrongDimension {
            expected: 128,
            got: 256
        })
    );
    let other_model = FaceTemplate::new("x", random(&mut rng, 128).values()).unwrap();
    assert!(matches!(
        index.enrol(1, &other_model),
        Err(FaceError::ModelMismatch { .. })
    ));
    assert!(matches!(
        index.search_top_k(&other_model, 3),
        Err(FaceError::ModelMismatch { .. })
    ));
    assert!(
        index
            .search_top_k(&random(&mut rng, 128), 3)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn calibration_gives_thresholds_and_fmrs() {
    let index = FaceIndex::new("m", 128, Precision::F32);
    assert_eq!(index.threshold_for_fmr(0.01), Err(FaceError::NotCalibrated));
    let impostors: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0 - 0.5).collect();
    index.calibrate(&impostors).unwrap();
    let t = index.threshold_for_fmr(0.01).unwrap();
    // At most 10 of 1000 impostors at or above the threshold, and the 11th just below it.
    assert_eq!(impostors.iter().filter(|s| **s >= t).count(), 10);
    assert!((index.fmr_of_score(t).unwrap() - 0.01).abs() < 1e-12);
    assert!(matches!(
        index.calibrate(&[]),
        Err(FaceError::Calibration(_))
    ));
}
