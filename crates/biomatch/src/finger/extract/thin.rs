//! Thinning: reduces the ridges to 8-connected, one-pixel-wide skeletons.
//!
//! Guo and Hall's two alternating sub-iterations (with their decisions tabulated over the
//! 256 neighbourhoods) are followed by a pass that deletes the corner pixels of two-pixel-thick
//! staircases, whose removal keeps the neighbours connected.

use std::sync::OnceLock;

use super::grid::Grid;

/// Neighbour offsets in ring order P2..P9 (N, NE, E, SE, S, SW, W, NW), y down.
pub(crate) const RING: [(isize, isize); 8] = [
    (0, -1),
    (1, -1),
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
];

/// The skeleton of a binary image whose outermost pixels are `false`.
pub(crate) fn thin(binary: &Grid<bool>) -> Grid<bool> {
    let tables = tables();
    let (w, h) = (binary.width, binary.height);
    let mut img: Vec<u8> = binary.data.iter().map(|&b| b as u8).collect();
    let mut doomed = Vec::new();
    // Only ridge pixels can be deleted: scan their list, not the whole image.
    let mut active: Vec<usize> = (1..h.saturating_sub(1))
        .flat_map(|y| (1..w - 1).map(move |x| y * w + x))
        .filter(|&i| img[i] == 1)
        .collect();
    loop {
        let mut changed = false;
        for table in tables {
            doomed.clear();
            for &i in &active {
                if img[i] == 1 && table[code(&img, w, i) as usize] {
                    doomed.push(i);
                }
            }
            changed |= !doomed.is_empty();
            for &i in &doomed {
                img[i] = 0;
            }
        }
        if !changed {
            break;
        }
        active.retain(|&i| img[i] == 1);
    }
    remove_staircases(&mut img, w, h);
    Grid {
        width: w,
        height: h,
        data: img.iter().map(|&b| b == 1).collect(),
    }
}

/// The 8-bit neighbourhood code of pixel `i` (bit k = ring neighbour k).
#[inline]
pub(crate) fn code(img: &[u8], w: usize, i: usize) -> u8 {
    let up = i - w;
    let down = i + w;
    img[up]
        | img[up + 1] << 1
        | img[i + 1] << 2
        | img[down + 1] << 3
        | img[down] << 4
        | img[down - 1] << 5
        | img[i - 1] << 6
        | img[up - 1] << 7
}

/// Number of 0 -> 1 transitions around the ring (the crossing number for a skeleton pixel).
#[inline]
pub(crate) fn transitions(code: u8) -> u32 {
    let rotated = code.rotate_right(1);
    (!rotated & code).count_ones()
}

/// Guo-Hall deletion decisions for the two sub-iterations (unlike Zhang-Suen's, they keep
/// even-width diagonal ridges from vanishing).
fn tables() -> &'static [[bool; 256]; 2] {
    static TABLES: OnceLock<[[bool; 256]; 2]> = OnceLock::new();
    TABLES.get_or_init(|| std::array::from_fn(|step| std::array::from_fn(|c| guo_hall(c, step))))
}

/// Whether Guo-Hall's sub-iteration `step` deletes a pixel with neighbourhood code `c`.
fn guo_hall(c: usize, step: usize) -> bool {
    // p2..p9 = N, NE, E, SE, S, SW, W, NW = bits 0..7.
    let p = |k: usize| ((c >> (k - 2)) & 1) as u32;
    let not = |k: usize| 1 - p(k);
    let pieces = (not(2) & (p(3) | p(4)))
        + (not(4) & (p(5) | p(6)))
        + (not(6) & (p(7) | p(8)))
        + (not(8) & (p(9) | p(2)));
    let n1 = (p(9) | p(2)) + (p(3) | p(4)) + (p(5) | p(6)) + (p(7) | p(8));
    let n2 = (p(2) | p(3)) + (p(4) | p(5)) + (p(6) | p(7)) + (p(8) | p(9));
    let m = if step == 0 {
        (p(6) | p(7) | not(9)) & p(8)
    } else {
        (p(2) | p(3) | not(5)) & p(4)
    };
    pieces == 1 && (2..=3).contains(&n1.min(n2)) && m == 0
}

/// Deletes pixels with two 4-neighbours at a right angle when the rest stays connected.
fn remove_staircases(img: &mut [u8], w: usize, h: usize) {
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            if img[i] == 0 {
                continue;
            }
            let c = code(img, w, i);
            let p = |k: u8| (c >> k) & 1 == 1;
            let corner = (p(0) && p(2)) || (p(2) && p(4)) || (p(4) && p(6)) || (p(6) && p(0));
            if corner && connectivity8(c) == 1 {
                img[i] = 0;
            }
        }
    }
}

/// Yokoi's 8-connectivity number: how many 8-connected pieces the neighbours fall into.
fn connectivity8(code: u8) -> u32 {
    let q = |k: usize| 1 - ((code >> (k % 8)) & 1) as u32;
    [0usize, 2, 4, 6]
        .iter()
        .map(|&k| q(k) - q(k) * q(k + 1) * q(k + 2))
        .sum()
}
