//! Fingerprint 1:N over enrolled finger views: a first stage over fixed-length binary
//! descriptors ([`descriptor`](crate::gallery::descriptor)) keeps a shortlist, the exact
//! matcher re-ranks it.
//!
//! Every record stores the matcher's candidate side ([`PreparedCandidate`]: minutiae and
//! neighbour edges, about 3.5 KiB, 3.5 GiB for a million fingers; with the 2 KiB descriptor
//! and the views a million-finger gallery holds about 7.3 GiB), built once at enrolment and
//! rebuilt in parallel on load, so re-ranking costs one comparison (about 7 µs) per
//! shortlisted finger and nothing is prepared per search. The shortlist is a fixed number of
//! fingers (a time budget); galleries no larger than it are searched exhaustively.
//!
//! The index is an immutable value made of copy-on-write segments: a writer builds a new
//! index sharing every untouched segment with the old one, so searches scan without any lock.

use std::sync::Arc;

use rayon::prelude::*;

use crate::finger::matcher::{MatchScratch, Matcher, PreparedCandidate, PreparedFinger};
use crate::finger::template::{FingerPosition, FingerView};
use crate::gallery::descriptor::{self, Bits, Counts};
use crate::gallery::params::{DESCRIPTOR_WORDS, SEGMENT_CAPACITY};

/// One enrolled impression, shared between the subject table and the index.
#[derive(Debug)]
pub(crate) struct FingerRecord {
    /// The internal key of the subject it belongs to.
    pub(crate) subject_key: u64,
    /// The finger position as enrolled.
    pub(crate) position: FingerPosition,
    /// The minutiae.
    pub(crate) view: Arc<FingerView>,
    /// The matcher's candidate side (minutiae and edges, a few KiB), built once at enrolment
    /// so that the exact stage costs one comparison per shortlisted finger.
    candidate: PreparedCandidate,
}

impl FingerRecord {
    /// A record, with its candidate side prepared by `matcher`.
    pub(crate) fn new(
        matcher: &Matcher,
        subject_key: u64,
        position: FingerPosition,
        view: Arc<FingerView>,
    ) -> Self {
        FingerRecord {
            subject_key,
            position,
            candidate: matcher.prepare_candidate(&view),
            view,
        }
    }

    /// Scores `probe` against this record (bit-identical to scoring the fully prepared view).
    pub(crate) fn score(
        &self,
        matcher: &Matcher,
        probe: &PreparedFinger,
        scratch: &mut MatchScratch,
    ) -> f32 {
        matcher.score_candidate(probe, &self.candidate, scratch)
    }

    /// Heap bytes of the candidate side.
    pub(crate) fn candidate_bytes(&self) -> usize {
        self.candidate.heap_bytes()
    }
}

/// A record with its first-stage descriptor, ready to be inserted.
pub(crate) struct IndexedFinger {
    record: Arc<FingerRecord>,
    bits: Bits,
    count: Counts,
}

impl IndexedFinger {
    /// Computes the descriptor of a record.
    pub(crate) fn new(record: Arc<FingerRecord>) -> IndexedFinger {
        let (bits, count) = descriptor::gallery_descriptor(&record.view);
        IndexedFinger {
            record,
            bits,
            count,
        }
    }
}

#[derive(Clone, Default)]
struct Segment {
    descriptors: Vec<Bits>,
    counts: Vec<Counts>,
    positions: Vec<u8>,
    keys: Vec<u64>,
    records: Vec<Arc<FingerRecord>>,
}

impl Segment {
    fn push(&mut self, f: IndexedFinger) {
        self.descriptors.push(f.bits);
        self.counts.push(f.count);
        self.positions.push(f.record.position.0);
        self.keys.push(f.record.subject_key);
        self.records.push(f.record);
    }

    fn len(&self) -> usize {
        self.records.len()
    }
}

/// How a probe finger is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchMode {
    /// First stage over descriptors, exact matcher on the best `shortlist` fingers. A gallery
    /// of at most `shortlist` fingers is searched exhaustively. The default shortlist
    /// (140,000) keeps a search of a million fingers at about 0.6 s on 2 cores, keeps the
    /// mates exhaustive search ranks first in the shortlist, and makes every gallery of up to
    /// 140,000 fingers exhaustive.
    Fast {
        /// Fingers passed to the exact matcher per probe finger.
        shortlist: usize,
    },
    /// Exact matcher against every enrolled finger (the reference for accuracy).
    Exhaustive,
}

impl SearchMode {
    /// The default fast mode's shortlist.
    pub const DEFAULT_SHORTLIST: usize = crate::gallery::params::DEFAULT_SHORTLIST;
}

impl Default for SearchMode {
    fn default() -> Self {
        SearchMode::Fast {
            shortlist: SearchMode::DEFAULT_SHORTLIST,
        }
    }
}

/// An exact comparison result.
#[derive(Clone, Debug)]
pub(crate) struct FingerHit {
    pub(crate) record: Arc<FingerRecord>,
    pub(crate) score: f32,
}

/// The immutable finger index.
#[derive(Clone)]
pub(crate) struct FingerIndex {
    segments: Vec<Arc<Segment>>,
    len: usize,
    /// How many enrolled fingers set each descriptor cell (the first stage's null model).
    cell_counts: Arc<Vec<u32>>,
}

impl Default for FingerIndex {
    fn default() -> Self {
        FingerIndex {
            segments: Vec::new(),
            len: 0,
            cell_counts: Arc::new(vec![0; DESCRIPTOR_WORDS * 64]),
        }
    }
}

fn count_cells(counts: &mut [u32], bits: &Bits, add: bool) {
    for (w, &word) in bits.iter().enumerate() {
        let mut x = word;
        while x != 0 {
            let c = w * 64 + x.trailing_zeros() as usize;
            if add {
                counts[c] += 1;
            } else {
                counts[c] = counts[c].saturating_sub(1);
            }
            x &= x - 1;
        }
    }
}

impl FingerIndex {
    /// Number of enrolled impressions.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes of every record's candidate side (for sizing a gallery).
    pub(crate) fn candidate_bytes(&self) -> usize {
        self.segments
            .iter()
            .flat_map(|s| s.records.iter())
            .map(|r| r.candidate_bytes())
            .sum()
    }

    /// A new index with `fingers` appended (only the last, partly filled segment is copied).
    pub(crate) fn with_added(&self, fingers: Vec<IndexedFinger>) -> FingerIndex {
        let mut segments = self.segments.clone();
        let mut len = self.len;
        let mut cell_counts = self.cell_counts.clone();
        {
            let counts = Arc::make_mut(&mut cell_counts);
            for f in &fingers {
                count_cells(counts, &f.bits, true);
            }
        }
        let mut tail: Option<Segment> = match segments.last() {
            Some(s) if s.len() < SEGMENT_CAPACITY => {
                let s = (**s).clone();
                segments.pop();
                Some(s)
            }
            _ => None,
        };
        for f in fingers {
            let seg = tail.get_or_insert_with(Segment::default);
            seg.push(f);
            len += 1;
            if seg.len() == SEGMENT_CAPACITY {
                segments.push(Arc::new(tail.take().unwrap_or_default()));
            }
        }
        if let Some(seg) = tail {
            segments.push(Arc::new(seg));
        }
        FingerIndex {
            segments,
            len,
            cell_counts,
        }
    }

    /// A new index without the impressions of the subjects in `keys` (only the segments that
    /// held them are copied).
    pub(crate) fn without_subjects(&self, keys: &[u64]) -> FingerIndex {
        let mut len = 0;
        let mut cell_counts = self.cell_counts.clone();
        let segments = self
            .segments
            .iter()
            .filter_map(|s| {
                let seg = if s.keys.iter().any(|k| keys.contains(k)) {
                    let mut kept = Segment::default();
                    for i in 0..s.len() {
                        if keys.contains(&s.keys[i]) {
                            count_cells(
                                Arc::make_mut(&mut cell_counts).as_mut_slice(),
                                &s.descriptors[i],
                                false,
                            );
                        } else {
                            kept.descriptors.push(s.descriptors[i]);
                            kept.counts.push(s.counts[i]);
                            kept.positions.push(s.positions[i]);
                            kept.keys.push(s.keys[i]);
                            kept.records.push(s.records[i].clone());
                        }
                    }
                    Arc::new(kept)
                } else {
                    s.clone()
                };
                len += seg.len();
                (seg.len() > 0).then_some(seg)
            })
            .collect();
        FingerIndex {
            segments,
            len,
            cell_counts,
        }
    }

    /// Searches one probe finger: the exactly scored hits, best first. A probe of known
    /// position only meets enrolled fingers of the same or of unknown position. A fast search
    /// whose shortlist is at least the gallery's size skips the first stage: it is the
    /// exhaustive search.
    pub(crate) fn search(
        &self,
        matcher: &Matcher,
        probe: &FingerView,
        probe_prepared: &PreparedFinger,
        mode: SearchMode,
    ) -> Vec<FingerHit> {
        let position = probe.finger_position.0;
        let compatible = move |p: u8| position == 0 || p == 0 || p == position;
        let score = |scratch: &mut MatchScratch, record: &Arc<FingerRecord>| FingerHit {
            score: record.score(matcher, probe_prepared, scratch),
            record: record.clone(),
        };
        let mut hits: Vec<FingerHit> = match mode {
            SearchMode::Fast { shortlist } if shortlist < self.len => self
                .first_stage(probe, shortlist.max(1), compatible)
                .par_iter()
                .map_init(|| matcher.scratch(), score)
                .collect(),
            _ => self
                .segments
                .par_iter()
                .flat_map(|s| s.records.par_iter())
                .filter(|r| compatible(r.position.0))
                .map_init(|| matcher.scratch(), score)
                .collect(),
        };
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.record.subject_key.cmp(&b.record.subject_key))
        });
        hits
    }

    /// The first-stage shortlist of a probe (position-compatible fingers only).
    pub(crate) fn shortlist(&self, probe: &FingerView, keep: usize) -> Vec<Arc<FingerRecord>> {
        let position = probe.finger_position.0;
        self.first_stage(probe, keep.max(1), move |p: u8| {
            position == 0 || p == 0 || p == position
        })
    }

    /// The `keep` records with the best first-stage scores, best first.
    fn first_stage(
        &self,
        probe: &FingerView,
        keep: usize,
        compatible: impl Fn(u8) -> bool + Sync,
    ) -> Vec<Arc<FingerRecord>> {
        let pd = descriptor::probe_descriptor(probe, &self.cell_counts);
        let mut best: Vec<(f32, u32, u32)> = self
            .segments
            .par_iter()
            .enumerate()
            .map_init(Vec::new, |scores, (si, seg)| {
                pd.score_all(&seg.descriptors, &seg.counts, scores);
                let mut local: Vec<(f32, u32, u32)> = scores
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| compatible(seg.positions[i]))
                    .map(|(i, &s)| (s, si as u32, i as u32))
                    .collect();
                top(&mut local, keep);
                local
            })
            .reduce(Vec::new, |mut a, b| {
                a.extend(b);
                top(&mut a, keep);
                a
            });
        top(&mut best, keep);
        best.sort_unstable_by(by_first_stage);
        best.iter()
            .map(|&(_, si, i)| self.segments[si as usize].records[i as usize].clone())
            .collect()
    }
}

/// Keeps the `keep` highest first-stage scores (ties by position, so results are
/// deterministic), in no particular order.
fn top(v: &mut Vec<(f32, u32, u32)>, keep: usize) {
    if v.len() > keep {
        v.select_nth_unstable_by(keep - 1, by_first_stage);
        v.truncate(keep);
    }
}

/// Best first-stage score first, ties by position in the index.
fn by_first_stage(a: &(f32, u32, u32), b: &(f32, u32, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2)))
}
