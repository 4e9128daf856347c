//! WSQ decoding against reference rasters made by a decoder built on NIST's (NBIS).
//!
//! For every `.wsq` in `formats/wsq/` the reference is `NAME-decoded.png`, or
//! `NAME-converted.png` for `NAME-original.wsq`. At least 99.9 % of pixels must be within one
//! grey level of the reference.

mod common;

use std::path::{Path, PathBuf};

use biomatch::finger::image::{PpiSource, SourceFormat, decode_bytes, decode_bytes_detailed};

fn reference_for(wsq: &Path) -> Option<PathBuf> {
    let stem = wsq.file_stem()?.to_str()?;
    let dir = wsq.parent()?;
    let candidates = [
        dir.join(format!("{stem}-decoded.png")),
        dir.join(format!(
            "{}-converted.png",
            stem.strip_suffix("-original").unwrap_or(stem)
        )),
    ];
    candidates.into_iter().find(|p| p.exists())
}

fn wsq_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read wsq dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wsq"))
        .collect();
    files.sort();
    files
}

#[test]
fn wsq_fixture_decodes_to_its_reference_raster() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/wsq");
    assert_eq!(compare_with_references(&wsq_files(&dir)), 1);
}

#[test]
fn wsq_files_decode_to_their_reference_rasters() {
    let Some(dir) = common::dataset("formats/wsq") else {
        return;
    };
    let files = wsq_files(&dir);
    // The three files of formats/SOURCE.txt, each with its reference raster.
    assert_eq!(files.len(), 3, "expected 3 .wsq files in {}", dir.display());
    assert_eq!(
        compare_with_references(&files),
        files.len(),
        "every .wsq file must be compared with its reference raster"
    );
}

/// Compares every file that has a reference raster; returns how many were compared.
fn compare_with_references(files: &[PathBuf]) -> usize {
    let mut compared = 0;
    for wsq in files {
        let Some(reference) = reference_for(wsq) else {
            panic!("{}: no reference raster", wsq.display());
        };
        let data = std::fs::read(wsq).unwrap();
        let decoded =
            decode_bytes_detailed(&data, None).unwrap_or_else(|e| panic!("{}: {e}", wsq.display()));
        assert_eq!(decoded.format, SourceFormat::Wsq);
        let ours = decoded.raster;
        let theirs = decode_bytes(&std::fs::read(&reference).unwrap(), Some(500.0)).unwrap();
        assert_eq!(
            (ours.width, ours.height),
            (theirs.width, theirs.height),
            "{}: size differs from the reference",
            wsq.display()
        );
        let mut within_one = 0usize;
        let mut exact = 0usize;
        let mut max_error = 0u8;
        for (a, b) in ours.pixels.iter().zip(&theirs.pixels) {
            let d = a.abs_diff(*b);
            max_error = max_error.max(d);
            within_one += usize::from(d <= 1);
            exact += usize::from(d == 0);
        }
        let n = ours.pixels.len() as f64;
        let fraction = within_one as f64 / n;
        eprintln!(
            "{}: {} x {}, ppi {} ({:?}); exact {:.4} %, within 1 grey level {:.4} %, max error {}",
            wsq.file_name().unwrap().to_string_lossy(),
            ours.width,
            ours.height,
            ours.ppi,
            decoded.ppi_source,
            100.0 * exact as f64 / n,
            100.0 * fraction,
            max_error
        );
        assert!(
            fraction >= 0.999,
            "{}: only {:.4} % of pixels within one grey level (max error {max_error})",
            wsq.display(),
            100.0 * fraction
        );
        compared += 1;
    }
    compared
}

#[test]
fn nistcom_resolution_is_read_from_the_file() {
    let Some(dir) = common::dataset("formats/wsq") else {
        return;
    };
    let path = dir.join("sourceafis_wsq-original.wsq");
    assert!(path.exists(), "{} missing from the dataset", path.display());
    let data = std::fs::read(&path).unwrap();
    // The file's NISTCOM comment says "PPI 500".
    let decoded = decode_bytes_detailed(&data, None).unwrap();
    assert_eq!(decoded.raster.ppi, 500.0);
    assert_eq!(decoded.ppi_source, PpiSource::File);
    // The caller's resolution wins.
    let decoded = decode_bytes_detailed(&data, Some(1000.0)).unwrap();
    assert_eq!(decoded.raster.ppi, 1000.0);
    assert_eq!(decoded.ppi_source, PpiSource::Caller);
}
