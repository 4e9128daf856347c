//! Checks and conversions at the numpy boundary.
//!
//! Inputs arrive as read-only numpy views (`PyReadonlyArray*`; a wrong dtype or number of
//! dimensions is a `TypeError` raised by the numpy crate) and are read through `ndarray`
//! views of any stride, without copying the array. Callers must not modify an array while a
//! call that received it is running (the GIL is released during the work).

use biomatch::face::{FaceTemplate, RowsError};
use ndarray::{ArrayView1, ArrayView2};
use pyo3::prelude::*;

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

/// The Python error of a failure over the rows of the array `what`.
pub(crate) fn row_error(what: &str, e: RowsError) -> PyErr {
    match e.row {
        Some(row) => errors::face_in(&format!("{what} row {row}"), &e.error),
        None => errors::face_in(what, &e.error),
    }
}
