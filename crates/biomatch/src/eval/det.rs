//! DET curves.
