//! Core format tests on the small real samples in `fixtures/templates/` (no datasets
//! needed). Expectations come from the files' relations to each other (the NIST annex
//! examples hold the same minutiae in ANSI and ISO units; the Type-9 vector holds the
//! minutiae of `fmr.ansi2004`'s third view), from the NIST xyt formulas, and from byte-exact
//! rewriting of conforming files.

use std::path::PathBuf;

use biomatch::finger::formats::{self, Format, FormatError, Mode, ReadOptions, XytFlavour};
use biomatch::finger::{FingerTemplate, MinutiaKind};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/templates")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn read(name: &str, options: &ReadOptions) -> formats::Decoded {
    formats::read(&fixture(name), options).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn strict() -> ReadOptions {
    ReadOptions {
        mode: Mode::Strict,
        ..ReadOptions::default()
    }
}

#[test]
fn detection_names_each_fixture_format() {
    let cases = [
        ("biomdi_Appendix-B2_Example.raw", Format::Ansi2004),
        ("biomdi_Appendix-C2_Example.raw", Format::Iso2005),
        ("fingerprintio_iso19794p2v2011-sample.dat", Format::Iso2011),
        ("libbiomeval_fmr.ansi2004", Format::Ansi2004),
        ("libbiomeval_fmr.ansi2007", Format::Ansi2009),
        ("libbiomeval_type9.an2k", Format::Type9),
        ("mpiafis_1_1.xyt", Format::Xyt(XytFlavour::NistInternal)),
        ("secugen_fvc2002_db2b_106_7.iso", Format::Iso2005),
    ];
    for (name, format) in cases {
        assert_eq!(formats::detect(&fixture(name)).unwrap(), format, "{name}");
    }
}

#[test]
fn detection_errors_say_what_was_seen() {
    match formats::detect(b"hello, world") {
        Err(FormatError::Unrecognised(msg)) => assert!(msg.contains("hello"), "{msg}"),
        other => panic!("{other:?}"),
    }
    match formats::detect(b"FMR\0 20\0\0\0") {
        Err(FormatError::Ambiguous(msg)) => assert!(msg.contains("too short"), "{msg}"),
        other => panic!("{other:?}"),
    }
    match formats::detect(b"FMR\x00100\x00\0\0\0\0") {
        Err(FormatError::Unrecognised(msg)) => assert!(msg.contains("\"100\""), "{msg}"),
        other => panic!("{other:?}"),
    }
    // A "030" record that fits neither ISO 2011 nor ANSI 2009 names both attempts.
    let mut bad = fixture("fingerprintio_iso19794p2v2011-sample.dat");
    bad.truncate(40);
    match formats::detect(&bad) {
        Err(FormatError::Ambiguous(msg)) => {
            assert!(
                msg.contains("ISO 2011") && msg.contains("ANSI 2009"),
                "{msg}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ansi_and_iso_annex_examples_hold_the_same_minutiae() {
    let ansi = read("biomdi_Appendix-B2_Example.raw", &strict()).template;
    let iso = read("biomdi_Appendix-C2_Example.raw", &ReadOptions::default()).template;
    assert_eq!(ansi.views.len(), 2);
    assert_eq!(iso.views.len(), 2);
    for (a, i) in ansi.views.iter().zip(&iso.views) {
        assert_eq!(a.finger_position, i.finger_position);
        assert_eq!(a.minutiae.len(), i.minutiae.len());
        assert_eq!(a.extended.ridge_counts, i.extended.ridge_counts);
        for (m, n) in a.minutiae.iter().zip(&i.minutiae) {
            assert_eq!((m.x, m.y, m.kind, m.quality), (n.x, n.y, n.kind, n.quality));
            // Both were rounded from one integer-degree angle: at most 1 + 45/64 degrees apart.
            let d = (m.angle - n.angle).rem_euclid(360.0);
            assert!(
                d.min(360.0 - d) <= 1.0 + 45.0 / 64.0 + 1e-4,
                "{m:?} vs {n:?}"
            );
        }
    }
    assert_eq!(
        ansi.views
            .iter()
            .map(|v| v.minutiae.len())
            .collect::<Vec<_>>(),
        [27, 22]
    );
}

#[test]
fn nist_20_byte_header_reads_like_the_2004_example() {
    let d = read("libbiomeval_fmr.ansi2007", &strict());
    assert_eq!(d.format, Format::Ansi2009);
    assert!(d.version.contains("20-byte"), "{}", d.version);
    let b2 = read("biomdi_Appendix-B2_Example.raw", &strict()).template;
    for (a, b) in d.template.views.iter().zip(&b2.views) {
        assert_eq!(a.finger_position, b.finger_position);
        assert_eq!(
            (a.width, a.height, a.resolution),
            (b.width, b.height, b.resolution)
        );
        assert_eq!(a.minutiae.len(), b.minutiae.len());
        // Same example points (NIST edited some angles of this vector, so only the
        // positions and types are compared).
        for (m, n) in a.minutiae.iter().zip(&b.minutiae) {
            assert_eq!((m.x, m.y, m.kind), (n.x, n.y, n.kind));
        }
    }
}

#[test]
fn type9_legacy_minutiae_match_the_fmr_they_were_made_from() {
    let fmr = read("libbiomeval_fmr.ansi2004", &ReadOptions::default()).template;
    let view = &fmr.views[2];
    assert_eq!(view.minutiae.len(), 28);
    assert_eq!(view.extended.cores.len(), 2);
    assert_eq!(view.extended.deltas.len(), 4);
    assert!(view.extended.deltas.iter().all(|d| d.angles.len() == 3));
    // The Type-9 record measures y from the bottom of the 357-row image it was made for.
    let options = ReadOptions {
        mode: Mode::Strict,
        image_height: Some(357),
        ..ReadOptions::default()
    };
    let t9 = read("libbiomeval_type9.an2k", &options);
    assert_eq!(t9.format, Format::Type9);
    let v9 = &t9.template.views[0];
    assert_eq!(v9.resolution.x_ppcm, 197);
    assert_eq!(v9.minutiae.len(), 28);
    for (m, n) in view.minutiae.iter().zip(&v9.minutiae) {
        assert!(
            (m.x - n.x).abs() <= 0.5 && (m.y - n.y).abs() <= 0.5,
            "{m:?} vs {n:?}"
        );
        assert_eq!(m.angle, n.angle, "{m:?} vs {n:?}");
        assert_eq!(m.kind, n.kind);
    }
    // Without the height, strict mode says what is missing; lenient mode warns.
    assert!(matches!(
        formats::read(&fixture("libbiomeval_type9.an2k"), &strict()),
        Err(FormatError::MissingContext(_))
    ));
    let lenient = read("libbiomeval_type9.an2k", &ReadOptions::default());
    assert!(
        lenient
            .warnings
            .iter()
            .any(|w| w.message.contains("height"))
    );
}

#[test]
fn nist_xyt_undoes_the_flip_and_the_half_turn() {
    let options = ReadOptions {
        image_height: Some(300),
        image_width: Some(256),
        ..ReadOptions::default()
    };
    let bytes = fixture("mpiafis_1_1.xyt");
    let d = formats::read(&bytes, &options).unwrap();
    assert!(d.warnings.is_empty());
    let text = String::from_utf8(bytes.clone()).unwrap();
    let view = &d.template.views[0];
    let lines: Vec<Vec<i64>> = text
        .lines()
        .map(|l| l.split_whitespace().map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(view.minutiae.len(), lines.len());
    for (m, l) in view.minutiae.iter().zip(&lines) {
        assert_eq!(m.x, l[0] as f32);
        assert_eq!(m.y, (300 - l[1]) as f32);
        assert_eq!(m.angle, ((l[2] + 180) % 360) as f32);
        assert_eq!(m.kind, MinutiaKind::Other);
    }
    // Written back with the same height: the same numbers.
    let out = formats::write(&d.template, Format::Xyt(XytFlavour::NistInternal)).unwrap();
    let written: Vec<Vec<i64>> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(written, lines);
    // In -m1 units the same file is read as ISO geometry.
    let m1 = formats::read(
        &bytes,
        &ReadOptions {
            format: Some(Format::Xyt(XytFlavour::M1)),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(m1.template.views[0].minutiae[0].y, lines[0][1] as f32);
}

/// A conforming record read and written in its own format gives back the same bytes.
#[test]
fn conforming_records_rewrite_byte_for_byte() {
    for (name, format) in [
        ("biomdi_Appendix-B2_Example.raw", Format::Ansi2004),
        ("fingerprintio_iso19794p2v2011-sample.dat", Format::Iso2011),
        ("secugen_fvc2002_db2b_106_7.iso", Format::Iso2005),
    ] {
        let bytes = fixture(name);
        let d = formats::read(&bytes, &strict()).unwrap();
        assert_eq!(d.format, format);
        assert_eq!(
            formats::write(&d.template, format).unwrap(),
            bytes,
            "{name}"
        );
    }
}

#[test]
fn lenient_reading_fixes_the_length_and_the_rewrite_is_strict() {
    let c2 = fixture("biomdi_Appendix-C2_Example.raw");
    assert!(matches!(
        formats::read(&c2, &strict()),
        Err(FormatError::NonConforming(_))
    ));
    let d = formats::read(&c2, &ReadOptions::default()).unwrap();
    assert_eq!(d.warnings.len(), 1);
    let fixed = formats::write(&d.template, Format::Iso2005).unwrap();
    assert_eq!(fixed.len(), c2.len());
    assert_eq!(&fixed[12..], &c2[12..]);
    let again = formats::read(&fixed, &strict()).unwrap();
    assert_eq!(again.template, d.template);
}

#[test]
fn views_without_minutiae_are_kept() {
    let mut t: FingerTemplate = read("biomdi_Appendix-B2_Example.raw", &strict()).template;
    t.views[0].minutiae.clear();
    for format in [
        Format::Iso2005,
        Format::Ansi2004,
        Format::Ansi2009,
        Format::Iso2011,
    ] {
        let bytes = formats::write(&t, format).unwrap();
        let back = formats::read(&bytes, &ReadOptions::default())
            .unwrap()
            .template;
        assert_eq!(back.views.len(), 2, "{format}");
        assert!(back.views[0].minutiae.is_empty(), "{format}");
        assert_eq!(back.views[1].minutiae.len(), 22, "{format}");
    }
}

#[test]
fn unrepresentable_templates_are_errors() {
    let mut t = read("biomdi_Appendix-B2_Example.raw", &strict()).template;
    assert!(matches!(
        formats::write(&t, Format::Xyt(XytFlavour::M1)),
        Err(FormatError::Unrepresentable(_))
    ));
    assert!(matches!(
        formats::write(&t, Format::Type9),
        Err(FormatError::Unsupported(_))
    ));
    t.views[1].width += 1;
    assert!(matches!(
        formats::write(&t, Format::Iso2005),
        Err(FormatError::Unrepresentable(_))
    ));
    t.views[1].minutiae[0].x = f32::NAN;
    assert!(matches!(
        formats::write(&t, Format::Iso2011),
        Err(FormatError::Unrepresentable(_))
    ));
}

#[test]
fn format_names_parse_back() {
    for f in Format::ALL {
        assert_eq!(f.id().parse::<Format>().unwrap(), f);
    }
    assert!("iso2006".parse::<Format>().is_err());
}

/// Records of 64 KiB and more: ANSI 2004 switches to the 6-byte length form, and detection
/// still tells ISO 2005 from ANSI 2004 by the length field.
#[test]
fn records_over_64_kib_use_the_long_length_forms() {
    let mut t = read("biomdi_Appendix-B2_Example.raw", &strict()).template;
    for v in &mut t.views {
        v.extended.other = (0..3)
            .map(|i| biomatch::finger::ExtendedArea {
                type_id: 0x0100 + i,
                data: vec![i as u8; 15_000],
            })
            .collect();
    }
    for (format, long_form) in [(Format::Ansi2004, [0u8, 0]), (Format::Iso2005, [0, 1])] {
        let bytes = formats::write(&t, format).unwrap();
        assert!(bytes.len() > 0x10000, "{format}: {} bytes", bytes.len());
        assert_eq!(bytes[8..10], long_form, "{format}");
        assert_eq!(formats::detect(&bytes).unwrap(), format);
        let back = formats::read(&bytes, &strict()).unwrap().template;
        assert_eq!(back.views.len(), 2);
        assert_eq!(back.views[1].extended.other, t.views[1].extended.other);
        assert_eq!(back.views[0].minutiae.len(), 27);
    }
}
