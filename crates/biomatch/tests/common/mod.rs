//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The datasets folder: `BIOMATCH_DATASETS`, else `../shared/datasets` beside the workspace.
pub fn datasets() -> PathBuf {
    match std::env::var_os("BIOMATCH_DATASETS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

/// The datasets sub-folder `rel`, or `None` after printing why the test is skipped.
pub fn dataset(rel: &str) -> Option<PathBuf> {
    let p = datasets().join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: dataset {} not found (set BIOMATCH_DATASETS)",
            p.display()
        );
        None
    }
}
