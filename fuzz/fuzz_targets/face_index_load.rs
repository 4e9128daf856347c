//! Fuzz target: a face index file's bytes must load or give a typed error, never a panic, a
//! hang or an allocation beyond the (here lowered) load limits; an index that loads saves
//! again into bytes that load to the same size.
//!
//! Random bytes rarely pass the CRC-32, so for inputs whose first byte is odd the target
//! rewrites the trailing checksum first, reaching the parser behind it.
#![no_main]

use biomatch::LoadLimits;
use biomatch::face::FaceIndex;
use libfuzzer_sys::fuzz_target;

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
    if mode & 1 == 1 && bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
    }
    if let Ok(index) = FaceIndex::from_bytes_with_limits(&bytes, &LIMITS) {
        assert!(index.len() <= LIMITS.max_faces);
        let again = index.to_bytes().expect("a loaded index saves");
        let reloaded = FaceIndex::from_bytes(&again).expect("a saved index loads");
        assert_eq!(reloaded.len(), index.len());
    }
});
