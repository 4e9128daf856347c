//! Bounded top-k selection over `(id, score)` pairs and exact merging of partial results.
//!
//! Order: higher score first; equal scores are broken by the smaller id, so results are
//! deterministic whatever the scan order or the number of workers. Scores are compared with
//! `f32::total_cmp`, so a NaN can never corrupt the heap (callers reject NaN inputs anyway).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One scored entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// Identifier of the entry.
    pub id: u64,
    /// Its score; higher is better.
    pub score: f32,
}

/// "Better" order: `a < b` when `a` ranks ahead of `b` (higher score, then smaller id).
fn rank(a: &Scored, b: &Scored) -> Ordering {
    b.score.total_cmp(&a.score).then(a.id.cmp(&b.id))
}

/// Heap element ordered so that the worst kept entry is at the top of a max-heap.
#[derive(Clone, Copy, Debug)]
struct Worst(Scored);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        rank(&self.0, &other.0) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        rank(&self.0, &other.0)
    }
}

/// Keeps the `k` best entries pushed so far.
#[derive(Clone, Debug)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Worst>,
}

impl TopK {
    /// An empty selection of at most `k` entries. `k` may be huge (`usize::MAX` means
    /// "all"): memory grows with what is pushed, not with `k`.
    pub fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k.min(1024)),
        }
    }

    /// Maximum number of entries kept.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Number of entries currently kept.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Smallest score an entry needs to possibly enter the selection, once it is full
    /// (`None` while it still has room). Scans use it to skip most pushes cheaply.
    pub fn admission_score(&self) -> Option<f32> {
        if self.heap.len() < self.k {
            None
        } else {
            self.heap.peek().map(|w| w.0.score)
        }
    }

    /// Offers one entry.
    #[inline]
    pub fn push(&mut self, id: u64, score: f32) {
        if self.k == 0 {
            return;
        }
        let item = Scored { id, score };
        if self.heap.len() < self.k {
            self.heap.push(Worst(item));
        } else if let Some(mut top) = self.heap.peek_mut()
            && rank(&item, &top.0) == Ordering::Less
        {
            *top = Worst(item);
        }
    }

    /// Offers every entry of another selection (exact: the result is the top-k of the union).
    pub fn merge(&mut self, other: TopK) {
        for w in other.heap {
            self.push(w.0.id, w.0.score);
        }
    }

    /// The kept entries, best first.
    pub fn into_sorted_vec(self) -> Vec<Scored> {
        let mut v: Vec<Scored> = self.heap.into_iter().map(|w| w.0).collect();
        v.sort_by(rank);
        v
    }
}

/// Merges partial top-k results (each from a disjoint part of the data) into the exact top-k
/// of the whole, best first.
pub fn merge_sorted(parts: impl IntoIterator<Item = Vec<Scored>>, k: usize) -> Vec<Scored> {
    let mut all: Vec<Scored> = parts.into_iter().flatten().collect();
    all.sort_by(rank);
    all.truncate(k);
    all
}

/// Sorts entries best first, with the same tie-break as [`TopK`].
pub fn sort_best_first(v: &mut [Scored]) {
    v.sort_by(rank);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn brute(items: &[Scored], k: usize) -> Vec<Scored> {
        let mut v = items.to_vec();
        v.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap().then(a.id.cmp(&b.id)));
        v.truncate(k);
        v
    }

    #[test]
    fn matches_full_sort_with_ties() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for &k in &[0usize, 1, 3, 10, 100, 1000] {
            // Few distinct scores: many ties exercise the id tie-break.
            let items: Vec<Scored> = (0..500u64)
                .map(|id| Scored {
                    id: id * 7919 % 1009,
                    score: rng.gen_range(0..20) as f32 / 10.0,
                })
                .collect();
            let mut t = TopK::new(k);
            for s in &items {
                t.push(s.id, s.score);
            }
            assert_eq!(t.into_sorted_vec(), brute(&items, k), "k={k}");
        }
    }

    #[test]
    fn merging_parts_equals_whole() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let items: Vec<Scored> = (0..2000u64)
            .map(|id| Scored {
                id,
                score: rng.gen_range(-1.0..1.0),
            })
            .collect();
        let k = 17;
        let mut heaps: Vec<TopK> = (0..5).map(|_| TopK::new(k)).collect();
        for (i, s) in items.iter().enumerate() {
            heaps[i % 5].push(s.id, s.score);
        }
        let parts: Vec<Vec<Scored>> = heaps.iter().cloned().map(|h| h.into_sorted_vec()).collect();
        assert_eq!(merge_sorted(parts, k), brute(&items, k));
        let mut first = heaps.remove(0);
        for h in heaps {
            first.merge(h);
        }
        assert_eq!(first.into_sorted_vec(), brute(&items, k));
    }

    #[test]
    fn admission_score_is_the_worst_kept() {
        let mut t = TopK::new(2);
        assert_eq!(t.admission_score(), None);
        t.push(1, 0.5);
        t.push(2, 0.9);
        assert_eq!(t.admission_score(), Some(0.5));
        t.push(3, 0.7);
        assert_eq!(t.admission_score(), Some(0.7));
    }
}
