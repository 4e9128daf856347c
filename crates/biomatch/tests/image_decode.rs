//! Decoding common formats and raw buffers, resolution handling and limits.

mod common;

use std::io::Cursor;

use biomatch::finger::image::limits::{DEFAULT_PPI, MAX_DIMENSION, MAX_PIXELS};
use biomatch::finger::image::{
    ImageError, PpiSource, Raster, SourceFormat, decode_bytes, decode_bytes_detailed, encode_png,
    resample_to_500_ppi,
};

/// A deterministic test pattern with every grey level present.
fn pattern(w: usize, h: usize) -> Vec<u8> {
    (0..w * h)
        .map(|i| ((i % w) * 7 + (i / w) * 13) as u8)
        .collect()
}

fn encode_with_image_crate(
    pixels: &[u8],
    w: usize,
    h: usize,
    format: ::image::ImageFormat,
) -> Vec<u8> {
    let img = ::image::GrayImage::from_raw(w as u32, h as u32, pixels.to_vec()).unwrap();
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[test]
fn lossless_formats_decode_exactly() {
    let (w, h) = (61, 47);
    let pixels = pattern(w, h);
    for (format, expect) in [
        (::image::ImageFormat::Png, SourceFormat::Png),
        (::image::ImageFormat::Tiff, SourceFormat::Tiff),
        (::image::ImageFormat::Bmp, SourceFormat::Bmp),
        (::image::ImageFormat::Pnm, SourceFormat::Pnm),
    ] {
        let data = encode_with_image_crate(&pixels, w, h, format);
        let d = decode_bytes_detailed(&data, None).unwrap();
        assert_eq!(d.format, expect);
        assert_eq!((d.raster.width, d.raster.height), (w, h), "{format:?}");
        assert_eq!(d.raster.pixels, pixels, "{format:?}");
    }
}

#[test]
fn jpeg_decodes_close_to_the_original() {
    let (w, h) = (64, 48);
    // A smooth gradient survives JPEG with small errors.
    let pixels: Vec<u8> = (0..w * h).map(|i| (i % w * 3 + i / w) as u8).collect();
    let data = encode_with_image_crate(&pixels, w, h, ::image::ImageFormat::Jpeg);
    let d = decode_bytes_detailed(&data, None).unwrap();
    assert_eq!(d.format, SourceFormat::Jpeg);
    let mean_error: f64 = d
        .raster
        .pixels
        .iter()
        .zip(&pixels)
        .map(|(a, b)| a.abs_diff(*b) as f64)
        .sum::<f64>()
        / pixels.len() as f64;
    assert!(mean_error < 3.0, "mean JPEG error {mean_error}");
}

#[test]
fn png_round_trip_keeps_pixels_and_resolution() {
    let r = Raster::new(33, 21, 1000.0, pattern(33, 21)).unwrap();
    let png = encode_png(&r).unwrap();
    let d = decode_bytes_detailed(&png, None).unwrap();
    assert_eq!(d.ppi_source, PpiSource::File);
    assert_eq!(d.raster, r);
}

#[test]
fn resolution_precedence_and_range() {
    let data = encode_with_image_crate(&pattern(20, 20), 20, 20, ::image::ImageFormat::Pnm);
    let d = decode_bytes_detailed(&data, None).unwrap();
    assert_eq!(
        (d.raster.ppi, d.ppi_source),
        (DEFAULT_PPI, PpiSource::Default)
    );
    let d = decode_bytes_detailed(&data, Some(569.0)).unwrap();
    assert_eq!((d.raster.ppi, d.ppi_source), (569.0, PpiSource::Caller));
    for bad in [0.0, -500.0, 72.0, 1501.0, f32::NAN, f32::INFINITY] {
        assert!(
            matches!(
                decode_bytes(&data, Some(bad)),
                Err(ImageError::BadResolution { .. })
            ),
            "{bad} ppi accepted"
        );
    }
    // A file stating an implausible 72 dpi falls back to the default.
    let r = Raster {
        width: 8,
        height: 8,
        ppi: 72.0,
        pixels: vec![0; 64],
    };
    let png = encode_png(&r).unwrap();
    let d = decode_bytes_detailed(&png, None).unwrap();
    assert_eq!(
        (d.raster.ppi, d.ppi_source),
        (DEFAULT_PPI, PpiSource::Default)
    );
}

#[test]
fn raw_buffers_honour_the_stride() {
    let (w, h, stride) = (5, 3, 8);
    let mut buf = vec![0xAAu8; stride * (h - 1) + w];
    for y in 0..h {
        for x in 0..w {
            buf[y * stride + x] = (y * 10 + x) as u8;
        }
    }
    let r = Raster::from_gray_buffer(&buf, w, h, stride, 500.0).unwrap();
    assert_eq!((r.width, r.height), (w, h));
    for y in 0..h {
        for x in 0..w {
            assert_eq!(r.get(x, y), (y * 10 + x) as u8);
        }
    }
    // Tightly packed is stride == width.
    let packed = Raster::from_gray_buffer(&r.pixels, w, h, w, 500.0).unwrap();
    assert_eq!(packed, r);
}

#[test]
fn raw_buffer_errors_are_typed() {
    let buf = vec![0u8; 100];
    assert!(matches!(
        Raster::from_gray_buffer(&buf, 10, 5, 9, 500.0),
        Err(ImageError::BadStride {
            stride: 9,
            width: 10
        })
    ));
    assert!(matches!(
        Raster::from_gray_buffer(&buf, 10, 11, 10, 500.0),
        Err(ImageError::BufferSize {
            needed: 110,
            got: 100
        })
    ));
    assert!(matches!(
        Raster::from_gray_buffer(&buf, 0, 5, 10, 500.0),
        Err(ImageError::ZeroSized { .. })
    ));
    assert!(matches!(
        Raster::from_gray_buffer(&buf, 10, 5, usize::MAX, 500.0),
        Err(ImageError::BufferSize { .. })
    ));
    // Limits are checked before the buffer length: no allocation for a forged size.
    assert!(matches!(
        Raster::from_gray_buffer(&buf, MAX_DIMENSION + 1, 1, MAX_DIMENSION + 1, 500.0),
        Err(ImageError::TooLarge { .. })
    ));
    let side = MAX_DIMENSION;
    assert!(side * side > MAX_PIXELS);
    assert!(matches!(
        Raster::from_gray_buffer(&buf, side, side, side, 500.0),
        Err(ImageError::TooLarge { .. })
    ));
    assert!(matches!(
        Raster::from_gray_buffer(&buf, 10, 5, 10, 20000.0),
        Err(ImageError::BadResolution { .. })
    ));
    assert!(matches!(
        Raster::new(3, 3, 500.0, vec![0; 8]),
        Err(ImageError::BufferSize { needed: 9, got: 8 })
    ));
}

/// PNG signature and IHDR chunk for a `w` x `h` 8-bit grayscale image, with a valid CRC.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    // The header is read up to the first IDAT; give it a (useless) one.
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01".to_vec();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for chunk in [ihdr, idat, b"IEND".to_vec()] {
        png.extend((chunk.len() as u32 - 4).to_be_bytes());
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

#[test]
fn forged_png_sizes_are_rejected_before_decoding() {
    for (w, h) in [(100_000, 10), (10, 100_000), (8000, 8000)] {
        let r = decode_bytes(&png_header(w, h), None);
        assert!(
            matches!(r, Err(ImageError::TooLarge { .. })),
            "{w}x{h}: {r:?}"
        );
    }
    assert!(matches!(
        decode_bytes(&png_header(0, 10), None),
        Err(ImageError::ZeroSized { .. }) | Err(ImageError::Decode(_))
    ));
}

#[test]
fn garbage_is_a_decode_error() {
    assert!(matches!(
        decode_bytes(b"hello world", None),
        Err(ImageError::Decode(_))
    ));
    assert!(decode_bytes(&[], None).is_err());
}

/// Pixels of an uncompressed 8-bit grayscale little-endian TIFF, read from its strips
/// directly (independently of the `image` crate).
fn tiff_strips(data: &[u8]) -> (usize, usize, Vec<u8>) {
    let u16_at = |at: usize| u16::from_le_bytes([data[at], data[at + 1]]) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
    assert_eq!(&data[..4], b"II*\0");
    let ifd = u32_at(4);
    let (mut w, mut h, mut offsets, mut counts) = (0, 0, Vec::new(), Vec::new());
    for i in 0..u16_at(ifd) {
        let e = ifd + 2 + 12 * i;
        let (tag, kind, n) = (u16_at(e), u16_at(e + 2), u32_at(e + 4));
        let value = |k: usize| -> usize {
            let inline = (kind == 3 && n <= 2) || (kind == 4 && n == 1);
            let base = if inline { e + 8 } else { u32_at(e + 8) };
            if kind == 3 {
                u16_at(base + 2 * k)
            } else {
                u32_at(base + 4 * k)
            }
        };
        match tag {
            256 => w = value(0),
            257 => h = value(0),
            259 => assert_eq!(value(0), 1, "compressed TIFF"),
            273 => offsets = (0..n).map(value).collect(),
            279 => counts = (0..n).map(value).collect(),
            _ => {}
        }
    }
    let mut pixels = Vec::new();
    for (o, c) in offsets.iter().zip(&counts) {
        pixels.extend_from_slice(&data[*o..*o + *c]);
    }
    pixels.truncate(w * h);
    (w, h, pixels)
}

#[test]
fn fvc_tiffs_decode_to_their_strips() {
    let Some(root) = common::dataset("fvc2002") else {
        return;
    };
    let mut decoded = 0;
    for db in ["DB1_B", "DB2_B", "DB3_B", "DB4_B"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(db))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "tif"))
            .collect();
        files.sort();
        assert_eq!(files.len(), 80, "10 fingers x 8 TIFFs in {db}");
        for path in files.iter().step_by(9) {
            decoded += 1;
            let data = std::fs::read(path).unwrap();
            let d = decode_bytes_detailed(&data, None).unwrap();
            assert_eq!(d.format, SourceFormat::Tiff);
            // FVC TIFFs carry no resolution tags.
            assert_eq!(d.ppi_source, PpiSource::Default);
            let (w, h, pixels) = tiff_strips(&data);
            assert_eq!(
                (d.raster.width, d.raster.height),
                (w, h),
                "{}",
                path.display()
            );
            assert_eq!(d.raster.pixels, pixels, "{}", path.display());
            // And resampling to 500 ppi from a stated 569 ppi (DB2's scanner) shrinks it.
            let r = resample_to_500_ppi(&Raster {
                ppi: 569.0,
                ..d.raster.clone()
            })
            .unwrap();
            assert_eq!(r.raster.width, (w as f64 * 500.0 / 569.0).round() as usize);
        }
    }
    assert_eq!(decoded, 4 * 9);
}
