//! Fingerprints: the template model, interchange formats, images, extraction and matching.

pub mod extract;
pub mod formats;
pub mod image;
pub mod matcher;
pub mod quality;
pub mod template;

pub use template::{
    CaptureDateTime, CaptureInfo, CertificationBlock, ExtendedArea, ExtendedData, FingerPosition,
    FingerTemplate, FingerView, ImpressionType, Minutia, MinutiaKind, MinutiaQuality, QualityBlock,
    RecordInfo, Resolution, RidgeCount, RidgeCountData, SingularPoint,
};
