//! Speed of the 1:1 minutiae matcher: one thread, prepared probe against prepared templates,
//! over the impostor pairs of the iso-secugen set (every pair of impressions of different
//! fingers within each FVC database). Skips with a message when the data is absent.

use std::path::{Path, PathBuf};

use biomatch::finger::formats::{ReadOptions, read};
use biomatch::finger::matcher::{Matcher, PreparedFinger};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn datasets() -> PathBuf {
    match std::env::var_os("BIOMATCH_DATASETS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

/// (finger, prepared) for every template of one database folder.
fn load(matcher: &Matcher, dir: &Path) -> Vec<(String, PreparedFinger)> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => return Vec::new(),
    };
    paths.retain(|p| p.extension().is_some_and(|x| x == "iso"));
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let finger = stem.split('_').next().unwrap_or_default().to_string();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(decoded) = read(&bytes, &ReadOptions::default()) else {
            continue;
        };
        if let Some(view) = decoded.template.first_view() {
            out.push((finger, matcher.prepare(view)));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let root = datasets().join("iso-secugen");
    if !root.is_dir() {
        eprintln!(
            "SKIPPED finger_match: {} not found (set BIOMATCH_DATASETS)",
            root.display()
        );
        return;
    }
    let matcher = Matcher::default();
    let mut dbs = Vec::new();
    for year in ["fvc2002", "fvc2004"] {
        for db in ["DB1_B", "DB2_B", "DB3_B", "DB4_B"] {
            dbs.push(load(&matcher, &root.join(year).join(db)));
        }
    }
    let mut pairs: Vec<(&PreparedFinger, &PreparedFinger)> = Vec::new();
    for db in &dbs {
        for i in 0..db.len() {
            for j in i + 1..db.len() {
                if db[i].0 != db[j].0 {
                    pairs.push((&db[i].1, &db[j].1));
                }
            }
        }
    }
    if pairs.is_empty() {
        eprintln!(
            "SKIPPED finger_match: no templates under {}",
            root.display()
        );
        return;
    }
    let mut scratch = matcher.scratch();
    let mut group = c.benchmark_group("finger_match");
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(20));
    group.bench_function("iso_secugen_impostor_pairs", |b| {
        b.iter(|| {
            let mut sum = 0.0f32;
            for (p, q) in &pairs {
                sum += matcher.score(p, q, &mut scratch);
            }
            std::hint::black_box(sum)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
