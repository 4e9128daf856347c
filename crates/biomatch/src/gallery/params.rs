//! Tuned constants of the gallery pipeline, in one place.

/// Longest subject id, in bytes.
pub(crate) const MAX_ID_BYTES: usize = 256;
/// Most finger positions in one subject record (ten fingers plus a few multi-finger codes).
pub(crate) const MAX_FINGERS_PER_SUBJECT: usize = 16;
/// Most impressions of one finger in one subject record.
pub(crate) const MAX_IMPRESSIONS: usize = 16;
/// Most minutiae in one view (ISO records hold at most 255).
pub(crate) const MAX_MINUTIAE: usize = 255;
/// Most fingers in one probe.
pub(crate) const MAX_PROBE_FINGERS: usize = 10;

/// First-stage descriptor: quantisation grids, each offset by a fraction of a bin.
pub(crate) const DESCRIPTOR_GRIDS: usize = 2;
/// First-stage descriptor: 64-bit words of the pair part (two grids of 4096 cells).
pub(crate) const PAIR_WORDS: usize = 128;
/// First-stage descriptor: 64-bit words of the triangle part (two grids of 4096 hashed cells).
pub(crate) const TRIANGLE_WORDS: usize = 128;
/// First-stage descriptor: number of 64-bit words (pair part, then triangle part).
pub(crate) const DESCRIPTOR_WORDS: usize = PAIR_WORDS + TRIANGLE_WORDS;
/// First-stage descriptor: distance bins of a minutia pair.
pub(crate) const PAIR_DISTANCE_BINS: usize = 16;
/// First-stage descriptor: bins of each minutia's direction relative to the pair's line.
pub(crate) const PAIR_ANGLE_BINS: usize = 16;
/// Shortest pair distance used, in pixels at 500 ppi (closer pairs are mostly noise).
pub(crate) const PAIR_DISTANCE_MIN: f32 = 10.0;
/// Longest pair distance used, in pixels at 500 ppi (longer pairs distort too much).
pub(crate) const PAIR_DISTANCE_MAX: f32 = 170.0;
/// First-stage triangles: each minutia forms triangles with pairs of this many of its nearest
/// neighbours (more makes the part denser and no more discriminating).
pub(crate) const TRIANGLE_NEIGHBOURS: usize = 4;
/// First-stage triangles: longest side from the apex, in pixels at 500 ppi.
pub(crate) const TRIANGLE_SIDE_MAX: f32 = 150.0;
/// First-stage triangles: width of a side-length bin, in pixels at 500 ppi.
pub(crate) const TRIANGLE_SIDE_BIN: f32 = 20.0;
/// First-stage triangles: bins of a full turn for the triangle's angles and directions.
pub(crate) const TRIANGLE_ANGLE_BINS: usize = 16;

/// How many first-stage candidates per probe finger go to the exact matcher. This is a time
/// budget, not a fraction of the gallery: the exact stage compares the probe with each
/// shortlisted finger's stored candidate side (about 7 µs each on one core on average; the
/// cost varies with the probe), so 140,000 comparisons take about half a second on 2 cores
/// whatever the gallery's size (measured at a million fingers, 2 threads, median of 7 probes
/// on a shared machine, ±30 % from run to run: 0.52 s with 140,000, single probes 0.36 to
/// 1.09 s; 0.28 s with 60,000, 0.38 s with 100,000, 0.49 s with 150,000). It is sized by
/// accuracy: at a million fingers, the mates the first stage ranks beyond 100,000 include one
/// whose exact score beats every finger a fast search lists (at first-stage rank 126,582);
/// 140,000 keeps it with some margin, and then no mate that exhaustive search ranks first is
/// lost (rank-1: fast 0.875, exhaustive 0.871). A gallery of
/// at most this many fingers is searched exhaustively (the first stage is skipped), so up to
/// this size the fast path finds exactly what exhaustive search finds.
pub(crate) const DEFAULT_SHORTLIST: usize = 140_000;
/// In fast mode, how many distinct subjects each probe finger's best hits add to the
/// candidates scored on every probe modality (bounds the extra comparisons of
/// multi-finger probes; the top-k is always included).
pub(crate) const FUSION_CANDIDATES_PER_FINGER: usize = 2000;
/// Fingers per copy-on-write segment of the finger index.
pub(crate) const SEGMENT_CAPACITY: usize = 4096;
/// Shards of the subject table (a write copies one shard).
pub(crate) const SUBJECT_SHARDS: usize = 256;
/// Face candidates added to a fused search's candidate set.
pub(crate) const FACE_SHORTLIST: usize = 200;
