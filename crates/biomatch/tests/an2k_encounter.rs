//! An encounter round trip: FVC images -> extractor -> transactions with Type-14 WSQ and
//! Type-9 minutiae -> bytes -> read back -> enrol one subject per transaction (fingers from
//! Type-9) -> a second impression of each finger, itself sent as a transaction whose minutiae
//! are extracted from the decoded Type-14 WSQ image, finds its subject first.

mod common;

use biomatch::finger::FingerPosition;
use biomatch::finger::extract::{ExtractParams, extract};
use biomatch::finger::formats::an2k::{self, Compression, FingerImage};
use biomatch::finger::formats::{Mode, ReadOptions};
use biomatch::finger::image::decode_bytes;
use biomatch::finger::image::wsq::{self, WsqEncodeOptions};
use biomatch::gallery::{Gallery, GalleryConfig, Probe, SearchOptions, Subject, SubjectId};

/// A transaction for one encounter: the image as Type-14 WSQ at 0.75 bit/pixel and its
/// minutiae as Type-9, with the subject's name in 2.018.
fn encounter(path: &std::path::Path, name: &str) -> Vec<u8> {
    let raster = decode_bytes(&std::fs::read(path).unwrap(), Some(500.0)).unwrap();
    let mut view = extract(&raster, &ExtractParams::default()).unwrap();
    view.finger_position = FingerPosition(2);
    let data = wsq::encode(&raster, &WsqEncodeOptions::default()).unwrap();
    let (b, idc) = an2k::Builder::new("CAR")
        .text_record(&[(18, name.to_string())])
        .finger_image(&FingerImage {
            position: 2,
            impression: 0,
            width: raster.width as u32,
            height: raster.height as u32,
            ppi: raster.ppi,
            compression: Compression::Wsq,
            data: &data,
        });
    b.minutiae(&view, idc).build().to_bytes().unwrap()
}

#[test]
fn an_encounter_sent_as_a_transaction_is_identified() {
    let Some(db) = common::dataset("fvc2002/DB1_B") else {
        return;
    };
    let gallery = Gallery::new(GalleryConfig::new("m", 8));
    let fingers = ["101", "102", "103", "104", "105", "106"];
    for f in fingers {
        let bytes = encounter(&db.join(format!("{f}_1.tif")), &format!("SUBJECT,{f}"));
        let t = an2k::read(&bytes, Mode::Strict).unwrap().transaction;
        // The subject's identifier travels in the Type-2 record.
        let name = t.records[1].as_tagged().unwrap().field(18).unwrap().text();
        let m = t
            .finger_template(&ReadOptions {
                mode: Mode::Strict,
                ..ReadOptions::default()
            })
            .unwrap();
        assert_eq!(m.template.views.len(), 1);
        let subject =
            Subject::new(SubjectId::new(&name).unwrap()).with_finger(m.template.views[0].clone());
        gallery.enrol(subject).unwrap();
    }
    let mut first = 0;
    for f in fingers {
        // The probe: a second impression, minutiae extracted from the transaction's WSQ image.
        let bytes = encounter(&db.join(format!("{f}_2.tif")), "UNKNOWN");
        let t = an2k::read(&bytes, Mode::Strict).unwrap().transaction;
        let img = t.images()[0].clone();
        assert_eq!(img.compression, Compression::Wsq);
        let raster = t.decode_image(img.record).unwrap();
        let view = extract(&raster, &ExtractParams::default()).unwrap();
        let hits = gallery
            .search(
                &Probe {
                    face: None,
                    fingers: vec![view],
                },
                &SearchOptions::default(),
            )
            .unwrap();
        if hits.first().map(|h| h.id.to_string()) == Some(format!("SUBJECT,{f}")) {
            first += 1;
        }
    }
    eprintln!("{first} of 6 encounters found their subject first");
    // Measured (2026-12-05): all six encounters find their subject first.
    assert_eq!(
        first, 6,
        "only {first} of 6 encounters found their subject first"
    );
}
