//! Embeddings as rows of a 2-D array (`ndarray` views of any stride: numpy arrays reach the
//! library this way through the Python binding, without an intermediate copy of the array).

use std::sync::Arc;

use ndarray::{ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;
use thiserror::Error;

use super::{Candidate, FaceError, FaceIndex, FaceTemplate};

/// A face error and the row of the input array it concerns (`None`: the array as a whole,
/// e.g. a wrong number of columns).
#[derive(Debug, Error, PartialEq)]
#[error("{}{error}", row.map(|r| format!("row {r}: ")).unwrap_or_default())]
pub struct RowsError {
    /// The first offending row, if the error concerns one row.
    pub row: Option<usize>,
    /// What is wrong.
    pub error: FaceError,
}

impl From<FaceError> for RowsError {
    fn from(error: FaceError) -> Self {
        RowsError { row: None, error }
    }
}

/// One template of `model` from a row of any stride.
fn template(model: &Arc<str>, row: ArrayView1<'_, f32>) -> Result<FaceTemplate, FaceError> {
    match row.as_slice() {
        Some(s) => FaceTemplate::with_shared_model(model, s),
        None => FaceTemplate::with_shared_model(model, &row.to_vec()),
    }
}

/// Templates of `model` from every row of `rows` (validated and normalised in parallel); the
/// error names the first bad row.
pub fn templates_from_rows(
    model: &str,
    rows: ArrayView2<'_, f32>,
) -> Result<Vec<FaceTemplate>, RowsError> {
    super::check_model_tag(model)?;
    let model: Arc<str> = Arc::from(model);
    let rows: Vec<ArrayView1<'_, f32>> = rows.axis_iter(Axis(0)).collect();
    rows.into_par_iter()
        .enumerate()
        .map(|(i, r)| {
            template(&model, r).map_err(|error| RowsError {
                row: Some(i),
                error,
            })
        })
        .collect()
}

impl FaceIndex {
    /// Checks that `rows` has this index's number of columns.
    fn check_columns(&self, rows: &ArrayView2<'_, f32>) -> Result<(), RowsError> {
        if rows.ncols() != self.dim() {
            return Err(FaceError::WrongDimension {
                expected: self.dim(),
                got: rows.ncols(),
            }
            .into());
        }
        Ok(())
    }

    /// Enrols `rows[i]` under `ids[i]`, all or none (as [`FaceIndex::enrol_many`]), reading
    /// the rows of a 2-D array of any stride.
    pub fn enrol_rows(&self, ids: &[u64], rows: ArrayView2<'_, f32>) -> Result<(), RowsError> {
        self.check_columns(&rows)?;
        if ids.len() != rows.nrows() {
            return Err(FaceError::LengthMismatch {
                ids: ids.len(),
                rows: rows.nrows(),
            }
            .into());
        }
        let templates = templates_from_rows(self.model(), rows)?;
        let entries: Vec<(u64, FaceTemplate)> = ids.iter().copied().zip(templates).collect();
        Ok(self.enrol_many(&entries)?)
    }

    /// [`FaceIndex::search_batch`] with the probes as the rows of a 2-D array of any stride.
    pub fn search_rows(
        &self,
        rows: ArrayView2<'_, f32>,
        k: usize,
    ) -> Result<Vec<Vec<Candidate>>, RowsError> {
        self.check_columns(&rows)?;
        let probes = templates_from_rows(self.model(), rows)?;
        Ok(self.search_batch(&probes, k)?)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, s};

    use super::*;
    use crate::face::Precision;

    fn rows(n: usize, dim: usize, seed: u64) -> Array2<f32> {
        let mut state = seed | 1;
        Array2::from_shape_fn((n, dim), |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        })
    }

    #[test]
    fn rows_of_any_stride_give_the_same_results_as_templates() {
        let data = rows(40, 128, 3);
        let index = FaceIndex::new("m", 128, Precision::F32);
        let ids: Vec<u64> = (0..40).collect();
        index.enrol_rows(&ids, data.view()).unwrap();
        // A strided view: every other row, and a column-major copy of the probes.
        let probes = data.slice(s![..;2, ..]);
        let fortran = probes.t().as_standard_layout().t().to_owned();
        let by_rows = index.search_rows(probes, 3).unwrap();
        let by_fortran = index.search_rows(fortran.view(), 3).unwrap();
        let templates: Vec<FaceTemplate> = probes
            .axis_iter(Axis(0))
            .map(|r| FaceTemplate::new("m", &r.to_vec()).unwrap())
            .collect();
        let by_templates = index.search_batch(&templates, 3).unwrap();
        assert_eq!(by_rows, by_templates);
        assert_eq!(by_fortran, by_templates);
        // Each probe finds itself first.
        for (q, list) in by_rows.iter().enumerate() {
            assert_eq!(list[0].id, 2 * q as u64);
        }
    }

    #[test]
    fn bad_rows_and_shapes_are_named() {
        let index = FaceIndex::new("m", 128, Precision::F32);
        let mut data = rows(5, 128, 9);
        data[[3, 7]] = f32::NAN;
        let err = index.enrol_rows(&[0, 1, 2, 3, 4], data.view()).unwrap_err();
        assert_eq!(err.row, Some(3));
        assert!(matches!(err.error, FaceError::NotFinite { index: 7 }));
        assert_eq!(index.len(), 0, "all or none");
        let err = index.search_rows(rows(2, 64, 1).view(), 1).unwrap_err();
        assert_eq!(err.row, None);
        assert!(matches!(err.error, FaceError::WrongDimension { .. }));
        let err = index
            .enrol_rows(&[0, 1], rows(3, 128, 1).view())
            .unwrap_err();
        assert!(matches!(err.error, FaceError::LengthMismatch { .. }));
    }
}
