//! Face embeddings: templates, 1:1 comparison, 1:N gallery indexes.
//!
//! Placeholder until the face issue lands: the API below is fixed, the implementation is a
//! plain scalar one.

use thiserror::Error;

/// Why a face template or index operation failed.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum FaceError {
    /// The embedding's dimension is not the one expected.
    #[error("embedding has dimension {got}, expected {expected}")]
    WrongDimension {
        /// Expected dimension.
        expected: usize,
        /// Given dimension.
        got: usize,
    },
    /// A value is NaN or infinite.
    #[error("embedding value {index} is not finite")]
    NotFinite {
        /// Position of the value.
        index: usize,
    },
    /// The embedding is all zeros.
    #[error("embedding is the zero vector")]
    Zero,
    /// The template comes from another face model than the index.
    #[error("template is from model {got:?}, index holds model {expected:?}")]
    ModelMismatch {
        /// The index's model tag.
        expected: String,
        /// The template's model tag.
        got: String,
    },
    /// The id is already enrolled.
    #[error("id {0} is already enrolled")]
    DuplicateId(u64),
    /// The id is not enrolled.
    #[error("id {0} is not enrolled")]
    UnknownId(u64),
}

/// An L2-normalised face embedding tagged with the model that produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceTemplate {
    model: String,
    values: Vec<f32>,
}

impl FaceTemplate {
    /// Validates and L2-normalises an embedding.
    pub fn new(model: &str, embedding: &[f32]) -> Result<FaceTemplate, FaceError> {
        if let Some(index) = embedding.iter().position(|v| !v.is_finite()) {
            return Err(FaceError::NotFinite { index });
        }
        let norm = embedding
            .iter()
            .map(|v| (*v as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        if norm == 0.0 {
            return Err(FaceError::Zero);
        }
        Ok(FaceTemplate {
            model: model.to_string(),
            values: embedding
                .iter()
                .map(|v| (*v as f64 / norm) as f32)
                .collect(),
        })
    }

    /// The model tag.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The normalised values.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Cosine similarity in [-1, 1]; templates of different models are an error.
    pub fn similarity(&self, other: &FaceTemplate) -> Result<f32, FaceError> {
        if self.model != other.model {
            return Err(FaceError::ModelMismatch {
                expected: self.model.clone(),
                got: other.model.clone(),
            });
        }
        if self.values.len() != other.values.len() {
            return Err(FaceError::WrongDimension {
                expected: self.values.len(),
                got: other.values.len(),
            });
        }
        Ok(self
            .values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| a * b)
            .sum())
    }
}

/// Storage precision of a face index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Precision {
    /// 32-bit floats.
    #[default]
    F32,
    /// 16-bit floats.
    F16,
    /// Symmetric 8-bit integers.
    I8,
}

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// The enrolled id.
    pub id: u64,
    /// Cosine similarity.
    pub score: f32,
}

/// A flat (exhaustive) face gallery index, safe to search from many threads while others
/// enrol and remove.
#[derive(Debug)]
pub struct FaceIndex {
    model: String,
    dim: usize,
    entries: std::sync::RwLock<Vec<(u64, FaceTemplate)>>,
}

impl FaceIndex {
    /// An empty index for embeddings of `dim` values from `model`, stored at `precision`.
    pub fn new(model: &str, dim: usize, _precision: Precision) -> FaceIndex {
        FaceIndex {
            model: model.to_string(),
            dim,
            entries: Default::default(),
        }
    }

    fn check(&self, t: &FaceTemplate) -> Result<(), FaceError> {
        if t.model() != self.model {
            return Err(FaceError::ModelMismatch {
                expected: self.model.clone(),
                got: t.model().to_string(),
            });
        }
        if t.values().len() != self.dim {
            return Err(FaceError::WrongDimension {
                expected: self.dim,
                got: t.values().len(),
            });
        }
        Ok(())
    }

    /// Enrols a template under `id`.
    pub fn enrol(&self, id: u64, template: &FaceTemplate) -> Result<(), FaceError> {
        self.check(template)?;
        let mut e = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if e.iter().any(|(i, _)| *i == id) {
            return Err(FaceError::DuplicateId(id));
        }
        e.push((id, template.clone()));
        Ok(())
    }

    /// Removes `id`.
    pub fn remove(&self, id: u64) -> Result<(), FaceError> {
        let mut e = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let pos = e
            .iter()
            .position(|(i, _)| *i == id)
            .ok_or(FaceError::UnknownId(id))?;
        e.swap_remove(pos);
        Ok(())
    }

    /// Number of enrolled templates.
    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when nothing is enrolled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k` best candidates, best first.
    pub fn search_top_k(
        &self,
        probe: &FaceTemplate,
        k: usize,
    ) -> Result<Vec<Candidate>, FaceError> {
        self.check(probe)?;
        let e = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let mut c: Vec<Candidate> = e
            .iter()
            .map(|(id, t)| Candidate {
                id: *id,
                score: t
                    .values()
                    .iter()
                    .zip(probe.values())
                    .map(|(a, b)| a * b)
                    .sum(),
            })
            .collect();
        c.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        c.truncate(k);
        Ok(c)
    }

    /// Every candidate scoring at or above `threshold`, best first.
    pub fn search_threshold(
        &self,
        probe: &FaceTemplate,
        threshold: f32,
    ) -> Result<Vec<Candidate>, FaceError> {
        let mut c = self.search_top_k(probe, usize::MAX)?;
        c.retain(|c| c.score >= threshold);
        Ok(c)
    }
}
