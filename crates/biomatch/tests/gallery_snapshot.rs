//! One snapshot per search: while a writer removes and re-enrols subjects (each time with a
//! new face), every search's result must be exactly one published state of the gallery:
//! its subjects, and each face score that of the face enrolled in that state. The probes
//! carry a finger too, and the gallery holds finger-only subjects, so each search spends
//! time in the exhaustive finger stage between taking its snapshot and reaching the faces:
//! a face stage that looked at the live face index instead of the snapshot's would see later
//! writes. Also: enrolling
//! from inside rayon tasks does not deadlock (no lock is held across parallel work).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use biomatch::calibration::Calibration;
use biomatch::face::FaceTemplate;
use biomatch::finger::{FingerPosition, FingerView};
use biomatch::gallery::{
    Gallery, GalleryConfig, Probe, SearchMode, SearchOptions, Subject, SubjectId,
};

const DIM: usize = 128;
const SUBJECTS: usize = 24;

/// The face of subject `i` in its `version`-th enrolment.
fn face(i: usize, version: usize) -> FaceTemplate {
    common::random_face((i * 10_000 + version) as u64 + 1, DIM)
}

fn subject(i: usize, version: usize) -> Subject {
    Subject::new(SubjectId::new(&format!("s-{i}")).unwrap()).with_face(face(i, version))
}

/// A published state: the face version of each subject, `None` while it is removed.
type State = Vec<Option<usize>>;

/// Cosine similarity computed here in f64 (both templates are unit vectors).
fn cosine(a: &FaceTemplate, b: &FaceTemplate) -> f64 {
    a.values()
        .iter()
        .zip(b.values())
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// The state, among `states`, that `result` shows exactly (ids and every score).
fn matching_state(
    result: &[(String, f32)],
    states: &[State],
    probe: &FaceTemplate,
) -> Option<usize> {
    states.iter().position(|state| {
        let present: Vec<(String, usize)> = state
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (format!("s-{i}"), v)))
            .collect();
        present.len() == result.len()
            && present.iter().all(|(id, v)| {
                result.iter().any(|(rid, score)| {
                    rid == id
                        && (f64::from(*score) - cosine(probe, &face(id[2..].parse().unwrap(), *v)))
                            .abs()
                            < 1e-5
                })
            })
    })
}

/// Finger-only subjects: the exhaustive finger stage of every search scores them all.
const BALLAST: usize = 600;
/// Searches per reader thread.
const SEARCHES: usize = 40;

#[test]
fn searches_during_remove_and_re_enrol_each_see_one_published_state() {
    let mut config = GalleryConfig::new("m", DIM);
    let impostors: Vec<f64> = (0..1000).map(|i| f64::from(i) / 2000.0).collect();
    config.finger_calibration = Some(Calibration::from_impostor_scores(&impostors).unwrap());
    config.face_calibration = Some(Calibration::from_impostor_scores(&impostors).unwrap());
    let g = Arc::new(Gallery::new(config));
    g.enrol_many(
        (0..BALLAST)
            .map(|j| {
                Subject::new(SubjectId::new(&format!("b-{j}")).unwrap())
                    .with_finger(finger(j as u64))
            })
            .collect(),
    )
    .unwrap();
    g.enrol_many((0..SUBJECTS).map(|i| subject(i, 0)).collect())
        .unwrap();
    // states[k] is the k-th published state; `step` counts the states logged so far. The
    // writer publishes, then logs: a search can see at most one state beyond `step`.
    let states: Arc<Mutex<Vec<State>>> = Arc::new(Mutex::new(vec![vec![Some(0); SUBJECTS]]));
    let step = Arc::new(AtomicUsize::new(0));
    let readers_done = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (g, states, step, readers_done) = (
            g.clone(),
            states.clone(),
            step.clone(),
            readers_done.clone(),
        );
        std::thread::spawn(move || {
            let mut state: State = vec![Some(0); SUBJECTS];
            let mut round = 0;
            while readers_done.load(Ordering::SeqCst) < 2 {
                round += 1;
                for i in 0..SUBJECTS {
                    let id = SubjectId::new(&format!("s-{i}")).unwrap();
                    g.remove(&id).unwrap();
                    state[i] = None;
                    states.lock().unwrap().push(state.clone());
                    step.fetch_add(1, Ordering::SeqCst);
                    g.enrol(subject(i, round)).unwrap();
                    state[i] = Some(round);
                    states.lock().unwrap().push(state.clone());
                    step.fetch_add(1, Ordering::SeqCst);
                }
            }
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|r| {
            let (g, step, readers_done) = (g.clone(), step.clone(), readers_done.clone());
            std::thread::spawn(move || {
                let probe = common::random_face(900_000 + r, DIM);
                let mut seen = Vec::new();
                for _ in 0..SEARCHES {
                    let before = step.load(Ordering::SeqCst);
                    let hits = g
                        .search(
                            &Probe {
                                face: Some(probe.clone()),
                                fingers: vec![finger(r)],
                            },
                            &SearchOptions {
                                top_k: BALLAST + SUBJECTS + 10,
                                mode: SearchMode::Exhaustive,
                                ..Default::default()
                            },
                        )
                        .unwrap();
                    let after = step.load(Ordering::SeqCst);
                    let ballast = hits.iter().filter(|h| h.face.is_none()).count();
                    assert_eq!(ballast, BALLAST, "every finger-only subject is a candidate");
                    let result: Vec<(String, f32)> = hits
                        .iter()
                        .filter_map(|h| Some((h.id.to_string(), h.face.as_ref()?.score)))
                        .collect();
                    seen.push((before, after, result));
                }
                readers_done.fetch_add(1, Ordering::SeqCst);
                (probe, seen)
            })
        })
        .collect();
    writer.join().unwrap();
    let states = states.lock().unwrap().clone();
    assert_eq!(states.len(), 1 + step.load(Ordering::SeqCst));
    let mut checked = 0;
    let mut spanning = 0;
    for r in readers {
        let (probe, seen) = r.join().unwrap();
        for (before, after, result) in seen {
            // The states published between the search's start and end (plus the one that
            // may have been published but not yet logged when `after` was read).
            let window = &states[before..(after + 2).min(states.len())];
            assert!(
                matching_state(&result, window, &probe).is_some(),
                "a search (states {before}..={}) saw no single published state: {result:?}",
                after + 1
            );
            checked += 1;
            spanning += usize::from(after > before);
        }
    }
    eprintln!(
        "{checked} searches each matched one published state ({spanning} ran across writes, \
         {} states published)",
        states.len()
    );
    assert_eq!(checked, 2 * SEARCHES);
    assert!(
        spanning > 0,
        "no search overlapped a write: the test tested nothing"
    );
    assert_eq!(g.len(), BALLAST + SUBJECTS);
}

fn finger(seed: u64) -> FingerView {
    common::synthetic_finger(seed, FingerPosition::UNKNOWN)
}

#[test]
fn enrolling_from_inside_rayon_tasks_does_not_deadlock() {
    let g = Arc::new(Gallery::new(GalleryConfig::new("m", DIM)));
    let (tx, rx) = mpsc::channel();
    let worker = {
        let g = g.clone();
        std::thread::spawn(move || {
            use rayon::prelude::*;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            pool.install(|| {
                (0..200u64).into_par_iter().for_each(|i| {
                    // Each enrolment prepares its fingers with rayon inside this pool.
                    let s = Subject::new(SubjectId::new(&format!("r-{i}")).unwrap())
                        .with_finger(finger(i))
                        .with_finger(finger(1000 + i));
                    g.enrol_many(vec![s]).unwrap();
                })
            });
            tx.send(()).unwrap();
        })
    };
    rx.recv_timeout(Duration::from_secs(120))
        .expect("enrolling from rayon tasks did not finish in 120 s (deadlock?)");
    worker.join().unwrap();
    assert_eq!((g.len(), g.finger_count()), (200, 400));
}
