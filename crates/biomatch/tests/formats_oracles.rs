//! The five FingerprintIO samples against their JSON oracles (the library's own expected
//! decode), field by field. The oracles store raw record values: angles in the format's
//! units, positions and scan types as names, extension data in base64.

mod common;

use std::path::Path;

use biomatch::finger::formats::{self, Format, ReadOptions};
use biomatch::finger::{FingerTemplate, FingerView, MinutiaKind, MinutiaQuality};
use serde_json::Value;

fn position_code(name: &str) -> u8 {
    const NAMES: [&str; 11] = [
        "UNKNOWN",
        "RIGHT_THUMB",
        "RIGHT_INDEX",
        "RIGHT_MIDDLE",
        "RIGHT_RING",
        "RIGHT_LITTLE",
        "LEFT_THUMB",
        "LEFT_INDEX",
        "LEFT_MIDDLE",
        "LEFT_RING",
        "LEFT_LITTLE",
    ];
    NAMES
        .iter()
        .position(|&n| n == name)
        .unwrap_or_else(|| panic!("unknown position name {name}")) as u8
}

fn scan_type_code(name: &str) -> u8 {
    match name {
        "LIVE_PLAIN" => 0,
        "LIVE_ROLLED" => 1,
        "NONLIVE_PLAIN" => 2,
        "NONLIVE_ROLLED" => 3,
        "SWIPE" => 8,
        other => panic!("unknown scan type {other}"),
    }
}

fn base64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64 digit") as u32;
        bits = bits << 6 | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

fn int(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("oracle field {key} missing in {v}"))
}

/// Checks one view's fields and minutiae against the oracle's `fingerprints[i]`.
fn check_view(fp: &Value, view: &FingerView, unit_deg: f32, modern_quality: bool, ctx: &str) {
    assert_eq!(
        view.finger_position.0,
        position_code(fp["position"].as_str().unwrap()),
        "{ctx}: position"
    );
    assert_eq!(i64::from(view.view_number), int(fp, "view"), "{ctx}: view");
    assert_eq!(
        view.impression_type.0,
        scan_type_code(fp["scanType"].as_str().unwrap()),
        "{ctx}: scan type"
    );
    let mins = fp["minutiae"].as_array().unwrap();
    assert_eq!(view.minutiae.len(), mins.len(), "{ctx}: minutia count");
    for (i, (m, o)) in view.minutiae.iter().zip(mins).enumerate() {
        let kind = match o["type"].as_str().unwrap() {
            "ENDING" => MinutiaKind::RidgeEnding,
            "BIFURCATION" => MinutiaKind::Bifurcation,
            "OTHER" | "EITHER" => MinutiaKind::Other,
            t => panic!("unknown minutia type {t}"),
        };
        assert_eq!(m.kind, kind, "{ctx}: minutia {i} type");
        assert_eq!(m.x, int(o, "positionX") as f32, "{ctx}: minutia {i} x");
        assert_eq!(m.y, int(o, "positionY") as f32, "{ctx}: minutia {i} y");
        let expected_angle = (int(o, "angle") as f32 * unit_deg) % 360.0;
        assert!(
            (m.angle - expected_angle).abs() < 1e-3,
            "{ctx}: minutia {i} angle {} vs {expected_angle}",
            m.angle
        );
        let q = int(o, "quality") as u8;
        let expected_q = match (modern_quality, q) {
            (false, 0) | (true, 254) => MinutiaQuality::Unknown,
            (true, 255) => MinutiaQuality::Failed,
            (_, q) => MinutiaQuality::Score(q),
        };
        assert_eq!(m.quality, expected_q, "{ctx}: minutia {i} quality");
    }
    // Ridge counts: raw indices as stored.
    match (&fp["counts"], &view.extended.ridge_counts) {
        (Value::Null, None) => {}
        (c, Some(rc)) if !c.is_null() => {
            let method = match c["type"].as_str().unwrap() {
                "QUADRANTS" => 1,
                "OCTANTS" => 2,
                _ => 0,
            };
            assert_eq!(rc.method, method, "{ctx}: ridge-count method");
            let edges = c["edges"].as_array().unwrap();
            assert_eq!(rc.counts.len(), edges.len(), "{ctx}: ridge-count edges");
            for (e, r) in edges.iter().zip(&rc.counts) {
                assert_eq!(i64::from(r.a), int(e, "from"), "{ctx}: edge from");
                assert_eq!(i64::from(r.b), int(e, "to"), "{ctx}: edge to");
                assert_eq!(i64::from(r.count), int(e, "count"), "{ctx}: edge count");
            }
        }
        (c, r) => panic!("{ctx}: ridge counts differ: oracle {c}, decoded {r:?}"),
    }
    assert!(
        fp["coredelta"].is_null(),
        "{ctx}: oracle has core/delta data"
    );
    assert!(view.extended.cores.is_empty() && view.extended.deltas.is_empty());
    let exts = fp["extensions"].as_array().unwrap();
    assert_eq!(
        view.extended.other.len(),
        exts.len(),
        "{ctx}: extension count"
    );
    for (e, a) in exts.iter().zip(&view.extended.other) {
        assert_eq!(
            i64::from(a.type_id),
            int(e, "type"),
            "{ctx}: extension type"
        );
        assert_eq!(
            a.data,
            base64(e["data"].as_str().unwrap()),
            "{ctx}: extension data"
        );
    }
}

fn load(dir: &Path, stem: &str) -> (FingerTemplate, Format, Value) {
    let bytes = std::fs::read(dir.join(format!("{stem}.dat"))).unwrap();
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{stem}.json"))).unwrap()).unwrap();
    let decoded = formats::read(&bytes, &ReadOptions::default()).unwrap();
    (decoded.template, decoded.format, json)
}

/// Record-level fields of the 2004/2005 samples (one geometry for all views).
fn check_legacy_record(t: &FingerTemplate, json: &Value, ctx: &str) {
    assert_eq!(
        t.record.certified,
        json["sensorCertified"].as_bool().unwrap(),
        "{ctx}"
    );
    assert_eq!(
        i64::from(t.record.capture_device_id),
        int(json, "sensorId"),
        "{ctx}"
    );
    for v in &t.views {
        assert_eq!(i64::from(v.width), int(json, "width"), "{ctx}: width");
        assert_eq!(i64::from(v.height), int(json, "height"), "{ctx}: height");
        assert_eq!(
            i64::from(v.resolution.x_ppcm),
            int(json, "resolutionX"),
            "{ctx}"
        );
        assert_eq!(
            i64::from(v.resolution.y_ppcm),
            int(json, "resolutionY"),
            "{ctx}"
        );
    }
}

fn check_views(t: &FingerTemplate, json: &Value, unit: f32, modern: bool, ctx: &str) {
    let fps = json["fingerprints"].as_array().unwrap();
    assert_eq!(t.views.len(), fps.len(), "{ctx}: view count");
    for (i, (fp, v)) in fps.iter().zip(&t.views).enumerate() {
        check_view(fp, v, unit, modern, &format!("{ctx} view {i}"));
        if !modern {
            assert_eq!(
                i64::from(v.finger_quality),
                int(fp, "quality"),
                "{ctx}: quality"
            );
        }
    }
}

#[test]
fn iso2005_sample_matches_oracle() {
    let Some(dir) = common::dataset("formats/iso2005") else {
        return;
    };
    let (t, format, json) = load(&dir, "fingerprintio_iso19794p2v2005-sample");
    assert_eq!(format, Format::Iso2005);
    check_legacy_record(&t, &json, "iso2005");
    check_views(&t, &json, 360.0 / 256.0, false, "iso2005");
}

#[test]
fn ansi2004_sample_matches_oracle() {
    let Some(dir) = common::dataset("formats/ansi2004") else {
        return;
    };
    let (t, format, json) = load(&dir, "fingerprintio_ansi378v2004-sample");
    assert_eq!(format, Format::Ansi2004);
    check_legacy_record(&t, &json, "ansi2004");
    assert_eq!(i64::from(t.record.cbeff_owner), int(&json, "vendorId"));
    assert_eq!(i64::from(t.record.cbeff_type), int(&json, "subformat"));
    check_views(&t, &json, 2.0, false, "ansi2004");
}

fn check_ansi2009(stem: &str, expected: Format) {
    let Some(dir) = common::dataset("formats/ansi2009") else {
        return;
    };
    let (t, format, json) = load(&dir, stem);
    assert_eq!(format, expected);
    assert_eq!(
        t.record.certified,
        json["sensorCertified"].as_bool().unwrap()
    );
    assert_eq!(
        i64::from(t.record.capture_device_id),
        int(&json, "sensorId")
    );
    assert_eq!(i64::from(t.record.cbeff_owner), int(&json, "vendorId"));
    assert_eq!(i64::from(t.record.cbeff_type), int(&json, "subformat"));
    check_views(&t, &json, 2.0, true, stem);
    for (fp, v) in json["fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&t.views)
    {
        assert_eq!(i64::from(v.finger_quality), int(fp, "quality"));
        let q = v.capture.quality_blocks[0];
        assert_eq!(i64::from(q.vendor), int(fp, "qualityVendorId"));
        assert_eq!(i64::from(q.algorithm), int(fp, "qualityAlgorithmId"));
        assert_eq!(i64::from(v.width), int(fp, "width"));
        assert_eq!(i64::from(v.height), int(fp, "height"));
        assert_eq!(i64::from(v.resolution.x_ppcm), int(fp, "resolutionX"));
        assert_eq!(i64::from(v.resolution.y_ppcm), int(fp, "resolutionY"));
    }
}

#[test]
fn ansi2009_sample_matches_oracle() {
    check_ansi2009("fingerprintio_ansi378v2009-sample", Format::Ansi2009);
}

#[test]
fn ansi2009am1_sample_matches_oracle() {
    check_ansi2009("fingerprintio_ansi378v2009am1-sample", Format::Ansi2009Am1);
}

#[test]
fn iso2011_sample_matches_oracle() {
    let Some(dir) = common::dataset("formats/iso2011") else {
        return;
    };
    let (t, format, json) = load(&dir, "fingerprintio_iso19794p2v2011-sample");
    assert_eq!(format, Format::Iso2011);
    check_views(&t, &json, 360.0 / 256.0, true, "iso2011");
    for (fp, v) in json["fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&t.views)
    {
        let c = &v.capture;
        let dt = c.date_time.expect("capture date");
        let odt = &fp["datetime"];
        assert_eq!(
            [
                i64::from(dt.year),
                i64::from(dt.month),
                i64::from(dt.day),
                i64::from(dt.hour),
                i64::from(dt.minute),
                i64::from(dt.second),
                i64::from(dt.millisecond)
            ],
            [
                "year",
                "month",
                "day",
                "hour",
                "minute",
                "second",
                "millisecond"
            ]
            .map(|k| int(odt, k))
        );
        let tech = match fp["sensorType"].as_str().unwrap() {
            "UNKNOWN" => 0,
            other => panic!("sensor type {other} not mapped"),
        };
        assert_eq!(c.device_technology, tech);
        assert_eq!(i64::from(c.device_vendor), int(fp, "sensorVendor"));
        assert_eq!(i64::from(c.device_type), int(fp, "sensorId"));
        let qs = fp["qrecords"].as_array().unwrap();
        assert_eq!(c.quality_blocks.len(), qs.len());
        for (q, b) in qs.iter().zip(&c.quality_blocks) {
            assert_eq!(i64::from(b.score), int(q, "quality"));
            assert_eq!(i64::from(b.vendor), int(q, "vendor"));
            assert_eq!(i64::from(b.algorithm), int(q, "algorithm"));
        }
        assert_eq!(i64::from(v.finger_quality), int(&qs[0], "quality"));
        assert_eq!(
            c.certifications.len(),
            fp["certificates"].as_array().unwrap().len()
        );
        assert_eq!(i64::from(v.width), int(fp, "width"));
        assert_eq!(i64::from(v.height), int(fp, "height"));
        assert_eq!(i64::from(v.resolution.x_ppcm), int(fp, "resolutionX"));
        assert_eq!(i64::from(v.resolution.y_ppcm), int(fp, "resolutionY"));
        let ending = match fp["endingType"].as_str().unwrap() {
            "VALLEY_SKELETON_BIFURCATION" => 0,
            "RIDGE_SKELETON_ENDPOINT" => 1,
            other => panic!("ending type {other}"),
        };
        assert_eq!(c.ridge_ending_type, ending);
        assert!(fp["zones"].is_null());
    }
}
