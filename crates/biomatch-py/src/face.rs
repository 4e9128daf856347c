//! Face embeddings: 1:1 scores and the `FaceIndex` (exhaustive SIMD 1:N search).

use biomatch::face::{self as core_face, Precision};
use ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyType};

use crate::arrays::{check_columns, face_template, row_error};
use crate::calibration::{Calibration, scores_arg};
use crate::errors;
use crate::threads;

/// Cosine similarity of two face embeddings (1-D float32 arrays of equal length, 128..=4096
/// values; each is L2-normalised first).
#[pyfunction]
pub(crate) fn face_score(
    a: PyReadonlyArray1<'_, f32>,
    b: PyReadonlyArray1<'_, f32>,
) -> PyResult<f32> {
    let ta = face_template("", a.as_array()).map_err(|e| errors::face_in("a", &e))?;
    let tb = face_template("", b.as_array()).map_err(|e| errors::face_in("b", &e))?;
    ta.similarity(&tb).map_err(errors::face)
}

pub(crate) fn precision_arg(precision: &str) -> PyResult<Precision> {
    precision.parse::<Precision>().map_err(errors::invalid)
}

/// What `FaceIndex.search` returns: scores and ids, `[m, k]` each.
type SearchResult<'py> = (Bound<'py, PyArray2<f32>>, Bound<'py, PyArray2<i64>>);

/// An exhaustive face index over int64 ids (FAISS's `IndexFlatIP` with `add_with_ids`).
#[pyclass(frozen, module = "biomatch._biomatch")]
pub(crate) struct FaceIndex {
    inner: core_face::FaceIndex,
    threads: Option<usize>,
}

fn ids_arg(ids: &PyReadonlyArray1<'_, i64>) -> PyResult<Vec<u64>> {
    ids.as_array()
        .iter()
        .map(|&i| {
            u64::try_from(i)
                .map_err(|_| errors::invalid(format!("id {i} is negative: ids are >= 0")))
        })
        .collect()
}

#[pymethods]
impl FaceIndex {
    /// An empty index for embeddings of `model` with `dim` values, stored as `precision`
    /// (`"f32"`, `"f16"` or `"i8"`); `threads` is the default thread count of long calls.
    #[new]
    #[pyo3(signature = (model, dim, precision = "f32", threads = None))]
    fn new(
        model: &str,
        dim: usize,
        precision: &str,
        threads: Option<usize>,
    ) -> PyResult<FaceIndex> {
        if !(core_face::params::MIN_DIM..=core_face::params::MAX_DIM).contains(&dim) {
            return Err(errors::face(core_face::FaceError::DimensionOutOfRange {
                got: dim,
            }));
        }
        Ok(FaceIndex {
            inner: core_face::FaceIndex::new(model, dim, precision_arg(precision)?),
            threads,
        })
    }

    /// The model tag.
    #[getter]
    fn model(&self) -> String {
        self.inner.model().to_string()
    }

    /// The embedding dimension.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// The storage precision name.
    #[getter]
    fn precision(&self) -> &'static str {
        self.inner.precision().name()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, id: i64) -> bool {
        u64::try_from(id).is_ok_and(|i| self.inner.contains(i))
    }

    fn __repr__(&self) -> String {
        format!(
            "FaceIndex(model={:?}, dim={}, precision={:?}, len={})",
            self.inner.model(),
            self.inner.dim(),
            self.inner.precision().name(),
            self.inner.len()
        )
    }

    /// Adds `embeddings[i]` under `ids[i]` (all or none).
    #[pyo3(signature = (ids, embeddings, threads = None))]
    fn add(
        &self,
        py: Python<'_>,
        ids: PyReadonlyArray1<'_, i64>,
        embeddings: PyReadonlyArray2<'_, f32>,
        threads: Option<usize>,
    ) -> PyResult<()> {
        let keys = ids_arg(&ids)?;
        let rows = embeddings.as_array();
        check_columns("embeddings", &rows, self.inner.dim())?;
        if keys.len() != rows.nrows() {
            return Err(errors::invalid(format!(
                "{} ids for {} embeddings",
                keys.len(),
                rows.nrows()
            )));
        }
        let inner = &self.inner;
        threads::run(py, threads.or(self.threads), move || {
            inner
                .enrol_rows(&keys, rows)
                .map_err(|e| row_error("embeddings", e))
        })?
    }

    /// Removes the vectors of `ids`; an id not enrolled raises `UnknownIdError` (ids before it
    /// are removed).
    fn remove(&self, ids: PyReadonlyArray1<'_, i64>) -> PyResult<()> {
        for id in ids_arg(&ids)? {
            self.inner.remove(id).map_err(errors::face)?;
        }
        Ok(())
    }

    /// The `k` most similar vectors of each query row: `(scores[m, k] float32, ids[m, k]
    /// int64)`, best first; rows with fewer than `k` results are padded with `-inf` and `-1`.
    #[pyo3(signature = (queries, k, threads = None))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        queries: PyReadonlyArray2<'py, f32>,
        k: usize,
        threads: Option<usize>,
    ) -> PyResult<SearchResult<'py>> {
        let rows = queries.as_array();
        check_columns("queries", &rows, self.inner.dim())?;
        if k == 0 {
            return Err(errors::invalid("k must be at least 1"));
        }
        let inner = &self.inner;
        let (scores, ids) = threads::run(py, threads.or(self.threads), move || -> PyResult<_> {
            let found = inner
                .search_rows(rows, k)
                .map_err(|e| row_error("queries", e))?;
            let m = found.len();
            let mut scores = Array2::<f32>::from_elem((m, k), f32::NEG_INFINITY);
            let mut ids = Array2::<i64>::from_elem((m, k), -1);
            for (q, list) in found.iter().enumerate() {
                for (j, c) in list.iter().take(k).enumerate() {
                    scores[[q, j]] = c.score;
                    // Ids were given as int64 and checked non-negative.
                    ids[[q, j]] = c.id as i64;
                }
            }
            Ok((scores, ids))
        })??;
        Ok((scores.into_pyarray(py), ids.into_pyarray(py)))
    }

    /// The stored (decoded, normalised) vector of `id`.
    fn vector<'py>(&self, py: Python<'py>, id: i64) -> PyResult<Bound<'py, numpy::PyArray1<f32>>> {
        let id = u64::try_from(id).map_err(|_| errors::invalid(format!("id {id} is negative")))?;
        let v = self.inner.stored_vector(id).map_err(errors::face)?;
        Ok(v.into_pyarray(py))
    }

    /// Calibrates scores to FMRs from impostor similarities.
    fn calibrate(&self, impostor_scores: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .calibrate(&scores_arg(impostor_scores)?)
            .map_err(errors::face)
    }

    /// The calibration, if any.
    #[getter]
    fn calibration(&self) -> Option<Calibration> {
        self.inner.calibration().map(Calibration::from)
    }

    /// The score threshold giving false-match rate `fmr` (needs a calibration).
    fn threshold_for_fmr(&self, fmr: f64) -> PyResult<f64> {
        self.inner.threshold_for_fmr(fmr).map_err(errors::face)
    }

    /// The estimated false-match rate of `score` (needs a calibration).
    fn fmr_of_score(&self, score: f64) -> PyResult<f64> {
        self.inner.fmr_of_score(score).map_err(errors::face)
    }

    /// Writes the index to `path` atomically.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let inner = &self.inner;
        py.detach(|| inner.save(&path)).map_err(errors::face)
    }

    /// Reads an index written by `save`.
    #[classmethod]
    #[pyo3(signature = (path, threads = None))]
    fn load(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
        threads: Option<usize>,
    ) -> PyResult<FaceIndex> {
        let inner = py
            .detach(|| core_face::FaceIndex::load(&path))
            .map_err(errors::face)?;
        Ok(FaceIndex { inner, threads })
    }

    /// The index as bytes (the file format of `save`).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.inner.to_bytes()).map_err(errors::face)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// An index from the bytes of `to_bytes`.
    #[classmethod]
    fn from_bytes(_cls: &Bound<'_, PyType>, data: &[u8]) -> PyResult<FaceIndex> {
        let inner = core_face::FaceIndex::from_bytes(data).map_err(errors::face)?;
        Ok(FaceIndex {
            inner,
            threads: None,
        })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = slf.get_type().getattr("from_bytes")?;
        Ok((from_bytes, (slf.get().to_bytes(slf.py())?,)))
    }
}
