//! Loading an FVC-named folder into finger views, whatever the files hold.
//!
//! A folder is listed with [`list_fvc_files`]; each file is
//! turned into a [`FingerView`] by a [`ViewLoader`]. Template files (`.iso`, `.ist`, `.fmr`,
//! `.ansi`, `.min`, `.bin`, `.tpl`) are read with [`formats::read`]; image files (`.tif`,
//! `.bmp`, `.png`, `.wsq`, ...) are decoded at the folder's stated resolution and go through
//! the minutiae extractor ([`ImageLoader`], which also records the extraction times).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use thiserror::Error;

use super::perturb::Perturbation;
use super::protocol::{FvcFile, ProtocolError, list_fvc_files};
use crate::finger::extract::{ExtractError, ExtractParams, extract};
use crate::finger::formats::{self, FormatError, ReadOptions};
use crate::finger::image::{ImageError, Raster, decode_bytes};
use crate::finger::template::FingerView;

/// Why a dataset folder could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The folder could not be listed.
    #[error(transparent)]
    Listing(#[from] ProtocolError),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A template file did not decode.
    #[error("cannot decode template {path}: {source}")]
    Template {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        source: FormatError,
    },
    /// A template decoded but holds no finger view.
    #[error("template {0} holds no finger view")]
    NoView(PathBuf),
    /// The folder mixes templates and images, or holds files of an unknown kind.
    #[error("{dir}: {reason}")]
    Kind {
        /// The folder.
        dir: PathBuf,
        /// What was found.
        reason: String,
    },
    /// An image file did not decode.
    #[error("cannot decode image {path}: {source}")]
    Image {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        source: ImageError,
    },
    /// The extractor rejected an image.
    #[error("cannot extract minutiae from {path}: {source}")]
    Extract {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        source: ExtractError,
    },
    /// An image folder needs its resolution (`DIR@PPI`).
    #[error("{0} holds images: give their resolution as DIR@PPI (for example DIR@500)")]
    MissingPpi(PathBuf),
}

/// What an FVC-named file holds, judged by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleKind {
    /// A minutiae template (carries its own resolution).
    Template,
    /// A fingerprint image (needs a resolution and the extractor).
    Image,
}

/// The kind of a file by its extension (case-insensitive), `None` if unknown.
pub fn sample_kind(extension: &str) -> Option<SampleKind> {
    match extension.to_ascii_lowercase().as_str() {
        "iso" | "ist" | "fmr" | "ansi" | "min" | "bin" | "tpl" | "dat" => {
            Some(SampleKind::Template)
        }
        "tif" | "tiff" | "bmp" | "png" | "jpg" | "jpeg" | "pgm" | "pnm" | "wsq" | "raw" | "gif" => {
            Some(SampleKind::Image)
        }
        _ => None,
    }
}

/// Turns one sample file into a finger view.
pub trait ViewLoader: Sync {
    /// Loads `file`.
    fn load(&self, file: &FvcFile) -> Result<FingerView, DatasetError>;
}

/// Reads template files with [`formats::read`] and takes their first view.
#[derive(Clone, Debug, Default)]
pub struct TemplateLoader {
    /// Reader options (format detection and strictness).
    pub options: ReadOptions,
}

impl ViewLoader for TemplateLoader {
    fn load(&self, file: &FvcFile) -> Result<FingerView, DatasetError> {
        let bytes = std::fs::read(&file.path).map_err(|source| DatasetError::Io {
            path: file.path.clone(),
            source,
        })?;
        let decoded =
            formats::read(&bytes, &self.options).map_err(|source| DatasetError::Template {
                path: file.path.clone(),
                source,
            })?;
        decoded
            .template
            .views
            .into_iter()
            .next()
            .ok_or_else(|| DatasetError::NoView(file.path.clone()))
    }
}

/// Decodes image files at a stated resolution and extracts their minutiae, recording how
/// long each extraction took (decoding excluded).
#[derive(Debug)]
pub struct ImageLoader {
    /// Resolution of the images, pixels per inch (overrides what the files say).
    pub ppi: f32,
    /// Extractor parameters.
    pub params: ExtractParams,
    /// A transformation applied to every image before extraction (robustness suite), with
    /// the seed it is derived from (each file gets its own seed from its finger and
    /// impression numbers, so results do not depend on thread order).
    pub perturbation: (Perturbation, u64),
    extract_ms: Mutex<Vec<f64>>,
}

impl ImageLoader {
    /// A loader for images of the given resolution, with the default extractor.
    pub fn new(ppi: f32) -> ImageLoader {
        ImageLoader {
            ppi,
            params: ExtractParams::default(),
            perturbation: (Perturbation::None, 0),
            extract_ms: Mutex::new(Vec::new()),
        }
    }

    /// Milliseconds each extraction so far took, in completion order.
    pub fn extract_ms(&self) -> Vec<f64> {
        self.extract_ms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl ImageLoader {
    /// The image of `file` as the extractor sees it: decoded at the stated resolution and
    /// transformed by [`ImageLoader::perturbation`].
    pub fn transformed(&self, file: &FvcFile) -> Result<Raster, DatasetError> {
        let bytes = std::fs::read(&file.path).map_err(|source| DatasetError::Io {
            path: file.path.clone(),
            source,
        })?;
        let raster =
            decode_bytes(&bytes, Some(self.ppi)).map_err(|source| DatasetError::Image {
                path: file.path.clone(),
                source,
            })?;
        let (perturbation, seed) = self.perturbation;
        let file_seed = seed
            ^ (u64::from(file.id.finger) << 32 | u64::from(file.id.impression))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        perturbation
            .apply(&raster, file_seed)
            .map_err(|source| DatasetError::Image {
                path: file.path.clone(),
                source,
            })
    }
}

impl ViewLoader for ImageLoader {
    fn load(&self, file: &FvcFile) -> Result<FingerView, DatasetError> {
        let raster = self.transformed(file)?;
        let start = Instant::now();
        let view = extract(&raster, &self.params).map_err(|source| DatasetError::Extract {
            path: file.path.clone(),
            source,
        })?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        self.extract_ms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(ms);
        Ok(view)
    }
}

/// One evaluation database: an FVC-named folder.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The folder.
    pub dir: PathBuf,
    /// Its FVC-named files, by finger then impression.
    pub files: Vec<FvcFile>,
    /// What the files hold.
    pub kind: SampleKind,
    /// Resolution of image folders, pixels per inch (templates carry their own).
    pub ppi: Option<f32>,
}

impl Dataset {
    /// Lists `dir` and decides what it holds; `ppi` is the resolution of an image folder.
    pub fn open(dir: &Path, ppi: Option<f32>) -> Result<Dataset, DatasetError> {
        let files = list_fvc_files(dir)?;
        let mut kind = None;
        for f in &files {
            let k = sample_kind(&f.extension).ok_or_else(|| DatasetError::Kind {
                dir: dir.to_path_buf(),
                reason: format!(
                    "{} has an extension that is neither a known template nor image format",
                    f.path.display()
                ),
            })?;
            match kind {
                None => kind = Some(k),
                Some(prev) if prev != k => {
                    return Err(DatasetError::Kind {
                        dir: dir.to_path_buf(),
                        reason: "mixes template and image files".to_string(),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(Dataset {
            dir: dir.to_path_buf(),
            files,
            // `list_fvc_files` never returns an empty list.
            kind: kind.unwrap_or(SampleKind::Template),
            ppi,
        })
    }

    /// Loads every file with `loader`, in list order (files are read in parallel).
    pub fn load_views(&self, loader: &dyn ViewLoader) -> Result<Vec<FingerView>, DatasetError> {
        self.files.par_iter().map(|f| loader.load(f)).collect()
    }

    /// Loads every file with the default loader for its kind ([`loader_for`]).
    pub fn load_default(&self) -> Result<Vec<FingerView>, DatasetError> {
        let loader = loader_for(self)?;
        self.load_views(loader.as_ref())
    }
}

/// The loader for a dataset's kind: templates are read as they are; images are decoded at
/// the dataset's resolution and go through the extractor.
pub fn loader_for(dataset: &Dataset) -> Result<Box<dyn ViewLoader>, DatasetError> {
    match dataset.kind {
        SampleKind::Template => Ok(Box::new(TemplateLoader::default())),
        SampleKind::Image => {
            let ppi = dataset
                .ppi
                .ok_or_else(|| DatasetError::MissingPpi(dataset.dir.clone()))?;
            Ok(Box::new(ImageLoader::new(ppi)))
        }
    }
}
