//! The face template: a validated, L2-normalised embedding tagged with its model.

use std::sync::Arc;

use super::FaceError;
use super::params::{MAX_DIM, MAX_MODEL_TAG_BYTES, MIN_DIM};

/// An L2-normalised face embedding tagged with the model that produced it.
///
/// The tag is shared (`Arc<str>`): templates built with [`FaceTemplate::with_shared_model`]
/// from one tag hold one copy of it between them, so a gallery of many faces costs the tag
/// once, not once per face.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceTemplate {
    model: Arc<str>,
    values: Vec<f32>,
}

impl FaceTemplate {
    /// Validates and L2-normalises an embedding.
    ///
    /// Errors: a model tag longer than [`MAX_MODEL_TAG_BYTES`] ([`FaceError::ModelTagTooLong`]),
    /// a dimension outside 128..=4096 ([`FaceError::DimensionOutOfRange`]), a NaN or infinite
    /// value ([`FaceError::NotFinite`]), the zero vector ([`FaceError::Zero`]).
    pub fn new(model: &str, embedding: &[f32]) -> Result<FaceTemplate, FaceError> {
        check_model_tag(model)?;
        FaceTemplate::with_shared_model(&Arc::from(model), embedding)
    }

    /// As [`FaceTemplate::new`], sharing the caller's copy of the model tag (no copy of the
    /// tag is made; use this when building many templates of one model).
    pub fn with_shared_model(
        model: &Arc<str>,
        embedding: &[f32],
    ) -> Result<FaceTemplate, FaceError> {
        check_model_tag(model)?;
        if !(MIN_DIM..=MAX_DIM).contains(&embedding.len()) {
            return Err(FaceError::DimensionOutOfRange {
                got: embedding.len(),
            });
        }
        if let Some(index) = embedding.iter().position(|v| !v.is_finite()) {
            return Err(FaceError::NotFinite { index });
        }
        // f64 accumulation: no overflow for any finite f32 input.
        let norm = embedding
            .iter()
            .map(|v| (*v as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        if norm == 0.0 {
            return Err(FaceError::Zero);
        }
        Ok(FaceTemplate {
            model: Arc::clone(model),
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

    /// The embedding dimension.
    pub fn dim(&self) -> usize {
        self.values.len()
    }

    /// Cosine similarity in [-1, 1]; templates of different models or dimensions are an
    /// error.
    pub fn similarity(&self, other: &FaceTemplate) -> Result<f32, FaceError> {
        if self.model != other.model {
            return Err(FaceError::ModelMismatch {
                expected: self.model.to_string(),
                got: other.model.to_string(),
            });
        }
        if self.values.len() != other.values.len() {
            return Err(FaceError::WrongDimension {
                expected: self.values.len(),
                got: other.values.len(),
            });
        }
        let dot: f64 = self
            .values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| *a as f64 * *b as f64)
            .sum();
        Ok(dot.clamp(-1.0, 1.0) as f32)
    }
}

/// Checks a face-model tag's length against [`MAX_MODEL_TAG_BYTES`].
pub(crate) fn check_model_tag(model: &str) -> Result<(), FaceError> {
    if model.len() > MAX_MODEL_TAG_BYTES {
        return Err(FaceError::ModelTagTooLong {
            got: model.len(),
            limit: MAX_MODEL_TAG_BYTES,
        });
    }
    Ok(())
}
