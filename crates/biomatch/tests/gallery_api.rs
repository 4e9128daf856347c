//! Gallery behaviour: records and typed errors, live updates under concurrent searches,
//! persistence and corruption handling, fusion on probes with several modalities.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use biomatch::calibration::Calibration;
use biomatch::face::FaceTemplate;
use biomatch::finger::{FingerPosition, FingerView};
use biomatch::gallery::{
    Gallery, GalleryConfig, GalleryError, Probe, SearchMode, SearchOptions, Subject, SubjectId,
};

const DIM: usize = 128;

fn face(seed: u64) -> FaceTemplate {
    common::random_face(seed, DIM)
}

fn finger(seed: u64, position: FingerPosition) -> FingerView {
    common::synthetic_finger(seed, position)
}

fn id(s: &str) -> SubjectId {
    SubjectId::new(s).unwrap()
}

fn gallery() -> Gallery {
    Gallery::new(GalleryConfig::new("m", DIM))
}

#[test]
fn ids_are_validated() {
    assert!(matches!(
        SubjectId::new(""),
        Err(GalleryError::InvalidId { .. })
    ));
    assert!(matches!(
        SubjectId::new(&"x".repeat(257)),
        Err(GalleryError::InvalidId { .. })
    ));
    assert!(matches!(
        SubjectId::new("a\nb"),
        Err(GalleryError::InvalidId { .. })
    ));
    assert_eq!(SubjectId::new("Müller-ß 7").unwrap().as_str(), "Müller-ß 7");
}

#[test]
fn enrol_replace_remove_and_lookup() {
    let g = gallery();
    let s = Subject::new(id("a"))
        .with_face(face(1))
        .with_finger(finger(1, FingerPosition::RIGHT_INDEX));
    g.enrol(s).unwrap();
    assert!(matches!(
        g.enrol(Subject::new(id("a")).with_face(face(2))),
        Err(GalleryError::DuplicateId(x)) if x == "a"
    ));
    assert!(matches!(
        g.enrol(Subject::new(id("empty"))),
        Err(GalleryError::EmptySubject(_))
    ));
    assert!(matches!(
        g.remove(&id("zz")),
        Err(GalleryError::UnknownId(_))
    ));
    assert!(matches!(
        g.replace(Subject::new(id("zz")).with_face(face(3))),
        Err(GalleryError::UnknownId(_))
    ));
    assert!(matches!(g.get(&id("zz")), Err(GalleryError::UnknownId(_))));
    // A batch with an id twice is refused as a whole.
    let batch = vec![
        Subject::new(id("b")).with_face(face(4)),
        Subject::new(id("b")).with_face(face(5)),
    ];
    assert!(matches!(
        g.enrol_many(batch),
        Err(GalleryError::DuplicateId(_))
    ));
    assert_eq!(g.len(), 1);
    // Wrong face model or dimension is a typed error and leaves nothing behind.
    let other = FaceTemplate::new("other", &[1.0; DIM]).unwrap();
    assert!(matches!(
        g.enrol(Subject::new(id("c")).with_face(other)),
        Err(GalleryError::Face(_))
    ));
    let short = FaceTemplate::new("m", &[1.0; 2 * DIM]).unwrap();
    assert!(matches!(
        g.enrol(Subject::new(id("c")).with_face(short)),
        Err(GalleryError::Face(_))
    ));
    assert_eq!(g.len(), 1);

    assert_eq!(g.finger_count(), 1);
    g.replace(
        Subject::new(id("a"))
            .with_face(face(6))
            .with_finger(finger(2, FingerPosition::LEFT_INDEX))
            .with_finger(finger(3, FingerPosition::LEFT_INDEX)),
    )
    .unwrap();
    assert_eq!(g.finger_count(), 2);
    let back = g.get(&id("a")).unwrap();
    assert_eq!(back.face(), Some(&face(6)));
    assert_eq!(back.fingers()[&FingerPosition::LEFT_INDEX].len(), 2);
    // The replaced face is gone from 1:N: the old face no longer finds anyone by itself.
    let hits = g
        .search(
            &Probe {
                face: Some(face(6)),
                fingers: vec![],
            },
            &SearchOptions::default(),
        )
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert!((hits[0].face.as_ref().unwrap().score - 1.0).abs() < 1e-5);
    let removed = g.remove(&id("a")).unwrap();
    assert_eq!(removed.id(), &id("a"));
    assert!(g.is_empty());
    assert_eq!(g.finger_count(), 0);
    assert!(
        g.search(
            &Probe {
                face: Some(face(6)),
                fingers: vec![]
            },
            &SearchOptions::default()
        )
        .unwrap()
        .is_empty()
    );
}

#[test]
fn probes_are_checked() {
    let g = gallery();
    g.enrol(
        Subject::new(id("a"))
            .with_face(face(1))
            .with_finger(finger(1, FingerPosition::UNKNOWN)),
    )
    .unwrap();
    assert!(matches!(
        g.search(&Probe::default(), &SearchOptions::default()),
        Err(GalleryError::EmptyProbe)
    ));
    let mut bad = finger(1, FingerPosition::UNKNOWN);
    bad.minutiae[0].x = f32::NAN;
    assert!(matches!(
        g.search(
            &Probe {
                face: None,
                fingers: vec![bad]
            },
            &SearchOptions::default()
        ),
        Err(GalleryError::NonFiniteMinutia)
    ));
    // Two modalities without calibrations cannot be fused.
    let both = Probe {
        face: Some(face(1)),
        fingers: vec![finger(1, FingerPosition::UNKNOWN)],
    };
    assert!(matches!(
        g.search(&both, &SearchOptions::default()),
        Err(GalleryError::NotCalibrated(_))
    ));
}

#[test]
fn fused_scores_follow_the_calibrations() {
    // Face calibration: impostor similarities uniform on [-0.5, 0.5).
    let face_imp: Vec<f64> = (0..1000).map(|i| -0.5 + i as f64 / 1000.0).collect();
    let finger_imp: Vec<f64> = (0..1000).map(|i| i as f64 / 10.0).collect();
    let mut cfg = GalleryConfig::new("m", DIM);
    cfg.face_calibration = Some(Calibration::from_impostor_scores(&face_imp).unwrap());
    cfg.finger_calibration = Some(Calibration::from_impostor_scores(&finger_imp).unwrap());
    let g = Gallery::new(cfg);
    for k in 0..20 {
        g.enrol(Subject::new(id(&format!("s{k}"))).with_face(face(k)))
            .unwrap();
    }
    let probe = Probe {
        face: Some(face(7)),
        fingers: vec![],
    };
    let hits = g
        .search(
            &probe,
            &SearchOptions {
                top_k: 3,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(hits[0].id, id("s7"));
    let f = hits[0].face.as_ref().unwrap();
    // Similarity 1.0 is above every impostor: the FMR is the floor 0.5 / 1000.
    assert_eq!(f.fmr, Some(0.5 / 1000.0));
    assert_eq!(hits[0].fused_fmr, Some(0.5 / 1000.0));
    assert!((hits[0].fused_score - 3.30103).abs() < 1e-4);
    // Ranked by fused score.
    assert!(
        hits.windows(2)
            .all(|w| w[0].fused_score >= w[1].fused_score)
    );
    // A threshold keeps only candidates at or above it.
    let strict = g
        .search(
            &probe,
            &SearchOptions {
                top_k: 20,
                min_fused_score: Some(3.0),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(strict.len(), 1);
    // A face + finger probe against a subject with no finger: the finger gives no evidence
    // (rate 1), the fused FMR is Fisher's combination of the face rate and 1.
    let both = Probe {
        face: Some(face(7)),
        fingers: vec![finger(9, FingerPosition::UNKNOWN)],
    };
    let c = g.verify(&id("s7"), &both).unwrap();
    assert_eq!(c.fingers[0].compared, 0);
    let q: f64 = 0.5 / 1000.0;
    assert!((c.fused_fmr.unwrap() - q * (1.0 - q.ln())).abs() < 1e-12);
}

#[test]
fn searches_during_updates_never_lose_or_invent_subjects() {
    let g = Arc::new(gallery());
    let stable = 50u64;
    for k in 0..stable {
        g.enrol(
            Subject::new(id(&format!("stable-{k}")))
                .with_face(face(k))
                .with_finger(finger(k, FingerPosition::UNKNOWN)),
        )
        .unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let removed_upto = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (g, stop, removed_upto) = (g.clone(), stop.clone(), removed_upto.clone());
        std::thread::spawn(move || {
            let mut k = 0usize;
            while !stop.load(Ordering::SeqCst) && k < 400 {
                let t = id(&format!("transient-{k}"));
                g.enrol(
                    Subject::new(t.clone())
                        .with_face(face(1000 + k as u64))
                        .with_finger(finger(1000 + k as u64, FingerPosition::UNKNOWN)),
                )
                .unwrap();
                g.remove(&t).unwrap();
                k += 1;
                removed_upto.store(k, Ordering::SeqCst);
            }
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|r| {
            let (g, removed_upto) = (g.clone(), removed_upto.clone());
            std::thread::spawn(move || {
                for i in 0..150u64 {
                    let k = (i * 7 + r) % stable;
                    let done = removed_upto.load(Ordering::SeqCst);
                    let hits = g
                        .search(
                            &Probe {
                                face: Some(face(k)),
                                fingers: vec![],
                            },
                            &SearchOptions {
                                top_k: 100,
                                ..Default::default()
                            },
                        )
                        .unwrap();
                    // Not lost: the stable subject is found, first.
                    assert_eq!(hits[0].id.as_str(), format!("stable-{k}"));
                    // No phantom: nothing removed before the search began is listed.
                    for h in &hits {
                        if let Some(n) = h.id.as_str().strip_prefix("transient-") {
                            let n: usize = n.parse().unwrap();
                            assert!(n >= done, "transient-{n} listed after its removal ({done})");
                        }
                    }
                    // Finger searches see a consistent snapshot too.
                    let fh = g
                        .search(
                            &Probe {
                                face: None,
                                fingers: vec![finger(k, FingerPosition::UNKNOWN)],
                            },
                            &SearchOptions {
                                top_k: 1000,
                                ..Default::default()
                            },
                        )
                        .unwrap();
                    assert!(fh.iter().any(|h| h.id.as_str() == format!("stable-{k}")));
                    // ... and so does the first stage (a shortlist far smaller than the
                    // gallery): the enrolled copy of the probe is found, nothing removed is.
                    let fast = g
                        .search(
                            &Probe {
                                face: None,
                                fingers: vec![finger(k, FingerPosition::UNKNOWN)],
                            },
                            &SearchOptions {
                                top_k: 5,
                                mode: SearchMode::Fast { shortlist: 5 },
                                ..Default::default()
                            },
                        )
                        .unwrap();
                    assert_eq!(fast[0].id.as_str(), format!("stable-{k}"));
                    for h in &fast {
                        if let Some(n) = h.id.as_str().strip_prefix("transient-") {
                            let n: usize = n.parse().unwrap();
                            assert!(n >= done, "transient-{n} listed after its removal ({done})");
                        }
                    }
                }
            })
        })
        .collect();
    for r in readers {
        r.join().unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert_eq!(g.len(), stable as usize);
    assert_eq!(g.finger_count(), stable as usize);
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("bm-gallery-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn save_and_load_round_trip_and_corruption_is_typed() {
    let dir = temp_dir("persist");
    let path = dir.join("g.bmg");
    let mut cfg = GalleryConfig::new("m", DIM);
    cfg.face_calibration = Some(Calibration::from_impostor_scores(&[0.1, 0.2, 0.3]).unwrap());
    let g = Gallery::new(cfg);
    for k in 0..30u64 {
        let mut s = Subject::new(id(&format!("subject {k} é")));
        if k % 3 != 0 {
            s = s.with_face(face(k));
        }
        for p in 0..(k % 4) {
            s.add_finger(finger(k * 10 + p, FingerPosition(p as u8 + 1)));
        }
        if k % 3 == 0 && k % 4 == 0 {
            s.add_finger(finger(k, FingerPosition::UNKNOWN));
        }
        g.enrol(s).unwrap();
    }
    g.save(&path).unwrap();
    let back = Gallery::load(&path).unwrap();
    assert_eq!(back.len(), g.len());
    assert_eq!(back.finger_count(), g.finger_count());
    assert_eq!(back.config().face_calibration, g.config().face_calibration);
    for (a, b) in g.subjects().iter().zip(back.subjects()) {
        assert_eq!(a.id(), b.id());
        assert_eq!(
            a.face().map(|f| f.values().to_vec()),
            b.face().map(|f| f.values().to_vec())
        );
        let fa: Vec<_> = a
            .impressions()
            .map(|(p, v)| (p, v.minutiae.clone()))
            .collect();
        let fb: Vec<_> = b
            .impressions()
            .map(|(p, v)| (p, v.minutiae.clone()))
            .collect();
        assert_eq!(fa, fb);
    }
    let bytes = std::fs::read(&path).unwrap();
    let m = biomatch::finger::matcher::Matcher::default;
    use biomatch::gallery::persist::from_bytes;
    // A flipped payload byte: checksum.
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    assert!(matches!(
        from_bytes(&flipped, m()),
        Err(GalleryError::ChecksumMismatch { .. })
    ));
    // Truncated anywhere: typed error, no panic.
    for cut in [0, 5, 20, 31, 32, 100, bytes.len() - 1] {
        let r = from_bytes(&bytes[..cut], m());
        assert!(
            matches!(
                r,
                Err(GalleryError::NotAGallery | GalleryError::Corrupt { .. })
            ),
            "cut {cut}: {r:?}"
        );
    }
    let mut wrong = bytes.clone();
    wrong[0] = b'X';
    assert!(matches!(
        from_bytes(&wrong, m()),
        Err(GalleryError::NotAGallery)
    ));
    let mut v3 = bytes.clone();
    v3[8] = 3;
    assert!(matches!(
        from_bytes(&v3, m()),
        Err(GalleryError::UnsupportedVersion(3, 2))
    ));
    // A payload with a consistent checksum but an absurd count is refused without allocating.
    let mut huge = bytes.clone();
    let payload_len = huge.len() - 32;
    // Rewrite the payload as just a header-valid but lying subject count.
    let mut p = Vec::new();
    p.extend_from_slice(&1u32.to_le_bytes());
    p.push(b'm');
    p.extend_from_slice(&(DIM as u32).to_le_bytes());
    p.extend_from_slice(&[0, 0, 0]);
    p.extend_from_slice(&u64::MAX.to_le_bytes());
    huge.truncate(32);
    huge[16..24].copy_from_slice(&(p.len() as u64).to_le_bytes());
    let crc = crc32(&p);
    huge[24..28].copy_from_slice(&crc.to_le_bytes());
    huge.extend_from_slice(&p);
    assert!(payload_len > p.len());
    assert!(matches!(
        from_bytes(&huge, m()),
        Err(GalleryError::Corrupt { .. })
    ));
    // Loading a missing file is an I/O error naming the file.
    assert!(matches!(
        Gallery::load(&dir.join("nope.bmg")),
        Err(GalleryError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Bitwise CRC-32 (IEEE), independent of the library's table-driven one.
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}
