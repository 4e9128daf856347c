//! The SIMD verification kernel against the scalar reference, at run lengths around the
//! vector width, and whole comparisons with either kernel.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::super::index::{EdgeMatch, LEN_SCALE, Tolerances};
use super::super::params::MatcherParams;
use super::super::prepare::Edge;
use super::super::{Matcher, geometry};
use super::{Kernel, OUT_PADDING, SlotColumns, scalar};
use crate::finger::formats::{ReadOptions, read};

/// A candidate edge with random features.
fn random_edge(rng: &mut ChaCha8Rng) -> Edge {
    let len = rng.gen_range(8.0f32..260.0);
    Edge {
        a: rng.r#gen(),
        b: rng.r#gen(),
        alpha_a: rng.r#gen(),
        alpha_b: rng.r#gen(),
        phi: rng.r#gen(),
        len,
        y2: len * len * rng.gen_range(0.0f32..=1.0),
        bucket: 0,
    }
}

/// Slots near `ce`: each feature is either close to the candidate's (within about twice the
/// tolerance, so every test both passes and fails often) or random, including the exact
/// tolerance borders and the half-turn wrap.
fn random_slots(rng: &mut ChaCha8Rng, ce: &Edge, tol: &Tolerances, n: usize) -> SlotColumns {
    let mut slots = SlotColumns::with_capacity(n);
    let near_angle = |rng: &mut ChaCha8Rng, centre: u16| -> u16 {
        match rng.gen_range(0..6) {
            0 => centre.wrapping_add(tol.angle),
            1 => centre.wrapping_sub(tol.angle).wrapping_sub(1),
            2 => centre.wrapping_add(0x8000),
            3 => rng.r#gen(),
            _ => {
                let spread = 2 * tol.angle as i32;
                centre.wrapping_add(rng.gen_range(-spread..=spread) as u16)
            }
        }
    };
    for _ in 0..n {
        let alpha_a = near_angle(rng, ce.alpha_a);
        let alpha_b = near_angle(rng, ce.alpha_b);
        let len = match rng.gen_range(0..4) {
            0 => rng.gen_range(0.0f32..300.0),
            _ => ce.len * rng.gen_range(0.6f32..1.4),
        };
        let phi = near_angle(rng, ce.phi);
        let ends = u32::from(rng.r#gen::<u8>()) | u32::from(rng.r#gen::<u8>()) << 8;
        slots.push(
            alpha_a,
            alpha_b,
            (len * LEN_SCALE).round() as u16,
            ends | u32::from(phi) << 16,
            len * len * rng.gen_range(0.0f32..=1.0),
        );
    }
    slots.pad();
    slots
}

/// Runs `verify` on slots `from..to` with an output pre-filled with junk; returns the matches.
fn run(
    verify: impl Fn(&SlotColumns, usize, usize, &Edge, &Tolerances, &mut [EdgeMatch], usize) -> usize,
    slots: &SlotColumns,
    from: usize,
    to: usize,
    ce: &Edge,
    tol: &Tolerances,
) -> Vec<EdgeMatch> {
    let junk = EdgeMatch {
        p: [7, 7],
        c: [7, 7],
        rot: 7,
        err: 7,
    };
    // Three matches already in the output: the kernels must append after them.
    let mut out = vec![junk; 3 + (to - from) + OUT_PADDING];
    let n = verify(slots, from, to, ce, tol, &mut out, 3);
    assert!(n >= 3 && n <= 3 + (to - from));
    assert!(out[..3].iter().all(|m| *m == junk), "kernel wrote before n");
    out[3..n].to_vec()
}

/// Parameter sets: the defaults, no anisotropy allowance, and a wide one.
fn tolerance_sets() -> Vec<Tolerances> {
    let wide = MatcherParams {
        anisotropy: 1.0,
        anisotropy_rotation: 90.0,
        angle_tolerance: 40.0,
        ..MatcherParams::default()
    };
    let off = MatcherParams {
        anisotropy: 0.0,
        ..MatcherParams::default()
    };
    [MatcherParams::default(), off, wide]
        .iter()
        .map(Tolerances::new)
        .collect()
}

#[test]
fn scalar_reference_agrees_with_a_direct_reading_of_the_tolerances() {
    // The reference itself, against the tests written out slot by slot.
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let mut agreeing = 0;
    for tol in tolerance_sets() {
        for _ in 0..300 {
            let ce = random_edge(&mut rng);
            let slots = random_slots(&mut rng, &ce, &tol, 12);
            let got = run(scalar::verify_run, &slots, 0, 12, &ce, &tol);
            let mut expected = Vec::new();
            for i in 0..12 {
                let plen = slots.len[i] as f32 / LEN_SCALE;
                let da = geometry::distance(slots.alpha_a[i], ce.alpha_a);
                let db = geometry::distance(slots.alpha_b[i], ce.alpha_b);
                let rot = ce.phi.wrapping_sub((slots.ends[i] >> 16) as u16);
                let dl = (plen - ce.len).abs();
                let plain = tol.length + tol.half_ratio * (plen + ce.len);
                let allowance = (tol.anisotropy * (slots.y2[i] - ce.y2).abs() / (plen + ce.len))
                    .min(tol.quarter_cap * (plen + ce.len));
                let stretch_ok = geometry::distance(rot, 0) <= tol.anisotropy_rotation;
                let length_ok = dl <= plain || (stretch_ok && dl <= plain + allowance);
                if da <= tol.angle && db <= tol.angle && length_ok {
                    expected.push(([slots.ends[i] as u8, (slots.ends[i] >> 8) as u8], rot));
                }
            }
            let got_keys: Vec<_> = got.iter().map(|m| (m.p, m.rot)).collect();
            assert_eq!(got_keys, expected);
            assert!(got.iter().all(|m| m.c == [ce.a, ce.b] && m.err <= 3100));
            agreeing += got.len();
        }
    }
    // The generator must exercise both outcomes.
    assert!(agreeing > 500 && agreeing < 3 * 300 * 12 / 2, "{agreeing}");
}

/// A kernel's run verification, as a plain function of the kernel-independent arguments.
type VerifyRun =
    fn(&SlotColumns, usize, usize, &Edge, &Tolerances, &mut [EdgeMatch], usize) -> usize;

/// The SIMD kernels this CPU runs, with their run verification.
fn simd_kernels() -> Vec<(Kernel, VerifyRun)> {
    #[allow(unused_mut)]
    let mut kernels: Vec<(Kernel, VerifyRun)> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if Kernel::Avx2.is_available() {
            kernels.push((Kernel::Avx2, |s, f, t, e, tl, o, n| {
                // SAFETY: the CPU has avx2 (checked above); the slots are padded and `run`
                // gives the output OUT_PADDING (>= 8) spare matches.
                unsafe { super::avx2::verify_run(s, f, t, e, tl, o, n) }
            }));
        }
        if Kernel::Avx512.is_available() {
            kernels.push((Kernel::Avx512, |s, f, t, e, tl, o, n| {
                // SAFETY: the CPU has avx512f/bw/vl (checked above); `run` gives the output
                // OUT_PADDING (>= 8) spare matches.
                unsafe { super::avx512::verify_run(s, f, t, e, tl, o, n) }
            }));
        }
    }
    kernels
}

#[test]
fn simd_kernels_match_scalar_at_every_run_length_around_the_vector_width() {
    let kernels = simd_kernels();
    if kernels.is_empty() {
        eprintln!("SKIPPED: this CPU runs no SIMD verification kernel");
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    for (kernel, verify) in kernels {
        let mut compared = 0;
        for tol in tolerance_sets() {
            for _ in 0..200 {
                let ce = random_edge(&mut rng);
                let slots = random_slots(&mut rng, &ce, &tol, 40);
                for len in 0..=25 {
                    // Runs up to the very last slot, where only the padding follows.
                    let from = rng.gen_range(0..=40 - len);
                    let scalar = run(scalar::verify_run, &slots, from, from + len, &ce, &tol);
                    let simd = run(verify, &slots, from, from + len, &ce, &tol);
                    assert_eq!(simd, scalar, "{kernel:?}: run {from}..{}", from + len);
                    compared += scalar.len();
                }
            }
        }
        assert!(
            compared > 1000,
            "{kernel:?}: too few agreeing slots: {compared}"
        );
    }
}

#[test]
fn whole_comparisons_score_the_same_with_every_kernel() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/gallery/fingers"
    );
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures/gallery/fingers")
        .map(|e| e.expect("dir entry").path())
        .collect();
    names.sort();
    let views: Vec<_> = names
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).expect("fixture");
            let decoded = read(&bytes, &ReadOptions::default()).expect("fixture decodes");
            decoded.template.first_view().expect("a view").clone()
        })
        .collect();
    assert!(views.len() >= 6);
    let mut scalar = Matcher::default();
    scalar.tolerances.kernel = Kernel::Scalar;
    let prepared: Vec<_> = views.iter().map(|v| scalar.prepare(v)).collect();
    for (kernel, _) in simd_kernels() {
        let mut simd = Matcher::default();
        simd.tolerances.kernel = kernel;
        let (mut s1, mut s2) = (simd.scratch(), scalar.scratch());
        let mut positive = 0;
        for a in &prepared {
            for b in &prepared {
                let x = simd.compare(a, b, &mut s1);
                let y = scalar.compare(a, b, &mut s2);
                assert_eq!(x, y, "{kernel:?}");
                positive += (x.score > 0.0) as usize;
            }
        }
        assert!(positive > views.len(), "fixtures should give real scores");
    }
}
