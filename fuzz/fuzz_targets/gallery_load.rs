//! Fuzz target: a gallery file's bytes must load or give a typed error, never a panic, a hang
//! or an allocation beyond the (here lowered) load limits.
//!
//! Random bytes rarely pass the CRC-32, so for inputs whose first byte is odd the target
//! rewrites the header's payload length and checksum first: the payload parser itself is
//! fuzzed, as a hostile file with a valid checksum would reach it. Inputs whose first byte has
//! bit 1 set are loaded with a key as well (the encrypted path: header flags, sealed payload
//! lengths, authentication failure, the plain file refused).
#![no_main]

use biomatch::LoadLimits;
use biomatch::finger::matcher::Matcher;
use biomatch::gallery::{GalleryKey, persist};
use libfuzzer_sys::fuzz_target;

/// Header bytes before the payload (see `gallery::persist`).
const HEADER_LEN: usize = 32;

/// Small limits keep every accepted input quick to load.
const LIMITS: LoadLimits = LoadLimits {
    max_file_bytes: 1 << 20,
    max_subjects: 64,
    max_impressions: 128,
    max_faces: 64,
};

fuzz_target!(|input: &[u8]| {
    let Some((&mode, data)) = input.split_first() else {
        return;
    };
    let mut bytes = data.to_vec();
    if mode & 1 == 1 && bytes.len() >= HEADER_LEN {
        let payload_len = (bytes.len() - HEADER_LEN) as u64;
        let crc = crc32fast::hash(&bytes[HEADER_LEN..]);
        bytes[16..24].copy_from_slice(&payload_len.to_le_bytes());
        bytes[24..28].copy_from_slice(&crc.to_le_bytes());
    }
    if let Ok(g) = persist::from_bytes_with_limits(&bytes, Matcher::default(), &LIMITS) {
        assert!(g.len() <= LIMITS.max_subjects);
        assert!(g.finger_count() <= LIMITS.max_impressions);
    }
    if mode & 2 == 2 {
        let key = GalleryKey::new([0x42; 32]);
        let r = persist::from_bytes_with_key(&bytes, Matcher::default(), &LIMITS, Some(&key));
        // Random bytes never authenticate under the key.
        assert!(r.is_err());
    }
});
