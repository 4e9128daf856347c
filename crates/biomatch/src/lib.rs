//! biomatch: biometric matching for automated border gates.
//!
//! * [`finger`]: fingerprint minutiae templates (ISO/IEC 19794-2, ANSI INCITS 378, NIST xyt,
//!   ANSI/NIST-ITL Type-9), extraction from images, 1:1 matching.
//! * [`face`]: face embeddings from the integrator's own model, 1:1 comparison and 1:N
//!   gallery indexes with SIMD kernels.
//! * [`calibration`]: turning scores into estimated false-match rates and back.
//! * [`gallery`]: subjects with a face and fingers, 1:N identification with calibrated
//!   fusion, live updates and persistence.
//! * [`load_limits`]: what loading an untrusted gallery or face index file may read and
//!   allocate ([`LoadLimits`]).
//! * [`audit`]: a tamper-evident audit log of watchlist events (hash chain, optional HMAC).
//! * [`eval`]: the field's accuracy metrics (EER, FMR100, FMR1000, ZeroFMR, FNIR at FPIR) and
//!   DET curves.
#![warn(missing_docs)]
#![deny(unreachable_pub)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod audit;
pub mod calibration;
pub mod eval;
pub mod face;
pub mod finger;
pub mod gallery;
mod key_file;
pub mod load_limits;
pub mod topk;

pub use load_limits::LoadLimits;
