//! Enrol and remove from one thread while others search (single probes and batches): every
//! search must see one consistent state, never a lost or phantom entry, with every score equal
//! to the brute-force similarity (within the storage precision's error).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use biomatch::face::{FaceIndex, FaceTemplate, Precision};

fn template(i: u64, dim: usize) -> FaceTemplate {
    let v: Vec<f32> = (0..dim)
        .map(|j| ((i.wrapping_mul(2654435761) ^ (j as u64 * 40503)) % 1000) as f32 / 1000.0 - 0.5)
        .collect();
    FaceTemplate::new("m", &v).unwrap()
}

#[test]
fn searches_see_consistent_snapshots_while_writers_run() {
    let dim = 128;
    let n = 4000u64;
    for precision in [Precision::F32, Precision::I8] {
        let index = Arc::new(FaceIndex::new("m", dim, precision));
        let templates: Arc<Vec<FaceTemplate>> =
            Arc::new((0..n).map(|i| template(i, dim)).collect());
        let done = Arc::new(AtomicBool::new(false));
        let searches = Arc::new(AtomicUsize::new(0));
        // Every `STEP` writes the writer waits (up to a second) for a search to finish, so
        // searches really interleave with the writes.
        const STEP: u64 = 25;
        let wait_for_search = {
            let searches = searches.clone();
            move || {
                let seen = searches.load(Ordering::SeqCst);
                let t = Instant::now();
                while searches.load(Ordering::SeqCst) == seen
                    && t.elapsed() < Duration::from_secs(1)
                {
                    std::thread::yield_now();
                }
            }
        };
        // Writer: enrol 0..n in order, then remove 0..n in order. Every state is a range
        // [lo, hi) of ids, and both ends only grow.
        let writer = {
            let (index, templates, done) = (index.clone(), templates.clone(), done.clone());
            std::thread::spawn(move || {
                for i in 0..n {
                    index.enrol(i, &templates[i as usize]).unwrap();
                    if i % STEP == 0 {
                        wait_for_search();
                    }
                }
                for i in 0..n {
                    index.remove(i).unwrap();
                    if i % STEP == 0 {
                        wait_for_search();
                    }
                }
                done.store(true, Ordering::SeqCst);
            })
        };
        let readers: Vec<_> = (0..2)
            .map(|r| {
                let (index, templates, done) = (index.clone(), templates.clone(), done.clone());
                let searches = searches.clone();
                std::thread::spawn(move || {
                    // Reader 0 searches one probe (everything above -2: all); reader 1 a batch
                    // of nine probes (top n: all; blocked kernels), each result checked.
                    let probes: Vec<FaceTemplate> = if r == 0 {
                        vec![templates[0].clone()]
                    } else {
                        templates[1..10].to_vec()
                    };
                    let tolerance = match precision {
                        Precision::F32 => 1e-5,
                        _ => 0.05,
                    };
                    let (mut last_lo, mut last_hi, mut checks, mut partial) = (0u64, 0u64, 0, 0);
                    while !done.load(Ordering::SeqCst) || checks == 0 {
                        let results = if r == 0 {
                            vec![index.search_threshold(&probes[0], -2.0).unwrap()]
                        } else {
                            index.search_batch(&probes, n as usize).unwrap()
                        };
                        for (probe, all) in probes.iter().zip(&results) {
                            assert!(all.windows(2).all(|w| w[0].score >= w[1].score), "order");
                            for c in all {
                                let exact = probe.similarity(&templates[c.id as usize]).unwrap();
                                assert!(
                                    (c.score - exact).abs() <= tolerance,
                                    "id {} score {} exact {exact}",
                                    c.id,
                                    c.score
                                );
                            }
                        }
                        let id_sets: Vec<Vec<u64>> = results
                            .iter()
                            .map(|x| {
                                let mut v: Vec<u64> = x.iter().map(|c| c.id).collect();
                                v.sort_unstable();
                                v
                            })
                            .collect();
                        assert!(
                            id_sets.iter().all(|v| *v == id_sets[0]),
                            "the probes of one batch saw different states"
                        );
                        let all = &results[0];
                        let mut ids: Vec<u64> = all.iter().map(|c| c.id).collect();
                        ids.sort_unstable();
                        let before = ids.len();
                        ids.dedup();
                        assert_eq!(before, ids.len(), "an id was returned twice");
                        if let (Some(&lo), Some(&hi)) = (ids.first(), ids.last()) {
                            // Contiguous range: nothing missing in the middle.
                            assert_eq!(hi - lo + 1, ids.len() as u64, "a hole: entries lost");
                            assert!(hi < n, "phantom id {hi}");
                            assert!(lo >= last_lo && hi + 1 >= last_hi, "went back in time");
                            last_lo = lo;
                            last_hi = hi + 1;
                        }
                        checks += 1;
                        searches.fetch_add(1, Ordering::SeqCst);
                        if !ids.is_empty() && ids.len() < n as usize {
                            partial += 1;
                        }
                    }
                    eprintln!("reader {r}: {checks} searches, {partial} saw a partial state");
                    checks
                })
            })
            .collect();
        writer.join().unwrap();
        let total: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
        assert!(
            total >= (2 * n / STEP) as usize / 2,
            "only {total} searches interleaved"
        );
        assert!(index.is_empty());
        assert_eq!(index.search_top_k(&templates[0], 5).unwrap(), vec![]);
    }
}
