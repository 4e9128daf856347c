//! Measuring the machine's memory read bandwidth, the bound of a single-probe scan.

use std::time::Instant;

use rayon::prelude::*;

use super::kernels;
use super::storage::RowBuf;

/// Reads a buffer of `bytes` bytes (split over the current rayon pool's threads) `repeats`
/// times after one warm-up pass and returns the best read bandwidth in GB/s (1e9 bytes/s).
/// The buffer is allocated like gallery rows (huge pages where available), so the bound and
/// the scan see the same page size.
pub fn measure_read_bandwidth(bytes: usize, repeats: usize) -> f64 {
    let n = bytes.div_ceil(8).max(1);
    let mut words = RowBuf::<u64>::new();
    words.reserve_exact(n);
    let block: Vec<u64> = (0..4096).collect();
    while words.len() < n {
        words.extend_from_slice(&block[..block.len().min(n - words.len())]);
    }
    let kern = kernels::best();
    let chunk = words.len().div_ceil(rayon::current_num_threads()).max(1);
    let pass = || {
        words
            .par_chunks(chunk)
            .map(|c| kern.read_sum(c))
            .reduce(|| 0, u64::wrapping_add)
    };
    std::hint::black_box(pass());
    let mut best = f64::INFINITY;
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        std::hint::black_box(pass());
        best = best.min(t.elapsed().as_secs_f64());
    }
    (words.len() * 8) as f64 / best / 1e9
}
