//! Edge verification: the hot loop of a comparison.
//!
//! Every candidate edge looks up one contiguous run of slots in the probe's index
//! ([`super::index`]) and checks each slot against itself: both relative minutia directions
//! within the angle tolerance, lengths within the length tolerance (widened by the anisotropy
//! allowance for edge pairs rotated little enough). Agreeing slots become [`EdgeMatch`]es.
//!
//! Runs are short (three or four slots on average) and most slots fail, unpredictably which
//! test, so both kernels evaluate every test for every slot and combine the outcomes without
//! branches. The slots are stored as columns ([`SlotColumns`]) so a SIMD kernel loads eight of
//! a field at once.
//!
//! * [`scalar`]: the portable reference.
//! * `avx512` (x86-64 with AVX-512 F/BW/VL): eight slots per step in 256-bit lanes, the
//!   agreeing matches compacted by one register compress.
//! * `avx2` (other x86-64 with AVX2): eight slots per step, compacted four at a time by a
//!   looked-up permutation.
//!
//! The SIMD kernels compute every value with the same operations in the same order as the
//! reference, so the matches are identical, bit for bit (tested at every run length around
//! the vector width, and on whole comparisons).

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub(crate) mod scalar;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86;

use super::index::{EdgeMatch, Tolerances};
use super::prepare::Edge;

/// Room the lookup loop leaves in the output beyond one match per slot (a SIMD kernel stores
/// whole registers of matches).
pub(crate) const OUT_PADDING: usize = 16;

/// Zero slots after the last real one, so a kernel may load a whole vector of slots from
/// anywhere in a run ([`SlotColumns::pad`]).
pub(crate) const SLOT_PADDING: usize = 8;

/// An instruction-set family of the matcher's edge verification (the hot loop of a
/// comparison). Every family gives identical scores; they differ only in speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Portable branch-free loop.
    Scalar,
    /// AVX2 (x86-64).
    Avx2,
    /// AVX-512 F/BW/VL (x86-64).
    Avx512,
}

impl Kernel {
    /// All families, best last.
    pub const ALL: [Kernel; 3] = [Kernel::Scalar, Kernel::Avx2, Kernel::Avx512];

    /// Whether this CPU can run the family.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => {
                std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512vl")
            }
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The best family this CPU runs (detected once per process).
    pub fn detect() -> Kernel {
        static BEST: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| {
            Kernel::ALL
                .into_iter()
                .rev()
                .find(|k| k.is_available())
                .unwrap_or(Kernel::Scalar)
        })
    }

    /// Lower-case name, as the bench reports it.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Scalar => "scalar",
            Kernel::Avx2 => "avx2",
            Kernel::Avx512 => "avx512",
        }
    }
}

/// The filed directed edges of a probe index, one column per feature (slot `i` is row `i` of
/// every column).
#[derive(Clone, Debug, Default)]
pub(crate) struct SlotColumns {
    /// Direction of the start minutia relative to the edge.
    pub(crate) alpha_a: Vec<u16>,
    /// Direction of the end minutia relative to the edge.
    pub(crate) alpha_b: Vec<u16>,
    /// Length × [`super::index::LEN_SCALE`].
    pub(crate) len: Vec<u16>,
    /// `start | end << 8 | edge direction << 16`: the probe minutiae (the low half is the
    /// `p` field of an [`EdgeMatch`]) and the edge's direction.
    pub(crate) ends: Vec<u32>,
    /// Squared extent along the frame's y axis (for the anisotropy allowance).
    pub(crate) y2: Vec<f32>,
}

impl SlotColumns {
    /// Empty columns with room for `n` slots.
    pub(crate) fn with_capacity(n: usize) -> SlotColumns {
        SlotColumns {
            alpha_a: Vec::with_capacity(n),
            alpha_b: Vec::with_capacity(n),
            len: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
            y2: Vec::with_capacity(n),
        }
    }

    /// Appends one slot.
    pub(crate) fn push(&mut self, alpha_a: u16, alpha_b: u16, len: u16, ends: u32, y2: f32) {
        self.alpha_a.push(alpha_a);
        self.alpha_b.push(alpha_b);
        self.len.push(len);
        self.ends.push(ends);
        self.y2.push(y2);
    }

    /// Appends the [`SLOT_PADDING`] zero slots that end an index's columns (never part of
    /// a bucket).
    pub(crate) fn pad(&mut self) {
        for _ in 0..SLOT_PADDING {
            self.push(0, 0, 0, 0, 0.0);
        }
    }
}

/// What the verification reads of a probe index.
pub(crate) struct Buckets<'a> {
    /// Bucket `i` holds slots `starts[i]..starts[i + 1]`.
    pub(crate) starts: &'a [u32],
    /// The slots.
    pub(crate) slots: &'a SlotColumns,
    /// Angle units are shifted right by this to give an angle bin.
    pub(crate) angle_shift: u32,
}

/// Writes to `out[..count]` every agreeing pair of a probe slot and a candidate edge, with
/// the kernel `tol` names, and returns `count` (`out` only ever grows; see [`drive`]).
pub(crate) fn match_edges(
    buckets: &Buckets<'_>,
    candidate: &[Edge],
    tol: &Tolerances,
    out: &mut Vec<EdgeMatch>,
) -> usize {
    // `tol.kernel` only ever holds a family this CPU runs (`Kernel::detect`,
    // `Matcher::with_kernel`).
    match tol.kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => avx2::match_edges(buckets, candidate, tol, out),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => avx512::match_edges(buckets, candidate, tol, out),
        _ => drive(buckets, candidate, tol, out, scalar::verify_run),
    }
}

/// How many candidate edges ahead the lookup loop prefetches the bucket table.
const PREFETCH_AHEAD: usize = 4;

/// Asks the CPU to bring `value`'s cache line closer (a hint: no effect on results).
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads nothing the program can observe; the
    // address comes from a reference, so it is valid anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            value as *const T as *const i8,
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// The lookup loop shared by the kernels: for each candidate edge, the run of slots it must be
/// checked against (one run, or two where its second angle's window wraps), verified by
/// `verify_run(slots, from, to, edge, tol, out, n)`, which writes the agreeing matches to
/// `out[n..]` and returns the new count. `out` always has room for one match per slot of the
/// run after `n`, plus [`OUT_PADDING`]. Returns the number of matches, written to
/// `out[..count]`; `out` is grown when a run needs room but never shortened, so after the
/// first comparisons it is not written beyond what the kernels store.
#[inline(always)]
pub(crate) fn drive(
    buckets: &Buckets<'_>,
    candidate: &[Edge],
    tol: &Tolerances,
    out: &mut Vec<EdgeMatch>,
    mut verify_run: impl FnMut(
        &SlotColumns,
        usize,
        usize,
        &Edge,
        &Tolerances,
        &mut [EdgeMatch],
        usize,
    ) -> usize,
) -> usize {
    let shift = buckets.angle_shift;
    let angle_bins = 1usize << (16 - shift);
    let starts = buckets.starts;
    if starts.len() <= angle_bins {
        return 0;
    }
    let last_row = starts.len() - 1 - angle_bins;
    let slots = buckets.slots;
    let mut n = 0;
    let mut run = |from: usize, to: usize, ce: &Edge, n: usize| -> usize {
        let (s, t) = (starts[from] as usize, starts[to] as usize);
        if out.len() < n + (t - s) + OUT_PADDING {
            out.resize(n + (t - s) + 4 * OUT_PADDING, EdgeMatch::default());
        }
        verify_run(slots, s, t, ce, tol, &mut out[..], n)
    };
    for (j, ce) in candidate.iter().enumerate() {
        if let Some(ahead) = candidate.get(j + PREFETCH_AHEAD) {
            let at = (ahead.bucket as usize).min(last_row)
                + (ahead.alpha_b.wrapping_sub(tol.angle) >> shift) as usize;
            prefetch(&starts[at]);
        }
        // Rows were computed by the same parameters at preparation.
        let row = (ce.bucket as usize).min(last_row);
        let lo = (ce.alpha_b.wrapping_sub(tol.angle) >> shift) as usize;
        let hi = (ce.alpha_b.wrapping_add(tol.angle) >> shift) as usize;
        if lo <= hi {
            n = run(row + lo, row + hi + 1, ce, n);
        } else {
            n = run(row + lo, row + angle_bins, ce, n);
            n = run(row, row + hi + 1, ce, n);
        }
    }
    n
}
