//! Face 1:N search over 100,000 x 512 random unit vectors: one probe (memory-bound) and a
//! batch of 100 probes (blocked kernels, compute-bound), per storage precision. Throughput is
//! in gallery rows scored per second (rows x probes for the batch). The full-size comparison
//! with the memory-bandwidth bound is `biomatch bench face --n 1000000 [--batch 100]`.
//! `face_batch_products_100k` times the f32 batch with every kernel family this CPU runs and
//! every batch product it has (rows, panels, faer products).

use biomatch::face::{BatchProduct, FaceIndex, FaceTemplate, Isa, Precision};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const DIM: usize = 512;
const N: usize = 100_000;

fn template(i: u64) -> FaceTemplate {
    let mut s = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let v: Vec<f32> = (0..DIM)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % 20001) as f32 / 10000.0 - 1.0
        })
        .collect();
    FaceTemplate::new("bench", &v).unwrap()
}

fn search(c: &mut Criterion) {
    let gallery: Vec<(u64, FaceTemplate)> = (0..N as u64).map(|i| (i, template(i))).collect();
    let probes: Vec<FaceTemplate> = (0..100).map(|i| template(1 << 40 | i)).collect();
    let mut g = c.benchmark_group("face_search_100k");
    g.sample_size(10);
    for precision in [Precision::F32, Precision::F16, Precision::I8] {
        let index = FaceIndex::new("bench", DIM, precision);
        index.enrol_many(&gallery).unwrap();
        g.throughput(Throughput::Elements(N as u64));
        g.bench_function(BenchmarkId::new("top10_single", precision.name()), |b| {
            b.iter(|| index.search_top_k(&probes[0], 10).unwrap())
        });
        g.throughput(Throughput::Elements((N * probes.len()) as u64));
        g.bench_function(BenchmarkId::new("top10_batch100", precision.name()), |b| {
            b.iter(|| index.search_batch(&probes, 10).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("face_batch_products_100k");
    g.sample_size(10);
    g.throughput(Throughput::Elements((N * probes.len()) as u64));
    for isa in Isa::ALL.into_iter().filter(|i| i.is_available()) {
        for product in [BatchProduct::Rows, BatchProduct::Panels, BatchProduct::Gemm] {
            let Some(index) = FaceIndex::new("bench", DIM, Precision::F32)
                .with_isa(isa)
                .and_then(|i| i.with_batch_product(product))
            else {
                continue;
            };
            index.enrol_many(&gallery).unwrap();
            let name = format!("{}_{}", isa.name(), product.name());
            g.bench_function(BenchmarkId::new("f32_top10_batch100", name), |b| {
                b.iter(|| index.search_batch(&probes, 10).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
