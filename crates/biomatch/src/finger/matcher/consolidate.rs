//! Consolidation: from the agreeing edge pairs to one consistent set of minutia pairs.
//!
//! The agreeing edge pairs form a graph whose nodes are minutia correspondences (probe
//! minutia, candidate minutia). Starting from a well-supported root correspondence, the crawl
//! repeatedly follows the agreeing edge with the smallest disagreement to a correspondence
//! whose two minutiae are both still free, as long as the edge's rotation stays close to the
//! root's. Because every step checks only a local edge, non-linear skin distortion accumulates
//! harmlessly over the print while impostor chains die out quickly. The best of a few roots
//! wins.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::geometry;
use super::index::EdgeMatch;
use super::prepare::Point;
use super::scoring::Alignment;

/// A root needs at least this many agreeing edges at its pair.
const MIN_ROOT_SUPPORT: u16 = 4;

/// The closeness of an agreeing edge is `CLOSENESS_UNIT - err` (clamped at 0): 1 unit per
/// thousandth of the tolerance of one of its three features left unused.
const CLOSENESS_UNIT: u32 = 3000;

/// The closeness of an agreeing edge in [`CLOSENESS_UNIT`]s.
#[inline(always)]
fn closeness(m: &EdgeMatch) -> u32 {
    CLOSENESS_UNIT.saturating_sub(m.err as u32)
}

/// Marks a minutia that is not paired.
pub(crate) const FREE: u8 = u8::MAX;

/// Reusable buffers of the consolidation.
#[derive(Debug, Default)]
pub(crate) struct CrawlBuffers {
    /// Support of each correspondence, `support[p * n_c + c]`, stamped with the comparison
    /// that wrote it: `generation << 16 | count`. A cell from an earlier comparison counts as
    /// zero, so the matrix is never cleared between comparisons (only when the stamp wraps).
    support: Vec<u32>,
    /// The stamp of the current comparison (never 0 once a comparison has started).
    generation: u32,
    /// Correspondences whose support reached [`MIN_ROOT_SUPPORT`] (each once): the only
    /// possible roots.
    root_candidates: Vec<(u8, u8)>,
    /// Adjacency: for each probe minutia, references `match << 1 | end` of agreeing edges
    /// that start (at `end`) on it.
    adj_start: Vec<u32>,
    adj: Vec<u32>,
    /// Current pairing, probe → candidate and candidate → probe.
    pub(crate) pair_p: Vec<u8>,
    pub(crate) pair_c: Vec<u8>,
    /// Pairs accepted by the current crawl, in order.
    accepted: Vec<(u8, u8)>,
    /// Pairs of the best crawl so far.
    pub(crate) best: Vec<(u8, u8)>,
    /// Queued edges keyed `err << 32 | reference` (smallest disagreement first, ties by
    /// reference), one integer so comparisons are cheap.
    heap: BinaryHeap<Reverse<u64>>,
    roots: Vec<(u16, u8, u8)>,
    degree: Vec<u8>,
    /// For each probe minutia, the candidate minutia an earlier crawl paired it with.
    seen: Vec<u8>,
    /// Supporting edges of the current pairing, counted as the crawl accepts pairs.
    support_count: usize,
    /// Their summed closeness, in units of [`CLOSENESS_UNIT`].
    support_closeness: u32,
}

/// What the best crawl found.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Consolidation {
    /// Paired minutiae.
    pub(crate) pairs: usize,
    /// Agreeing edges whose both ends are among the pairs.
    pub(crate) supporting_edges: usize,
    /// Summed closeness of the supporting edges (1 for an identical edge, 0 at tolerance).
    pub(crate) supporting_weight: f32,
    /// Rotation of the root correspondence (candidate minus probe direction).
    pub(crate) rotation: u16,
}

/// Whether root `x` ranks before root `y`: more support first, then lower indexes.
fn better(x: (u16, u8, u8), y: (u16, u8, u8)) -> bool {
    x.0 > y.0 || (x.0 == y.0 && (x.1, x.2) < (y.1, y.2))
}

impl CrawlBuffers {
    /// Counts the support of every correspondence of `matches` (`n_p` probe and `n_c`
    /// candidate minutiae), noting the possible roots, and how many agreeing edges start on
    /// each probe minutia.
    fn count_support(&mut self, matches: &[EdgeMatch], n_p: usize, n_c: usize) {
        if self.support.len() < n_p * n_c {
            self.support.resize(n_p * n_c, 0);
        }
        self.generation = (self.generation + 1) & 0xFFFF;
        if self.generation == 0 {
            // The stamp wrapped: stale cells could look current, so clear them all once.
            self.support.fill(0);
            self.generation = 1;
        }
        let stamp = self.generation << 16;
        self.root_candidates.clear();
        self.adj_start.clear();
        self.adj_start.resize(n_p + 2, 0);
        // Local borrows, so the compiler keeps the buffers' addresses in registers.
        let support = &mut self.support[..n_p * n_c];
        let starts = &mut self.adj_start[..];
        let roots = &mut self.root_candidates;
        for m in matches {
            for end in 0..2 {
                let (p, c) = (m.p[end] as usize, m.c[end] as usize);
                let cell = &mut support[p * n_c + c];
                // A stale stamp counts as zero; the count saturates below the stamp bits.
                let count = if *cell & 0xFFFF_0000 == stamp {
                    (*cell & 0xFFFF) + 1
                } else {
                    1
                };
                *cell = stamp | count.min(0xFFFF);
                if count == MIN_ROOT_SUPPORT as u32 {
                    roots.push((p as u8, c as u8));
                }
                starts[p + 2] += 1;
            }
        }
        self.accepted.clear();
        self.best.clear();
    }

    /// Files `matches` by probe minutia (after [`CrawlBuffers::count_support`]) and clears
    /// the pairing.
    fn build_adjacency(&mut self, matches: &[EdgeMatch], n_p: usize, n_c: usize) {
        for p in 0..n_p {
            self.adj_start[p + 2] += self.adj_start[p + 1];
        }
        self.adj.clear();
        self.adj.resize(matches.len() * 2, 0);
        let (starts, adj) = (&mut self.adj_start[..], &mut self.adj[..]);
        for (i, m) in matches.iter().enumerate() {
            for end in 0..2 {
                let slot = &mut starts[m.p[end] as usize + 1];
                adj[*slot as usize] = (i as u32) << 1 | end as u32;
                *slot += 1;
            }
        }
        self.pair_p.clear();
        self.pair_p.resize(n_p, FREE);
        self.seen.clear();
        self.seen.resize(n_p, FREE);
        self.pair_c.clear();
        self.pair_c.resize(n_c, FREE);
    }

    /// Picks the `count` best-supported correspondences (strongest first, ties by index)
    /// among those whose support reached [`MIN_ROOT_SUPPORT`].
    fn pick_roots(&mut self, n_c: usize, count: usize) {
        self.roots.clear();
        for &(p, c) in &self.root_candidates {
            let s = (self.support[p as usize * n_c + c as usize] & 0xFFFF) as u16;
            let entry = (s, p, c);
            if self.roots.len() == count && !better(entry, self.roots[count - 1]) {
                continue;
            }
            let at = self.roots.partition_point(|&r| better(r, entry));
            self.roots.insert(at, entry);
            self.roots.truncate(count);
        }
    }

    fn accept(&mut self, p: u8, c: u8) {
        self.pair_p[p as usize] = c;
        self.pair_c[c as usize] = p;
        self.accepted.push((p, c));
    }

    fn clear_pairing(&mut self) {
        self.support_count = 0;
        self.support_closeness = 0;
        for &(p, c) in &self.accepted {
            self.pair_p[p as usize] = FREE;
            self.pair_c[c as usize] = FREE;
        }
        self.accepted.clear();
    }

    /// Queues every agreeing edge leaving the pair `(p, c)` towards a free pair whose
    /// rotation is within `rot_tol` of `rot`.
    fn push_neighbours(&mut self, matches: &[EdgeMatch], p: u8, c: u8, rot: u16, rot_tol: u16) {
        let (s, t) = (
            self.adj_start[p as usize] as usize,
            self.adj_start[p as usize + 1] as usize,
        );
        for &r in &self.adj[s..t] {
            let m = &matches[(r >> 1) as usize];
            let from = (r & 1) as usize;
            if m.c[from] != c {
                continue;
            }
            let to = 1 - from;
            if self.pair_p[m.p[to] as usize] == m.c[to] {
                // Both ends paired: this edge supports the pairing (counted once, when its
                // second end is accepted).
                self.support_count += 1;
                self.support_closeness += closeness(m);
                continue;
            }
            if self.pair_p[m.p[to] as usize] != FREE || self.pair_c[m.c[to] as usize] != FREE {
                continue;
            }
            if geometry::distance(m.rot, rot) > rot_tol {
                continue;
            }
            self.heap.push(Reverse((m.err as u64) << 32 | r as u64));
        }
    }

    /// Grows a pairing from the root `(p, c)`; returns the number of pairs.
    fn crawl(&mut self, matches: &[EdgeMatch], p: u8, c: u8, rot: u16, rot_tol: u16) -> usize {
        self.clear_pairing();
        self.heap.clear();
        self.accept(p, c);
        self.push_neighbours(matches, p, c, rot, rot_tol);
        self.grow(matches, rot, rot_tol);
        self.accepted.len()
    }

    /// Follows queued agreeing edges until none leads to a free pair.
    fn grow(&mut self, matches: &[EdgeMatch], rot: u16, rot_tol: u16) {
        while let Some(Reverse(key)) = self.heap.pop() {
            let r = key as u32;
            let m = &matches[(r >> 1) as usize];
            let to = 1 - (r & 1) as usize;
            let (tp, tc) = (m.p[to], m.c[to]);
            if self.pair_p[tp as usize] != FREE || self.pair_c[tc as usize] != FREE {
                continue;
            }
            self.accept(tp, tc);
            self.push_neighbours(matches, tp, tc, rot, rot_tol);
        }
    }

    /// Drops the pairs that a rigid alignment of the whole pairing places further from their
    /// partner than `consistency.0 + consistency.1 × (distance from the pairing's centre)`:
    /// a chance chain of locally agreeing edges drifts, a real finger bends only a little.
    /// Returns the number of pairs kept.
    fn prune_inconsistent(
        &mut self,
        probe: &[Point],
        candidate: &[Point],
        consistency: (f32, f32),
    ) -> usize {
        let Some(align) = Alignment::fit(&self.accepted, probe, candidate) else {
            return self.accepted.len();
        };
        let (cx, cy) = align.probe_centre();
        let (pair_p, pair_c) = (&mut self.pair_p, &mut self.pair_c);
        self.accepted.retain(|&(p, c)| {
            let (pp, cp) = (&probe[p as usize], &candidate[c as usize]);
            let (x, y) = align.into_probe(cp.x, cp.y);
            let err = ((x - pp.x).powi(2) + (y - pp.y).powi(2)).sqrt();
            let reach = ((pp.x - cx).powi(2) + (pp.y - cy).powi(2)).sqrt();
            let keep = err <= consistency.0 + consistency.1 * reach;
            if !keep {
                pair_p[p as usize] = FREE;
                pair_c[c as usize] = FREE;
            }
            keep
        });
        self.accepted.len()
    }

    /// Agreeing edges both of whose ends are pairs of the current pairing, and their summed
    /// closeness.
    fn supporting_edges(&self, matches: &[EdgeMatch]) -> (usize, u32) {
        let (mut count, mut sum) = (0, 0);
        for m in matches {
            if self.pair_p[m.p[0] as usize] == m.c[0] && self.pair_p[m.p[1] as usize] == m.c[1] {
                count += 1;
                sum += closeness(m);
            }
        }
        (count, sum)
    }

    /// The number of pairs of the current pairing tied to the others by at least two
    /// supporting edges.
    pub(crate) fn well_tied_pairs(&mut self, matches: &[EdgeMatch]) -> usize {
        self.degree.clear();
        self.degree.resize(self.pair_p.len(), 0);
        for m in matches {
            if self.pair_p[m.p[0] as usize] == m.c[0] && self.pair_p[m.p[1] as usize] == m.c[1] {
                for end in 0..2 {
                    let d = &mut self.degree[m.p[end] as usize];
                    *d = d.saturating_add(1);
                }
            }
        }
        self.degree.iter().filter(|&&d| d >= 2).count()
    }

    /// Runs the crawl from the best roots and keeps the best pairing in `self.best`
    /// (and in `pair_p` / `pair_c`).
    pub(crate) fn consolidate(
        &mut self,
        matches: &[EdgeMatch],
        probe: &[Point],
        candidate: &[Point],
        roots: usize,
        rot_tol: u16,
        consistency: (f32, f32),
    ) -> Consolidation {
        let (n_p, n_c) = (probe.len(), candidate.len());
        self.count_support(matches, n_p, n_c);
        self.pick_roots(n_c, roots.max(1));
        let mut best = Consolidation::default();
        if self.roots.is_empty() {
            // No correspondence is supported well enough to start from (common for
            // impostors): no pairing, and no need to file the matches.
            return best;
        }
        self.build_adjacency(matches, n_p, n_c);
        for k in 0..self.roots.len() {
            let (_, p, c) = self.roots[k];
            // A root already paired the same way by an earlier crawl would mostly repeat it.
            if self.seen[p as usize] == c {
                continue;
            }
            let rot = candidate[c as usize]
                .dir
                .wrapping_sub(probe[p as usize].dir);
            let mut pairs = self.crawl(matches, p, c, rot, rot_tol);
            for &(sp, sc) in &self.accepted {
                self.seen[sp as usize] = sc;
            }
            let mut supporting = (self.support_count, self.support_closeness);
            if pairs >= 3 {
                let kept = self.prune_inconsistent(probe, candidate, consistency);
                if kept < pairs {
                    supporting = self.supporting_edges(matches);
                }
                pairs = kept;
            }
            if (supporting.0, pairs) > (best.supporting_edges, best.pairs) {
                best = Consolidation {
                    pairs,
                    supporting_edges: supporting.0,
                    supporting_weight: supporting.1 as f32 / CLOSENESS_UNIT as f32,
                    rotation: rot,
                };
                self.best.clear();
                self.best.extend_from_slice(&self.accepted);
            }
        }
        // Leave the pairing arrays holding the best pairing.
        self.clear_pairing();
        for i in 0..self.best.len() {
            let (p, c) = self.best[i];
            self.accept(p, c);
        }
        best
    }
}

impl CrawlBuffers {
    /// Bytes reserved by the buffers.
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.support.capacity() * 4
            + self.root_candidates.capacity() * 2
            + (self.adj_start.capacity() + self.adj.capacity()) * 4
            + self.pair_p.capacity()
            + self.pair_c.capacity()
            + (self.accepted.capacity() + self.best.capacity()) * 2
            + self.heap.capacity() * 8
            + self.roots.capacity() * 4
            + self.degree.capacity()
            + self.seen.capacity()
    }
}
