//! Property tests: write-then-read is the identity for every writable format on random
//! templates drawn from what the format can hold; ISO -> ANSI -> ISO keeps every minutia
//! within one ISO angle unit; truncated and mutated records give errors, never panics.

use biomatch::finger::formats::{self, Format, Mode, ReadOptions, XytFlavour};
use biomatch::finger::{
    CaptureDateTime, CaptureInfo, CertificationBlock, ExtendedArea, ExtendedData, FingerPosition,
    FingerTemplate, FingerView, ImpressionType, Minutia, MinutiaKind, MinutiaQuality, QualityBlock,
    RecordInfo, Resolution, RidgeCount, RidgeCountData, SingularPoint,
};
use proptest::prelude::*;

const ISO_UNIT: f32 = 360.0 / 256.0;

/// Angles on the grid of the format (degrees).
fn angle(format: Format) -> BoxedStrategy<f32> {
    match format {
        Format::Iso2005 | Format::Iso2011 => (0u32..256).prop_map(|a| a as f32 * ISO_UNIT).boxed(),
        Format::Xyt(XytFlavour::NistInternal) => (0u32..360).prop_map(|a| a as f32).boxed(),
        _ => (0u32..180).prop_map(|a| a as f32 * 2.0).boxed(),
    }
}

fn legacy_quality() -> BoxedStrategy<MinutiaQuality> {
    prop_oneof![
        Just(MinutiaQuality::Unknown),
        (1u8..=100).prop_map(MinutiaQuality::Score)
    ]
    .boxed()
}

fn modern_quality() -> BoxedStrategy<MinutiaQuality> {
    prop_oneof![
        Just(MinutiaQuality::Unknown),
        Just(MinutiaQuality::Failed),
        (0u8..=100).prop_map(MinutiaQuality::Score)
    ]
    .boxed()
}

fn kind() -> impl Strategy<Value = MinutiaKind> {
    prop_oneof![
        Just(MinutiaKind::Other),
        Just(MinutiaKind::RidgeEnding),
        Just(MinutiaKind::Bifurcation)
    ]
}

fn minutiae(
    format: Format,
    width: u16,
    height: u16,
    quality: BoxedStrategy<MinutiaQuality>,
) -> impl Strategy<Value = Vec<Minutia>> {
    let kinds = if matches!(format, Format::Xyt(_)) {
        Just(MinutiaKind::Other).boxed()
    } else {
        kind().boxed()
    };
    prop::collection::vec((0..width, 0..height, angle(format), kinds, quality), 0..40).prop_map(
        |v| {
            v.into_iter()
                .map(|(x, y, angle, kind, quality)| Minutia {
                    x: f32::from(x),
                    y: f32::from(y),
                    angle,
                    kind,
                    quality,
                })
                .collect()
        },
    )
}

/// Extended data; `uniform` core/delta lists (all with angles or none, as ANSI needs) for
/// ANSI formats and for templates that will be converted to them.
fn extended(format: Format, uniform: bool) -> impl Strategy<Value = ExtendedData> {
    let ansi = uniform || matches!(format, Format::Ansi2004 | Format::Ansi2009);
    let rc = prop::option::of((
        0u8..=2,
        prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 0..10),
    ));
    let point = |n_angles: usize| {
        (
            0u16..2000,
            0u16..2000,
            angle(format),
            angle(format),
            angle(format),
        )
            .prop_map(move |(x, y, a, b, c)| SingularPoint {
                x: f32::from(x),
                y: f32::from(y),
                angles: [a, b, c][..n_angles].to_vec(),
            })
    };
    let with_angles = |n: usize, max: usize| {
        prop_oneof![
            prop::collection::vec(point(0), 0..max),
            prop::collection::vec(point(n), 0..max),
        ]
    };
    let mixed =
        |n: usize, max: usize| prop::collection::vec(prop_oneof![point(0), point(n)], 0..max);
    let cores = if ansi {
        with_angles(1, 4).boxed()
    } else {
        mixed(1, 4).boxed()
    };
    let deltas = if ansi {
        with_angles(3, 4).boxed()
    } else {
        mixed(3, 4).boxed()
    };
    let other = prop::collection::vec(
        (
            0x0100u16..=0xffff,
            prop::collection::vec(any::<u8>(), 0..12),
        ),
        0..3,
    );
    (rc, cores, deltas, other).prop_map(|(rc, cores, deltas, other)| ExtendedData {
        ridge_counts: rc.map(|(method, counts)| RidgeCountData {
            method,
            counts: counts
                .into_iter()
                .map(|(a, b, count)| RidgeCount {
                    a: u16::from(a),
                    b: u16::from(b),
                    count,
                })
                .collect(),
        }),
        cores,
        deltas,
        other: other
            .into_iter()
            .map(|(type_id, data)| ExtendedArea { type_id, data })
            .collect(),
    })
}

fn impression(format: Format) -> BoxedStrategy<u8> {
    let codes: Vec<u8> = match format {
        Format::Iso2005 => vec![0, 1, 2, 3, 8],
        Format::Ansi2004 => vec![0, 1, 2, 3, 8, 9],
        Format::Ansi2009 => vec![0, 1, 2, 3, 8, 10, 11, 20, 25, 29],
        _ => vec![0, 1, 2, 3, 4, 7, 8, 9, 24, 28, 29],
    };
    prop::sample::select(codes).boxed()
}

/// Gives each view the view number the 2004/2005/2009 rule expects.
fn number_views(views: &mut [FingerView]) {
    for i in 0..views.len() {
        let n = views[..i]
            .iter()
            .filter(|v| v.finger_position == views[i].finger_position)
            .count();
        views[i].view_number = n as u8;
    }
}

/// Random ISO 2005 / ANSI 2004 templates: one geometry for all views.
fn legacy_template(format: Format, uniform: bool) -> impl Strategy<Value = FingerTemplate> {
    (1u16..1500, 1u16..1500, 1u16..1000, 1u16..1000, 1usize..4).prop_flat_map(
        move |(w, h, xr, yr, n)| {
            let view = (
                0u8..=10,
                impression(format),
                0u8..=100,
                minutiae(format, w, h, legacy_quality()),
                extended(format, uniform),
            )
                .prop_map(move |(pos, imp, fq, minutiae, extended)| {
                    let mut v = FingerView::new(
                        w,
                        h,
                        Resolution {
                            x_ppcm: xr,
                            y_ppcm: yr,
                        },
                    );
                    v.finger_position = FingerPosition(pos);
                    v.impression_type = ImpressionType(imp);
                    v.finger_quality = fq;
                    v.minutiae = minutiae;
                    v.extended = extended;
                    v
                });
            (
                prop::collection::vec(view, n),
                0u16..=0x0fff,
                any::<bool>(),
                1u16..,
                any::<u16>(),
            )
                .prop_map(move |(mut views, dev, certified, owner, ty)| {
                    number_views(&mut views);
                    let ansi = format == Format::Ansi2004;
                    FingerTemplate {
                        record: RecordInfo {
                            capture_device_id: dev,
                            certified,
                            cbeff_owner: if ansi { owner } else { 0 },
                            cbeff_type: if ansi { ty } else { 0 },
                            has_certification_blocks: false,
                        },
                        views,
                    }
                })
        },
    )
}

fn geometry() -> impl Strategy<Value = (u16, u16, Resolution)> {
    (1u16..1500, 1u16..1500, 1u16..1000, 1u16..1000).prop_map(|(w, h, x, y)| {
        (
            w,
            h,
            Resolution {
                x_ppcm: x,
                y_ppcm: y,
            },
        )
    })
}

fn ansi2009_template() -> impl Strategy<Value = FingerTemplate> {
    let format = Format::Ansi2009;
    let view = geometry().prop_flat_map(move |(w, h, res)| {
        (
            0u8..=10,
            impression(format),
            0u8..=100,
            any::<u16>(),
            any::<u16>(),
            minutiae(format, w, h, modern_quality()),
            extended(format, false),
        )
            .prop_map(
                move |(pos, imp, fq, vendor, algorithm, minutiae, extended)| {
                    let mut v = FingerView::new(w, h, res);
                    v.finger_position = FingerPosition(pos);
                    v.impression_type = ImpressionType(imp);
                    v.finger_quality = fq;
                    v.capture.quality_blocks = vec![QualityBlock {
                        score: fq,
                        vendor,
                        algorithm,
                    }];
                    v.minutiae = minutiae;
                    v.extended = extended;
                    v
                },
            )
    });
    (
        prop::collection::vec(view, 1..4),
        any::<u16>(),
        any::<bool>(),
        1u16..,
        any::<u16>(),
    )
        .prop_map(|(mut views, dev, certified, owner, ty)| {
            number_views(&mut views);
            FingerTemplate {
                record: RecordInfo {
                    capture_device_id: dev,
                    certified,
                    cbeff_owner: owner,
                    cbeff_type: ty,
                    has_certification_blocks: false,
                },
                views,
            }
        })
}

fn iso2011_template(uniform: bool) -> impl Strategy<Value = FingerTemplate> {
    let format = Format::Iso2011;
    let date = prop::option::of(
        (
            1990u16..2100,
            1u8..=12,
            1u8..=28,
            0u8..24,
            0u8..60,
            0u8..60,
            0u16..1000,
        )
            .prop_map(|(year, month, day, hour, minute, second, millisecond)| {
                CaptureDateTime {
                    year,
                    month,
                    day,
                    hour,
                    minute,
                    second,
                    millisecond,
                }
            }),
    );
    let blocks = prop::collection::vec(
        (
            prop_oneof![0u8..=100, Just(255u8)],
            any::<u16>(),
            any::<u16>(),
        )
            .prop_map(|(score, vendor, algorithm)| QualityBlock {
                score,
                vendor,
                algorithm,
            }),
        0..3,
    );
    let certs = prop::collection::vec(
        (any::<u16>(), any::<u8>())
            .prop_map(|(authority, scheme)| CertificationBlock { authority, scheme }),
        0..3,
    );
    let view = (geometry(), any::<bool>()).prop_flat_map(move |((w, h, res), omitted)| {
        let quality = if omitted {
            Just(MinutiaQuality::Unknown).boxed()
        } else {
            modern_quality()
        };
        (
            (
                0u8..=10,
                impression(format),
                date.clone(),
                any::<u8>(),
                any::<u16>(),
                any::<u16>(),
            ),
            blocks.clone(),
            certs.clone(),
            0u8..=1,
            minutiae(format, w, h, quality),
            extended(format, uniform),
        )
            .prop_map(
                move |(
                    (pos, imp, date_time, tech, vendor, device),
                    quality_blocks,
                    certifications,
                    ending,
                    minutiae,
                    extended,
                )| {
                    let mut v = FingerView::new(w, h, res);
                    v.finger_position = FingerPosition(pos);
                    v.impression_type = ImpressionType(imp);
                    v.finger_quality = quality_blocks
                        .first()
                        .map_or(0, |q| if q.score <= 100 { q.score } else { 0 });
                    v.capture = CaptureInfo {
                        date_time,
                        device_technology: tech,
                        device_vendor: vendor,
                        device_type: device,
                        quality_blocks,
                        certifications,
                        ridge_ending_type: ending,
                        minutia_quality_omitted: omitted,
                    };
                    v.minutiae = minutiae;
                    v.extended = extended;
                    v
                },
            )
    });
    (prop::collection::vec(view, 1..4), any::<bool>()).prop_map(|(mut views, certs)| {
        for (i, v) in views.iter_mut().enumerate() {
            v.view_number = i as u8;
            if !certs {
                v.capture.certifications.clear();
            }
        }
        FingerTemplate {
            record: RecordInfo {
                has_certification_blocks: certs,
                ..RecordInfo::default()
            },
            views,
        }
    })
}

fn xyt_template(flavour: XytFlavour) -> impl Strategy<Value = FingerTemplate> {
    let format = Format::Xyt(flavour);
    (geometry(), any::<bool>()).prop_flat_map(move |((w, h, res), scored)| {
        let quality = if scored {
            (0u8..=100).prop_map(MinutiaQuality::Score).boxed()
        } else {
            Just(MinutiaQuality::Unknown).boxed()
        };
        minutiae(format, w, h, quality).prop_map(move |minutiae| {
            let mut v = FingerView::new(w, h, res);
            v.minutiae = minutiae;
            FingerTemplate::single(v)
        })
    })
}

fn strict(format: Option<Format>, t: &FingerTemplate) -> ReadOptions {
    let first = t.views.first();
    ReadOptions {
        mode: Mode::Strict,
        format,
        image_width: first.map(|v| v.width),
        image_height: first.map(|v| v.height),
        resolution: first.map(|v| v.resolution),
        ..ReadOptions::default()
    }
}

/// Writes, reads back strictly (detecting binary formats from the bytes) and compares.
fn round_trip(t: &FingerTemplate, format: Format) -> Result<(), TestCaseError> {
    let bytes = formats::write(t, format).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let detect = !matches!(format, Format::Xyt(_));
    let options = strict(if detect { None } else { Some(format) }, t);
    let d = formats::read(&bytes, &options)
        .map_err(|e| TestCaseError::fail(format!("{format}: {e}")))?;
    prop_assert_eq!(d.format, format);
    prop_assert_eq!(&d.template, t);
    // Every proper prefix of a binary record is rejected in strict mode.
    if detect {
        for cut in [bytes.len() - 1, bytes.len() / 2, 9] {
            let r = formats::read(&bytes[..cut], &strict(Some(format), t));
            prop_assert!(
                r.is_err(),
                "{} prefix of {} bytes was accepted",
                format,
                cut
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn iso2005_round_trip(t in legacy_template(Format::Iso2005, false)) {
        round_trip(&t, Format::Iso2005)?;
    }

    #[test]
    fn ansi2004_round_trip(t in legacy_template(Format::Ansi2004, true)) {
        round_trip(&t, Format::Ansi2004)?;
    }

    #[test]
    fn ansi2009_round_trip(t in ansi2009_template()) {
        round_trip(&t, Format::Ansi2009)?;
        round_trip(&t, Format::Ansi2009Am1)?;
    }

    #[test]
    fn iso2011_round_trip(t in iso2011_template(false)) {
        round_trip(&t, Format::Iso2011)?;
    }

    #[test]
    fn xyt_round_trip(t in xyt_template(XytFlavour::NistInternal)) {
        round_trip(&t, Format::Xyt(XytFlavour::NistInternal))?;
    }

    #[test]
    fn xyt_m1_round_trip(t in xyt_template(XytFlavour::M1)) {
        round_trip(&t, Format::Xyt(XytFlavour::M1))?;
    }

    #[test]
    fn iso_to_ansi_to_iso_keeps_minutiae_within_one_unit(t in legacy_template(Format::Iso2005, true)) {
        let lenient = ReadOptions::default();
        let ansi = formats::write(&t, Format::Ansi2004).unwrap();
        let via_ansi = formats::read(&ansi, &lenient).unwrap().template;
        let iso = formats::write(&via_ansi, Format::Iso2005).unwrap();
        let back = formats::read(&iso, &lenient).unwrap().template;
        prop_assert_eq!(back.views.len(), t.views.len());
        for (a, b) in t.views.iter().zip(&back.views) {
            prop_assert_eq!(a.minutiae.len(), b.minutiae.len());
            for (m, n) in a.minutiae.iter().zip(&b.minutiae) {
                prop_assert_eq!((m.x, m.y, m.kind, m.quality), (n.x, n.y, n.kind, n.quality));
                let units = ((m.angle - n.angle) / ISO_UNIT).round() as i32;
                let units = units.rem_euclid(256);
                prop_assert!(units <= 1 || units >= 255, "{} -> {}", m.angle, n.angle);
            }
        }
    }

    #[test]
    fn iso2011_to_ansi2009_to_iso2011_keeps_minutiae_within_one_unit(t in iso2011_template(true)) {
        let lenient = ReadOptions::default();
        let ansi = formats::write(&t, Format::Ansi2009).unwrap();
        let via = formats::read(&ansi, &lenient).unwrap().template;
        let iso = formats::write(&via, Format::Iso2011).unwrap();
        let back = formats::read(&iso, &lenient).unwrap().template;
        for (a, b) in t.views.iter().zip(&back.views) {
            prop_assert_eq!(a.minutiae.len(), b.minutiae.len());
            for (m, n) in a.minutiae.iter().zip(&b.minutiae) {
                prop_assert_eq!((m.x, m.y, m.kind), (n.x, n.y, n.kind));
                let units = (((m.angle - n.angle) / ISO_UNIT).round() as i32).rem_euclid(256);
                prop_assert!(units <= 1 || units >= 255, "{} -> {}", m.angle, n.angle);
            }
        }
    }

    /// Random byte edits of valid records: every reader, both modes, returns (never panics).
    #[test]
    fn mutated_records_never_panic(
        t in legacy_template(Format::Iso2005, true),
        target in prop::sample::select(vec![
            Format::Iso2005, Format::Ansi2004, Format::Iso2011, Format::Ansi2009,
        ]),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..8),
    ) {
        let mut bytes = formats::write(&t, target).unwrap();
        for (at, value, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = value,
                1 => bytes[i] ^= 1 << (value % 8),
                2 => bytes.truncate(i),
                _ => bytes.insert(i, value),
            }
        }
        for mode in [Mode::Strict, Mode::Lenient] {
            for format in [None, Some(Format::Iso2005), Some(Format::Ansi2004),
                Some(Format::Iso2011), Some(Format::Ansi2009), Some(Format::Ansi2009Am1),
                Some(Format::Type9), Some(Format::Xyt(XytFlavour::M1))] {
                let _ = formats::read(&bytes, &ReadOptions { mode, format, ..ReadOptions::default() });
            }
        }
    }
}
