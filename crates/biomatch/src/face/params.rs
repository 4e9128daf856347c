//! Tuned constants of the face index.

/// Smallest supported embedding dimension.
pub const MIN_DIM: usize = 128;
/// Largest supported embedding dimension.
pub const MAX_DIM: usize = 4096;
/// Longest face-model tag accepted (templates, indexes, galleries and their files), in bytes.
pub const MAX_MODEL_TAG_BYTES: usize = 4096;

/// Rows per gallery segment. A segment is the unit of copy-on-write (an enrolment or removal
/// while searches hold a snapshot copies one segment: 8 MiB at 512 x f32) and of parallel work.
/// At 512 x int8 a segment is exactly one 2 MiB huge page (see `storage`).
pub(crate) const SEGMENT_ROWS: usize = 4096;

/// Bytes of gallery rows walked per tile by the batch kernels: small enough to stay in L2
/// while every probe of the batch passes over the tile.
pub(crate) const ROW_TILE_BYTES: usize = 96 * 1024;

/// Bytes of gallery rows per tile of the blocked batch search: every probe group of the
/// batch passes over the tile, so it should stay in L2 (1 MiB per core on Zen 5) with the
/// packed probes next to it.
pub(crate) const BATCH_TILE_BYTES: usize = 256 * 1024;

/// Smallest batch searched with the blocked (panel) kernels. A panel computes 16 probes at
/// once, so below about 8 probes the row-by-row blocks (memory-bound) are as fast.
pub(crate) const BATCH_MIN_PROBES: usize = 8;

/// Largest int8 code magnitude (symmetric quantisation, -127..=127).
pub(crate) const I8_LEVELS: f32 = 127.0;
