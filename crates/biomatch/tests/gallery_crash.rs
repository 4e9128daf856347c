//! A save killed midway, in a child process, leaves the previous gallery file intact.
//!
//! The test re-executes its own test binary as a child (selected by an environment variable)
//! that builds a gallery large enough for its save to take a while and saves it over the
//! parent's file. The parent waits until the child has started writing its temporary file,
//! kills it with SIGKILL (no destructor, no cleanup: what a power cut or an OOM kill does),
//! then checks that the target still loads and holds exactly the previous gallery, that the
//! dead child's temporary file does not get in the way of the next save, and that the next
//! save replaces the file and removes the orphaned temporary file (Linux only: that cleanup
//! checks process liveness in `/proc`).

#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use biomatch::face::FaceTemplate;
use biomatch::finger::{
    FingerPosition, FingerView, Minutia, MinutiaKind, MinutiaQuality, Resolution,
};
use biomatch::gallery::{Gallery, GalleryConfig, Probe, SearchOptions, Subject, SubjectId};

/// Set (to the target path) in the child process only.
const CHILD_ENV: &str = "BIOMATCH_GALLERY_CRASH_CHILD";
const TEST_NAME: &str = "a_save_killed_in_a_child_process_leaves_the_previous_gallery";
const DIM: usize = 512;

fn face(seed: u64) -> FaceTemplate {
    common::random_face(seed, DIM)
}

fn finger(seed: u64, position: u8) -> FingerView {
    let mut v = FingerView::new(300, 400, Resolution::PPI_500);
    v.finger_position = FingerPosition(position);
    for k in 0..35u64 {
        let h = (seed * 37 + k).wrapping_mul(0x2545_F491_4F6C_DD1D);
        v.minutiae.push(Minutia {
            x: 30.0 + (h % 240) as f32,
            y: 30.0 + ((h >> 16) % 340) as f32,
            angle: ((h >> 32) % 360) as f32,
            kind: if h >> 60 & 1 == 0 {
                MinutiaKind::RidgeEnding
            } else {
                MinutiaKind::Bifurcation
            },
            quality: MinutiaQuality::Score(((h >> 50) % 101) as u8),
        });
    }
    v
}

/// `faces` face-only subjects plus `fingered` subjects with a face and two fingers; ids carry
/// `tag`, so two galleries built with different tags share no subject.
fn build(tag: &str, faces: u64, fingered: u64) -> Gallery {
    let g = Gallery::new(GalleryConfig::new("m", DIM));
    let mut subjects = Vec::new();
    for k in 0..faces + fingered {
        let mut s = Subject::new(SubjectId::new(&format!("{tag}-{k}")).unwrap())
            .with_face(face(k * 7 + tag.len() as u64));
        if k >= faces {
            s.add_finger(finger(k, 2));
            s.add_finger(finger(k + 1_000_000, 7));
        }
        subjects.push(s);
    }
    g.enrol_many(subjects).unwrap();
    g
}

/// Everything a gallery holds that a file keeps, in id order.
type Contents = Vec<(String, Option<Vec<f32>>, Vec<(u8, FingerView)>)>;

fn contents(g: &Gallery) -> Contents {
    g.subjects()
        .iter()
        .map(|s| {
            (
                s.id().to_string(),
                s.face().map(|f| f.values().to_vec()),
                s.impressions().map(|(p, v)| (p.0, (**v).clone())).collect(),
            )
        })
        .collect()
}

/// The temporary files of saves to `target` (named `.NAME.tmp.*` next to it).
fn temp_files(target: &Path) -> Vec<PathBuf> {
    let prefix = format!(".{}.tmp.", target.file_name().unwrap().to_string_lossy());
    let mut out: Vec<PathBuf> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .collect();
    out.sort();
    out
}

fn spawn_child(target: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, target)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The child: build a large gallery (about 60 MB on file) and save it over `target`.
fn child(target: &Path) {
    let g = build("new", 30_000, 200);
    g.save(target).unwrap();
}

#[test]
fn a_save_killed_in_a_child_process_leaves_the_previous_gallery() {
    if let Some(target) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&target));
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("gallery-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("watchlist.bmg");

    let previous = build("old", 50, 30);
    previous.save(&target).unwrap();
    let expected = contents(&previous);
    let file_before = std::fs::read(&target).unwrap();

    // The child may, on a machine that stalls this process, finish its save before the kill
    // lands; such an attempt proves nothing, so restore the previous file and try again.
    let mut killed_midway = false;
    for _attempt in 0..5 {
        let mut child = spawn_child(&target);
        let started = Instant::now();
        let mut writing = false;
        while started.elapsed() < Duration::from_secs(120) {
            if temp_files(&target)
                .iter()
                .any(|t| std::fs::metadata(t).is_ok_and(|m| m.len() > 0))
            {
                writing = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let stale = temp_files(&target);
        if writing && !stale.is_empty() {
            // Killed (not exited) while its temporary file existed: before the rename.
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                status.signal(),
                Some(9),
                "the child was not killed: {status}"
            );
            killed_midway = true;
            break;
        }
        // The save completed first: the file now holds the child's gallery, which must be
        // complete; put the previous one back.
        assert_eq!(Gallery::load(&target).unwrap().len(), 30_200);
        std::fs::write(&target, &file_before).unwrap();
    }
    assert!(killed_midway, "no attempt killed the child during its save");

    // The previous gallery is intact, byte for byte and as loaded.
    assert_eq!(std::fs::read(&target).unwrap(), file_before);
    let loaded = Gallery::load(&target).unwrap();
    assert_eq!(contents(&loaded), expected);
    // ... and it searches like the original.
    let probe = Probe {
        face: None,
        fingers: vec![finger(60, 2)],
    };
    let opts = SearchOptions::default();
    assert_eq!(
        loaded.search(&probe, &opts).unwrap(),
        previous.search(&probe, &opts).unwrap()
    );

    // The dead child's temporary file is left over (a crash cannot clean up); the next save
    // neither reads nor collides with it, replaces the target, and removes it (its writer is
    // gone). A temporary file of a live process (this one: a save in progress on another
    // thread, as far as the cleanup can tell) stays.
    let stale = temp_files(&target);
    assert!(!stale.is_empty());
    let live = dir.join(format!(".watchlist.bmg.tmp.{}.999999", std::process::id()));
    std::fs::write(&live, b"in progress").unwrap();
    previous
        .enrol(Subject::new(SubjectId::new("added-after-crash").unwrap()).with_face(face(1)))
        .unwrap();
    previous.save(&target).unwrap();
    let reloaded = Gallery::load(&target).unwrap();
    assert_eq!(contents(&reloaded), contents(&previous));
    assert_eq!(reloaded.len(), 81);
    // Only the live process's temporary file remains, untouched.
    assert_eq!(temp_files(&target), vec![live.clone()]);
    assert_eq!(std::fs::read(&live).unwrap(), b"in progress");
    std::fs::remove_dir_all(&dir).unwrap();
}
