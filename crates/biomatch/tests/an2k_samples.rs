//! The ANSI/NIST-ITL sample transactions: every one reads, writes back byte for byte, and
//! its images and minutiae are what the files say.

mod common;

use biomatch::finger::formats::an2k::{self, Compression};
use biomatch::finger::formats::{Mode, ReadOptions};

const SAMPLES: [&str; 5] = [
    "libbiomeval/type9.an2k",
    "libbiomeval/type9-13.an2k",
    "libbiomeval/type9-15.an2k",
    "libbiomeval/type9-efs.an2k",
    "an2k/nbis_valid1.15.an2",
];

fn sample(rel: &str) -> Option<Vec<u8>> {
    let dir = common::dataset("formats")?;
    Some(std::fs::read(dir.join(rel)).expect("sample readable"))
}

#[test]
fn every_sample_reads_and_writes_back_byte_for_byte() {
    let mut n = 0;
    for rel in SAMPLES {
        let Some(bytes) = sample(rel) else { return };
        let d = an2k::read(&bytes, Mode::Lenient).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let out = an2k::write(&d.transaction).unwrap();
        assert!(out == bytes, "{rel}: written bytes differ from the file");
        eprintln!(
            "{rel}: {} records, {} warnings",
            d.transaction.records.len(),
            d.warnings.len()
        );
        n += 1;
    }
    assert_eq!(n, SAMPLES.len());
}

#[test]
fn record_lists_match_the_content_listings() {
    let cases: [(&str, &[u32]); 5] = [
        ("libbiomeval/type9.an2k", &[1, 9]),
        ("libbiomeval/type9-13.an2k", &[1, 2, 9, 13]),
        ("libbiomeval/type9-15.an2k", &[1, 2, 15, 15, 9]),
        ("libbiomeval/type9-efs.an2k", &[1, 9, 9, 9, 9, 9, 9, 9, 9]),
        ("an2k/nbis_valid1.15.an2", &[1, 2, 9]),
    ];
    for (rel, types) in cases {
        let Some(bytes) = sample(rel) else { return };
        let t = an2k::read(&bytes, Mode::Lenient).unwrap().transaction;
        let got: Vec<u32> = t.records.iter().map(|r| r.record_type()).collect();
        assert_eq!(got, types, "{rel}");
    }
}

#[test]
fn strict_reading_names_the_deviations_of_the_samples() {
    // Clean in structure: strict reads them.
    for rel in [
        "libbiomeval/type9.an2k",
        "libbiomeval/type9-efs.an2k",
        "an2k/nbis_valid1.15.an2",
    ] {
        let Some(bytes) = sample(rel) else { return };
        an2k::read(&bytes, Mode::Strict).unwrap_or_else(|e| panic!("{rel}: {e}"));
    }
    // type9-13 repeats 2.034 in its Type-2 record and has a field tagged 13.005 inside its
    // Type-9 record; strict mode stops at the first, lenient mode lists both.
    let Some(bytes) = sample("libbiomeval/type9-13.an2k") else {
        return;
    };
    let err = an2k::read(&bytes, Mode::Strict).unwrap_err();
    assert!(
        err.to_string()
            .contains("field 2.034 appears more than once"),
        "{err}"
    );
    let warnings: Vec<String> = an2k::read(&bytes, Mode::Lenient)
        .unwrap()
        .warnings
        .iter()
        .map(|w| w.message.clone())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[1].contains("field tagged 13.005 inside a Type-9 record"));
    // type9-15's 1.003 lists its Type-9 record as IDC 3; the record says 9.002:01.
    let Some(bytes) = sample("libbiomeval/type9-15.an2k") else {
        return;
    };
    let err = an2k::read(&bytes, Mode::Strict).unwrap_err();
    assert!(
        err.to_string()
            .contains("lists record 4 as Type-9 IDC 3 but the record says IDC 1"),
        "{err}"
    );
}

#[test]
fn type15_palm_images_decode_through_our_wsq_decoder() {
    let Some(bytes) = sample("libbiomeval/type9-15.an2k") else {
        return;
    };
    let t = an2k::read(&bytes, Mode::Lenient).unwrap().transaction;
    let images = t.images();
    assert_eq!(images.len(), 2);
    // 15.011 WSQ20, 900 x 2500 at 500 ppi: sizes agree with the WSQ frame header.
    let wsq = &images[0];
    assert_eq!((wsq.record_type, wsq.width, wsq.height), (15, 900, 2500));
    assert_eq!(wsq.compression, Compression::Wsq);
    assert_eq!(wsq.ppi, Some(500.0));
    let r = t.decode_image(wsq.record).unwrap();
    assert_eq!((r.width, r.height), (900, 2500));
    // 15.011 JP2L, 2750 x 2750 at 1000 ppi: kept as bytes, decoding is a typed error.
    let jp2 = &images[1];
    assert_eq!((jp2.width, jp2.height), (2750, 2750));
    assert_eq!(jp2.compression, Compression::Jpeg2000Lossless);
    let data = t.image_data(jp2.record).unwrap();
    assert_eq!(data.len(), jp2.data_len);
    // A JPEG 2000 codestream starts with SOC FF4F, a JP2 file with its signature box.
    assert!(data.starts_with(&[0xff, 0x4f]) || data.starts_with(b"\0\0\0\x0cjP"));
    assert!(matches!(
        t.decode_image(jp2.record),
        Err(an2k::An2kError::UnsupportedCompression { .. })
    ));
}

#[test]
fn type13_image_decodes() {
    let Some(bytes) = sample("libbiomeval/type9-13.an2k") else {
        return;
    };
    let t = an2k::read(&bytes, Mode::Lenient).unwrap().transaction;
    let img = &t.images()[0];
    assert_eq!(img.record_type, 13);
    let r = t.decode_image(img.record).unwrap();
    assert_eq!((r.width as u32, r.height as u32), (img.width, img.height));
}

#[test]
fn legacy_and_efs_minutiae_read_from_the_transactions() {
    let Some(bytes) = sample("libbiomeval/type9.an2k") else {
        return;
    };
    let t = an2k::read(&bytes, Mode::Strict).unwrap().transaction;
    let options = ReadOptions {
        image_height: Some(400),
        ..ReadOptions::default()
    };
    let d = t.finger_template(&options).unwrap();
    // 9.010 says 28 minutiae.
    assert_eq!(d.template.views[0].minutiae.len(), 28);

    let Some(bytes) = sample("libbiomeval/type9-efs.an2k") else {
        return;
    };
    let t = an2k::read(&bytes, Mode::Strict).unwrap().transaction;
    let d = t.finger_template(&ReadOptions::default()).unwrap();
    // 8 EFS records, each one view.
    assert_eq!(d.template.views.len(), 8);
    // The first EFS minutia is 1908,41,186,E in 10 µm units: at 500 ppi (19.685 px/mm)
    // x = 19.08 mm = 375.6 px, y = 0.41 mm = 8.07 px (EFS measures from the top-left).
    let m = d.template.views[0].minutiae[0];
    assert!((m.x - 375.6).abs() < 0.6, "{m:?}");
    assert!((m.y - 8.07).abs() < 0.6, "{m:?}");
}

/// Deterministic mutations of every sample (byte changes, cuts, length fields set to
/// 4 GB): each read ends with a transaction or a typed error, never a panic, and whatever
/// reads also writes and reads back.
#[test]
fn mutated_samples_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut reads = 0;
    let mut errors = 0;
    let mut samples = 0;
    for rel in SAMPLES {
        let Some(bytes) = sample(rel) else { return };
        samples += 1;
        // Keep the big palm file's mutations near its headers.
        let span = bytes.len().min(20_000);
        for i in 0..400 {
            let mut m = bytes.clone();
            match i % 4 {
                0 => {
                    let at = (next() as usize) % span;
                    m[at] = next() as u8;
                }
                1 => m.truncate((next() as usize) % span),
                2 => {
                    // A separator where data was, or data where a separator was.
                    let at = (next() as usize) % span;
                    m[at] = [0x1c, 0x1d, 0x1e, 0x1f, b':', b'.'][(next() % 6) as usize];
                }
                _ => {
                    // Some LEN field replaced by 4294967296.
                    let text = &m[..span];
                    let lens: Vec<usize> = text
                        .windows(5)
                        .enumerate()
                        .filter(|(_, w)| w == b".001" || &w[..4] == b".01:")
                        .map(|(p, _)| p)
                        .collect();
                    if lens.is_empty() {
                        continue;
                    }
                    let at = lens[(next() as usize) % lens.len()];
                    let colon = at + m[at..].iter().position(|&b| b == b':').unwrap() + 1;
                    let end = colon
                        + m[colon..]
                            .iter()
                            .position(|&b| b == 0x1d || b == 0x1c)
                            .unwrap_or(0);
                    m.splice(colon..end, b"4294967296".iter().copied());
                }
            }
            for mode in [Mode::Strict, Mode::Lenient] {
                match an2k::read(&m, mode) {
                    Ok(d) => {
                        reads += 1;
                        let t = d.transaction;
                        let _ = t.images();
                        if let Ok(out) = an2k::write(&t) {
                            an2k::read(&out, Mode::Lenient).expect("our output reads back");
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        assert!(!e.to_string().is_empty());
                    }
                }
            }
        }
    }
    eprintln!("{reads} mutated reads succeeded, {errors} were typed errors");
    assert!(errors > 0 && reads > 0);
    assert_eq!(samples, SAMPLES.len(), "every sample was mutated");
}
