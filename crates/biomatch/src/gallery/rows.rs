//! Face-only batches as rows of a 2-D array (`ndarray` views of any stride), so that numpy
//! arrays reach the gallery without an intermediate copy (see the Python binding).

use ndarray::ArrayView2;

use super::{CandidateSubject, Gallery, GalleryError, Probe, SearchOptions, Subject, SubjectId};
use crate::face::{FaceError, FaceTemplate, RowsError};

impl Gallery {
    /// Face templates of this gallery's model from every row; the error names the first bad
    /// row.
    fn face_rows(&self, rows: ArrayView2<'_, f32>) -> Result<Vec<FaceTemplate>, GalleryError> {
        let config = self.config();
        if rows.ncols() != config.face_dim {
            return Err(FaceError::WrongDimension {
                expected: config.face_dim,
                got: rows.ncols(),
            }
            .into());
        }
        crate::face::templates_from_rows(&config.face_model, rows).map_err(
            |RowsError { row, error }| match row {
                Some(row) => GalleryError::FaceRow { row, error },
                None => GalleryError::Face(error),
            },
        )
    }

    /// Enrols face-only subjects: `rows[i]` under `ids[i]`, all or none (as
    /// [`Gallery::enrol_many`]).
    pub fn enrol_face_rows(
        &self,
        ids: Vec<SubjectId>,
        rows: ArrayView2<'_, f32>,
    ) -> Result<(), GalleryError> {
        if ids.len() != rows.nrows() {
            return Err(FaceError::LengthMismatch {
                ids: ids.len(),
                rows: rows.nrows(),
            }
            .into());
        }
        let faces = self.face_rows(rows)?;
        let subjects = ids
            .into_iter()
            .zip(faces)
            .map(|(id, face)| Subject::new(id).with_face(face))
            .collect();
        self.enrol_many(subjects)
    }

    /// A face-only search for every row of `rows`: one candidate list per row, each as
    /// [`Gallery::search`] gives it.
    pub fn search_face_rows(
        &self,
        rows: ArrayView2<'_, f32>,
        options: &SearchOptions,
    ) -> Result<Vec<Vec<CandidateSubject>>, GalleryError> {
        self.face_rows(rows)?
            .into_iter()
            .map(|face| {
                self.search(
                    &Probe {
                        face: Some(face),
                        fingers: Vec::new(),
                    },
                    options,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, s};

    use super::*;
    use crate::gallery::GalleryConfig;

    fn faces(n: usize, dim: usize) -> Array2<f32> {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        Array2::from_shape_fn((n, dim), |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        })
    }

    #[test]
    fn rows_enrol_and_search_like_single_probes() {
        let g = Gallery::new(GalleryConfig::new("m", 128));
        let data = faces(12, 128);
        let ids: Vec<SubjectId> = (0..12)
            .map(|i| SubjectId::new(&format!("s{i:02}")).unwrap())
            .collect();
        g.enrol_face_rows(ids, data.view()).unwrap();
        assert_eq!(g.len(), 12);
        let options = SearchOptions {
            top_k: 3,
            ..Default::default()
        };
        // Every third row, a strided view.
        let probes = data.slice(s![..;3, ..]);
        let batch = g.search_face_rows(probes, &options).unwrap();
        for (q, list) in batch.iter().enumerate() {
            let one = g
                .search(
                    &Probe {
                        face: Some(FaceTemplate::new("m", &probes.row(q).to_vec()).unwrap()),
                        fingers: Vec::new(),
                    },
                    &options,
                )
                .unwrap();
            assert_eq!(list, &one);
            assert_eq!(list[0].id.as_str(), format!("s{:02}", 3 * q));
        }
    }

    #[test]
    fn bad_rows_are_named_and_nothing_is_enrolled() {
        let g = Gallery::new(GalleryConfig::new("m", 128));
        let mut data = faces(4, 128);
        data[[2, 5]] = f32::INFINITY;
        let ids: Vec<SubjectId> = (0..4)
            .map(|i| SubjectId::new(&format!("s{i}")).unwrap())
            .collect();
        let err = g.enrol_face_rows(ids.clone(), data.view()).unwrap_err();
        assert!(matches!(err, GalleryError::FaceRow { row: 2, .. }), "{err}");
        assert_eq!(g.len(), 0);
        let err = g
            .enrol_face_rows(ids[..3].to_vec(), faces(4, 128).view())
            .unwrap_err();
        assert!(matches!(
            err,
            GalleryError::Face(FaceError::LengthMismatch { .. })
        ));
        let err = g
            .search_face_rows(faces(2, 64).view(), &SearchOptions::default())
            .unwrap_err();
        assert!(matches!(
            err,
            GalleryError::Face(FaceError::WrongDimension { .. })
        ));
    }
}
