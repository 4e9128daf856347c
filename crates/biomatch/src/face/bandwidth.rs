//! Measuring the machine's memory read bandwidth, the bound of a single-probe scan.

use std::time::Instant;

use rayon::prelude::*;

use super::kernels;

/// Reads a buffer of `bytes` bytes (split over the current rayon pool's threads) `repeats`
/// times after one warm-up pass and returns the best read bandwidth in GB/s (1e9 bytes/s).
pub fn measure_read_bandwidth(bytes: usize, repeats: usize) -> f64 {
    let words: Vec<u64> = (0..bytes.div_ceil(8).max(1) as u64).collect();
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
