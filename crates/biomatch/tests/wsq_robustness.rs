//! Hostile WSQ input: truncations, random byte mutations and forged headers must give typed
//! errors (or, for mutations that keep the stream valid, a well-formed raster), never a panic,
//! a hang or a huge allocation.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use biomatch::finger::image::limits::MAX_WSQ_PIXELS_PER_INPUT_BYTE;
use biomatch::finger::image::wsq::{WsqError, decode, is_wsq};
use biomatch::finger::image::{ImageError, decode_bytes};
use proptest::prelude::*;

/// The valid WSQ files of the dataset, read once.
fn samples() -> &'static [Vec<u8>] {
    static SAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        // The fixture always; the dataset's files when present.
        let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/wsq")];
        let dataset = common::dataset("formats/wsq");
        let expected = if dataset.is_some() { 4 } else { 1 };
        dirs.extend(dataset);
        let mut paths: Vec<PathBuf> = dirs
            .iter()
            .flat_map(|d| std::fs::read_dir(d).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "wsq"))
            .collect();
        paths.sort();
        assert_eq!(
            paths.len(),
            expected,
            "WSQ samples (fixture + dataset): {paths:?}"
        );
        paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
    })
}

/// Position just after the last EOI marker (FF A1): every shorter prefix is truncated.
fn end_of_image(data: &[u8]) -> usize {
    data.windows(2)
        .rposition(|w| w == [0xFF, 0xA1])
        .map(|i| i + 2)
        .expect("valid files end with EOI")
}

/// Decoding `data` must not panic; when it succeeds the raster must be consistent.
fn check_no_panic(data: &[u8]) -> Result<(), ImageError> {
    match decode(data) {
        Ok(img) => {
            assert_eq!(img.pixels.len(), img.width * img.height);
            Ok(())
        }
        Err(e) => {
            // Every error has a message a person can act on.
            assert!(!e.to_string().is_empty());
            Err(e)
        }
    }
}

#[test]
fn valid_samples_decode() {
    assert!(!samples().is_empty(), "the fixture is missing");
    for s in samples() {
        assert!(is_wsq(s));
        let img = decode(s).expect("valid sample decodes");
        // Real files are far from the expansion cap (the cap leaves a wide margin).
        assert!(img.width * img.height < s.len() * MAX_WSQ_PIXELS_PER_INPUT_BYTE / 8);
    }
}

#[test]
fn every_header_truncation_is_an_error() {
    for s in samples() {
        // The headers and tables take the first kilobyte or so; cut at every byte there.
        for len in 0..s.len().min(1200) {
            let r = check_no_panic(&s[..len]);
            assert!(r.is_err(), "prefix of {len} bytes decoded");
        }
    }
}

#[test]
fn forged_sizes_are_rejected_before_allocation() {
    for s in samples() {
        let sof = s
            .windows(2)
            .position(|w| w == [0xFF, 0xA2])
            .expect("frame header");
        // Frame header: marker, length(2), black, white, height(2), width(2).
        for (w, h) in [(65535u16, 65535u16), (0, 100), (100, 0), (8192, 8192)] {
            let mut forged = s.clone();
            forged[sof + 6..sof + 8].copy_from_slice(&h.to_be_bytes());
            forged[sof + 8..sof + 10].copy_from_slice(&w.to_be_bytes());
            match decode_bytes(&forged, None) {
                Err(ImageError::TooLarge { .. }) | Err(ImageError::ZeroSized { .. }) => {}
                other => panic!("{w} x {h}: expected a size error, got {other:?}"),
            }
        }
        // A size within the image limits but far beyond what the data can encode: refused
        // from the frame header by the pixels-per-byte cap (zero-run codes could otherwise
        // expand a few kilobytes to 32 Mi coefficients), before any coefficient is decoded.
        let mut forged = s.clone();
        forged[sof + 6..sof + 8].copy_from_slice(&4096u16.to_be_bytes());
        forged[sof + 8..sof + 10].copy_from_slice(&8192u16.to_be_bytes());
        match decode(&forged) {
            Err(ImageError::Wsq(WsqError::ExpansionTooLarge {
                pixels,
                bytes,
                limit,
            })) => {
                assert_eq!((pixels, bytes), (4096 * 8192, s.len()));
                assert_eq!(limit, MAX_WSQ_PIXELS_PER_INPUT_BYTE);
            }
            other => panic!("expected ExpansionTooLarge, got {other:?}"),
        }
        // Just under the cap (a width the data does not hold): the coefficient data runs out.
        let side = ((s.len() * MAX_WSQ_PIXELS_PER_INPUT_BYTE) as f64).sqrt() as u16 - 1;
        let mut forged = s.clone();
        forged[sof + 6..sof + 8].copy_from_slice(&side.to_be_bytes());
        forged[sof + 8..sof + 10].copy_from_slice(&side.to_be_bytes());
        assert!(matches!(
            decode(&forged),
            Err(ImageError::Wsq(
                WsqError::TooFewCoefficients { .. } | WsqError::Truncated(_)
            ))
        ));
    }
}

#[test]
fn not_wsq_is_reported() {
    assert!(matches!(
        decode(b"\x89PNG...."),
        Err(ImageError::Wsq(WsqError::NotWsq))
    ));
    assert!(matches!(
        decode(&[]),
        Err(ImageError::Wsq(WsqError::NotWsq))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn truncations_are_errors(pick in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let s = samples();
        if s.is_empty() {
            return Ok(());
        }
        let data = &s[pick.index(s.len())];
        let len = cut.index(end_of_image(data));
        prop_assert!(check_no_panic(&data[..len]).is_err(), "prefix of {} bytes decoded", len);
    }

    #[test]
    fn mutations_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let s = samples();
        if s.is_empty() {
            return Ok(());
        }
        let mut data = s[pick.index(s.len())].clone();
        for (at, byte) in edits {
            let i = at.index(data.len());
            data[i] = byte;
        }
        let _ = check_no_panic(&data);
    }

    #[test]
    fn header_mutations_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((0usize..1200, any::<u8>()), 1..4),
    ) {
        let s = samples();
        if s.is_empty() {
            return Ok(());
        }
        let mut data = s[pick.index(s.len())].clone();
        for (at, byte) in edits {
            let i = at % data.len();
            data[i] = byte;
        }
        let _ = check_no_panic(&data);
    }

    #[test]
    fn random_bytes_after_soi_are_errors(tail in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut data = vec![0xFF, 0xA0];
        data.extend(tail);
        prop_assert!(check_no_panic(&data).is_err());
    }
}
