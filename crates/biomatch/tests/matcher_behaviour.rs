//! Behaviour of the minutiae matcher beyond accuracy: degenerate input, determinism,
//! symmetry, invariance to rotation, translation and resolution, scratch reuse.

mod common;

use biomatch::finger::formats::{ReadOptions, read};
use biomatch::finger::matcher::{Matcher, MatcherParams};
use biomatch::finger::{FingerView, Minutia, MinutiaKind, MinutiaQuality, Resolution};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn minutia(x: f32, y: f32, angle: f32) -> Minutia {
    Minutia {
        x,
        y,
        angle,
        kind: MinutiaKind::RidgeEnding,
        quality: MinutiaQuality::Unknown,
    }
}

/// A plausible random view: `n` minutiae at least 10 px apart in a 300 x 400 frame.
fn random_view(seed: u64, n: usize) -> FingerView {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut view = FingerView::new(300, 400, Resolution::PPI_500);
    while view.minutiae.len() < n {
        let (x, y) = (rng.gen_range(20.0..280.0), rng.gen_range(20.0..380.0));
        if view
            .minutiae
            .iter()
            .all(|m: &Minutia| (m.x - x).hypot(m.y - y) >= 10.0)
        {
            view.minutiae
                .push(minutia(x, y, rng.gen_range(0.0f32..360.0)));
        }
    }
    view
}

/// `view` rotated by `deg` (counter-clockwise on screen) about (150, 200), then shifted.
fn rotated(view: &FingerView, deg: f32, dx: f32, dy: f32) -> FingerView {
    let (s, c) = deg.to_radians().sin_cos();
    let mut out = view.clone();
    for m in &mut out.minutiae {
        // Counter-clockwise on screen with y down is clockwise in (x, y) maths terms.
        let (u, v) = (m.x - 150.0, m.y - 200.0);
        m.x = 150.0 + c * u + s * v + dx;
        m.y = 200.0 - s * u + c * v + dy;
        m.angle = (m.angle + deg).rem_euclid(360.0);
    }
    out
}

/// The first real template of FVC2002 DB1 and a second impression of the same finger, when
/// the data is there.
fn real_views() -> Option<(FingerView, FingerView)> {
    let root = common::dataset("iso-secugen")?;
    let load = |name: &str| {
        let bytes = std::fs::read(root.join("fvc2002/DB1_B").join(name)).unwrap();
        let t = read(&bytes, &ReadOptions::default()).unwrap().template;
        t.first_view().unwrap().clone()
    };
    Some((load("101_1.iso"), load("101_2.iso")))
}

#[test]
fn degenerate_views_score_zero_without_panicking() {
    let matcher = Matcher::default();
    let normal = random_view(1, 40);
    let mut degenerate = Vec::new();
    for n in 0..3 {
        degenerate.push(random_view(2, n));
    }
    let mut one_point = FingerView::new(300, 400, Resolution::PPI_500);
    one_point.minutiae = vec![minutia(100.0, 100.0, 45.0); 40];
    degenerate.push(one_point);
    let mut non_finite = random_view(3, 3);
    non_finite.minutiae[0].x = f32::NAN;
    non_finite.minutiae[1].y = f32::INFINITY;
    non_finite.minutiae[2].angle = f32::NAN;
    degenerate.push(non_finite);
    let mut zero_resolution = random_view(4, 2);
    zero_resolution.resolution = Resolution {
        x_ppcm: 0,
        y_ppcm: 0,
    };
    degenerate.push(zero_resolution);
    let mut scratch = matcher.scratch();
    let n = matcher.prepare(&normal);
    for view in &degenerate {
        let d = matcher.prepare(view);
        for s in [
            matcher.score(&d, &n, &mut scratch),
            matcher.score(&n, &d, &mut scratch),
            matcher.score(&d, &d, &mut scratch),
        ] {
            assert_eq!(s, 0.0, "{} minutiae", view.minutiae.len());
        }
    }
    assert_eq!(matcher.prepare(&degenerate[4]).minutiae_count(), 0);
}

#[test]
fn coordinates_outside_the_image_are_matched_like_any_others() {
    let matcher = Matcher::default();
    let view = random_view(5, 40);
    // Everything moved far outside the 300 x 400 frame (and to negative coordinates).
    let far = rotated(&view, 0.0, -2000.0, 5000.0);
    let (a, b) = (matcher.prepare(&view), matcher.prepare(&far));
    let mut scratch = matcher.scratch();
    let s = matcher.score(&a, &b, &mut scratch);
    let own = matcher.score(&a, &a, &mut scratch);
    assert!((s - own).abs() < 1e-3, "moved {s} vs self {own}");
    // Absurd coordinates are dropped, not overflowed.
    let mut huge = view.clone();
    huge.minutiae[0].x = 1e30;
    let h = matcher.prepare(&huge);
    assert_eq!(h.minutiae_count(), 39);
    assert!(matcher.score(&a, &h, &mut scratch) > 0.5);
}

#[test]
fn scores_are_deterministic_and_in_range() {
    let matcher = Matcher::default();
    let views: Vec<_> = (10..16)
        .map(|s| matcher.prepare(&random_view(s, 45)))
        .collect();
    let mut reused = matcher.scratch();
    for a in &views {
        for b in &views {
            let first = matcher.score(a, b, &mut reused);
            let fresh = matcher.score(a, b, &mut matcher.scratch());
            assert_eq!(first.to_bits(), fresh.to_bits());
            assert!((0.0..1.0).contains(&first));
        }
    }
    // Preparing twice gives the same result too.
    let again = matcher.prepare(&random_view(10, 45));
    assert_eq!(
        matcher.score(&again, &views[1], &mut reused),
        matcher.score(&views[0], &views[1], &mut reused)
    );
}

#[test]
fn unrelated_random_views_score_low_and_a_view_matches_itself() {
    let matcher = Matcher::default();
    let mut scratch = matcher.scratch();
    let views: Vec<_> = (20..30)
        .map(|s| matcher.prepare(&random_view(s, 40)))
        .collect();
    for (i, a) in views.iter().enumerate() {
        assert!(matcher.score(a, a, &mut scratch) > 0.6);
        for b in &views[i + 1..] {
            let s = matcher.score(a, b, &mut scratch);
            assert!(s < 0.25, "unrelated views scored {s}");
        }
    }
}

#[test]
fn rotation_translation_and_resolution_leave_the_score_high() {
    let matcher = Matcher::default();
    let mut scratch = matcher.scratch();
    let (base, _) = real_views().unwrap_or_else(|| (random_view(40, 40), random_view(41, 40)));
    let a = matcher.prepare(&base);
    let own = matcher.score(&a, &a, &mut scratch);
    for (deg, dx, dy) in [(30.0, 40.0, -25.0), (-75.0, -60.0, 10.0), (180.0, 0.0, 0.0)] {
        let b = matcher.prepare(&rotated(&base, deg, dx, dy));
        let s = matcher.score(&a, &b, &mut scratch);
        // Rotation moves positions and angles by sub-unit rounding only.
        assert!(s > 0.9 * own, "rotated {deg}: {s} vs self {own}");
    }
    // The same minutiae stated at 1000 ppi (coordinates doubled) are the same finger.
    let mut fine = base.clone();
    fine.resolution = Resolution {
        x_ppcm: 394,
        y_ppcm: 394,
    };
    for m in &mut fine.minutiae {
        m.x *= 2.0;
        m.y *= 2.0;
    }
    let s = matcher.score(&a, &matcher.prepare(&fine), &mut scratch);
    assert!(s > 0.9 * own, "1000 ppi copy: {s} vs self {own}");
    // Not read at its stated resolution, the copy is a different finger.
    fine.resolution = Resolution::PPI_500;
    let s = matcher.score(&a, &matcher.prepare(&fine), &mut scratch);
    assert!(s < 0.5 * own, "mis-scaled copy: {s} vs self {own}");
}

#[test]
fn missing_and_spurious_minutiae_and_jitter_are_tolerated() {
    let matcher = Matcher::default();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let base = random_view(50, 45);
    let mut noisy = rotated(&base, 12.0, 15.0, -8.0);
    // Drop every fourth minutia, jitter the rest, add spurious ones.
    noisy.minutiae = noisy
        .minutiae
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 != 0)
        .map(|(_, m)| {
            let mut m = *m;
            m.x += rng.gen_range(-3.0..3.0);
            m.y += rng.gen_range(-3.0..3.0);
            m.angle = (m.angle + rng.gen_range(-8.0..8.0)).rem_euclid(360.0);
            m
        })
        .collect();
    for _ in 0..8 {
        let (x, y) = (rng.gen_range(20.0..280.0), rng.gen_range(20.0..380.0));
        noisy
            .minutiae
            .push(minutia(x, y, rng.gen_range(0.0..360.0)));
    }
    let (a, b) = (matcher.prepare(&base), matcher.prepare(&noisy));
    let mut scratch = matcher.scratch();
    let s = matcher.score(&a, &b, &mut scratch);
    let impostor = matcher.score(&a, &matcher.prepare(&random_view(51, 45)), &mut scratch);
    assert!(
        s > 0.3 && s > 3.0 * impostor,
        "noisy copy {s}, impostor {impostor}"
    );
}

#[test]
fn score_is_nearly_symmetric() {
    let matcher = Matcher::default();
    let mut scratch = matcher.scratch();
    let mut views: Vec<FingerView> = (60..66).map(|s| random_view(s, 40)).collect();
    views.push(rotated(&views[0], 20.0, 5.0, 5.0));
    if let Some((a, b)) = real_views() {
        views.push(a);
        views.push(b);
    }
    let prepared: Vec<_> = views.iter().map(|v| matcher.prepare(v)).collect();
    for a in &prepared {
        for b in &prepared {
            let (ab, ba) = (
                matcher.score(a, b, &mut scratch),
                matcher.score(b, a, &mut scratch),
            );
            assert!((ab - ba).abs() <= 0.1 * ab.max(ba) + 0.02, "{ab} vs {ba}");
        }
    }
}

#[test]
fn scratch_stops_growing_after_warm_up() {
    let matcher = Matcher::default();
    let views: Vec<_> = (70..78)
        .map(|s| matcher.prepare(&random_view(s, 60)))
        .collect();
    let mut scratch = matcher.scratch();
    let run = |scratch: &mut _| {
        for a in &views {
            for b in &views {
                matcher.score(a, b, scratch);
            }
        }
    };
    run(&mut scratch);
    let warmed = scratch.capacity_bytes();
    assert!(warmed > 0);
    run(&mut scratch);
    run(&mut scratch);
    assert_eq!(scratch.capacity_bytes(), warmed);
}

#[test]
fn parameters_are_respected() {
    // With no neighbours there are no edges, so nothing can match.
    let matcher = Matcher::new(MatcherParams {
        neighbours: 0,
        ..MatcherParams::default()
    });
    let v = matcher.prepare(&random_view(80, 40));
    assert_eq!(v.edge_count(), 0);
    assert_eq!(matcher.score(&v, &v, &mut matcher.scratch()), 0.0);
    let default = Matcher::default();
    assert!(default.prepare(&random_view(80, 40)).edge_count() > 40);
}

#[test]
fn extreme_parameters_neither_panic_nor_allocate_wildly() {
    let params = MatcherParams {
        neighbours: 1000,
        max_edge_length: 1e9,
        index_length_bin: 1e-6,
        angle_tolerance: f32::NAN,
        length_tolerance: -5.0,
        max_minutiae: 100_000,
        ..MatcherParams::default()
    };
    let matcher = Matcher::new(params);
    let big = random_view(90, 200);
    let a = matcher.prepare(&big);
    let s = matcher.score(&a, &a, &mut matcher.scratch());
    assert!(s.is_finite() && (0.0..1.0).contains(&s));
}

#[test]
fn compact_candidate_scores_exactly_like_the_full_prepared_form() {
    let matcher = Matcher::default();
    let mut scratch = matcher.scratch();
    let mut genuine_nonzero = 0;
    for seed in 30..40 {
        let view = random_view(seed, 40);
        let others = [
            rotated(&view, 25.0, 30.0, -20.0),
            random_view(seed + 100, 40),
            view.clone(),
        ];
        let probe = matcher.prepare(&view);
        for other in &others {
            let full = matcher.prepare(other);
            let compact = matcher.prepare_candidate(other);
            let derived = matcher.candidate_of(&full);
            let expected = matcher.score(&probe, &full, &mut scratch);
            assert_eq!(
                matcher
                    .score_candidate(&probe, &compact, &mut scratch)
                    .to_bits(),
                expected.to_bits()
            );
            assert_eq!(
                matcher
                    .score_candidate(&probe, &derived, &mut scratch)
                    .to_bits(),
                expected.to_bits()
            );
            assert_eq!(compact.minutiae_count(), full.minutiae_count());
            genuine_nonzero += usize::from(std::ptr::eq(other, &others[0]) && expected > 0.2);
        }
    }
    // The comparison above is only meaningful if the genuine pairs really matched.
    assert_eq!(genuine_nonzero, 10);
}
