//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod crafted;

/// The datasets folder: `BIOMATCH_DATASETS`, else `../shared/datasets` beside the workspace.
pub fn datasets() -> PathBuf {
    match std::env::var_os("BIOMATCH_DATASETS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

/// True when `BIOMATCH_DATASETS` is set (as in CI): every dataset a test names must then be
/// present, and a missing one fails the test instead of skipping it.
pub fn datasets_required() -> bool {
    std::env::var_os("BIOMATCH_DATASETS").is_some()
}

/// The dataset folder or file `rel`. When it is missing: a failure (panic) if
/// `BIOMATCH_DATASETS` is set, else `None` after printing why the test is skipped.
pub fn dataset(rel: &str) -> Option<PathBuf> {
    let p = datasets().join(rel);
    if p.exists() {
        Some(p)
    } else if datasets_required() {
        panic!(
            "dataset {} not found, and BIOMATCH_DATASETS is set: a missing dataset is a \
             failure (unset BIOMATCH_DATASETS to skip dataset tests)",
            p.display()
        );
    } else {
        eprintln!(
            "SKIPPED: dataset {} not found (the default ../shared/datasets is absent; set \
             BIOMATCH_DATASETS to run, and require, the dataset tests)",
            p.display()
        );
        None
    }
}

/// A deterministic pseudo-random face template (model tag "m") of dimension `dim` per seed.
/// A synthetic finger view of 30 minutiae at `position`, a fixed function of `seed` (for
/// gallery behaviour tests: equal seeds give identical views, different ones unrelated views).
pub fn synthetic_finger(
    seed: u64,
    position: biomatch::finger::FingerPosition,
) -> biomatch::finger::FingerView {
    use biomatch::finger::{FingerView, Minutia, MinutiaKind, MinutiaQuality, Resolution};
    let mut v = FingerView::new(300, 400, Resolution::PPI_500);
    v.finger_position = position;
    for k in 0..30u64 {
        let h = (seed * 31 + k).wrapping_mul(0x2545_F491_4F6C_DD1D);
        v.minutiae.push(Minutia {
            x: 40.0 + (h % 220) as f32,
            y: 40.0 + ((h >> 16) % 320) as f32,
            angle: ((h >> 32) % 360) as f32,
            kind: MinutiaKind::RidgeEnding,
            quality: MinutiaQuality::Score(50),
        });
    }
    v
}

pub fn random_face(seed: u64, dim: usize) -> biomatch::face::FaceTemplate {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let v: Vec<f32> = (0..dim)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    biomatch::face::FaceTemplate::new("m", &v).expect("a random vector is a valid template")
}
