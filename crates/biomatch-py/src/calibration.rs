//! Score <-> estimated false-match rate, from a stated impostor distribution.

use biomatch::calibration as core_cal;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::errors;

/// Impostor scores from a 1-D float64 numpy array (read in place) or any sequence of floats.
pub(crate) fn scores_arg(obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    if let Ok(a) = obj.extract::<PyReadonlyArray1<'_, f64>>() {
        return Ok(a.as_array().to_vec());
    }
    obj.extract::<Vec<f64>>()
}

/// A calibration: the impostor score distribution of one modality (empirical body, fitted
/// exponential tail beyond the data).
#[pyclass(frozen, module = "biomatch._biomatch")]
#[derive(Clone)]
pub(crate) struct Calibration {
    pub(crate) inner: core_cal::Calibration,
}

impl From<core_cal::Calibration> for Calibration {
    fn from(inner: core_cal::Calibration) -> Self {
        Calibration { inner }
    }
}

#[pymethods]
impl Calibration {
    /// A calibration from impostor comparison scores (finite values, at least one).
    #[new]
    #[pyo3(signature = (impostor_scores, description = None))]
    fn new(
        impostor_scores: &Bound<'_, PyAny>,
        description: Option<String>,
    ) -> PyResult<Calibration> {
        let scores = scores_arg(impostor_scores)?;
        let mut inner =
            core_cal::Calibration::from_impostor_scores(&scores).map_err(errors::calibration)?;
        if let Some(d) = description {
            inner = inner.with_description(d);
        }
        Ok(Calibration { inner })
    }

    /// Number of impostor scores.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The description given at construction.
    #[getter]
    fn description(&self) -> String {
        self.inner.description().to_string()
    }

    /// Whether an exponential tail was fitted beyond the data.
    #[getter]
    fn has_tail(&self) -> bool {
        self.inner.has_tail()
    }

    /// The estimated false-match rate of `score`.
    fn fmr(&self, score: f64) -> f64 {
        self.inner.fmr_of_score(score)
    }

    /// The score threshold giving false-match rate `fmr` (0 < fmr <= 1).
    fn threshold(&self, fmr: f64) -> PyResult<f64> {
        self.inner
            .threshold_for_fmr(fmr)
            .map_err(errors::calibration)
    }

    /// The calibration as JSON (what the CLI's `--calibration` files hold).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// A calibration from `to_json` output.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, json: &str) -> PyResult<Calibration> {
        core_cal::Calibration::from_json(json)
            .map(Calibration::from)
            .map_err(errors::calibration)
    }

    fn __repr__(&self) -> String {
        format!(
            "Calibration(len={}, tail={}, description={:?})",
            self.inner.len(),
            self.inner.has_tail(),
            self.inner.description()
        )
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            slf.get_type().getattr("from_json")?,
            (slf.get().inner.to_json(),),
        ))
    }
}
