//! Extraction time per image, one thread, over a sample of the FVC 2002/2004 B sets
//! (impressions 1 and 5 of every finger of every database). Skips when they are absent.
//!
//! `cargo bench -p biomatch --bench extract`

use std::path::PathBuf;

use biomatch::finger::extract::{ExtractParams, extract};
use biomatch::finger::image::Raster;
use criterion::{Criterion, criterion_group, criterion_main};

const DATABASES: [(&str, f32); 8] = [
    ("fvc2002/DB1_B", 500.0),
    ("fvc2002/DB2_B", 569.0),
    ("fvc2002/DB3_B", 500.0),
    ("fvc2002/DB4_B", 500.0),
    ("fvc2004/DB1_B", 500.0),
    ("fvc2004/DB2_B", 500.0),
    ("fvc2004/DB3_B", 512.0),
    ("fvc2004/DB4_B", 500.0),
];

fn datasets() -> PathBuf {
    match std::env::var_os("BIOMATCH_DATASETS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

fn bench_extract(c: &mut Criterion) {
    let params = ExtractParams::default();
    let mut group = c.benchmark_group("extract");
    group.sample_size(20);
    for (db, ppi) in DATABASES {
        let dir = datasets().join(db);
        if !dir.exists() {
            eprintln!(
                "SKIPPED: dataset {} not found (set BIOMATCH_DATASETS)",
                dir.display()
            );
            continue;
        }
        let images: Vec<Raster> = (101..=110)
            .flat_map(|f| [1, 5].map(move |i| (f, i)))
            .map(|(f, i)| {
                let img = image::open(dir.join(format!("{f}_{i}.tif")))
                    .expect("decodable TIFF")
                    .to_luma8();
                Raster {
                    width: img.width() as usize,
                    height: img.height() as usize,
                    ppi,
                    pixels: img.into_raw(),
                }
            })
            .collect();
        // One iteration extracts one image, cycling through the sample.
        let mut next = 0;
        group.bench_function(db.replace('/', "_"), |b| {
            b.iter(|| {
                let view = extract(&images[next % images.len()], &params).expect("extracts");
                next += 1;
                view
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_extract);
criterion_main!(benches);
