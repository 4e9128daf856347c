//! Hostile gallery files with valid checksums, built byte by byte from the documented file
//! format (`gallery::persist`), independently of the library's writer. Shared by the core,
//! CLI and C ABI tests (`#[path]`-included), so it uses only `std`.

#![allow(dead_code)]

/// CRC-32 (IEEE 802.3, reflected, as zlib and PNG), bit by bit: an independent implementation
/// of the checksum the file header carries.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A complete gallery file (header with the payload's length and checksum) around `payload`.
pub fn file(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + payload.len());
    out.extend_from_slice(b"BMGALLRY");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload's head: model tag, dimension, f32 precision, no calibrations, subject count.
pub fn head(tag: &[u8], dim: u32, subjects: u64) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&(tag.len() as u32).to_le_bytes());
    p.extend_from_slice(tag);
    p.extend_from_slice(&dim.to_le_bytes());
    p.push(0); // f32
    p.push(0); // no finger calibration
    p.push(0); // no face calibration
    p.extend_from_slice(&subjects.to_le_bytes());
    p
}

/// Appends a subject with a face of `dim` values (all `value`) and no finger.
pub fn face_subject(p: &mut Vec<u8>, id: &str, dim: usize, value: f32) {
    p.extend_from_slice(&(id.len() as u32).to_le_bytes());
    p.extend_from_slice(id.as_bytes());
    p.push(1);
    for _ in 0..dim {
        p.extend_from_slice(&value.to_le_bytes());
    }
    p.extend_from_slice(&0u32.to_le_bytes());
}

/// Appends a subject with no face and one finger view holding `minutiae` (x, y, angle).
pub fn finger_subject(p: &mut Vec<u8>, id: &str, minutiae: &[(f32, f32, f32)]) {
    p.extend_from_slice(&(id.len() as u32).to_le_bytes());
    p.extend_from_slice(id.as_bytes());
    p.push(0);
    p.extend_from_slice(&1u32.to_le_bytes());
    p.extend_from_slice(&[1, 0, 0, 60]); // right thumb, view 0, live-scan plain, quality 60
    for v in [300u16, 400, 197, 197] {
        p.extend_from_slice(&v.to_le_bytes());
    }
    p.extend_from_slice(&(minutiae.len() as u32).to_le_bytes());
    for &(x, y, a) in minutiae {
        for v in [x, y, a] {
            p.extend_from_slice(&v.to_le_bytes());
        }
        p.extend_from_slice(&[1, 50]); // ridge ending, quality 50
    }
}

/// The file of issue #18: a face-model tag of 8 MiB and 4,000 subjects with a 128-value face
/// each, valid checksum (about 10.5 MB). Loading it once cost 32 GB (the tag copied per face).
pub fn huge_tag_many_faces() -> Vec<u8> {
    const FACES: usize = 4000;
    let tag = vec![b'm'; 8 << 20];
    let mut p = head(&tag, 128, FACES as u64);
    for i in 0..FACES {
        face_subject(&mut p, &format!("s{i:05}"), 128, 0.25);
    }
    file(&p)
}
