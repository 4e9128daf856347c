//! Face dot-product kernels per precision and instruction-set family: one probe against a
//! block of 2048 rows of 512 values (cache-resident), and a 16-probe batch.

use biomatch::face::{Isa, dots_f16, dots_f32, dots_i8};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const DIM: usize = 512;
const ROWS: usize = 2048;

fn values(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

fn kernels(c: &mut Criterion) {
    let rows = values(ROWS * DIM, 1);
    let rows16: Vec<u16> = rows
        .iter()
        .map(|v| half::f16::from_f32(*v).to_bits())
        .collect();
    let rows8: Vec<u8> = rows
        .iter()
        .map(|v| (v * 127.0).round() as i16 as u8 ^ 0x80)
        .collect();
    for nq in [1usize, 16] {
        let probes = values(nq * DIM, 7);
        let probes8: Vec<i8> = probes.iter().map(|v| (v * 127.0).round() as i8).collect();
        let mut g = c.benchmark_group(format!("face_dots_{nq}probe"));
        g.throughput(Throughput::Elements((nq * ROWS) as u64));
        for isa in Isa::ALL.into_iter().filter(|i| i.is_available()) {
            let mut out = vec![0.0f32; nq * ROWS];
            let mut outi = vec![0i32; nq * ROWS];
            g.bench_function(BenchmarkId::new("f32", isa.name()), |b| {
                b.iter(|| dots_f32(isa, &probes, &rows, DIM, &mut out).unwrap())
            });
            g.bench_function(BenchmarkId::new("f16", isa.name()), |b| {
                b.iter(|| dots_f16(isa, &probes, &rows16, DIM, &mut out).unwrap())
            });
            g.bench_function(BenchmarkId::new("i8", isa.name()), |b| {
                b.iter(|| dots_i8(isa, &probes8, &rows8, DIM, &mut outi).unwrap())
            });
        }
        g.finish();
    }
}

criterion_group!(benches, kernels);
criterion_main!(benches);
