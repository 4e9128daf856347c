//! A watchlist an agency can trust: records with validity windows and filters, purge,
//! encryption at rest (wrong key, bit flips, truncations, re-keying), erasure after removal,
//! and reading the previous file format.

mod common;

use biomatch::calibration::Calibration;
use biomatch::face::FaceTemplate;
use biomatch::finger::{FingerPosition, FingerView};
use biomatch::gallery::{
    Category, Filter, Gallery, GalleryConfig, GalleryError, GalleryKey, Probe, Record, SearchMode,
    SearchOptions, Subject, SubjectId,
};

const DIM: usize = 128;
const NOW: i64 = 1_800_000_000;

fn finger(seed: u64) -> FingerView {
    common::synthetic_finger(seed, FingerPosition::RIGHT_INDEX)
}

fn id(s: &str) -> SubjectId {
    SubjectId::new(s).unwrap()
}

fn record(category: Category, agency: &str, from: i64, until: i64) -> Record {
    let mut r = Record::new(category, agency);
    r.reference = format!("{agency}-ref");
    r.action = "detain and call the duty officer".into();
    r.valid_from = from;
    r.valid_until = until;
    r.fields.insert("notice".into(), "red".into());
    r
}

/// Five entries with the same finger (so every valid, admitted one is a perfect hit) and
/// one with another finger.
fn watchlist() -> Gallery {
    let g = Gallery::new(GalleryConfig::new("m", DIM));
    let same = finger(1);
    let entries = [
        (
            "valid",
            Some(record(Category::Wanted, "interpol", NOW - 10, NOW + 10)),
        ),
        (
            "expired",
            Some(record(Category::Wanted, "interpol", NOW - 10, NOW)),
        ),
        (
            "future",
            Some(record(Category::Wanted, "interpol", NOW + 1, NOW + 10)),
        ),
        (
            "missing",
            Some(record(Category::Missing, "police", i64::MIN, i64::MAX)),
        ),
        ("plain", None),
    ];
    for (name, r) in entries {
        let mut s = Subject::new(id(name)).with_finger(same.clone());
        s.set_record(r);
        g.enrol(s).unwrap();
    }
    g.enrol(
        Subject::new(id("other"))
            .with_finger(finger(2))
            .with_face(common::random_face(3, DIM)),
    )
    .unwrap();
    g
}

fn hits(g: &Gallery, filter: Filter, at: i64, mode: SearchMode) -> Vec<String> {
    let probe = Probe {
        face: None,
        fingers: vec![finger(1)],
    };
    let options = SearchOptions {
        top_k: 10,
        min_fused_score: None,
        mode,
        filter,
        at: Some(at),
    };
    let mut ids: Vec<String> = g
        .search(&probe, &options)
        .unwrap()
        .into_iter()
        .map(|c| c.id.to_string())
        .filter(|i| i != "other") // another finger: a weak candidate or none
        .collect();
    ids.sort();
    ids
}

#[test]
fn entries_outside_their_window_never_hit() {
    let g = watchlist();
    for mode in [SearchMode::Exhaustive, SearchMode::default()] {
        assert_eq!(
            hits(&g, Filter::default(), NOW, mode),
            ["missing", "plain", "valid"]
        );
        // Before the window of "future", inside that of "expired".
        assert_eq!(
            hits(&g, Filter::default(), NOW - 1, mode),
            ["expired", "missing", "plain", "valid"]
        );
        assert_eq!(
            hits(&g, Filter::default(), NOW + 1, mode),
            ["future", "missing", "plain", "valid"]
        );
        assert_eq!(
            hits(&g, Filter::default(), NOW + 10, mode),
            ["missing", "plain"]
        );
    }
}

#[test]
fn filters_select_by_category_and_agency() {
    let g = watchlist();
    let mode = SearchMode::Exhaustive;
    let wanted = Filter {
        categories: vec![Category::Wanted],
        agencies: vec![],
    };
    assert_eq!(hits(&g, wanted, NOW, mode), ["valid"]);
    let police = Filter {
        categories: vec![],
        agencies: vec!["police".into()],
    };
    assert_eq!(hits(&g, police, NOW, mode), ["missing"]);
    let none = Filter {
        categories: vec![Category::Missing],
        agencies: vec!["interpol".into()],
    };
    assert!(hits(&g, none, NOW, mode).is_empty());
    // The record comes with the candidate.
    let probe = Probe {
        face: None,
        fingers: vec![finger(1)],
    };
    let found = g
        .search(
            &probe,
            &SearchOptions {
                at: Some(NOW),
                filter: Filter {
                    categories: vec![Category::Wanted],
                    agencies: vec![],
                },
                ..SearchOptions::default()
            },
        )
        .unwrap();
    let r = found[0].record.as_deref().unwrap();
    assert_eq!(found[0].id.as_str(), "valid");
    assert_eq!(
        (r.category.name(), r.agency.as_str()),
        ("wanted", "interpol")
    );
    assert_eq!(r.action, "detain and call the duty officer");
    assert_eq!(r.fields["notice"], "red");
}

#[test]
fn purge_removes_expired_entries_only() {
    let g = watchlist();
    assert!(g.purge(NOW - 1).is_empty());
    assert_eq!(g.purge(NOW), [id("expired")]);
    assert_eq!(g.len(), 5);
    assert_eq!(g.purge(NOW + 10), [id("future"), id("valid")]);
    let left: Vec<String> = g.ids().iter().map(|i| i.to_string()).collect();
    assert_eq!(left, ["missing", "other", "plain"]);
    // Removed subjects are gone from searches too.
    assert_eq!(
        hits(&g, Filter::default(), NOW - 1, SearchMode::Exhaustive),
        ["missing", "plain"]
    );
}

#[test]
fn invalid_records_are_refused_at_enrolment() {
    let g = Gallery::new(GalleryConfig::new("m", DIM));
    let mut r = record(Category::Wanted, "a", 10, 5);
    let s = Subject::new(id("x")).with_finger(finger(1));
    assert!(matches!(
        g.enrol(s.clone().with_record(r.clone())),
        Err(GalleryError::InvalidRecord(_))
    ));
    r.valid_until = 20;
    r.action = "x".repeat(5000);
    assert!(matches!(
        g.enrol(s.with_record(r)),
        Err(GalleryError::InvalidRecord(_))
    ));
    assert!(g.is_empty());
}

fn temp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(name).tempdir().unwrap()
}

/// A gallery of records and faces whose file is well over 4 KiB.
fn larger_watchlist() -> Gallery {
    let g = watchlist();
    for i in 0..20 {
        g.enrol(
            Subject::new(id(&format!("s{i}")))
                .with_finger(finger(10 + i))
                .with_face(common::random_face(100 + i, DIM))
                .with_record(record(Category::DenyEntry, "border", 0, i64::MAX)),
        )
        .unwrap();
    }
    g
}

#[test]
fn records_survive_save_and_load() {
    let dir = temp("bm-watch-save");
    let path = dir.path().join("w.bmg");
    let g = watchlist();
    g.save(&path).unwrap();
    let back = Gallery::load(&path).unwrap();
    assert_eq!(back.ids(), g.ids());
    for s in g.subjects() {
        assert_eq!(back.get(s.id()).unwrap().record(), s.record(), "{}", s.id());
    }
    assert_eq!(
        hits(&back, Filter::default(), NOW, SearchMode::Exhaustive),
        ["missing", "plain", "valid"]
    );
}

#[test]
fn encrypted_files_need_the_right_key_and_refuse_any_change() {
    let dir = temp("bm-watch-enc");
    let path = dir.path().join("w.bmg");
    let g = larger_watchlist();
    let key = GalleryKey::new([0x5a; 32]);
    g.save_encrypted(&path, &key).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 4096, "file of {} bytes", bytes.len());
    // Nothing readable: no id, agency or action text in the file.
    for needle in [&b"interpol"[..], b"valid", b"detain", b"border"] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
    let limits = biomatch::LoadLimits::default();
    let back = Gallery::load_encrypted(&path, &key, &limits).unwrap();
    assert_eq!(back.ids(), g.ids());
    assert_eq!(
        back.get(&id("s3")).unwrap().record(),
        g.get(&id("s3")).unwrap().record()
    );
    assert!(matches!(
        Gallery::load_encrypted(&path, &GalleryKey::new([0x5b; 32]), &limits),
        Err(GalleryError::Decryption)
    ));
    assert!(matches!(
        Gallery::load(&path),
        Err(GalleryError::KeyRequired)
    ));

    let parse = |b: &[u8]| {
        biomatch::gallery::persist::from_bytes_with_key(
            b,
            biomatch::finger::matcher::Matcher::default(),
            &limits,
            Some(&key),
        )
    };
    assert!(parse(&bytes).is_ok());
    let mut flipped = bytes.clone();
    for bit in 0..4096 * 8 {
        flipped[bit / 8] ^= 1 << (bit % 8);
        assert!(parse(&flipped).is_err(), "bit {bit} flipped was accepted");
        flipped[bit / 8] ^= 1 << (bit % 8);
    }
    for len in 0..bytes.len() {
        assert!(parse(&bytes[..len]).is_err(), "truncated to {len} accepted");
    }
}

#[test]
fn a_key_refuses_a_plain_file_and_rekeying_replaces_the_encryption() {
    let dir = temp("bm-watch-rekey");
    let path = dir.path().join("w.bmg");
    let g = watchlist();
    let limits = biomatch::LoadLimits::default();
    let (old, new) = (GalleryKey::new([1; 32]), GalleryKey::new([2; 32]));
    g.save(&path).unwrap();
    assert!(matches!(
        Gallery::load_encrypted(&path, &old, &limits),
        Err(GalleryError::NotEncrypted)
    ));
    g.save_encrypted(&path, &old).unwrap();
    let loaded = Gallery::load_encrypted(&path, &old, &limits).unwrap();
    loaded.save_encrypted(&path, &new).unwrap();
    assert!(matches!(
        Gallery::load_encrypted(&path, &old, &limits),
        Err(GalleryError::Decryption)
    ));
    assert_eq!(
        Gallery::load_encrypted(&path, &new, &limits).unwrap().ids(),
        g.ids()
    );
    // Only the target remains in the folder (no temporary file left behind).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn nothing_of_a_removed_subject_remains_in_the_saved_file() {
    let dir = temp("bm-watch-erase");
    let path = dir.path().join("w.bmg");
    let g = Gallery::new(GalleryConfig::new("m", DIM));
    let keep = finger(7);
    let gone = finger(8);
    let gone_face = common::random_face(9, DIM);
    g.enrol(Subject::new(id("kept-subject")).with_finger(keep.clone()))
        .unwrap();
    let mut r = record(Category::Wanted, "erased-agency", 0, 100);
    r.reference = "erased-reference-42".into();
    g.enrol(
        Subject::new(id("erased-subject"))
            .with_finger(gone.clone())
            .with_face(gone_face.clone())
            .with_record(r),
    )
    .unwrap();
    g.save(&path).unwrap();

    // Byte patterns of each subject as the file stores them.
    let minutia_bytes = |v: &FingerView| -> Vec<Vec<u8>> {
        v.minutiae
            .iter()
            .map(|m| {
                [m.x, m.y, m.angle]
                    .iter()
                    .flat_map(|f| f.to_le_bytes())
                    .collect()
            })
            .collect()
    };
    let face_bytes: Vec<u8> = gone_face.values()[..4]
        .iter()
        .flat_map(|f| f.to_le_bytes())
        .collect();
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let gone_patterns = || {
        let mut p: Vec<Vec<u8>> = vec![
            b"erased-subject".to_vec(),
            b"erased-agency".to_vec(),
            b"erased-reference-42".to_vec(),
            face_bytes.clone(),
        ];
        p.extend(minutia_bytes(&gone));
        p
    };
    let before = std::fs::read(&path).unwrap();
    for p in gone_patterns() {
        assert!(contains(&before, &p), "pattern not stored before removal");
    }

    // Removal (and, for the second subject, purge) then a save.
    g.remove(&id("erased-subject")).unwrap();
    g.save(&path).unwrap();
    let after = std::fs::read(&path).unwrap();
    for p in gone_patterns() {
        assert!(!contains(&after, &p), "a removed subject's bytes remain");
    }
    assert!(contains(&after, b"kept-subject"));
    for p in minutia_bytes(&keep) {
        assert!(contains(&after, &p));
    }

    // Purge erases as well.
    g.enrol(
        Subject::new(id("purged-subject"))
            .with_finger(gone.clone())
            .with_record(record(Category::Missing, "purged-agency", 0, 100)),
    )
    .unwrap();
    g.save(&path).unwrap();
    assert!(contains(&std::fs::read(&path).unwrap(), b"purged-agency"));
    assert_eq!(g.purge(100), [id("purged-subject")]);
    g.save(&path).unwrap();
    let after = std::fs::read(&path).unwrap();
    assert!(!contains(&after, b"purged-subject") && !contains(&after, b"purged-agency"));
    for p in minutia_bytes(&gone) {
        assert!(!contains(&after, &p));
    }
}

/// Writes a version 1 file as that version's documented layout describes it (calibrations as
/// JSON text, no records), independently of the library's writer.
fn version1_file(cal: &Calibration, v: &FingerView, face: &FaceTemplate) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    let mut p = Vec::new();
    text(&mut p, "m");
    p.extend_from_slice(&(DIM as u32).to_le_bytes());
    p.push(0); // f32
    p.push(1);
    text(&mut p, &cal.to_json());
    p.push(0); // no face calibration
    p.extend_from_slice(&1u64.to_le_bytes());
    text(&mut p, "old-subject");
    p.push(1);
    for x in face.values() {
        p.extend_from_slice(&x.to_le_bytes());
    }
    p.extend_from_slice(&1u32.to_le_bytes());
    p.extend_from_slice(&[v.finger_position.0, 0, 0, 60]);
    for x in [v.width, v.height, v.resolution.x_ppcm, v.resolution.y_ppcm] {
        p.extend_from_slice(&x.to_le_bytes());
    }
    p.extend_from_slice(&(v.minutiae.len() as u32).to_le_bytes());
    for m in &v.minutiae {
        for x in [m.x, m.y, m.angle] {
            p.extend_from_slice(&x.to_le_bytes());
        }
        p.extend_from_slice(&[1, 50]);
    }
    let mut f = b"BMGALLRY".to_vec();
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&(p.len() as u64).to_le_bytes());
    f.extend_from_slice(&crc32fast::hash(&p).to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&p);
    f
}

#[test]
fn version_1_files_still_load_and_calibrations_are_stored_in_binary() {
    // Scores as a matcher gives them: arbitrary doubles, not round numbers.
    let scores: Vec<f64> = (0..5000)
        .map(|i| 30.0 + 20.0 * (i as f64 * 0.618_034).sin())
        .collect();
    let cal = Calibration::from_impostor_scores(&scores)
        .unwrap()
        .with_description("synthetic impostors");
    let v = finger(5);
    let face = common::random_face(6, DIM);
    let old = version1_file(&cal, &v, &face);
    let g =
        biomatch::gallery::persist::from_bytes(&old, biomatch::finger::matcher::Matcher::default())
            .unwrap();
    let s = g.get(&id("old-subject")).unwrap();
    assert_eq!(s.impressions().count(), 1);
    assert!(s.record().is_none());
    assert_eq!(s.face().unwrap().values(), face.values());
    let back = g.config().finger_calibration.as_ref().unwrap();
    assert_eq!(back.impostor_scores(), cal.impostor_scores());
    assert_eq!(back.description(), "synthetic impostors");

    // Saved again as version 2: the scores take 8 bytes each, not their JSON text.
    let dir = temp("bm-watch-v1");
    let path = dir.path().join("w.bmg");
    g.save(&path).unwrap();
    let new = std::fs::read(&path).unwrap();
    assert_eq!(u32::from_le_bytes(new[8..12].try_into().unwrap()), 2);
    assert!(new.len() < old.len(), "{} >= {}", new.len(), old.len());
    assert!(new.len() >= 5000 * 8);
    let again = Gallery::load(&path).unwrap();
    let c = again.config().finger_calibration.as_ref().unwrap();
    assert_eq!(c.impostor_scores(), cal.impostor_scores());
    assert_eq!(c.fmr_of_score(20.0), cal.fmr_of_score(20.0));
}
