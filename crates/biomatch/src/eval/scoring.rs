//! Scoring a pair list in parallel, deterministically.
//!
//! Every score depends only on its pair, and results are collected in pair-list order, so a
//! run gives the same scores in the same order whatever the number of threads (run it inside
//! a [`rayon::ThreadPool::install`] to choose the thread count).

use rayon::prelude::*;

use super::protocol::PairList;
use crate::finger::matcher::Matcher;
use crate::finger::template::FingerView;

/// Pairs scored between progress reports.
const CHUNK: usize = 2048;

/// Scores `pairs` with `score(a, b, scratch)` in parallel, one scratch per worker, and
/// returns the scores in pair order. `progress` is called with the number of pairs done so
/// far (from the calling thread, after each chunk).
pub fn score_pairs<P, S, F>(
    items: &[P],
    pairs: &[(usize, usize)],
    make_scratch: impl Fn() -> S + Sync,
    score: F,
    progress: &mut dyn FnMut(usize),
) -> Vec<f64>
where
    P: Sync,
    F: Fn(&P, &P, &mut S) -> f32 + Sync,
{
    let mut out = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(CHUNK) {
        let scored: Vec<f64> = chunk
            .par_iter()
            .map_init(&make_scratch, |scratch, &(i, j)| {
                f64::from(score(&items[i], &items[j], scratch))
            })
            .collect();
        out.extend(scored);
        progress(out.len());
    }
    out
}

/// Genuine and impostor scores of one database, in pair-list order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// Same-finger scores, in [`PairList::genuine`] order.
    pub genuine: Vec<f64>,
    /// Different-finger scores, in [`PairList::impostor`] order.
    pub impostor: Vec<f64>,
}

/// Prepares every view once and scores the protocol's pairs with `matcher` (probe = the
/// pair's first index). `progress` gets the number of comparisons done so far.
pub fn score_views(
    matcher: &Matcher,
    views: &[FingerView],
    pairs: &PairList,
    progress: &mut dyn FnMut(usize),
) -> Scores {
    let prepared: Vec<_> = views.par_iter().map(|v| matcher.prepare(v)).collect();
    let scratch = || matcher.scratch();
    let score = |a: &_, b: &_, s: &mut _| matcher.score(a, b, s);
    let genuine = score_pairs(&prepared, &pairs.genuine, scratch, score, progress);
    let done = genuine.len();
    let impostor = score_pairs(&prepared, &pairs.impostor, scratch, score, &mut |n| {
        progress(done + n)
    });
    Scores { genuine, impostor }
}
