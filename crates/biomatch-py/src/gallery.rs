//! The subject gallery (faces and fingers, fused 1:N identification) and the exact merge of
//! candidate lists from several galleries (the shards of `biomatch.ray`).

use biomatch::face::FaceTemplate;
use biomatch::finger::FingerView;
use biomatch::gallery::{
    self as core_gallery, CandidateSubject, GalleryConfig, Probe, SearchMode, SearchOptions,
    Subject, SubjectId,
};
use ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use rayon::prelude::*;

use crate::arrays::{check_columns, face_template};
use crate::calibration::Calibration;
use crate::errors;
use crate::face::precision_arg;
use crate::finger::FingerTemplate;
use crate::threads;

/// One subject of a candidate list: the fused score and each modality's scores.
#[pyclass(frozen, eq, module = "biomatch._biomatch")]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Candidate {
    /// The subject id.
    #[pyo3(get)]
    id: String,
    /// Fused score: `-log10(fused FMR)`, or the raw score of a single uncalibrated modality.
    #[pyo3(get)]
    score: f64,
    /// Fused false-match rate (`None` for a single uncalibrated modality).
    #[pyo3(get)]
    fmr: Option<f64>,
    /// Face cosine similarity (`None` when the probe or the subject has no face).
    #[pyo3(get)]
    face_score: Option<f32>,
    /// Estimated FMR of the face score (when calibrated).
    #[pyo3(get)]
    face_fmr: Option<f64>,
    /// One matcher score per probe finger.
    #[pyo3(get)]
    finger_scores: Vec<f32>,
    /// One estimated FMR per probe finger (when calibrated).
    #[pyo3(get)]
    finger_fmrs: Vec<Option<f64>>,
    /// The position of the best-matching enrolled impression, per probe finger.
    #[pyo3(get)]
    finger_positions: Vec<u8>,
    /// The subject's watchlist record, if any (read as a dict through `record`).
    record_data: Option<core_gallery::Record>,
}

/// A watchlist record as a Python dict: `category` (str), `agency`, `reference`, `action`,
/// `valid_from` / `valid_until` (int seconds since 1970 UTC, or None for an open end) and
/// `fields` (dict of str).
fn record_to_dict<'py>(py: Python<'py>, r: &core_gallery::Record) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("category", r.category.name())?;
    d.set_item("agency", &r.agency)?;
    d.set_item("reference", &r.reference)?;
    d.set_item("action", &r.action)?;
    d.set_item(
        "valid_from",
        (r.valid_from != i64::MIN).then_some(r.valid_from),
    )?;
    d.set_item(
        "valid_until",
        (r.valid_until != i64::MAX).then_some(r.valid_until),
    )?;
    d.set_item("fields", r.fields.clone())?;
    Ok(d)
}

/// A watchlist record from a dict shaped as `record_to_dict` writes it (`category` and
/// `agency` required; unknown keys refused).
fn record_from_dict(d: &Bound<'_, PyDict>) -> PyResult<core_gallery::Record> {
    const KEYS: [&str; 7] = [
        "category",
        "agency",
        "reference",
        "action",
        "valid_from",
        "valid_until",
        "fields",
    ];
    for k in d.keys() {
        let k: String = k.extract()?;
        if !KEYS.contains(&k.as_str()) {
            return Err(errors::invalid(format!("unknown record key {k:?}")));
        }
    }
    let text = |k: &str, required: bool| -> PyResult<String> {
        match d.get_item(k)? {
            Some(v) if !v.is_none() => v.extract(),
            _ if required => Err(errors::invalid(format!("a record needs {k:?}"))),
            _ => Ok(String::new()),
        }
    };
    let time = |k: &str, open: i64| -> PyResult<i64> {
        match d.get_item(k)? {
            Some(v) if !v.is_none() => v.extract(),
            _ => Ok(open),
        }
    };
    let category =
        core_gallery::Category::parse(&text("category", true)?).map_err(errors::gallery)?;
    let mut r = core_gallery::Record::new(category, &text("agency", true)?);
    r.reference = text("reference", false)?;
    r.action = text("action", false)?;
    r.valid_from = time("valid_from", i64::MIN)?;
    r.valid_until = time("valid_until", i64::MAX)?;
    if let Some(f) = d.get_item("fields")?
        && !f.is_none()
    {
        r.fields = f.extract()?;
    }
    r.validate().map_err(errors::gallery)?;
    Ok(r)
}

impl From<CandidateSubject> for Candidate {
    fn from(c: CandidateSubject) -> Self {
        Candidate {
            id: c.id.as_str().to_string(),
            score: c.fused_score,
            fmr: c.fused_fmr,
            face_score: c.face.as_ref().map(|f| f.score),
            face_fmr: c.face.as_ref().and_then(|f| f.fmr),
            finger_scores: c.fingers.iter().map(|f| f.score).collect(),
            finger_fmrs: c.fingers.iter().map(|f| f.fmr).collect(),
            finger_positions: c.fingers.iter().map(|f| f.position.0).collect(),
            record_data: c.record.as_deref().cloned(),
        }
    }
}

type CandidateArgs = (
    String,
    f64,
    Option<f64>,
    Option<f32>,
    Option<f64>,
    Vec<f32>,
    Vec<Option<f64>>,
    Vec<u8>,
    Option<Py<PyDict>>,
);

#[pymethods]
impl Candidate {
    #[new]
    #[pyo3(signature = (id, score, fmr = None, face_score = None, face_fmr = None, finger_scores = Vec::new(), finger_fmrs = Vec::new(), finger_positions = Vec::new(), record = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: String,
        score: f64,
        fmr: Option<f64>,
        face_score: Option<f32>,
        face_fmr: Option<f64>,
        finger_scores: Vec<f32>,
        finger_fmrs: Vec<Option<f64>>,
        finger_positions: Vec<u8>,
        record: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Candidate> {
        Ok(Candidate {
            id,
            score,
            fmr,
            face_score,
            face_fmr,
            finger_scores,
            finger_fmrs,
            finger_positions,
            record_data: record.as_ref().map(record_from_dict).transpose()?,
        })
    }

    /// The subject's watchlist record as a dict (see `Gallery.set_record`), or None.
    #[getter]
    fn record<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.record_data
            .as_ref()
            .map(|r| record_to_dict(py, r))
            .transpose()
    }

    fn __repr__(&self) -> String {
        format!(
            "Candidate(id={:?}, score={}, fmr={:?}, face_score={:?}, finger_scores={:?})",
            self.id, self.score, self.fmr, self.face_score, self.finger_scores
        )
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyType>, CandidateArgs)> {
        let c = slf.get().clone();
        let record = c
            .record_data
            .as_ref()
            .map(|r| record_to_dict(slf.py(), r).map(Bound::unbind))
            .transpose()?;
        Ok((
            slf.get_type(),
            (
                c.id,
                c.score,
                c.fmr,
                c.face_score,
                c.face_fmr,
                c.finger_scores,
                c.finger_fmrs,
                c.finger_positions,
                record,
            ),
        ))
    }
}

/// The order of every candidate list: score descending (`total_cmp`), then id ascending
/// (byte order), exactly as `Gallery::search` sorts.
fn best_first(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
}

/// Merges candidate lists of disjoint galleries (shards) into the best `k`, in the order a
/// single gallery holding every subject returns them. A NaN score or an id in two lists
/// (a subject in two shards) is an `InvalidInputError`.
#[pyfunction]
pub(crate) fn merge_candidates(
    lists: Vec<Vec<PyRef<'_, Candidate>>>,
    k: usize,
) -> PyResult<Vec<Candidate>> {
    let mut all: Vec<Candidate> = lists.iter().flatten().map(|c| (**c).clone()).collect();
    if let Some(c) = all.iter().find(|c| c.score.is_nan()) {
        return Err(errors::invalid(format!(
            "candidate {:?} has a NaN score",
            c.id
        )));
    }
    all.sort_by(best_first);
    let mut seen = std::collections::HashSet::with_capacity(all.len());
    for c in &all {
        if !seen.insert(c.id.as_str()) {
            return Err(errors::invalid(format!(
                "subject {:?} is in more than one list: shards must hold disjoint subjects",
                c.id
            )));
        }
    }
    all.truncate(k);
    Ok(all)
}

/// The fused-score threshold for a false-positive identification rate of `target_fpir` per
/// non-mated search in a gallery of `n_subjects` subjects (all shards together):
/// `-log10(target_fpir / n_subjects)`.
#[pyfunction]
pub(crate) fn fpir_threshold(target_fpir: f64, n_subjects: usize) -> PyResult<f64> {
    if !(target_fpir > 0.0 && target_fpir <= 1.0) {
        return Err(errors::invalid(format!(
            "target FPIR {target_fpir} is outside (0, 1]"
        )));
    }
    Ok(core_gallery::fusion::fused_score(
        core_gallery::fusion::fpir_threshold(target_fpir, n_subjects),
    ))
}

fn subject_id(id: &str) -> PyResult<SubjectId> {
    SubjectId::new(id).map_err(errors::gallery)
}

fn finger_views(fingers: &[PyRef<'_, FingerTemplate>]) -> Vec<FingerView> {
    fingers
        .iter()
        .flat_map(|t| t.template.views.iter().cloned())
        .collect()
}

fn mode_arg(mode: &str, shortlist: Option<usize>) -> PyResult<SearchMode> {
    match (mode, shortlist) {
        ("fast", s) => {
            let shortlist = s.unwrap_or(SearchMode::DEFAULT_SHORTLIST);
            if shortlist == 0 {
                return Err(errors::invalid("shortlist must be at least 1"));
            }
            Ok(SearchMode::Fast { shortlist })
        }
        ("exhaustive", None) => Ok(SearchMode::Exhaustive),
        ("exhaustive", Some(_)) => Err(errors::invalid("shortlist applies to mode=\"fast\" only")),
        (other, _) => Err(errors::invalid(format!(
            "unknown mode {other:?}: use \"fast\" or \"exhaustive\""
        ))),
    }
}

/// What `Gallery.get` returns: the face (if any) and one template per impression.
type Record<'py> = (Option<Bound<'py, PyArray1<f32>>>, Vec<FingerTemplate>);

/// The subject gallery: each subject (a string id) holds a face embedding, fingers, or both;
/// `identify` fuses every modality of a probe into one calibrated score.
#[pyclass(frozen, module = "biomatch._biomatch")]
pub(crate) struct Gallery {
    inner: core_gallery::Gallery,
    threads: Option<usize>,
}

impl Gallery {
    fn face(&self, face: Option<PyReadonlyArray1<'_, f32>>) -> PyResult<Option<FaceTemplate>> {
        face.map(|a| {
            face_template(&self.inner.config().face_model, a.as_array())
                .map_err(|e| errors::face_in("face", &e))
        })
        .transpose()
    }

    fn subject(
        &self,
        id: &str,
        face: Option<PyReadonlyArray1<'_, f32>>,
        fingers: Option<Vec<PyRef<'_, FingerTemplate>>>,
    ) -> PyResult<Subject> {
        let mut s = Subject::new(subject_id(id)?);
        if let Some(f) = self.face(face)? {
            s = s.with_face(f);
        }
        for v in finger_views(fingers.as_deref().unwrap_or_default()) {
            s.add_finger(v);
        }
        Ok(s)
    }

    fn probe(
        &self,
        face: Option<PyReadonlyArray1<'_, f32>>,
        fingers: Option<Vec<PyRef<'_, FingerTemplate>>>,
    ) -> PyResult<Probe> {
        Ok(Probe {
            face: self.face(face)?,
            fingers: finger_views(fingers.as_deref().unwrap_or_default()),
        })
    }
}

#[pymethods]
impl Gallery {
    /// An empty gallery for face embeddings of `face_model` with `face_dim` values (stored as
    /// `precision`), with optional calibrations (both are needed to fuse faces and fingers);
    /// `threads` is the default thread count of long calls (`None`: one per core).
    #[new]
    #[pyo3(signature = (face_model = "face", face_dim = 512, precision = "f32", finger_calibration = None, face_calibration = None, threads = None))]
    fn new(
        face_model: &str,
        face_dim: usize,
        precision: &str,
        finger_calibration: Option<PyRef<'_, Calibration>>,
        face_calibration: Option<PyRef<'_, Calibration>>,
        threads: Option<usize>,
    ) -> PyResult<Gallery> {
        use biomatch::face::params::{MAX_DIM, MIN_DIM};
        if !(MIN_DIM..=MAX_DIM).contains(&face_dim) {
            return Err(errors::face(
                biomatch::face::FaceError::DimensionOutOfRange { got: face_dim },
            ));
        }
        let config = GalleryConfig {
            face_model: face_model.to_string(),
            face_dim,
            face_precision: precision_arg(precision)?,
            finger_calibration: finger_calibration.map(|c| c.inner.clone()),
            face_calibration: face_calibration.map(|c| c.inner.clone()),
        };
        Ok(Gallery {
            inner: core_gallery::Gallery::new(config),
            threads,
        })
    }

    /// The face model tag.
    #[getter]
    fn face_model(&self) -> String {
        self.inner.config().face_model.clone()
    }

    /// The face embedding dimension.
    #[getter]
    fn face_dim(&self) -> usize {
        self.inner.config().face_dim
    }

    /// The face index precision name.
    #[getter]
    fn precision(&self) -> &'static str {
        self.inner.config().face_precision.name()
    }

    /// The fingerprint calibration, if any.
    #[getter]
    fn finger_calibration(&self) -> Option<Calibration> {
        self.inner
            .config()
            .finger_calibration
            .clone()
            .map(Calibration::from)
    }

    /// The face calibration, if any.
    #[getter]
    fn face_calibration(&self) -> Option<Calibration> {
        self.inner
            .config()
            .face_calibration
            .clone()
            .map(Calibration::from)
    }

    /// The default thread count of long calls (`None`: one per core).
    #[getter]
    fn threads(&self) -> Option<usize> {
        self.threads
    }

    /// Number of enrolled finger impressions.
    #[getter]
    fn finger_count(&self) -> usize {
        self.inner.finger_count()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, id: &str) -> bool {
        SubjectId::new(id).is_ok_and(|i| self.inner.contains(&i))
    }

    fn __repr__(&self) -> String {
        format!(
            "Gallery(subjects={}, fingers={}, face_model={:?}, face_dim={})",
            self.inner.len(),
            self.inner.finger_count(),
            self.inner.config().face_model,
            self.inner.config().face_dim
        )
    }

    /// Every enrolled id, sorted.
    fn ids(&self) -> Vec<String> {
        self.inner
            .ids()
            .into_iter()
            .map(|i| i.as_str().to_string())
            .collect()
    }

    /// The record of `id`: `(face or None, fingers)`, one single-view template per enrolled
    /// impression.
    fn get<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Record<'py>> {
        let s = self.inner.get(&subject_id(id)?).map_err(errors::gallery)?;
        let face = s.face().map(|f| f.values().to_vec().into_pyarray(py));
        let fingers = s
            .impressions()
            .map(|(_, v)| {
                FingerTemplate::new(
                    biomatch::finger::FingerTemplate::single((**v).clone()),
                    None,
                )
            })
            .collect();
        Ok((face, fingers))
    }

    /// Enrols one subject (a face, fingers, or both); an enrolled id raises
    /// `DuplicateIdError`. Each view of each finger template becomes one impression.
    #[pyo3(signature = (id, face = None, fingers = None, threads = None))]
    fn enrol(
        &self,
        py: Python<'_>,
        id: &str,
        face: Option<PyReadonlyArray1<'_, f32>>,
        fingers: Option<Vec<PyRef<'_, FingerTemplate>>>,
        threads: Option<usize>,
    ) -> PyResult<()> {
        let s = self.subject(id, face, fingers)?;
        let inner = &self.inner;
        threads::run(py, threads.or(self.threads), move || inner.enrol(s))?.map_err(errors::gallery)
    }

    /// Enrols many subjects at once, all or none: a sequence of `(id, face or None, fingers)`.
    #[pyo3(signature = (subjects, threads = None))]
    #[allow(clippy::type_complexity)]
    fn enrol_many(
        &self,
        py: Python<'_>,
        subjects: Vec<(
            String,
            Option<PyReadonlyArray1<'_, f32>>,
            Option<Vec<PyRef<'_, FingerTemplate>>>,
        )>,
        threads: Option<usize>,
    ) -> PyResult<()> {
        let records = subjects
            .into_iter()
            .map(|(id, face, fingers)| self.subject(&id, face, fingers))
            .collect::<PyResult<Vec<Subject>>>()?;
        let inner = &self.inner;
        threads::run(py, threads.or(self.threads), move || {
            inner.enrol_many(records)
        })?
        .map_err(errors::gallery)
    }

    /// Enrols face-only subjects: `embeddings[i]` (float32 `[n, face_dim]`) under `ids[i]`.
    #[pyo3(signature = (ids, embeddings, threads = None))]
    fn add(
        &self,
        py: Python<'_>,
        ids: Vec<String>,
        embeddings: PyReadonlyArray2<'_, f32>,
        threads: Option<usize>,
    ) -> PyResult<()> {
        let rows = embeddings.as_array();
        check_columns("embeddings", &rows, self.inner.config().face_dim)?;
        if ids.len() != rows.nrows() {
            return Err(errors::invalid(format!(
                "{} ids for {} embeddings",
                ids.len(),
                rows.nrows()
            )));
        }
        let ids = ids
            .iter()
            .map(|i| subject_id(i))
            .collect::<PyResult<Vec<_>>>()?;
        let inner = &self.inner;
        threads::run(py, threads.or(self.threads), move || -> PyResult<()> {
            inner.enrol_face_rows(ids, rows).map_err(errors::gallery)
        })?
    }

    /// Replaces the record of an enrolled subject (`UnknownIdError` if it is not enrolled).
    #[pyo3(signature = (id, face = None, fingers = None, threads = None))]
    fn replace(
        &self,
        py: Python<'_>,
        id: &str,
        face: Option<PyReadonlyArray1<'_, f32>>,
        fingers: Option<Vec<PyRef<'_, FingerTemplate>>>,
        threads: Option<usize>,
    ) -> PyResult<()> {
        let s = self.subject(id, face, fingers)?;
        let inner = &self.inner;
        threads::run(py, threads.or(self.threads), move || inner.replace(s))?
            .map_err(errors::gallery)
    }

    /// Removes a subject (`UnknownIdError` if it is not enrolled).
    fn remove(&self, py: Python<'_>, id: &str) -> PyResult<()> {
        let id = subject_id(id)?;
        let inner = &self.inner;
        py.detach(|| inner.remove(&id))
            .map(|_| ())
            .map_err(errors::gallery)
    }

    /// 1:N identification of one probe (a face, fingers, or both): the best `k` subjects,
    /// best fused score first (ties by id). `mode` is `"fast"` (first stage, then the exact
    /// matcher on `shortlist` fingers per probe finger; exhaustive for galleries no larger
    /// than the shortlist) or `"exhaustive"`. Only candidates scoring at least
    /// `min_fused_score` are returned; `fpir` sets that threshold for a target
    /// false-positive identification rate over `n_subjects` subjects (default: this
    /// gallery's; pass the total of all shards).
    ///
    /// Watchlist records: an entry outside its validity window at time `at` (seconds since
    /// 1970 UTC; default now) is never returned; `categories` and `agencies` keep only
    /// entries whose record has one of them.
    #[pyo3(signature = (face = None, fingers = None, k = 10, mode = "fast", shortlist = None, min_fused_score = None, fpir = None, n_subjects = None, threads = None, categories = None, agencies = None, at = None))]
    #[allow(clippy::too_many_arguments)]
    fn identify(
        &self,
        py: Python<'_>,
        face: Option<PyReadonlyArray1<'_, f32>>,
        fingers: Option<Vec<PyRef<'_, FingerTemplate>>>,
        k: usize,
        mode: &str,
        shortlist: Option<usize>,
        min_fused_score: Option<f64>,
        fpir: Option<f64>,
        n_subjects: Option<usize>,
        threads: Option<usize>,
        categories: Option<Vec<String>>,
        agencies: Option<Vec<String>>,
        at: Option<i64>,
    ) -> PyResult<Vec<Candidate>> {
        if k == 0 {
            return Err(errors::invalid("k must be at least 1"));
        }
        let threshold = match (min_fused_score, fpir) {
            (Some(_), Some(_)) => {
                return Err(errors::invalid("give min_fused_score or fpir, not both"));
            }
            (Some(t), None) if t.is_nan() => return Err(errors::invalid("min_fused_score is NaN")),
            (Some(t), None) => Some(t),
            (None, Some(f)) => Some(fpir_threshold(
                f,
                n_subjects.unwrap_or_else(|| self.inner.len()),
            )?),
            (None, None) => None,
        };
        let options = SearchOptions {
            top_k: k,
            min_fused_score: threshold,
            mode: mode_arg(mode, shortlist)?,
            filter: core_gallery::Filter {
                categories: categories
                    .unwrap_or_default()
                    .iter()
                    .map(|c| core_gallery::Category::parse(c))
                    .collect::<Result<_, _>>()
                    .map_err(errors::gallery)?,
                agencies: agencies.unwrap_or_default(),
            },
            at,
        };
        let probe = self.probe(face, fingers)?;
        let inner = &self.inner;
        let found = threads::run(py, threads.or(self.threads), move || {
            inner.search(&probe, &options)
        })?
        .map_err(errors::gallery)?;
        Ok(found.into_iter().map(Candidate::from).collect())
    }

    /// Face-only 1:N for a batch: the best `k` subjects of each query row (float32
    /// `[m, face_dim]`) as `(scores[m, k] float64, ids)`, `ids` a list of `m` lists of `k`
    /// ids; rows with fewer than `k` subjects are padded with `-inf` and `None`. Scores are
    /// fused scores (the cosine similarity when the gallery has no face calibration).
    #[pyo3(signature = (queries, k = 10, mode = "fast", threads = None))]
    #[allow(clippy::type_complexity)]
    fn search<'py>(
        &self,
        py: Python<'py>,
        queries: PyReadonlyArray2<'py, f32>,
        k: usize,
        mode: &str,
        threads: Option<usize>,
    ) -> PyResult<(Bound<'py, PyArray2<f64>>, Vec<Vec<Option<String>>>)> {
        if k == 0 {
            return Err(errors::invalid("k must be at least 1"));
        }
        let rows = queries.as_array();
        check_columns("queries", &rows, self.inner.config().face_dim)?;
        let options = SearchOptions {
            top_k: k,
            min_fused_score: None,
            mode: mode_arg(mode, None)?,
            ..SearchOptions::default()
        };
        let inner = &self.inner;
        let (scores, ids) = threads::run(py, threads.or(self.threads), move || -> PyResult<_> {
            let found = inner
                .search_face_rows(rows, &options)
                .map_err(errors::gallery)?;
            let mut scores = Array2::<f64>::from_elem((found.len(), k), f64::NEG_INFINITY);
            let mut ids = vec![vec![None; k]; found.len()];
            for (q, list) in found.into_iter().enumerate() {
                for (j, c) in list.into_iter().take(k).enumerate() {
                    scores[[q, j]] = c.fused_score;
                    ids[q][j] = Some(c.id.as_str().to_string());
                }
            }
            Ok((scores, ids))
        })??;
        Ok((scores.into_pyarray(py), ids))
    }

    /// 1:1: the probe compared with the subject enrolled under `id`.
    #[pyo3(signature = (id, face = None, fingers = None))]
    fn verify(
        &self,
        py: Python<'_>,
        id: &str,
        face: Option<PyReadonlyArray1<'_, f32>>,
        fingers: Option<Vec<PyRef<'_, FingerTemplate>>>,
    ) -> PyResult<Candidate> {
        let id = subject_id(id)?;
        let probe = self.probe(face, fingers)?;
        let inner = &self.inner;
        py.detach(|| inner.verify(&id, &probe))
            .map(Candidate::from)
            .map_err(errors::gallery)
    }

    /// Sets (or with None clears) the watchlist record of an enrolled subject: a dict with
    /// `category` ("wanted", "missing", "stolen-document", "deny-entry", "observe" or free
    /// text), `agency`, and optionally `reference`, `action`, `valid_from`, `valid_until`
    /// (int seconds since 1970 UTC; None or absent: open) and `fields` (dict of str).
    #[pyo3(signature = (id, record))]
    fn set_record(&self, id: &str, record: Option<Bound<'_, PyDict>>) -> PyResult<()> {
        let id = SubjectId::new(id).map_err(errors::gallery)?;
        let record = record.as_ref().map(record_from_dict).transpose()?;
        let mut s = self.inner.get(&id).map_err(errors::gallery)?;
        s.set_record(record);
        self.inner.replace(s).map_err(errors::gallery)
    }

    /// The watchlist record of an enrolled subject as a dict, or None.
    fn record<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Option<Bound<'py, PyDict>>> {
        let id = SubjectId::new(id).map_err(errors::gallery)?;
        let s = self.inner.get(&id).map_err(errors::gallery)?;
        s.record().map(|r| record_to_dict(py, r)).transpose()
    }

    /// Removes the subjects whose record expired by `at` (seconds since 1970 UTC; default
    /// now) and returns their ids; save afterwards to erase them from the file.
    #[pyo3(signature = (at = None))]
    fn purge(&self, at: Option<i64>) -> Vec<String> {
        let at = at.unwrap_or_else(core_gallery::unix_now);
        self.inner.purge(at).iter().map(|i| i.to_string()).collect()
    }

    /// Writes the gallery to `path` (checksummed, replaced atomically); encrypted with
    /// AES-256-GCM when a 32-byte `key` is given.
    #[pyo3(signature = (path, key = None))]
    fn save(&self, py: Python<'_>, path: std::path::PathBuf, key: Option<Vec<u8>>) -> PyResult<()> {
        let key = key
            .map(|k| core_gallery::GalleryKey::from_slice(&k))
            .transpose()
            .map_err(errors::gallery)?;
        let inner = &self.inner;
        py.detach(|| match &key {
            Some(k) => inner.save_encrypted(&path, k),
            None => inner.save(&path),
        })
        .map_err(errors::gallery)
    }

    /// Reads a gallery written by `save` (with the same `key` when it was encrypted; a key
    /// for an unencrypted file is refused).
    #[classmethod]
    #[pyo3(signature = (path, threads = None, key = None))]
    fn load(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
        threads: Option<usize>,
        key: Option<Vec<u8>>,
    ) -> PyResult<Gallery> {
        let key = key
            .map(|k| core_gallery::GalleryKey::from_slice(&k))
            .transpose()
            .map_err(errors::gallery)?;
        let inner = threads::run(py, threads, move || match &key {
            Some(k) => {
                core_gallery::Gallery::load_encrypted(&path, k, &biomatch::LoadLimits::default())
            }
            None => core_gallery::Gallery::load(&path),
        })?
        .map_err(errors::gallery)?;
        Ok(Gallery { inner, threads })
    }
}

#[allow(dead_code)]
fn _assert_sync() {
    fn is<T: Send + Sync>() {}
    is::<Gallery>();
    let _ = |v: Vec<Candidate>| v.into_par_iter();
}
