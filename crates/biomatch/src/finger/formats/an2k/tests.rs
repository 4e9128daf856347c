use super::*;

/// A hand-written transaction: Type-1, Type-2 and a Type-14 with raw 4x2 pixels.
fn sample() -> Vec<u8> {
    let mut t1 = b"1.001:XX\x1d1.002:0502\x1d1.003:1\x1f2\x1e2\x1f00\x1e14\x1f01\x1d1.004:CAR\x1d\
1.005:20260101\x1d1.007:DAI\x1d1.008:ORI\x1d1.009:TCN1\x1d1.011:19.69\x1d1.012:19.69\x1c"
        .to_vec();
    fix_len(&mut t1);
    let mut t2 = b"2.001:XX\x1d2.002:00\x1d2.018:DOE\x1fJOHN\x1c".to_vec();
    fix_len(&mut t2);
    let mut t14 = b"14.001:XX\x1d14.002:01\x1d14.006:4\x1d14.007:2\x1d14.008:1\x1d14.009:500\
\x1d14.010:500\x1d14.011:NONE\x1d14.012:8\x1d14.013:3\x1d14.999:"
        .to_vec();
    t14.extend_from_slice(&[0, 1, 2, 3, 250, 0x1c, 0x1d, 255]);
    t14.push(FS);
    fix_len(&mut t14);
    [t1, t2, t14].concat()
}

/// Replaces the `XX` placeholder length with the record's length (same digit count).
fn fix_len(rec: &mut Vec<u8>) {
    let at = rec.windows(2).position(|w| w == b"XX").unwrap();
    rec.splice(at..at + 2, b"0".iter().copied());
    let mut len = rec.len();
    loop {
        let s = len.to_string();
        let candidate = rec.len() - 1 + s.len();
        if candidate == len {
            break;
        }
        len = candidate;
    }
    rec.splice(at..at + 1, len.to_string().bytes());
}

#[test]
fn hand_written_transaction_reads_strictly_and_writes_back_identically() {
    let bytes = sample();
    let d = read(&bytes, Mode::Strict).unwrap();
    assert!(d.warnings.is_empty());
    let t = &d.transaction;
    assert_eq!(t.records.len(), 3);
    assert_eq!(t.version().as_deref(), Some("0502"));
    // Type-1's 1.002 is the version, not an IDC.
    assert_eq!(t.records[0].idc(), None);
    assert_eq!(t.records[2].idc(), Some(1));
    assert_eq!(t.type_of_transaction().as_deref(), Some("CAR"));
    let name = t.records[1].as_tagged().unwrap().field(18).unwrap();
    assert_eq!(name.subfields(), vec![vec![&b"DOE"[..], &b"JOHN"[..]]]);
    let images = t.images();
    assert_eq!(images.len(), 1);
    assert_eq!((images[0].width, images[0].height), (4, 2));
    assert_eq!(images[0].ppi, Some(500.0));
    assert_eq!(images[0].positions, vec![3]);
    // The image bytes hold FS and GS values; they are binary, not separators.
    assert_eq!(
        t.image_data(2).unwrap(),
        &[0, 1, 2, 3, 250, 0x1c, 0x1d, 255]
    );
    let raster = t.decode_image(2).unwrap();
    assert_eq!(raster.pixels, vec![0, 1, 2, 3, 250, 0x1c, 0x1d, 255]);
    assert_eq!(write(t).unwrap(), bytes);
}

#[test]
fn wrong_lengths_are_named_and_corrected_on_write() {
    let mut bytes = sample();
    // Type-2 LEN one too big: the Type-2 record swallows the first byte of Type-14.
    let t1_len = parse_int(&bytes[6..9]).unwrap() as usize;
    let t2 = &bytes[t1_len..];
    let len2 = parse_int(&t2[6..8]).unwrap();
    let replaced = format!("{}", len2 + 1);
    bytes.splice(t1_len + 6..t1_len + 8, replaced.bytes());
    let err = read(&bytes, Mode::Strict).unwrap_err();
    assert!(matches!(err, An2kError::NonConforming(_)), "{err}");
    assert!(err.to_string().contains("LEN says"), "{err}");
    // Leniently the FS that ends Type-2 wins, and the writer corrects the length.
    let d = read(&bytes, Mode::Lenient).unwrap();
    assert_eq!(d.warnings.len(), 1);
    assert_eq!(d.transaction.records.len(), 3);
    assert_eq!(write(&d.transaction).unwrap(), sample());
}

#[test]
fn a_four_gigabyte_length_is_a_truncation_error_before_any_allocation() {
    let mut bytes = sample();
    let t1_len = parse_int(&bytes[6..9]).unwrap() as usize;
    let t2_len = parse_int(&bytes[t1_len + 6..t1_len + 8]).unwrap() as usize;
    let at = t1_len + t2_len + 7;
    let digits = bytes[at..].iter().position(|&b| b == GS).unwrap();
    bytes.splice(at..at + digits, b"4294967296".iter().copied());
    match read(&bytes, Mode::Lenient).unwrap_err() {
        An2kError::Truncated {
            record,
            record_type,
            field,
            needed,
            ..
        } => {
            assert_eq!((record, record_type, field.as_str()), (2, 14, "LEN"));
            assert_eq!(needed, 4_294_967_296);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn every_truncation_is_an_error_or_a_named_deviation_never_a_panic() {
    let bytes = sample();
    for n in 0..bytes.len() {
        for mode in [Mode::Strict, Mode::Lenient] {
            if let Ok(d) = read(&bytes[..n], mode) {
                // Only a cut exactly after a record can read, and then 1.003 disagrees.
                assert_eq!(mode, Mode::Lenient, "strict read of {n} bytes succeeded");
                assert!(!d.warnings.is_empty());
            }
        }
    }
}

#[test]
fn content_listing_disagreements_are_deviations() {
    let bytes = sample();
    // Say 3 records follow instead of 2.
    let text = String::from_utf8_lossy(&bytes).to_string();
    let at = text.find("1.003:1\u{1f}2").unwrap() + 8;
    let mut bad = bytes.clone();
    bad[at] = b'3';
    let err = read(&bad, Mode::Strict).unwrap_err();
    assert!(err.to_string().contains("says 3 records"), "{err}");
    let d = read(&bad, Mode::Lenient).unwrap();
    assert_eq!(d.warnings.len(), 1);
    // A listed IDC that differs from the record's own IDC.
    let at = text.find("\u{1e}14\u{1f}01").unwrap() + 5;
    let mut bad = bytes.clone();
    bad[at] = b'7';
    let err = read(&bad, Mode::Strict).unwrap_err();
    assert!(err.to_string().contains("IDC 7"), "{err}");
}

#[test]
fn unknown_record_types_are_kept_and_written_back() {
    let mut bytes = sample();
    let mut t99 = b"99.001:XX\x1d99.002:05\x1d99.100:vendor\x1eblob\x1c".to_vec();
    fix_len(&mut t99);
    // Add it to 1.003 (count 2 -> 3) and append; fix the Type-1 length.
    let text = String::from_utf8_lossy(&bytes).to_string();
    let t1_len: usize = parse_int(&bytes[6..9]).unwrap() as usize;
    let cnt_end = text.find("\u{1e}14\u{1f}01").unwrap() + 6;
    let mut t1 = bytes[..t1_len].to_vec();
    t1.splice(cnt_end..cnt_end, b"\x1e99\x1f05".iter().copied());
    let at = text.find("1.003:1\u{1f}2").unwrap() + 8;
    t1[at] = b'3';
    let len = t1.len().to_string();
    t1.splice(6..9, len.bytes());
    bytes.splice(..t1_len, t1);
    bytes.extend_from_slice(&t99);
    let d = read(&bytes, Mode::Strict).unwrap();
    assert_eq!(d.transaction.records.len(), 4);
    assert_eq!(d.transaction.records[3].record_type(), 99);
    assert_eq!(write(&d.transaction).unwrap(), bytes);
}

#[test]
fn binary_type4_records_round_trip() {
    let mut b = Builder::new("TEST").build();
    b.records.push(Record::BinaryImage(BinaryImageRecord {
        record_type: 4,
        idc: 1,
        impression: 0,
        positions: [2, 255, 255, 255, 255, 255],
        scanning_resolution: 0,
        width: 3,
        height: 2,
        compression: 0,
        data: vec![10, 20, 30, 40, 50, 60],
    }));
    b.update_content_listing();
    let bytes = write(&b).unwrap();
    // Binary length: 18 + 6 bytes, big-endian, right after the Type-1 record.
    let t1_len = parse_int(&bytes[6..bytes.iter().position(|&c| c == GS).unwrap()]).unwrap();
    assert_eq!(&bytes[t1_len as usize..t1_len as usize + 4], &[0, 0, 0, 24]);
    let back = read(&bytes, Mode::Strict).unwrap().transaction;
    assert_eq!(back.records[1], b.records[1]);
    assert_eq!(write(&back).unwrap(), bytes);
    let img = &back.images()[0];
    assert_eq!((img.record_type, img.width, img.height), (4, 3, 2));
    assert_eq!(img.compression, Compression::None);
    assert_eq!(
        back.decode_image(1).unwrap().pixels,
        vec![10, 20, 30, 40, 50, 60]
    );
}

#[test]
fn jpeg2000_is_kept_but_not_decoded() {
    let data = b"\x00\x00\x00\x0cjP  \r\n\x87\n rest";
    let (b, _) = Builder::new("T").finger_image(&FingerImage {
        position: 1,
        impression: 0,
        width: 10,
        height: 10,
        ppi: 500.0,
        compression: Compression::Jpeg2000,
        data,
    });
    let t = b.build();
    let back = read(&write(&t).unwrap(), Mode::Strict).unwrap().transaction;
    assert_eq!(back.image_data(1).unwrap(), data);
    match back.decode_image(1).unwrap_err() {
        An2kError::UnsupportedCompression { compression, .. } => assert_eq!(compression, "JP2"),
        other => panic!("{other}"),
    }
}

#[test]
fn not_a_transaction_is_refused() {
    assert!(matches!(
        read(b"FMR\0 20\0", Mode::Lenient),
        Err(An2kError::NotTransaction(_))
    ));
    assert!(matches!(
        read(b"", Mode::Lenient),
        Err(An2kError::NotTransaction(_))
    ));
}
