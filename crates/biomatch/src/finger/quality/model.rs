//! The learned quality model: a logistic function of standardised measurements.
//!
//! The parameters are data, written by `scripts/train-quality.py` into
//! `crates/biomatch/data/quality-model.json` and compiled in; they are never edited by hand.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::QualityFeatures;

/// The model file compiled into the library.
const BUILT_IN: &str = include_str!("../../../data/quality-model.json");

/// How a measurement is transformed before it is standardised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Used as it is.
    Identity,
    /// `ln(1 + x)` (counts and areas, whose effect flattens as they grow).
    Log1p,
}

/// One input of the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInput {
    /// A name from [`QualityFeatures::NAMES`].
    pub name: String,
    /// The transform applied first.
    pub transform: Transform,
    /// Mean of the transformed value over the training images.
    pub mean: f64,
    /// Its standard deviation there (inputs are divided by it).
    pub sd: f64,
    /// Weight of the standardised value in the logit.
    pub weight: f64,
}

/// A logistic quality model: `score = 100 / (1 + exp(-(bias + sum of weight × z)))`, rounded,
/// where `z` is each input's transformed and standardised value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityModel {
    /// The algorithm name the scores are reported under (and its version).
    pub algorithm: String,
    /// The inputs.
    pub inputs: Vec<ModelInput>,
    /// The logit's constant.
    pub bias: f64,
    /// How the model was made (script, training data, protocol), for the record.
    #[serde(default)]
    pub provenance: String,
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    /// Not valid JSON of the model's shape.
    #[error("quality model is not valid JSON of the expected shape: {0}")]
    Json(String),
    /// An input names no known measurement.
    #[error("quality model input {0:?} is not a known measurement")]
    UnknownInput(String),
    /// A parameter is not finite, or a standard deviation is not positive.
    #[error("quality model input {0:?} has a non-finite value or a non-positive sd")]
    BadValue(String),
}

impl QualityModel {
    /// Reads and checks a model file.
    pub fn from_json(text: &str) -> Result<QualityModel, ModelError> {
        let model: QualityModel =
            serde_json::from_str(text).map_err(|e| ModelError::Json(e.to_string()))?;
        if !model.bias.is_finite() {
            return Err(ModelError::BadValue("bias".into()));
        }
        for input in &model.inputs {
            if !QualityFeatures::NAMES.contains(&input.name.as_str()) {
                return Err(ModelError::UnknownInput(input.name.clone()));
            }
            let finite = input.mean.is_finite() && input.sd.is_finite() && input.weight.is_finite();
            if !finite || input.sd <= 0.0 {
                return Err(ModelError::BadValue(input.name.clone()));
            }
        }
        Ok(model)
    }

    /// The model compiled into the library (checked by the tests; `None` only if the
    /// compiled-in file were broken).
    pub fn built_in() -> Option<&'static QualityModel> {
        static MODEL: OnceLock<Option<QualityModel>> = OnceLock::new();
        MODEL
            .get_or_init(|| QualityModel::from_json(BUILT_IN).ok())
            .as_ref()
    }

    /// The logit of a measurement set (higher = better).
    pub fn logit(&self, features: &QualityFeatures) -> f64 {
        let values = features.values();
        let mut sum = self.bias;
        for input in &self.inputs {
            let Some(at) = QualityFeatures::NAMES.iter().position(|n| *n == input.name) else {
                continue;
            };
            let raw = values[at];
            let x = match input.transform {
                Transform::Identity => raw,
                Transform::Log1p => raw.max(0.0).ln_1p(),
            };
            sum += input.weight * (x - input.mean) / input.sd;
        }
        sum
    }

    /// The 0..=100 score of a measurement set.
    pub fn score(&self, features: &QualityFeatures) -> u8 {
        let logit = self.logit(features);
        if !logit.is_finite() {
            return 0;
        }
        let p = 1.0 / (1.0 + (-logit).exp());
        (100.0 * p).round().clamp(0.0, 100.0) as u8
    }
}
