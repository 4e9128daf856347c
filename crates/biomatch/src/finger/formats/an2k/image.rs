//! Typed views of the image records: Type-3..6 (binary), Type-10 (face and other photos),
//! Type-13/14/15 (variable-resolution latent, fingerprint and palm images).

use std::fmt;

use super::{An2kError, Record, TaggedRecord, Transaction, parse_int};
use crate::finger::image::{self, ImageError, Raster};

/// How an image record's data is compressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Uncompressed pixels, row-major.
    None,
    /// FBI WSQ.
    Wsq,
    /// JPEG baseline (ISO/IEC 10918).
    JpegBaseline,
    /// Lossless JPEG.
    JpegLossless,
    /// JPEG 2000 (lossy).
    Jpeg2000,
    /// JPEG 2000 lossless.
    Jpeg2000Lossless,
    /// PNG.
    Png,
    /// A code or name this library does not know, as written.
    Other(String),
}

impl Compression {
    /// From a Type-3..6 GCA byte.
    pub fn from_binary_code(code: u8) -> Compression {
        match code {
            0 => Compression::None,
            1 => Compression::Wsq,
            2 => Compression::JpegBaseline,
            3 => Compression::JpegLossless,
            4 => Compression::Jpeg2000,
            5 => Compression::Jpeg2000Lossless,
            6 => Compression::Png,
            c => Compression::Other(c.to_string()),
        }
    }

    /// The Type-3..6 GCA byte, when there is one.
    pub fn binary_code(&self) -> Option<u8> {
        Some(match self {
            Compression::None => 0,
            Compression::Wsq => 1,
            Compression::JpegBaseline => 2,
            Compression::JpegLossless => 3,
            Compression::Jpeg2000 => 4,
            Compression::Jpeg2000Lossless => 5,
            Compression::Png => 6,
            Compression::Other(_) => return None,
        })
    }

    /// From a tagged record's CGA value (`NONE`, `WSQ20`, `JPEGB`, `JPEGL`, `JP2`, `JP2L`,
    /// `PNG`; NBIS writes `WSQ` too).
    pub fn from_name(name: &str) -> Compression {
        match name.trim().to_ascii_uppercase().as_str() {
            "NONE" | "0" => Compression::None,
            "WSQ20" | "WSQ" | "1" => Compression::Wsq,
            "JPEGB" | "JPEG" | "2" => Compression::JpegBaseline,
            "JPEGL" | "3" => Compression::JpegLossless,
            "JP2" | "4" => Compression::Jpeg2000,
            "JP2L" | "5" => Compression::Jpeg2000Lossless,
            "PNG" | "6" => Compression::Png,
            other => Compression::Other(other.to_string()),
        }
    }

    /// The tagged-record CGA name.
    pub fn name(&self) -> &str {
        match self {
            Compression::None => "NONE",
            Compression::Wsq => "WSQ20",
            Compression::JpegBaseline => "JPEGB",
            Compression::JpegLossless => "JPEGL",
            Compression::Jpeg2000 => "JP2",
            Compression::Jpeg2000Lossless => "JP2L",
            Compression::Png => "PNG",
            Compression::Other(s) => s,
        }
    }

    /// A file extension for the data as stored (`raw` for uncompressed pixels).
    pub fn extension(&self) -> &'static str {
        match self {
            Compression::None => "raw",
            Compression::Wsq => "wsq",
            Compression::JpegBaseline | Compression::JpegLossless => "jpg",
            Compression::Jpeg2000 | Compression::Jpeg2000Lossless => "jp2",
            Compression::Png => "png",
            Compression::Other(_) => "bin",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an image record says about its image.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageInfo {
    /// Index of the record in the transaction.
    pub record: usize,
    /// Its type (3..=6, 10, 13, 14, 15).
    pub record_type: u32,
    /// Its IDC.
    pub idc: i64,
    /// Width in pixels (0 when the record does not say).
    pub width: u32,
    /// Height in pixels (0 when the record does not say).
    pub height: u32,
    /// Resolution in pixels per inch, when the record (or Type-1) states one.
    pub ppi: Option<f32>,
    /// Compression of the data.
    pub compression: Compression,
    /// Bits per pixel (8 unless the record says otherwise).
    pub bits_per_pixel: u32,
    /// Friction-ridge positions (finger or palm codes), empty for faces.
    pub positions: Vec<u32>,
    /// Bytes of image data.
    pub data_len: usize,
}

/// The record types that hold images.
fn is_image_type(t: u32) -> bool {
    matches!(t, 3..=6 | 10 | 13..=15 | 16 | 17)
}

impl Transaction {
    /// The images of the transaction, in record order.
    pub fn images(&self) -> Vec<ImageInfo> {
        let ppmm = |n: u32| {
            self.type1()
                .and_then(|t| t.field(n))
                .and_then(|f| f.text().parse::<f32>().ok())
                .filter(|v| *v > 0.0 && v.is_finite())
                .map(|v| v * 25.4)
        };
        let mut out = Vec::new();
        for (i, r) in self.records.iter().enumerate() {
            match r {
                Record::BinaryImage(b) => out.push(ImageInfo {
                    record: i,
                    record_type: u32::from(b.record_type),
                    idc: i64::from(b.idc),
                    width: u32::from(b.width),
                    height: u32::from(b.height),
                    ppi: ppmm(if b.scanning_resolution == 0 { 11 } else { 12 }),
                    compression: Compression::from_binary_code(b.compression),
                    bits_per_pixel: if b.record_type == 3 || b.record_type == 5 {
                        1
                    } else {
                        8
                    },
                    positions: b
                        .positions
                        .iter()
                        .filter(|&&p| p != 255)
                        .map(|&p| u32::from(p))
                        .collect(),
                    data_len: b.data.len(),
                }),
                Record::Tagged(t) if is_image_type(t.record_type) && t.data.is_some() => {
                    out.push(tagged_info(i, t))
                }
                _ => {}
            }
        }
        out
    }

    /// The image data of record `record` as stored (compressed or raw).
    pub fn image_data(&self, record: usize) -> Result<&[u8], An2kError> {
        match self.records.get(record) {
            Some(Record::BinaryImage(b)) => Ok(&b.data),
            Some(Record::Tagged(t)) if is_image_type(t.record_type) => t
                .data
                .as_ref()
                .map(|(_, d)| d.as_slice())
                .ok_or(An2kError::NoImage(record)),
            _ => Err(An2kError::NoImage(record)),
        }
    }

    /// Decodes the image of record `record` to 8-bit grey (colour faces are converted).
    /// Uncompressed 8-bit, WSQ, PNG and JPEG decode; JPEG 2000 and others are
    /// [`An2kError::UnsupportedCompression`] (the bytes stay available through
    /// [`Transaction::image_data`]).
    pub fn decode_image(&self, record: usize) -> Result<Raster, An2kError> {
        let info = self
            .images()
            .into_iter()
            .find(|i| i.record == record)
            .ok_or(An2kError::NoImage(record))?;
        let data = self.image_data(record)?;
        let ppi = info
            .ppi
            .filter(|&p| image::limits::ppi_in_range(p))
            .unwrap_or(image::limits::DEFAULT_PPI);
        let wrap = |source: ImageError| An2kError::Image {
            record,
            record_type: info.record_type,
            source,
        };
        let unsupported = || An2kError::UnsupportedCompression {
            record,
            record_type: info.record_type,
            compression: info.compression.name().to_string(),
        };
        match info.compression {
            Compression::None => {
                if info.bits_per_pixel != 8 {
                    return Err(An2kError::UnsupportedCompression {
                        record,
                        record_type: info.record_type,
                        compression: format!("uncompressed {}-bit", info.bits_per_pixel),
                    });
                }
                let (w, h) = (info.width as usize, info.height as usize);
                image::check_geometry(w, h).map_err(wrap)?;
                let needed = w * h;
                if data.len() != needed {
                    return Err(wrap(ImageError::BufferSize {
                        needed,
                        got: data.len(),
                    }));
                }
                Raster::new(w, h, ppi, data.to_vec()).map_err(wrap)
            }
            Compression::Wsq | Compression::JpegBaseline | Compression::Png => {
                let raster = image::decode_bytes(data, Some(ppi)).map_err(wrap)?;
                Ok(raster)
            }
            _ => Err(unsupported()),
        }
    }
}

fn tagged_info(record: usize, t: &TaggedRecord) -> ImageInfo {
    let rt = t.record_type;
    let get = |n: u32| t.number(n);
    let slc = get(8).unwrap_or(0);
    let hps = get(9).unwrap_or(0) as f32;
    let ppi = match slc {
        1 if hps > 0.0 => Some(hps),
        2 if hps > 0.0 => Some(hps * 2.54),
        _ => None,
    };
    let compression = t
        .field(11)
        .map(|f| Compression::from_name(&f.text()))
        .unwrap_or(Compression::None);
    let bits_per_pixel = if rt == 10 {
        // Type-10 has no BPX; colour space in 10.012.
        8
    } else {
        get(12).unwrap_or(8).clamp(0, 64) as u32
    };
    let positions = if matches!(rt, 13..=15) {
        t.field(13)
            .map(|f| {
                f.value
                    .split(|&b| b == super::RS)
                    .filter_map(|s| parse_int(s.split(|&b| b == super::US).next().unwrap_or(&[])))
                    .filter_map(|v| u32::try_from(v).ok())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    ImageInfo {
        record,
        record_type: rt,
        idc: get(2).unwrap_or(-1),
        width: get(6).and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
        height: get(7).and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
        ppi,
        compression,
        bits_per_pixel,
        positions,
        data_len: t.data.as_ref().map(|(_, d)| d.len()).unwrap_or(0),
    }
}
