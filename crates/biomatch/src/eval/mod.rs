//! Evaluation: the field's accuracy metrics, evaluation protocols and DET curves.
