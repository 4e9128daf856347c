//! Checks and conversions at the numpy boundary.
//!
//! Inputs arrive as read-only numpy views (`PyReadonlyArray*`; a wrong dtype or number of
//! dimensions is a `TypeError` raised by the numpy crate) and are read through `ndarray`
//! views of any stride, without copying the array. Callers must not modify an array while a
//! call that received it is running (the GIL is released during the work).

use biomatch::face::FaceTemplate;
use ndarray::{ArrayView1, ArrayView2, Axis};
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::errors;

/// Checks that `rows` has `dim` columns (what: the argument's name).
pub(crate) fn check_columns(what: &str, rows: &ArrayView2<'_, f32>, dim: usize) -> PyResult<()> {
    if rows.ncols() != dim {
        return Err(errors::invalid(format!(
            "{what} has shape {:?}: expected {dim} columns",
            rows.shape()
        )));
    }
    Ok(())
}

/// One face template from a row of any stride.
pub(crate) fn face_template(
    model: &str,
    row: ArrayView1<'_, f32>,
) -> Result<FaceTemplate, biomatch::face::FaceError> {
    match row.as_slice() {
        Some(s) => FaceTemplate::new(model, s),
        None => FaceTemplate::new(model, &row.to_vec()),
    }
}

/// Face templates from every row (in parallel; run inside [`crate::threads::run`]). The
/// error names the first bad row.
pub(crate) fn face_templates(
    model: &str,
    rows: ArrayView2<'_, f32>,
) -> Result<Vec<FaceTemplate>, (usize, biomatch::face::FaceError)> {
    let rows: Vec<ArrayView1<'_, f32>> = rows.axis_iter(Axis(0)).collect();
    rows.into_par_iter()
        .enumerate()
        .map(|(i, r)| face_template(model, r).map_err(|e| (i, e)))
        .collect()
}

/// The Python error of [`face_templates`]'s failure.
pub(crate) fn row_error(what: &str, (row, e): (usize, biomatch::face::FaceError)) -> PyErr {
    errors::face_in(&format!("{what} row {row}"), &e)
}
