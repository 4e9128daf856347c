//! The `biomatch._biomatch` extension module: Python bindings of the biomatch core.
//!
//! Arrays cross the boundary as numpy views ([`numpy::PyReadonlyArray2`] and friends, read as
//! `ndarray` views without copying, so Ray's read-only object-store arrays work), every long
//! call releases the GIL (`Python::detach`) and runs in a rayon pool of the caller's
//! `threads=` size ([`threads`]), and core errors become the Python exception hierarchy of
//! `biomatch._errors` ([`errors`]). The Python-facing API is documented in
//! `python/biomatch/_biomatch.pyi`.

mod arrays;
mod calibration;
mod errors;
mod face;
mod finger;
mod gallery;
mod threads;

use pyo3::prelude::*;

/// The native module, imported by `biomatch/__init__.py`.
#[pymodule]
fn _biomatch(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<finger::FingerTemplate>()?;
    m.add_function(wrap_pyfunction!(finger::extract, m)?)?;
    m.add_function(wrap_pyfunction!(finger::finger_score, m)?)?;
    m.add_function(wrap_pyfunction!(finger::synthetic_fingers, m)?)?;
    m.add_function(wrap_pyfunction!(face::face_score, m)?)?;
    m.add_class::<face::FaceIndex>()?;
    m.add_class::<calibration::Calibration>()?;
    m.add_class::<gallery::Gallery>()?;
    m.add_class::<gallery::Candidate>()?;
    m.add_function(wrap_pyfunction!(gallery::merge_candidates, m)?)?;
    m.add_function(wrap_pyfunction!(gallery::fpir_threshold, m)?)?;
    m.add_function(wrap_pyfunction!(threads::default_threads, m)?)?;
    Ok(())
}
