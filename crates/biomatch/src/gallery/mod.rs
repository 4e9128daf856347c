//! The identification gallery: subjects with a face and fingers, 1:1 and 1:N search with
//! calibrated fusion, live updates and persistence.
//!
//! * [`Subject`] records are enrolled, replaced, removed and looked up by [`SubjectId`].
//! * [`Gallery::search`] takes a [`Probe`] (a face, one or more fingers, or both) and returns
//!   [`CandidateSubject`]s with per-modality and fused scores (fusion rule: [`fusion`]).
//!   Fingerprint 1:N uses a fast first stage over fixed-length descriptors and the exact
//!   matcher on a shortlist of fixed size ([`SearchMode`]); every enrolled finger keeps the
//!   matcher's compact candidate side, so the exact stage prepares nothing per search, and a
//!   gallery no larger than the shortlist is searched exhaustively.
//! * Readers search an immutable snapshot taken under a lock held only to clone an `Arc`;
//!   the snapshot holds the subjects, the finger index and the face index's state of one
//!   moment. A writer prepares the new subjects (the costly part, in parallel) before taking
//!   the writer mutex, builds the next snapshot under it (sharing untouched copy-on-write
//!   segments; no parallel work while it is held, so enrolling from inside a rayon task
//!   cannot deadlock) and publishes it by swapping one `Arc`, so searches never see half an
//!   update: no lost or phantom subjects.
//! * [`Gallery::save`] / [`Gallery::load`] use a versioned, checksummed file replaced
//!   atomically ([`persist`]).

mod descriptor;
mod encryption;
mod error;
mod finger_index;
pub mod fusion;
mod params;
pub mod persist;
pub mod record;
mod rows;
mod subject;
pub mod synth;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rayon::prelude::*;

use crate::calibration::Calibration;
use crate::face::{FaceIndex, FaceTemplate, Precision};
use crate::finger::matcher::Matcher;
use crate::finger::template::{FingerPosition, FingerView};

pub use encryption::GalleryKey;
pub use error::GalleryError;
pub use finger_index::SearchMode;
pub use record::{Category, Filter, Record, UnixSeconds};
pub use subject::{Subject, SubjectId};

use finger_index::{FingerHit, FingerIndex, FingerRecord, IndexedFinger};
use params::{FACE_SHORTLIST, FUSION_CANDIDATES_PER_FINGER, MAX_PROBE_FINGERS, SUBJECT_SHARDS};

/// How a gallery is set up: the face model it accepts and each modality's calibration.
#[derive(Clone, Debug)]
pub struct GalleryConfig {
    /// Model tag of the face embeddings (templates of other models are rejected).
    pub face_model: String,
    /// Dimension of the face embeddings.
    pub face_dim: usize,
    /// Storage precision of the face index.
    pub face_precision: Precision,
    /// Impostor distribution of the fingerprint matcher's scores (needed for fused scores).
    pub finger_calibration: Option<Calibration>,
    /// Impostor distribution of face cosine similarities (needed for fused scores).
    pub face_calibration: Option<Calibration>,
}

impl GalleryConfig {
    /// A configuration for faces of `model` with `dim` values, f32 storage, no calibration.
    pub fn new(face_model: &str, face_dim: usize) -> GalleryConfig {
        GalleryConfig {
            face_model: face_model.to_string(),
            face_dim,
            face_precision: Precision::F32,
            finger_calibration: None,
            face_calibration: None,
        }
    }

    /// Checks the configuration: a face-model tag of at most
    /// [`MAX_MODEL_TAG_BYTES`](crate::face::params::MAX_MODEL_TAG_BYTES) bytes and a face
    /// dimension in 128..=4096. A gallery built from a configuration that fails this check
    /// accepts no face ([`Gallery::new`] does not fail) and cannot be saved.
    pub fn validate(&self) -> Result<(), GalleryError> {
        crate::face::check_model_tag(&self.face_model)?;
        let range = crate::face::params::MIN_DIM..=crate::face::params::MAX_DIM;
        if !range.contains(&self.face_dim) {
            return Err(crate::face::FaceError::DimensionOutOfRange { got: self.face_dim }.into());
        }
        Ok(())
    }
}

/// A probe: what a gate captured from the traveller. Each finger's position is taken from
/// its view (`FingerPosition::UNKNOWN` searches every finger).
#[derive(Clone, Debug, Default)]
pub struct Probe {
    /// The face, if captured.
    pub face: Option<FaceTemplate>,
    /// The fingers (one, two index fingers, a four-finger slap...).
    pub fingers: Vec<FingerView>,
}

/// Which candidates a search returns.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// At most this many candidates, best first.
    pub top_k: usize,
    /// Only candidates whose fused score is at least this.
    pub min_fused_score: Option<f64>,
    /// Fast (first stage + exact re-rank) or exhaustive fingerprint search.
    pub mode: SearchMode,
    /// Only entries whose record this filter admits (default: every entry).
    pub filter: Filter,
    /// The time of the search, for the records' validity windows (`None`: the system clock
    /// now). An entry outside its window at this time is never returned.
    pub at: Option<UnixSeconds>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            top_k: 10,
            min_fused_score: None,
            mode: SearchMode::default(),
            filter: Filter::default(),
            at: None,
        }
    }
}

/// The system clock as whole seconds since the Unix epoch (UTC); before 1970: 0.
pub fn unix_now() -> UnixSeconds {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The comparison of one probe finger with a candidate subject.
#[derive(Clone, Debug, PartialEq)]
pub struct FingerScore {
    /// Index of the probe finger in [`Probe::fingers`].
    pub probe_finger: usize,
    /// Position of the best-matching enrolled impression.
    pub position: FingerPosition,
    /// The matcher's best score over the compared impressions (0 if none was comparable).
    pub score: f32,
    /// Enrolled impressions compared.
    pub compared: usize,
    /// Estimated FMR of the best score, corrected for the number compared (when calibrated).
    pub fmr: Option<f64>,
}

/// The face comparison with a candidate subject.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceScore {
    /// Cosine similarity.
    pub score: f32,
    /// Estimated FMR (when calibrated).
    pub fmr: Option<f64>,
}

/// One subject of a candidate list.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateSubject {
    /// The subject.
    pub id: SubjectId,
    /// One entry per probe finger.
    pub fingers: Vec<FingerScore>,
    /// The face comparison, when both probe and subject have a face.
    pub face: Option<FaceScore>,
    /// Fused FMR ([`fusion`]); `None` for a single uncalibrated modality.
    pub fused_fmr: Option<f64>,
    /// `-log10(fused FMR)`, or the raw score of a single uncalibrated modality.
    pub fused_score: f64,
    /// The subject's watchlist record, if it has one.
    pub record: Option<Arc<Record>>,
}

/// A subject in the table, with its internal key (never reused, so a replaced subject's old
/// fingers and face can never be confused with the new ones).
#[derive(Debug)]
struct Entry {
    key: u64,
    subject: Subject,
    records: Vec<Arc<FingerRecord>>,
}

type Shard = HashMap<SubjectId, Arc<Entry>>;
type KeyShard = HashMap<u64, Arc<Entry>>;

/// One immutable state of the gallery.
#[derive(Clone)]
struct Snapshot {
    by_id: Vec<Arc<Shard>>,
    by_key: Vec<Arc<KeyShard>>,
    fingers: FingerIndex,
    /// The face index as it was when this snapshot was published: exactly the faces of
    /// this snapshot's subjects.
    faces: Arc<crate::face::index::Snapshot>,
    subjects: usize,
}

fn id_shard(id: &SubjectId) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    (h.finish() % SUBJECT_SHARDS as u64) as usize
}

fn key_shard(key: u64) -> usize {
    (key % SUBJECT_SHARDS as u64) as usize
}

impl Snapshot {
    fn empty() -> Snapshot {
        Snapshot {
            by_id: (0..SUBJECT_SHARDS).map(|_| Arc::default()).collect(),
            by_key: (0..SUBJECT_SHARDS).map(|_| Arc::default()).collect(),
            fingers: FingerIndex::default(),
            faces: Arc::default(),
            subjects: 0,
        }
    }

    fn get(&self, id: &SubjectId) -> Option<&Arc<Entry>> {
        self.by_id[id_shard(id)].get(id)
    }

    fn by_key(&self, key: u64) -> Option<&Arc<Entry>> {
        self.by_key[key_shard(key)].get(&key)
    }

    /// Applies removals then insertions (whose fingers are already indexed, see
    /// [`index_entries`]), copying only the touched shards, with the face index's state
    /// `faces`. Runs no parallel work (it is called under the writer mutex).
    fn apply(
        &self,
        removed: &[Arc<Entry>],
        added: Vec<Arc<Entry>>,
        indexed: Vec<IndexedFinger>,
        faces: Arc<crate::face::index::Snapshot>,
    ) -> Snapshot {
        let mut next = self.clone();
        for e in removed {
            Arc::make_mut(&mut next.by_id[id_shard(e.subject.id())]).remove(e.subject.id());
            Arc::make_mut(&mut next.by_key[key_shard(e.key)]).remove(&e.key);
            next.subjects -= 1;
        }
        if !removed.is_empty() {
            let keys: Vec<u64> = removed.iter().map(|e| e.key).collect();
            next.fingers = next.fingers.without_subjects(&keys);
        }
        for e in added {
            Arc::make_mut(&mut next.by_key[key_shard(e.key)]).insert(e.key, e.clone());
            Arc::make_mut(&mut next.by_id[id_shard(e.subject.id())])
                .insert(e.subject.id().clone(), e);
            next.subjects += 1;
        }
        next.fingers = next.fingers.with_added(indexed);
        next.faces = faces;
        next
    }
}

/// The first-stage index entries of new entries' fingers (in parallel: call it before
/// taking the writer mutex).
fn index_entries(entries: &[Arc<Entry>]) -> Vec<IndexedFinger> {
    entries
        .par_iter()
        .flat_map_iter(|e| e.records.iter().map(|r| IndexedFinger::new(r.clone())))
        .collect()
}

/// The subject gallery. All methods take `&self`: share it between threads with an `Arc`.
pub struct Gallery {
    config: GalleryConfig,
    matcher: Matcher,
    face: FaceIndex,
    current: RwLock<Arc<Snapshot>>,
    writer: Mutex<()>,
    next_key: AtomicU64,
}

impl std::fmt::Debug for Gallery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gallery")
            .field("subjects", &self.len())
            .field("fingers", &self.finger_count())
            .field("face_model", &self.config.face_model)
            .finish()
    }
}

impl Gallery {
    /// An empty gallery using the default fingerprint matcher.
    pub fn new(config: GalleryConfig) -> Gallery {
        Gallery::with_matcher(config, Matcher::default())
    }

    /// An empty gallery using the given fingerprint matcher.
    pub fn with_matcher(config: GalleryConfig, matcher: Matcher) -> Gallery {
        Gallery {
            face: FaceIndex::new(&config.face_model, config.face_dim, config.face_precision),
            config,
            matcher,
            current: RwLock::new(Arc::new(Snapshot::empty())),
            writer: Mutex::new(()),
            next_key: AtomicU64::new(1),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &GalleryConfig {
        &self.config
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn publish(&self, next: Snapshot) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    }

    /// Number of enrolled subjects.
    pub fn len(&self) -> usize {
        self.snapshot().subjects
    }

    /// True when no subject is enrolled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of enrolled finger impressions.
    pub fn finger_count(&self) -> usize {
        self.snapshot().fingers.len()
    }

    /// Heap bytes held by the matcher's candidate sides of the enrolled fingers (the largest
    /// per-finger cost of a gallery, next to the 2 KiB first-stage descriptor).
    pub fn prepared_finger_bytes(&self) -> usize {
        self.snapshot().fingers.candidate_bytes()
    }

    /// The subject enrolled under `id`.
    pub fn get(&self, id: &SubjectId) -> Result<Subject, GalleryError> {
        self.snapshot()
            .get(id)
            .map(|e| e.subject.clone())
            .ok_or_else(|| GalleryError::UnknownId(id.to_string()))
    }

    /// True when `id` is enrolled.
    pub fn contains(&self, id: &SubjectId) -> bool {
        self.snapshot().get(id).is_some()
    }

    /// Every enrolled id, sorted.
    pub fn ids(&self) -> Vec<SubjectId> {
        let snap = self.snapshot();
        let mut ids: Vec<SubjectId> = snap.by_id.iter().flat_map(|s| s.keys().cloned()).collect();
        ids.sort();
        ids
    }

    /// Every enrolled subject, in id order.
    pub fn subjects(&self) -> Vec<Subject> {
        let snap = self.snapshot();
        let mut all: Vec<&Arc<Entry>> = snap.by_id.iter().flat_map(|s| s.values()).collect();
        all.sort_by(|a, b| a.subject.id().cmp(b.subject.id()));
        all.iter().map(|e| e.subject.clone()).collect()
    }

    fn check_face(&self, t: &FaceTemplate) -> Result<(), GalleryError> {
        if t.model() != self.config.face_model {
            return Err(crate::face::FaceError::ModelMismatch {
                expected: self.config.face_model.clone(),
                got: t.model().to_string(),
            }
            .into());
        }
        if t.values().len() != self.config.face_dim {
            return Err(crate::face::FaceError::WrongDimension {
                expected: self.config.face_dim,
                got: t.values().len(),
            }
            .into());
        }
        Ok(())
    }

    /// The entry of `subject` under internal key `key`, with every impression's candidate
    /// side prepared for the exact matcher.
    fn make_entry(&self, key: u64, subject: Subject) -> Arc<Entry> {
        let records = subject
            .impressions()
            .map(|(p, v)| Arc::new(FingerRecord::new(&self.matcher, key, p, v.clone())))
            .collect();
        Arc::new(Entry {
            key,
            subject,
            records,
        })
    }

    /// Adds the faces of new entries to the face index (undoing on failure).
    fn enrol_faces(&self, entries: &[Arc<Entry>]) -> Result<(), GalleryError> {
        for (i, e) in entries.iter().enumerate() {
            if let Some(face) = e.subject.face()
                && let Err(err) = self.face.enrol(e.key, face)
            {
                for done in &entries[..i] {
                    if done.subject.face().is_some() {
                        let _ = self.face.remove(done.key);
                    }
                }
                return Err(err.into());
            }
        }
        Ok(())
    }

    fn remove_faces(&self, entries: &[Arc<Entry>]) {
        for e in entries {
            if e.subject.face().is_some() {
                // The key was enrolled by this gallery and is removed once.
                let _ = self.face.remove(e.key);
            }
        }
    }

    /// Enrols one subject; an id already enrolled is [`GalleryError::DuplicateId`].
    pub fn enrol(&self, subject: Subject) -> Result<(), GalleryError> {
        self.enrol_many(vec![subject])
    }

    /// Enrols many subjects at once (all or none), publishing one new snapshot.
    pub fn enrol_many(&self, subjects: Vec<Subject>) -> Result<(), GalleryError> {
        let mut seen = std::collections::HashSet::new();
        for s in &subjects {
            s.validate()?;
            if let Some(f) = s.face() {
                self.check_face(f)?;
            }
            if !seen.insert(s.id().clone()) {
                return Err(GalleryError::DuplicateId(s.id().to_string()));
            }
        }
        // Already enrolled ids are refused before the costly part (and again under the lock,
        // where the answer is final).
        let current = self.snapshot();
        if let Some(s) = subjects.iter().find(|s| current.get(s.id()).is_some()) {
            return Err(GalleryError::DuplicateId(s.id().to_string()));
        }
        drop(current);
        // A block of fresh keys, assigned in input order (deterministic ties in searches);
        // preparing and indexing the fingers is the costly part of enrolment, so it runs in
        // parallel, before the writer mutex is taken.
        let first = self
            .next_key
            .fetch_add(subjects.len() as u64, Ordering::Relaxed);
        let entries: Vec<Arc<Entry>> = subjects
            .into_par_iter()
            .enumerate()
            .map(|(i, s)| self.make_entry(first + i as u64, s))
            .collect();
        let indexed = index_entries(&entries);

        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let snap = self.snapshot();
        if let Some(e) = entries.iter().find(|e| snap.get(e.subject.id()).is_some()) {
            return Err(GalleryError::DuplicateId(e.subject.id().to_string()));
        }
        self.enrol_faces(&entries)?;
        let faces = self.face.snapshot();
        self.publish(snap.apply(&[], entries, indexed, faces));
        Ok(())
    }

    /// Replaces the record of an enrolled subject; an unknown id is
    /// [`GalleryError::UnknownId`].
    pub fn replace(&self, subject: Subject) -> Result<(), GalleryError> {
        subject.validate()?;
        if let Some(f) = subject.face() {
            self.check_face(f)?;
        }
        if !self.contains(subject.id()) {
            return Err(GalleryError::UnknownId(subject.id().to_string()));
        }
        let entry = self.make_entry(self.next_key.fetch_add(1, Ordering::Relaxed), subject);
        let indexed = index_entries(std::slice::from_ref(&entry));

        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let snap = self.snapshot();
        let old = snap
            .get(entry.subject.id())
            .cloned()
            .ok_or_else(|| GalleryError::UnknownId(entry.subject.id().to_string()))?;
        self.enrol_faces(std::slice::from_ref(&entry))?;
        self.remove_faces(std::slice::from_ref(&old));
        let faces = self.face.snapshot();
        self.publish(snap.apply(std::slice::from_ref(&old), vec![entry], indexed, faces));
        Ok(())
    }

    /// Removes a subject and returns its record; an unknown id is [`GalleryError::UnknownId`].
    pub fn remove(&self, id: &SubjectId) -> Result<Subject, GalleryError> {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let snap = self.snapshot();
        let old = snap
            .get(id)
            .cloned()
            .ok_or_else(|| GalleryError::UnknownId(id.to_string()))?;
        self.remove_faces(std::slice::from_ref(&old));
        let faces = self.face.snapshot();
        self.publish(snap.apply(std::slice::from_ref(&old), Vec::new(), Vec::new(), faces));
        Ok(old.subject.clone())
    }

    /// Removes every subject whose record's validity window has ended by time `at`
    /// ([`Record::is_expired_at`]) and returns their ids, sorted. Subjects without a record
    /// never expire. Save the gallery afterwards to erase them from its file.
    pub fn purge(&self, at: UnixSeconds) -> Vec<SubjectId> {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let snap = self.snapshot();
        let expired: Vec<Arc<Entry>> = snap
            .by_id
            .iter()
            .flat_map(|s| s.values())
            .filter(|e| e.subject.record().is_some_and(|r| r.is_expired_at(at)))
            .cloned()
            .collect();
        if expired.is_empty() {
            return Vec::new();
        }
        self.remove_faces(&expired);
        let faces = self.face.snapshot();
        self.publish(snap.apply(&expired, Vec::new(), Vec::new(), faces));
        let mut ids: Vec<SubjectId> = expired.iter().map(|e| e.subject.id().clone()).collect();
        ids.sort();
        ids
    }

    /// 1:1: compares a probe with the subject enrolled under `id` (the passport check).
    /// The subject's record comes with the result; validity windows and filters apply to
    /// searches only, a caller of `verify` checks [`Record::is_valid_at`] itself.
    pub fn verify(&self, id: &SubjectId, probe: &Probe) -> Result<CandidateSubject, GalleryError> {
        self.check_probe(probe)?;
        let snap = self.snapshot();
        let entry = snap
            .get(id)
            .ok_or_else(|| GalleryError::UnknownId(id.to_string()))?;
        let prepared: Vec<_> = probe
            .fingers
            .iter()
            .map(|f| self.matcher.prepare(f))
            .collect();
        let ctx = ScoringContext {
            gallery: self,
            probe,
            prepared: &prepared,
            cached: vec![HashMap::new(); probe.fingers.len()],
        };
        let mut c = ctx.score_subject(entry);
        c.record = entry.subject.record_arc().cloned();
        Ok(c)
    }

    fn check_probe(&self, probe: &Probe) -> Result<(), GalleryError> {
        if probe.face.is_none() && probe.fingers.is_empty() {
            return Err(GalleryError::EmptyProbe);
        }
        if probe.fingers.len() > MAX_PROBE_FINGERS {
            return Err(GalleryError::TooLarge {
                what: "fingers in one probe",
                got: probe.fingers.len(),
                limit: MAX_PROBE_FINGERS,
            });
        }
        for f in &probe.fingers {
            subject::validate_view(f)?;
        }
        if let Some(face) = &probe.face {
            self.check_face(face)?;
        }
        let modalities = probe.fingers.len() + usize::from(probe.face.is_some());
        if modalities > 1 {
            if !probe.fingers.is_empty() && self.config.finger_calibration.is_none() {
                return Err(GalleryError::NotCalibrated("fingerprint"));
            }
            if probe.face.is_some() && self.config.face_calibration.is_none() {
                return Err(GalleryError::NotCalibrated("face"));
            }
        }
        Ok(())
    }

    /// 1:N: the subjects most similar to the probe, best fused score first.
    ///
    /// Candidates come from each probe finger's 1:N search (fast or exhaustive, see
    /// [`SearchMode`]) and from the face index; every candidate is then scored on every
    /// probe modality and the scores fused ([`fusion`]).
    pub fn search(
        &self,
        probe: &Probe,
        options: &SearchOptions,
    ) -> Result<Vec<CandidateSubject>, GalleryError> {
        self.check_probe(probe)?;
        let snap = self.snapshot();
        let at = options.at.unwrap_or_else(unix_now);
        // Validity always applies; the filter as given.
        let admitted = |e: &Entry| {
            let r = e.subject.record();
            record::valid_at(r, at) && options.filter.admits(r)
        };
        let prepared: Vec<_> = probe
            .fingers
            .iter()
            .map(|f| self.matcher.prepare(f))
            .collect();

        let mut candidates: HashMap<u64, Arc<Entry>> = HashMap::new();
        let mut cached: Vec<HashMap<usize, f32>> = Vec::with_capacity(probe.fingers.len());
        for (view, prep) in probe.fingers.iter().zip(&prepared) {
            let hits: Vec<FingerHit> = snap.fingers.search(&self.matcher, view, prep, options.mode);
            // Every exact score is kept for fusion; in fast mode only each finger's best
            // subjects become candidates (a multi-finger probe scores every candidate on every
            // finger, so this bounds the extra comparisons; the best fused subject of a
            // single-finger probe is always its best hit).
            let take = match options.mode {
                SearchMode::Exhaustive => usize::MAX,
                SearchMode::Fast { .. } => FUSION_CANDIDATES_PER_FINGER.max(options.top_k),
            };
            let mut added = 0;
            let mut cache = HashMap::with_capacity(hits.len());
            for h in hits {
                if added < take
                    && let Some(e) = snap.by_key(h.record.subject_key)
                    && !candidates.contains_key(&e.key)
                    && admitted(e)
                {
                    candidates.insert(e.key, e.clone());
                    added += 1;
                }
                cache.insert(Arc::as_ptr(&h.record) as usize, h.score);
            }
            cached.push(cache);
        }
        if let Some(face) = &probe.face {
            let k = match options.mode {
                SearchMode::Exhaustive => usize::MAX,
                SearchMode::Fast { .. } => FACE_SHORTLIST.max(options.top_k),
            };
            // The face index's state published with this snapshot: its keys are exactly the
            // faces of this snapshot's subjects.
            for c in self.face.search_top_k_in(&snap.faces, face, k)? {
                if let Some(e) = snap.by_key(c.id)
                    && admitted(e)
                {
                    candidates.entry(e.key).or_insert_with(|| e.clone());
                }
            }
        }

        let ctx = ScoringContext {
            gallery: self,
            probe,
            prepared: &prepared,
            cached,
        };
        let entries: Vec<Arc<Entry>> = candidates.into_values().collect();
        let mut scored: Vec<CandidateSubject> = entries
            .par_iter()
            .map(|e| ctx.score_subject(e))
            .filter(|c| options.min_fused_score.is_none_or(|t| c.fused_score >= t))
            .collect();
        scored.sort_by(|a, b| {
            b.fused_score
                .total_cmp(&a.fused_score)
                .then_with(|| a.id.cmp(&b.id))
        });
        scored.truncate(options.top_k);
        for c in &mut scored {
            c.record = snap
                .get(&c.id)
                .and_then(|e| e.subject.record_arc().cloned());
        }
        Ok(scored)
    }

    /// Diagnostics: the subjects whose fingers the first stage would pass to the exact matcher
    /// for this probe finger with a shortlist of `shortlist` fingers, best first-stage score
    /// first (used to measure the first stage's recall; a subject appears once per
    /// shortlisted impression).
    pub fn first_stage_shortlist(
        &self,
        probe: &FingerView,
        shortlist: usize,
    ) -> Result<Vec<SubjectId>, GalleryError> {
        subject::validate_view(probe)?;
        let snap = self.snapshot();
        Ok(snap
            .fingers
            .shortlist(probe, shortlist)
            .iter()
            .filter_map(|r| snap.by_key(r.subject_key).map(|e| e.subject.id().clone()))
            .collect())
    }

    /// Writes the gallery to `path` atomically (see [`persist`]).
    pub fn save(&self, path: &std::path::Path) -> Result<(), GalleryError> {
        persist::save(self, path)
    }

    /// Writes the gallery to `path` atomically, encrypted under `key` (see [`persist`]).
    pub fn save_encrypted(
        &self,
        path: &std::path::Path,
        key: &GalleryKey,
    ) -> Result<(), GalleryError> {
        persist::save_encrypted(self, path, key)
    }

    /// Reads a gallery written by [`Gallery::save_encrypted`] under `key`, using the default
    /// matcher, within `limits`. The wrong key or any altered byte is
    /// [`GalleryError::Decryption`]; an unencrypted file is [`GalleryError::NotEncrypted`].
    pub fn load_encrypted(
        path: &std::path::Path,
        key: &GalleryKey,
        limits: &crate::LoadLimits,
    ) -> Result<Gallery, GalleryError> {
        persist::load_with_key(path, Matcher::default(), limits, Some(key))
    }

    /// Reads a gallery written by [`Gallery::save`], using the default matcher, within the
    /// default [`LoadLimits`](crate::LoadLimits).
    pub fn load(path: &std::path::Path) -> Result<Gallery, GalleryError> {
        persist::load(path, Matcher::default())
    }

    /// As [`Gallery::load`], within the given limits (a gate that loads only small
    /// watchlists sets lower ones).
    pub fn load_with_limits(
        path: &std::path::Path,
        limits: &crate::LoadLimits,
    ) -> Result<Gallery, GalleryError> {
        persist::load_with_limits(path, Matcher::default(), limits)
    }
}

/// Everything needed to score candidate subjects against one probe.
struct ScoringContext<'a> {
    gallery: &'a Gallery,
    probe: &'a Probe,
    prepared: &'a [crate::finger::matcher::PreparedFinger],
    /// Exact scores already computed by the 1:N stage, by record address, per probe finger.
    cached: Vec<HashMap<usize, f32>>,
}

impl ScoringContext<'_> {
    fn score_subject(&self, entry: &Entry) -> CandidateSubject {
        let g = self.gallery;
        let fcal = g.config.finger_calibration.as_ref();
        let mut scratch = None;
        let mut rates = Vec::new();
        let mut fingers = Vec::with_capacity(self.probe.fingers.len());
        for (i, view) in self.probe.fingers.iter().enumerate() {
            let p = view.finger_position;
            let mut best: Option<(f32, FingerPosition)> = None;
            let mut compared = 0;
            for r in &entry.records {
                if !(p.0 == 0 || r.position.0 == 0 || r.position == p) {
                    continue;
                }
                compared += 1;
                let s = match self.cached[i].get(&(Arc::as_ptr(r) as usize)) {
                    Some(&s) => s,
                    None => {
                        let sc = scratch.get_or_insert_with(|| g.matcher.scratch());
                        r.score(&g.matcher, &self.prepared[i], sc)
                    }
                };
                if best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, r.position));
                }
            }
            let (score, position) = best.unwrap_or((0.0, p));
            let fmr = fcal.map(|c| {
                if compared == 0 {
                    1.0
                } else {
                    fusion::best_of(fusion::comparison_fmr(c, score as f64), compared)
                }
            });
            if let Some(f) = fmr {
                rates.push(f);
            }
            fingers.push(FingerScore {
                probe_finger: i,
                position,
                score,
                compared,
                fmr,
            });
        }
        let face = match (&self.probe.face, entry.subject.face()) {
            (Some(p), Some(t)) => {
                let score = p.similarity(t).unwrap_or(-1.0);
                let fmr = g
                    .config
                    .face_calibration
                    .as_ref()
                    .map(|c| fusion::comparison_fmr(c, score as f64));
                if let Some(f) = fmr {
                    rates.push(f);
                }
                Some(FaceScore { score, fmr })
            }
            (Some(_), None) => {
                if g.config.face_calibration.is_some() {
                    rates.push(1.0);
                }
                None
            }
            _ => None,
        };
        let modalities = self.probe.fingers.len() + usize::from(self.probe.face.is_some());
        let calibrated = rates.len() == modalities;
        let (fused_fmr, fused_score) = if calibrated {
            let f = fusion::fisher_combine(&rates);
            (Some(f), fusion::fused_score(f))
        } else {
            // A single uncalibrated modality: its raw score.
            let raw = fingers
                .first()
                .map(|f| f.score as f64)
                .or(face.as_ref().map(|f| f.score as f64))
                .unwrap_or(0.0);
            (None, raw)
        };
        CandidateSubject {
            id: entry.subject.id().clone(),
            fingers,
            face,
            fused_fmr,
            fused_score,
            record: None,
        }
    }
}
