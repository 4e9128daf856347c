//! Saving and loading face indexes: round trips, calibration kept, corrupt and truncated
//! files are typed errors.

use biomatch::face::{FaceError, FaceIndex, FaceTemplate, Precision};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn build(precision: Precision) -> (FaceIndex, Vec<FaceTemplate>) {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let index = FaceIndex::new("model-x", 128, precision);
    let ts: Vec<FaceTemplate> = (0..300)
        .map(|_| {
            let v: Vec<f32> = (0..128).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
            FaceTemplate::new("model-x", &v).unwrap()
        })
        .collect();
    for (i, t) in ts.iter().enumerate() {
        index.enrol(i as u64 * 11, t).unwrap();
    }
    index.remove(0).unwrap();
    index.calibrate(&[0.1, 0.2, 0.3]).unwrap();
    (index, ts)
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("biomatch-face-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn round_trip_keeps_results_and_calibration() {
    let dir = tmpdir("rt");
    for precision in [Precision::F32, Precision::F16, Precision::I8] {
        let (index, ts) = build(precision);
        let path = dir.join(format!("{precision:?}.bmf"));
        index.save(&path).unwrap();
        let back = FaceIndex::load(&path).unwrap();
        assert_eq!(
            (back.model(), back.dim(), back.precision(), back.len()),
            ("model-x", 128, precision, 299)
        );
        assert_eq!(back.calibration(), index.calibration());
        for t in ts.iter().take(20) {
            assert_eq!(
                back.search_top_k(t, 5).unwrap(),
                index.search_top_k(t, 5).unwrap()
            );
        }
        assert!(!back.contains(0));
        // Nothing but the index is left in the directory (the temp file was renamed).
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            names.iter().all(|n| !n.to_string_lossy().contains(".tmp")),
            "{names:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_files_are_typed_errors() {
    let (index, _) = build(Precision::I8);
    let bytes = index.to_bytes().unwrap();
    // Every truncation point.
    for cut in [0, 5, 8, 11, 12, 20, 40, bytes.len() / 2, bytes.len() - 1] {
        let e = FaceIndex::from_bytes(&bytes[..cut]).unwrap_err();
        assert!(matches!(e, FaceError::Truncated), "cut {cut}: {e:?}");
    }
    // A flipped bit anywhere in the rows or the header fields is caught.
    for pos in [30usize, bytes.len() / 3, bytes.len() - 10] {
        let mut b = bytes.clone();
        b[pos] ^= 0x10;
        let e = FaceIndex::from_bytes(&b).unwrap_err();
        assert!(
            matches!(
                e,
                FaceError::ChecksumMismatch | FaceError::Truncated | FaceError::Corrupt(_)
            ),
            "pos {pos}: {e:?}"
        );
    }
    let mut b = bytes.clone();
    b[0] = b'X';
    assert_eq!(
        FaceIndex::from_bytes(&b).unwrap_err(),
        FaceError::NotAnIndexFile
    );
    let mut b = bytes.clone();
    b[8] = 9;
    assert_eq!(
        FaceIndex::from_bytes(&b).unwrap_err(),
        FaceError::UnsupportedVersion(9)
    );
    let mut b = bytes.clone();
    b.push(0);
    assert!(matches!(
        FaceIndex::from_bytes(&b).unwrap_err(),
        FaceError::Corrupt(_)
    ));
    // A huge declared count does not allocate: it is checked against the file size.
    let mut b = bytes.clone();
    let count_at = 8 + 4 + 1 + 4 + 4 + "model-x".len();
    let calib_len = u64::from_le_bytes(b[count_at..count_at + 8].try_into().unwrap()) as usize;
    let count_at = count_at + 8 + calib_len;
    b[count_at..count_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(FaceIndex::from_bytes(&b).unwrap_err(), FaceError::Truncated);
    let missing = FaceIndex::load("/nonexistent/dir/x.bmf").unwrap_err();
    assert!(matches!(missing, FaceError::Io { .. }));
}
