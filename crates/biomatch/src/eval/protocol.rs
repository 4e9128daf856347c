//! FVC file naming and the comparison protocols.
//!
//! FVC databases name each impression `NNN_M.ext`: finger `NNN`, impression `M` (from 1).
//! Two protocols are supported, both over the impressions of one database:
//! * [`Protocol::AllPairs`]: genuine = every pair of impressions of the same finger (each
//!   unordered pair once, `i < j`); impostor = every pair of impressions of different fingers
//!   (each unordered pair once). A B-set (10 fingers x 8) gives 280 genuine and 2880 impostor
//!   comparisons.
//! * [`Protocol::Fvc`]: the FVC competitions' own protocol: genuine as above; impostor only
//!   between the first impression of each finger (the lowest impression number present), each
//!   unordered pair once: 45 on a B-set, too few to resolve an FMR below about 2 %.
//!
//! Pairs are listed in a fixed order (by position in the sorted file list, `i < j`), so a run's
//! scores come out in the same order every time.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a folder could not be listed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// Reading the folder failed.
    #[error("cannot list {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The folder holds no `NNN_M.ext` files.
    #[error("no FVC-named files (NNN_M.ext) in {0}")]
    Empty(PathBuf),
    /// Two files name the same finger and impression (e.g. `101_1.iso` and `101_1.tif`).
    #[error("{first} and {second} are both finger {finger} impression {impression}")]
    Duplicate {
        /// Finger number.
        finger: u32,
        /// Impression number.
        impression: u32,
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
}

/// Finger and impression of one FVC sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FvcId {
    /// Finger number (`NNN`).
    pub finger: u32,
    /// Impression number (`M`).
    pub impression: u32,
}

/// One FVC-named file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FvcFile {
    /// Finger and impression.
    pub id: FvcId,
    /// Full path.
    pub path: PathBuf,
    /// The extension, lower-cased, without the dot.
    pub extension: String,
}

/// Parses an FVC file name `NNN_M.ext` (digits, underscore, digits, dot, a non-empty
/// extension). Returns the id and the extension as written.
pub fn parse_fvc_name(file_name: &str) -> Option<(FvcId, &str)> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    let (finger, impression) = stem.split_once('_')?;
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(finger) || !all_digits(impression) || ext.is_empty() {
        return None;
    }
    Some((
        FvcId {
            finger: finger.parse().ok()?,
            impression: impression.parse().ok()?,
        },
        ext,
    ))
}

/// Lists the FVC-named files of `dir`, sorted by finger then impression. Other files (a
/// README, `.DS_Store`) are ignored; two files for one finger and impression are an error.
pub fn list_fvc_files(dir: &Path) -> Result<Vec<FvcFile>, ProtocolError> {
    let io = |source| ProtocolError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((id, ext)) = parse_fvc_name(name) else {
            continue;
        };
        if !entry.file_type().map_err(io)?.is_file() && !entry.path().is_file() {
            continue;
        }
        files.push(FvcFile {
            id,
            path: entry.path(),
            extension: ext.to_ascii_lowercase(),
        });
    }
    if files.is_empty() {
        return Err(ProtocolError::Empty(dir.to_path_buf()));
    }
    files.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path.cmp(&b.path)));
    if let Some(w) = files.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(ProtocolError::Duplicate {
            finger: w[0].id.finger,
            impression: w[0].id.impression,
            first: w[0].path.clone(),
            second: w[1].path.clone(),
        });
    }
    Ok(files)
}

/// Which comparisons make up an evaluation (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Every same-finger pair and every different-finger pair.
    #[default]
    AllPairs,
    /// Every same-finger pair; impostors only between first impressions.
    Fvc,
}

/// The comparisons of one database as index pairs `(i, j)`, `i < j`, into the sample list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairList {
    /// Same-finger pairs.
    pub genuine: Vec<(usize, usize)>,
    /// Different-finger pairs.
    pub impostor: Vec<(usize, usize)>,
}

impl PairList {
    /// Builds the pairs of `protocol` over samples `ids` (any order; indices refer to it).
    pub fn new(ids: &[FvcId], protocol: Protocol) -> PairList {
        let n = ids.len();
        // The first (lowest-numbered) impression of each finger, for the FVC protocol.
        let is_first = |k: usize| {
            !ids.iter()
                .any(|o| o.finger == ids[k].finger && o.impression < ids[k].impression)
        };
        let first: Vec<bool> = match protocol {
            Protocol::AllPairs => vec![true; n],
            Protocol::Fvc => (0..n).map(is_first).collect(),
        };
        let mut pairs = PairList::default();
        for i in 0..n {
            for j in i + 1..n {
                if ids[i].finger == ids[j].finger {
                    pairs.genuine.push((i, j));
                } else if first[i] && first[j] {
                    pairs.impostor.push((i, j));
                }
            }
        }
        pairs
    }

    /// Genuine plus impostor comparisons.
    pub fn len(&self) -> usize {
        self.genuine.len() + self.impostor.len()
    }

    /// True when there is nothing to compare.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
