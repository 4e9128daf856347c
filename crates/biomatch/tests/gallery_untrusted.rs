//! Gallery and face index files are untrusted input: hostile files with valid checksums are
//! refused as corrupt data, within the documented limits, without huge allocations.

mod common;

use std::path::PathBuf;

use biomatch::LoadLimits;
use biomatch::face::{FaceError, FaceIndex, Precision};
use biomatch::finger::matcher::Matcher;
use biomatch::gallery::persist::{from_bytes, from_bytes_with_limits, load_with_limits};
use biomatch::gallery::{Gallery, GalleryConfig, GalleryError};

use common::crafted;

fn corrupt_reason(r: Result<Gallery, GalleryError>) -> String {
    match r {
        Err(GalleryError::Corrupt { reason, .. }) => reason,
        other => panic!("expected GalleryError::Corrupt, got {other:?}"),
    }
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("bm-untrusted-{}-{name}", std::process::id()))
}

/// The file of issue #18 (8 MiB tag, 4,000 faces, valid checksum) is corrupt data. Before the
/// fix, loading it copied the tag into each of the 4,000 faces (32 GB) and aborted.
#[test]
fn the_issue_file_with_a_huge_tag_and_many_faces_is_corrupt_data() {
    let bytes = crafted::huge_tag_many_faces();
    assert!(bytes.len() > 10_000_000, "the file is the issue's ~10 MB");
    let reason = corrupt_reason(from_bytes(&bytes, Matcher::default()));
    assert!(reason.contains("face model tag"), "{reason}");
    // Through a file as well.
    let path = temp("issue.bmg");
    std::fs::write(&path, &bytes).unwrap();
    let reason = corrupt_reason(Gallery::load(&path));
    assert!(reason.contains("face model tag"), "{reason}");
    std::fs::remove_file(&path).unwrap();
}

/// A tag at the limit is accepted, and 4,000 faces share it: the gallery reports the tag once
/// and every face compares equal to a template built with that tag.
#[test]
fn a_tag_at_the_limit_loads_and_is_shared_by_every_face() {
    let tag = vec![b't'; biomatch::face::params::MAX_MODEL_TAG_BYTES];
    let mut p = crafted::head(&tag, 128, 4000);
    for i in 0..4000 {
        crafted::face_subject(&mut p, &format!("s{i:05}"), 128, 0.5);
    }
    let g = from_bytes(&crafted::file(&p), Matcher::default()).unwrap();
    assert_eq!(g.len(), 4000);
    assert_eq!(g.config().face_model.len(), tag.len());
    let probe = biomatch::face::FaceTemplate::new(&g.config().face_model, &[1.0; 128]).unwrap();
    let s = g
        .get(&biomatch::gallery::SubjectId::new("s01234").unwrap())
        .unwrap();
    // All values 0.5, normalised: identical direction to the all-ones probe.
    assert!((s.face().unwrap().similarity(&probe).unwrap() - 1.0).abs() < 1e-6);
    // One byte more is refused.
    let long = vec![b't'; tag.len() + 1];
    let mut p = crafted::head(&long, 128, 1);
    crafted::face_subject(&mut p, "a", 128, 0.5);
    let reason = corrupt_reason(from_bytes(&crafted::file(&p), Matcher::default()));
    assert!(reason.contains("4097 bytes"), "{reason}");
}

/// Valid-checksum files with a duplicate id, a NaN minutia, a bad embedding, an out-of-range
/// dimension or an over-long id are corrupt data (they were DuplicateId, NonFiniteMinutia,
/// Face(...) errors, which the C API reported as other statuses).
#[test]
fn every_inconsistency_inside_a_file_is_corrupt_data() {
    let load = |p: &[u8]| from_bytes(&crafted::file(p), Matcher::default());
    // Duplicate id.
    let mut p = crafted::head(b"m", 128, 2);
    crafted::face_subject(&mut p, "twin", 128, 0.5);
    crafted::face_subject(&mut p, "twin", 128, 0.5);
    assert!(corrupt_reason(load(&p)).contains("twice"));
    // NaN minutia.
    let mut p = crafted::head(b"m", 128, 1);
    crafted::finger_subject(&mut p, "nan", &[(10.0, 10.0, 0.0), (f32::NAN, 5.0, 0.0)]);
    assert!(corrupt_reason(load(&p)).contains("NaN"));
    // Zero embedding, and an infinite one.
    for v in [0.0, f32::INFINITY] {
        let mut p = crafted::head(b"m", 128, 1);
        crafted::face_subject(&mut p, "face", 128, v);
        corrupt_reason(load(&p));
    }
    // Dimension out of range: 64, 5000, and 2^32 - 1.
    for dim in [64u32, 5000, u32::MAX] {
        let p = crafted::head(b"m", dim, 0);
        assert!(corrupt_reason(load(&p)).contains("dimension"), "{dim}");
    }
    // A 257-byte id.
    let mut p = crafted::head(b"m", 128, 1);
    crafted::face_subject(&mut p, &"x".repeat(257), 128, 0.5);
    assert!(corrupt_reason(load(&p)).contains("subject id"));
    // An empty subject (no face, no finger).
    let mut p = crafted::head(b"m", 128, 1);
    p.extend_from_slice(&1u32.to_le_bytes());
    p.push(b'e');
    p.push(0);
    p.extend_from_slice(&0u32.to_le_bytes());
    corrupt_reason(load(&p));
    // A sane file of the same shapes loads (the checks are not refusing everything).
    let mut p = crafted::head(b"m", 128, 2);
    crafted::face_subject(&mut p, "a", 128, 0.5);
    crafted::finger_subject(&mut p, "b", &[(10.0, 10.0, 0.0), (50.0, 80.0, 90.0)]);
    let g = load(&p).unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!(g.finger_count(), 1);
}

/// The subject count is checked against the limits and the bytes left before anything is
/// reserved, and the limits can be lowered.
#[test]
fn counts_are_checked_against_the_limits() {
    let mut p = crafted::head(b"m", 128, 3);
    for id in ["a", "b", "c"] {
        crafted::face_subject(&mut p, id, 128, 0.5);
    }
    let bytes = crafted::file(&p);
    let limits = |f: fn(&mut LoadLimits)| {
        let mut l = LoadLimits::default();
        f(&mut l);
        l
    };
    let m = Matcher::default;
    assert_eq!(from_bytes(&bytes, m()).unwrap().len(), 3);
    let r = from_bytes_with_limits(&bytes, m(), &limits(|l| l.max_subjects = 2));
    assert!(corrupt_reason(r).contains("3 subjects exceed the limit of 2"));
    let r = from_bytes_with_limits(&bytes, m(), &limits(|l| l.max_faces = 2));
    assert!(corrupt_reason(r).contains("more than 2 faces"));
    let r = from_bytes_with_limits(&bytes, m(), &limits(|l| l.max_file_bytes = 100));
    assert!(corrupt_reason(r).contains("larger than the limit"));
    let mut p = crafted::head(b"m", 128, 2);
    crafted::finger_subject(&mut p, "a", &[(1.0, 2.0, 3.0)]);
    crafted::finger_subject(&mut p, "b", &[(1.0, 2.0, 3.0)]);
    let r = from_bytes_with_limits(&crafted::file(&p), m(), &limits(|l| l.max_impressions = 1));
    assert!(corrupt_reason(r).contains("impressions"));
    // A subject count the bytes cannot hold.
    let p = crafted::head(b"m", 128, u64::MAX / 2);
    corrupt_reason(from_bytes(&crafted::file(&p), m()));
    // The same limit through a file on disk: refused by its size before parsing.
    let path = temp("limits.bmg");
    std::fs::write(&path, &bytes).unwrap();
    let r = load_with_limits(&path, m(), &limits(|l| l.max_file_bytes = 100));
    assert!(corrupt_reason(r).contains("larger than the limit of 100 bytes"));
    assert_eq!(
        load_with_limits(&path, m(), &LoadLimits::default())
            .unwrap()
            .len(),
        3
    );
    std::fs::remove_file(&path).unwrap();
}

/// Loading never reads a FIFO or a device (which would block or never end).
#[cfg(unix)]
#[test]
fn special_files_are_refused_without_reading() {
    assert!(matches!(
        Gallery::load(std::path::Path::new("/dev/zero")),
        Err(GalleryError::Io { .. })
    ));
    assert!(matches!(
        FaceIndex::load("/dev/zero"),
        Err(FaceError::Io { .. })
    ));
    // A FIFO with no writer: a naive loader blocks forever opening it (this test then hangs);
    // `mkfifo` is part of POSIX and coreutils.
    let fifo = temp("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo failed");
    let r = Gallery::load(&fifo);
    assert!(
        matches!(&r, Err(GalleryError::Io { source, .. }) if source.to_string().contains("regular file")),
        "{r:?}"
    );
    std::fs::remove_file(&fifo).unwrap();
}

/// Saving never truncates a dimension or writes a tag the loader would refuse.
#[test]
fn configurations_the_loader_refuses_are_not_saved() {
    let path = temp("bad-config.bmg");
    for config in [
        GalleryConfig::new("m", (1usize << 32) + 512),
        GalleryConfig::new("m", 100),
        GalleryConfig::new(&"t".repeat(5000), 128),
    ] {
        assert!(config.validate().is_err());
        let g = Gallery::new(config);
        assert!(matches!(g.save(&path), Err(GalleryError::Face(_))));
        assert!(!path.exists());
    }
    let index = FaceIndex::new("m", (1usize << 32) + 512, Precision::F32);
    assert!(matches!(
        index.to_bytes(),
        Err(FaceError::DimensionOutOfRange { .. })
    ));
}

/// A face index file over the row limit is corrupt data before rows are parsed.
#[test]
fn face_index_files_are_checked_against_the_limits() {
    let index = FaceIndex::new("m", 128, Precision::I8);
    for id in 0..5 {
        index.enrol(id, &common::random_face(id, 128)).unwrap();
    }
    let bytes = index.to_bytes().unwrap();
    assert_eq!(FaceIndex::from_bytes(&bytes).unwrap().len(), 5);
    let limits = LoadLimits {
        max_faces: 4,
        ..LoadLimits::default()
    };
    assert!(matches!(
        FaceIndex::from_bytes_with_limits(&bytes, &limits),
        Err(FaceError::Corrupt(m)) if m.contains("limit of 4")
    ));
    let limits = LoadLimits {
        max_file_bytes: bytes.len() as u64 - 1,
        ..LoadLimits::default()
    };
    assert!(matches!(
        FaceIndex::from_bytes_with_limits(&bytes, &limits),
        Err(FaceError::Corrupt(_))
    ));
}
