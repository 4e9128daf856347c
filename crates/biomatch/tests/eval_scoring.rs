//! Parallel scoring gives the same scores in the same order whatever the thread count.

use biomatch::eval::PairList;
use biomatch::eval::scoring::score_pairs;
use biomatch::eval::{FvcId, Protocol};

/// A score that depends only on the pair (and uses the scratch, as a matcher would).
fn pair_score(a: &u64, b: &u64, scratch: &mut Vec<u64>) -> f32 {
    scratch.clear();
    scratch.extend([a.wrapping_mul(0x9E37_79B9_7F4A_7C15), b.rotate_left(17)]);
    let h = (scratch[0] ^ scratch[1]).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (h >> 40) as f32
}

fn run(threads: usize, items: &[u64], pairs: &[(usize, usize)]) -> (Vec<f64>, Vec<usize>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut reports = Vec::new();
    let scores = pool.install(|| {
        score_pairs(items, pairs, Vec::new, pair_score, &mut |done| {
            reports.push(done)
        })
    });
    (scores, reports)
}

#[test]
fn deterministic_across_thread_counts() {
    let ids: Vec<FvcId> = (1..=30)
        .flat_map(|finger| (1..=8).map(move |impression| FvcId { finger, impression }))
        .collect();
    let items: Vec<u64> = (0..ids.len() as u64).map(|i| i * 7 + 3).collect();
    let pairs = PairList::new(&ids, Protocol::AllPairs);
    let (one, reports) = run(1, &items, &pairs.impostor);
    let (four, _) = run(4, &items, &pairs.impostor);
    assert_eq!(one, four);
    // Scores in pair order: check against a direct sequential evaluation.
    let mut scratch = Vec::new();
    for (k, &(i, j)) in pairs.impostor.iter().enumerate() {
        assert_eq!(
            one[k],
            f64::from(pair_score(&items[i], &items[j], &mut scratch))
        );
    }
    // Progress rises to the total.
    assert!(reports.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(reports.last(), Some(&pairs.impostor.len()));
}
