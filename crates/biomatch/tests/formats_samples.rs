//! The real sample files under `datasets/formats/` (see the format reference note, §12):
//! every file reads leniently, the non-conforming ones are rejected in strict mode with
//! their specific reason, and the truncated ones give errors.

mod common;

use std::path::{Path, PathBuf};

use biomatch::finger::formats::{self, Format, FormatError, Mode, ReadOptions};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn is_template(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy();
    !(name.ends_with(".json") || name.ends_with(".txt"))
}

fn lenient() -> ReadOptions {
    ReadOptions::default()
}

fn strict() -> ReadOptions {
    ReadOptions {
        mode: Mode::Strict,
        ..ReadOptions::default()
    }
}

#[test]
fn every_sample_reads_leniently() {
    let Some(root) = common::dataset("formats") else {
        return;
    };
    let mut n = 0;
    for p in files(&root) {
        let rel = p.strip_prefix(&root).unwrap().to_string_lossy().to_string();
        if rel.starts_with("truncated") || rel.starts_with("wsq") || !is_template(&p) {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        let d = formats::read(&bytes, &lenient()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let counts: Vec<usize> = d.template.views.iter().map(|v| v.minutiae.len()).collect();
        eprintln!(
            "{rel}: {} v{} views {counts:?} warnings {}",
            d.format,
            d.version,
            d.warnings.len()
        );
        for w in &d.warnings {
            eprintln!("    warning: {w}");
        }
        n += 1;
    }
    // The template samples listed in formats/SOURCE.txt (outside truncated/ and wsq/).
    assert_eq!(n, 31, "sample template files found");
}

/// The non-conforming samples of the reference note (§12, §13) and the reason strict mode
/// must give for each.
const STRICT_REJECTS: [(&str, &str); 11] = [
    (
        "libbiomeval/type9-13.an2k",
        "field tagged 13.005 inside a Type-9 record",
    ),
    (
        "iso2005/biomdi_Appendix-C2_Example.raw",
        "record length field says 340 bytes but the record's structure occupies 341",
    ),
    (
        "iso2005/fingerprintio_iso19794p2v2005-sample.dat",
        "area lengths count only the payload",
    ),
    (
        "iso2005/sourceafis_iso-probe.dat",
        "121 bytes of zero padding",
    ),
    (
        "iso2005/sourceafis_iso-matching.dat",
        "121 bytes of zero padding",
    ),
    (
        "iso2005/sourceafis_iso-nonmatching.dat",
        "115 bytes of zero padding",
    ),
    (
        "ansi2004/fingerprintio_ansi378v2004-sample.dat",
        "version bytes read \"020\\0\"",
    ),
    (
        "ansi2009/fingerprintio_ansi378v2009-sample.dat",
        "record length field says 363 bytes but the record's structure occupies 364",
    ),
    (
        "libbiomeval/fmr.ansi2004",
        "core/delta area: truncated record",
    ),
    (
        "libbiomeval/fmr.iso2005",
        "extended data block length 42 runs past the end of the data (41 bytes left)",
    ),
    ("an2k/nbis_valid1.15.an2", "has 13 digits, not 11"),
];

/// Samples the reference reader found clean.
const STRICT_CLEAN: [&str; 13] = [
    "ansi2004/biomdi_Appendix-B2_Example.raw",
    "ansi2009/fingerprintio_ansi378v2009am1-sample.dat",
    "iso2011/fingerprintio_iso19794p2v2011-sample.dat",
    "libbiomeval/fmr.ansi2007",
    "iso2005/fjfx_a001_03p.ist",
    "iso2005/fjfx_a001_04p.ist",
    "iso2005/fjfx_a001_05p.ist",
    "iso2005/fjfx_a001_06p.ist",
    "iso2005/fjfx_a001_07p.ist",
    "iso2005/fjfx_a004_05p.ist",
    "iso2005/fjfx_b001_04p.ist",
    "iso2005/fjfx_b001_06p.ist",
    "iso2005/fjfx_b001_08p.ist",
];

#[test]
fn strict_mode_rejects_the_non_conforming_samples_with_their_reason() {
    let Some(root) = common::dataset("formats") else {
        return;
    };
    for (rel, reason) in STRICT_REJECTS {
        let bytes = std::fs::read(root.join(rel)).unwrap();
        match formats::read(&bytes, &strict()) {
            Err(FormatError::NonConforming(msg)) => {
                eprintln!("{rel}: {msg}");
                assert!(
                    msg.contains(reason),
                    "{rel}: reason {msg:?} lacks {reason:?}"
                );
            }
            other => panic!("{rel}: expected a strict rejection, got {other:?}"),
        }
        // The same file reads leniently and lists the deviation as a warning.
        let d = formats::read(&bytes, &lenient()).unwrap();
        assert!(
            d.warnings.iter().any(|w| w.message.contains(reason)),
            "{rel}: lenient warnings {:?} lack {reason:?}",
            d.warnings
        );
    }
}

#[test]
fn conforming_samples_read_strictly() {
    let Some(root) = common::dataset("formats") else {
        return;
    };
    for rel in STRICT_CLEAN {
        let bytes = std::fs::read(root.join(rel)).unwrap();
        let d = formats::read(&bytes, &strict()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert!(d.warnings.is_empty());
        assert!(!d.template.views.is_empty(), "{rel}: no views");
    }
}

#[test]
fn truncated_samples_are_errors_in_both_modes() {
    let Some(dir) = common::dataset("formats/truncated") else {
        return;
    };
    let mut n = 0;
    for p in files(&dir) {
        let bytes = std::fs::read(&p).unwrap();
        for options in [strict(), lenient()] {
            let r = formats::read(&bytes, &options);
            assert!(
                matches!(r, Err(FormatError::Truncated { .. })),
                "{}: {r:?}",
                p.display()
            );
        }
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn secugen_templates_all_read_strictly() {
    let Some(dir) = common::dataset("iso-secugen") else {
        return;
    };
    let mut n = 0;
    for p in files(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "iso"))
    {
        let bytes = std::fs::read(&p).unwrap();
        let d = formats::read(&bytes, &strict()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(d.format, Format::Iso2005);
        let v = &d.template.views[0];
        assert_eq!((v.width, v.height, v.resolution.x_ppcm), (300, 400, 197));
        assert!((6..=81).contains(&v.minutiae.len()), "{}", p.display());
        n += 1;
    }
    assert_eq!(n, 640);
}
