//! The real sample files under `datasets/formats/` (see the format reference note, §12):
//! every file reads leniently, the non-conforming ones are rejected in strict mode with
//! their specific reason, and the truncated ones give errors.

mod common;

use std::path::{Path, PathBuf};

use biomatch::finger::formats::{self, Format, FormatError, Mode, ReadOptions};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn is_template(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy();
    !(name.ends_with(".json") || name.ends_with(".txt"))
}

fn lenient() -> ReadOptions {
    ReadOptions::default()
}

fn strict() -> ReadOptions {
    ReadOptions {
        mode: Mode::Strict,
        ..ReadOptions::default()
    }
}

#[test]
fn every_sample_reads_leniently() {
    let Some(root) = common::dataset("formats") else {
        return;
    };
    let mut n = 0;
    for p in files(&root) {
        let rel = p.strip_prefix(&root).unwrap().to_string_lossy().to_string();
        if rel.starts_with("truncated") || rel.starts_with("wsq") || !is_template(&p) {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        let d = formats::read(&bytes, &lenient()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let counts: Vec<usize> = d.template.views.iter().map(|v| v.minutiae.len()).collect();
        eprintln!(
            "{rel}: {} v{} views {counts:?} warnings {}",
            d.format,
            d.version,
            d.warnings.len()
        );
        for w in &d.warnings {
            eprintln!("    warning: {w}");
        }
        n += 1;
    }
    assert!(n >= 30, "only {n} sample files found");
}
