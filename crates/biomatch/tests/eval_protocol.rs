//! FVC naming, folder listing, pair lists and the folder loader.

mod common;

use std::path::PathBuf;

use biomatch::eval::dataset::{Dataset, DatasetError, SampleKind, sample_kind};
use biomatch::eval::protocol::{ProtocolError, list_fvc_files, parse_fvc_name};
use biomatch::eval::{FvcId, PairList, Protocol};

fn id(finger: u32, impression: u32) -> FvcId {
    FvcId { finger, impression }
}

#[test]
fn parses_fvc_names() {
    assert_eq!(parse_fvc_name("101_1.iso"), Some((id(101, 1), "iso")));
    assert_eq!(parse_fvc_name("7_12.TIF"), Some((id(7, 12), "TIF")));
    for bad in [
        "101_1",
        "101-1.iso",
        "a01_1.iso",
        "101_.iso",
        "_1.iso",
        "101_1.",
        "README.txt",
    ] {
        assert_eq!(parse_fvc_name(bad), None, "{bad}");
    }
}

fn b_set() -> Vec<FvcId> {
    (101..=110)
        .flat_map(|f| (1..=8).map(move |i| id(f, i)))
        .collect()
}

/// 10 fingers x 8 impressions: C(8,2) * 10 = 280 genuine; all-pairs impostors
/// C(80,2) - 280 = 2880; FVC impostors C(10,2) = 45 between first impressions.
#[test]
fn b_set_pair_counts() {
    let ids = b_set();
    let all = PairList::new(&ids, Protocol::AllPairs);
    assert_eq!((all.genuine.len(), all.impostor.len()), (280, 2880));
    let fvc = PairList::new(&ids, Protocol::Fvc);
    assert_eq!((fvc.genuine.len(), fvc.impostor.len()), (280, 45));
    assert_eq!(fvc.genuine, all.genuine);
    for &(i, j) in &all.genuine {
        assert!(i < j && ids[i].finger == ids[j].finger);
    }
    for &(i, j) in &all.impostor {
        assert!(i < j && ids[i].finger != ids[j].finger);
    }
    for &(i, j) in &fvc.impostor {
        assert_eq!((ids[i].impression, ids[j].impression), (1, 1));
    }
    // Each unordered pair once.
    let mut seen = all.impostor.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 2880);
}

/// The FVC protocol's "first impression" is the lowest one present.
#[test]
fn fvc_protocol_uses_lowest_impression() {
    let ids = [id(1, 2), id(1, 3), id(2, 1), id(2, 5), id(3, 4)];
    let fvc = PairList::new(&ids, Protocol::Fvc);
    // Firsts: (1,2) at 0, (2,1) at 2, (3,4) at 4.
    assert_eq!(fvc.impostor, vec![(0, 2), (0, 4), (2, 4)]);
    assert_eq!(fvc.genuine, vec![(0, 1), (2, 3)]);
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("biomatch-eval-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn touch(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.0.join(name), bytes).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn lists_sorted_and_ignores_other_files() {
    let dir = TempDir::new("list");
    for name in [
        "102_1.iso",
        "101_10.iso",
        "101_2.iso",
        "README.txt",
        "notes_1.iso",
    ] {
        dir.touch(name, b"x");
    }
    std::fs::create_dir(dir.0.join("103_1.iso")).unwrap(); // a folder, not a sample
    let files = list_fvc_files(&dir.0).unwrap();
    let ids: Vec<_> = files.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![id(101, 2), id(101, 10), id(102, 1)]);
    assert_eq!(files[0].extension, "iso");
}

#[test]
fn listing_errors() {
    let dir = TempDir::new("dup");
    dir.touch("101_1.iso", b"x");
    dir.touch("101_1.tif", b"x");
    assert!(matches!(
        list_fvc_files(&dir.0),
        Err(ProtocolError::Duplicate {
            finger: 101,
            impression: 1,
            ..
        })
    ));
    let empty = TempDir::new("empty");
    assert!(matches!(
        list_fvc_files(&empty.0),
        Err(ProtocolError::Empty(_))
    ));
    assert!(matches!(
        list_fvc_files(&empty.0.join("missing")),
        Err(ProtocolError::Io { .. })
    ));
}

#[test]
fn image_folders_need_a_resolution_and_decodable_images() {
    assert_eq!(sample_kind("TIF"), Some(SampleKind::Image));
    assert_eq!(sample_kind("iso"), Some(SampleKind::Template));
    assert_eq!(sample_kind("txt"), None);
    let dir = TempDir::new("img");
    dir.touch("101_1.tif", b"x");
    dir.touch("101_2.tif", b"x");
    let without_ppi = Dataset::open(&dir.0, None).unwrap();
    assert_eq!(without_ppi.kind, SampleKind::Image);
    assert!(matches!(
        without_ppi.load_default(),
        Err(DatasetError::MissingPpi(_))
    ));
    let with_ppi = Dataset::open(&dir.0, Some(500.0)).unwrap();
    let err = with_ppi.load_default().unwrap_err();
    // The files are not images: the loader reaches the decoder and says which file failed.
    assert!(matches!(err, DatasetError::Image { .. }), "{err}");
    assert!(err.to_string().contains("101_"), "{err}");

    let mixed = TempDir::new("mixed");
    mixed.touch("101_1.tif", b"x");
    mixed.touch("101_2.iso", b"x");
    assert!(matches!(
        Dataset::open(&mixed.0, None),
        Err(DatasetError::Kind { .. })
    ));
}

#[test]
fn bad_template_names_the_file() {
    let dir = TempDir::new("badtpl");
    dir.touch("101_1.iso", b"not a template");
    let err = Dataset::open(&dir.0, None)
        .unwrap()
        .load_default()
        .unwrap_err();
    match err {
        DatasetError::Template { path, .. } => assert!(path.ends_with("101_1.iso")),
        other => panic!("expected a template error, got {other}"),
    }
}

/// The real template folders load in FVC order with one view per file.
#[test]
fn loads_iso_secugen_folders() {
    let Some(root) = common::dataset("iso-secugen") else {
        return;
    };
    for year in ["fvc2002", "fvc2004"] {
        let ds = Dataset::open(&root.join(year).join("DB1_B"), None).unwrap();
        assert_eq!(ds.kind, SampleKind::Template);
        assert_eq!(ds.files.len(), 80);
        assert_eq!(ds.files[0].id, id(101, 1));
        assert_eq!(ds.files[79].id, id(110, 8));
        let views = ds.load_default().unwrap();
        assert_eq!(views.len(), 80);
        assert!(views.iter().all(|v| v.minutiae.len() >= 6));
    }
}
