//! Row storage of one gallery segment: a growable buffer of plain values that, once it holds
//! at least one huge page, lives in an anonymous memory map advised for transparent huge
//! pages (Linux). A search streams every stored byte once, so with 4 KiB pages the scan is
//! limited by TLB misses rather than memory bandwidth; 2 MiB pages remove most of them.
//! Elsewhere, or when the map cannot be made, the buffer is an ordinary `Vec`.
//!
//! No `unsafe` here: the map comes from `memmap2`'s safe anonymous mapping and the bytes are
//! viewed as values with `bytemuck` (checked, the map is page aligned).

use bytemuck::Pod;
use std::fmt;
use std::ops::{Deref, DerefMut};

/// Size of a transparent huge page on the supported Linux targets (x86-64, aarch64 with 4 KiB
/// base pages).
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 * 1024 * 1024;

/// Backing memory of a [`RowBuf`].
enum Store<T: Pod> {
    /// Ordinary heap memory (small buffers, non-Linux targets, or when mapping fails).
    Heap(Vec<T>),
    /// An anonymous map; the values start at byte `start`, a huge-page boundary.
    #[cfg(target_os = "linux")]
    Mapped { map: memmap2::MmapMut, start: usize },
}

/// A growable buffer of `T` with a fixed capacity chosen up front (`reserve_exact`); behaves
/// like a `Vec<T>` for the operations a segment needs and derefs to `[T]`.
pub(crate) struct RowBuf<T: Pod> {
    store: Store<T>,
    len: usize,
    cap: usize,
}

impl<T: Pod> RowBuf<T> {
    /// An empty buffer with no memory.
    pub(crate) fn new() -> RowBuf<T> {
        RowBuf {
            store: Store::Heap(Vec::new()),
            len: 0,
            cap: 0,
        }
    }

    /// Values the buffer holds without moving.
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Makes room for at least `additional` more values (exactly that many when it has to
    /// move): a segment reserves all its rows at once, so its memory never moves again.
    pub(crate) fn reserve_exact(&mut self, additional: usize) {
        let needed = self.len.checked_add(additional).expect("capacity overflow");
        if needed <= self.cap {
            return;
        }
        let mut grown = RowBuf::allocate(needed);
        grown.extend_from_slice(self);
        *self = grown;
    }

    /// An empty buffer with room for `cap` values.
    fn allocate(cap: usize) -> RowBuf<T> {
        #[cfg(target_os = "linux")]
        if let Some(store) = Self::map_huge(cap) {
            return RowBuf { store, len: 0, cap };
        }
        RowBuf {
            store: Store::Heap(Vec::with_capacity(cap)),
            len: 0,
            cap,
        }
    }

    /// An anonymous map of at least one huge page, advised for huge pages, with the values
    /// starting on a huge-page boundary; `None` for smaller buffers or when mapping fails.
    #[cfg(target_os = "linux")]
    fn map_huge(cap: usize) -> Option<Store<T>> {
        // Miri cannot run mmap/madvise: the heap buffer behaves the same, only unaligned.
        if cfg!(miri) {
            return None;
        }
        let bytes = cap.checked_mul(std::mem::size_of::<T>())?;
        if bytes < HUGE_PAGE {
            return None;
        }
        // One extra huge page of address space (never touched, so never backed) lets the
        // values start on a huge-page boundary wherever the kernel places the map.
        let map = memmap2::MmapOptions::new()
            .len(bytes.checked_add(HUGE_PAGE)?)
            .map_anon()
            .ok()?;
        let addr = map.as_ptr() as usize;
        let start = (HUGE_PAGE - addr % HUGE_PAGE) % HUGE_PAGE;
        // Advice is a hint: without it the memory is still correct, only slower to scan.
        let _ = map.advise(memmap2::Advice::HugePage);
        Some(Store::Mapped { map, start })
    }

    /// Appends `values`, growing (doubling) when the reserved capacity is exceeded.
    pub(crate) fn extend_from_slice(&mut self, values: &[T]) {
        let needed = self
            .len
            .checked_add(values.len())
            .expect("capacity overflow");
        if needed > self.cap {
            let target = needed.max(self.cap.saturating_mul(2));
            self.reserve_exact(target - self.len);
        }
        match &mut self.store {
            Store::Heap(v) => v.extend_from_slice(values),
            #[cfg(target_os = "linux")]
            Store::Mapped { map, start } => {
                let size = std::mem::size_of::<T>();
                let from = *start + self.len * size;
                let src: &[u8] = bytemuck::cast_slice(values);
                map[from..from + src.len()].copy_from_slice(src);
            }
        }
        self.len = needed;
    }

    /// Shortens the buffer to `len` values (no effect if it is already shorter).
    pub(crate) fn truncate(&mut self, len: usize) {
        if let Store::Heap(v) = &mut self.store {
            v.truncate(len);
        }
        self.len = self.len.min(len);
    }
}

impl<T: Pod> Default for RowBuf<T> {
    fn default() -> RowBuf<T> {
        RowBuf::new()
    }
}

impl<T: Pod> Deref for RowBuf<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match &self.store {
            Store::Heap(v) => v,
            #[cfg(target_os = "linux")]
            Store::Mapped { map, start } => {
                let bytes = self.len * std::mem::size_of::<T>();
                bytemuck::cast_slice(&map[*start..*start + bytes])
            }
        }
    }
}

impl<T: Pod> DerefMut for RowBuf<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.store {
            Store::Heap(v) => v,
            #[cfg(target_os = "linux")]
            Store::Mapped { map, start } => {
                let bytes = self.len * std::mem::size_of::<T>();
                bytemuck::cast_slice_mut(&mut map[*start..*start + bytes])
            }
        }
    }
}

impl<T: Pod> Clone for RowBuf<T> {
    /// A copy with the same capacity (so a copied segment keeps its room and its huge pages).
    fn clone(&self) -> RowBuf<T> {
        let mut copy = RowBuf::allocate(self.cap);
        copy.extend_from_slice(self);
        copy
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for RowBuf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowBuf")
            .field("len", &self.len)
            .field("cap", &self.cap)
            .field("mapped", &!matches!(self.store, Store::Heap(_)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Runs random pushes, swap-removes (copy_within + truncate) and clones on a buffer and on
    /// a `Vec` reference, comparing contents after every step.
    fn against_vec<T: Pod + PartialEq + fmt::Debug>(
        cap: usize,
        row: usize,
        make: impl Fn(u64) -> T,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(cap as u64 ^ row as u64);
        let mut buf = RowBuf::<T>::new();
        buf.reserve_exact(cap);
        assert!(buf.capacity() >= cap);
        let mut reference: Vec<T> = Vec::new();
        let mut snapshots: Vec<(RowBuf<T>, Vec<T>)> = Vec::new();
        for step in 0..600 {
            let rows = reference.len() / row;
            let choice = rng.gen_range(0..10);
            if choice < 6 {
                let values: Vec<T> = (0..row).map(|_| make(rng.r#gen())).collect();
                buf.extend_from_slice(&values);
                reference.extend_from_slice(&values);
            } else if choice < 9 && rows > 0 {
                let victim = rng.gen_range(0..rows);
                let last = rows - 1;
                buf.copy_within(last * row..(last + 1) * row, victim * row);
                buf.truncate(last * row);
                reference.copy_within(last * row..(last + 1) * row, victim * row);
                reference.truncate(last * row);
            } else {
                snapshots.push((buf.clone(), reference.clone()));
            }
            assert_eq!(&buf[..], &reference[..], "step {step}");
            assert_eq!(buf.len(), reference.len());
        }
        // Clones are independent copies: later writes to the original did not reach them.
        for (copy, expected) in &snapshots {
            assert_eq!(&copy[..], &expected[..]);
        }
        // Writes through a clone do not reach the original either.
        if let Some((mut copy, _)) = snapshots.pop()
            && !copy.is_empty()
        {
            let before = buf.to_vec();
            copy[0] = make(u64::MAX);
            assert_eq!(buf.to_vec(), before);
            assert_eq!(copy[0], make(u64::MAX));
        }
    }

    #[test]
    fn small_buffer_matches_vec() {
        against_vec::<f32>(64 * 8, 8, |x| (x % 1000) as f32 - 500.0);
    }

    #[test]
    fn huge_page_buffers_match_vec() {
        // 2 MiB of bytes and 8 MiB of f32: both take the mapped path on Linux.
        against_vec::<u8>(4096 * 512, 512, |x| x as u8);
        against_vec::<u16>(1 << 20, 2048, |x| x as u16);
        against_vec::<f32>(4096 * 512, 512, |x| (x % 997) as f32 * 0.25);
    }

    #[test]
    fn grows_past_reserved_capacity() {
        let mut buf = RowBuf::<u16>::new();
        let mut reference = Vec::new();
        for i in 0..5000u16 {
            buf.extend_from_slice(&[i, i ^ 0x5a5a]);
            reference.extend_from_slice(&[i, i ^ 0x5a5a]);
        }
        assert_eq!(&buf[..], &reference[..]);
        buf.truncate(3);
        assert_eq!(&buf[..], &reference[..3]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn large_buffers_are_mapped_on_a_huge_page_boundary() {
        let mut buf = RowBuf::<u8>::new();
        buf.reserve_exact(HUGE_PAGE);
        buf.extend_from_slice(&[7; 16]);
        assert!(matches!(buf.store, Store::Mapped { .. }));
        assert_eq!(buf.as_ptr() as usize % HUGE_PAGE, 0);
        let copy = buf.clone();
        assert!(matches!(copy.store, Store::Mapped { .. }));
        assert_eq!(copy.as_ptr() as usize % HUGE_PAGE, 0);
        assert_eq!(&copy[..], &[7; 16]);
    }
}
