//! A decoder and an encoder ([`encode()`]) for WSQ, the FBI's wavelet/scalar-quantisation codec for 8-bit grayscale
//! fingerprint images (FBI IAFIS-IC-0110, version 3).
//!
//! The pipeline reads like the format:
//! 1. `markers`: SOI, then tables (transform, quantisation, Huffman, comments) and the
//!    frame header with the image size and the output scaling;
//! 2. `huffman`: the entropy-coded blocks (up to one Huffman table per block) give the
//!    quantised coefficients of the 60 coded subbands, in subband order;
//! 3. `quant`: dequantisation into a floating-point coefficient plane;
//! 4. `wavelet`: the inverse transform over the fixed 64-subband decomposition tree;
//! 5. `pixel = round(value * r_scale + m_shift)`, clamped to 0..=255.
//!
//! The image size is checked against [`limits`](super::limits) before any pixel memory is
//! allocated, coefficients are stored only as they are decoded (never more than the header's
//! geometry allows), every length field is checked against the input, and running out of
//! input is an error.

mod encode;
mod huffman;
mod markers;
mod quant;
mod wavelet;

use thiserror::Error;

pub use encode::{WsqEncodeOptions, encode};

use super::{ImageError, check_geometry};
use huffman::{BitReader, HuffmanTable, decode_block};
use markers::{
    ByteReader, COM, DHT, DQT, DRT, DTT, EOI, FrameHeader, HUFFMAN_SLOTS, QuantTable, SOB, SOF,
    SOI, TransformTable,
};
use wavelet::{Synthesis, Tree};

/// What is wrong with WSQ data.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum WsqError {
    /// The data does not start with the SOI marker `FFA0`.
    #[error("not WSQ data: missing start-of-image marker FFA0")]
    NotWsq,
    /// The input ended inside the named part.
    #[error("data ends inside the {0}")]
    Truncated(&'static str),
    /// Two bytes that should be a marker are not one.
    #[error("expected a marker, found {0:04X}")]
    ExpectedMarker(u16),
    /// A marker appears where the format does not allow it.
    #[error("unexpected marker {found:04X} {context}")]
    UnexpectedMarker {
        /// The marker.
        found: u16,
        /// Where it was met.
        context: &'static str,
    },
    /// A header segment is malformed.
    #[error("malformed segment: {0}")]
    BadSegment(String),
    /// A Huffman table is malformed.
    #[error("malformed Huffman table: {0}")]
    BadHuffmanTable(String),
    /// The bits do not form a code of the block's Huffman table.
    #[error("invalid Huffman code in the coefficient data")]
    InvalidHuffmanCode,
    /// A Huffman code stands for a symbol the format does not define.
    #[error("undefined coefficient symbol {0}")]
    InvalidSymbol(u8),
    /// A table the decoder needs was never defined.
    #[error("the {0} is missing")]
    MissingTable(&'static str),
    /// The blocks hold more coefficients than the image's subbands.
    #[error("coefficient data overflows the {expected} coefficients of the coded subbands")]
    TooManyCoefficients {
        /// Coefficients the subbands hold.
        expected: usize,
    },
    /// The blocks hold fewer coefficients than the image's subbands.
    #[error("coefficient data ends after {got} of {expected} coefficients")]
    TooFewCoefficients {
        /// Coefficients the subbands hold.
        expected: usize,
        /// Coefficients decoded.
        got: usize,
    },
    /// The file declares more pixels than its size can plausibly encode (see
    /// [`MAX_WSQ_PIXELS_PER_INPUT_BYTE`](super::limits::MAX_WSQ_PIXELS_PER_INPUT_BYTE)).
    #[error(
        "{pixels} pixels from {bytes} bytes of WSQ exceed the limit of {limit} pixels per byte"
    )]
    ExpansionTooLarge {
        /// Pixels (width x height) the frame header declares.
        pixels: usize,
        /// Size of the WSQ data.
        bytes: usize,
        /// The limit per byte.
        limit: usize,
    },
    /// A valid feature this decoder does not implement.
    #[error("unsupported WSQ feature: {0}")]
    Unsupported(String),
}

/// A decoded WSQ image.
#[derive(Clone, Debug, PartialEq)]
pub struct WsqImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Resolution from the NISTCOM comment, when the file states one.
    pub ppi: Option<f32>,
    /// `width * height` grey levels, row-major.
    pub pixels: Vec<u8>,
}

/// Whether `data` starts with the WSQ start-of-image marker.
pub fn is_wsq(data: &[u8]) -> bool {
    data.len() >= 2 && u16::from_be_bytes([data[0], data[1]]) == SOI
}

/// Tables and comments gathered while reading the headers.
#[derive(Default)]
struct Tables {
    transform: Option<TransformTable>,
    quant: Option<QuantTable>,
    huffman: [Option<HuffmanTable>; HUFFMAN_SLOTS],
    ppi: Option<f32>,
}

impl Tables {
    /// Reads the table or comment segment introduced by `marker`. Transform and quantisation
    /// tables may not change once coefficient data has started (`frozen`).
    fn read(&mut self, marker: u16, r: &mut ByteReader<'_>, frozen: bool) -> Result<(), WsqError> {
        match marker {
            DTT | DQT if frozen => Err(WsqError::Unsupported(
                "transform or quantisation table redefined between blocks".into(),
            )),
            DTT => {
                let mut body = r.segment("transform table")?;
                self.transform = Some(markers::parse_transform_table(&mut body)?);
                Ok(())
            }
            DQT => {
                let mut body = r.segment("quantisation table")?;
                self.quant = Some(markers::parse_quant_table(&mut body)?);
                Ok(())
            }
            DHT => {
                let mut body = r.segment("Huffman table")?;
                for (id, table) in markers::parse_huffman_tables(&mut body)? {
                    self.huffman[id] = Some(table);
                }
                Ok(())
            }
            COM => {
                let body = r.segment("comment")?;
                if self.ppi.is_none() {
                    self.ppi = markers::nistcom_ppi(body.data());
                }
                Ok(())
            }
            DRT => {
                // Restart markers are honoured wherever they appear; the interval is not needed.
                r.segment("restart interval")?;
                Ok(())
            }
            other => Err(WsqError::UnexpectedMarker {
                found: other,
                context: "where a table, comment, frame or block header should be",
            }),
        }
    }
}

/// Decodes WSQ data to an 8-bit grayscale image.
pub fn decode(data: &[u8]) -> Result<WsqImage, ImageError> {
    let mut r = ByteReader::new(data);
    if r.marker().ok() != Some(SOI) {
        return Err(WsqError::NotWsq.into());
    }
    let mut tables = Tables::default();

    // Tables up to the frame header.
    let frame = loop {
        let marker = r.marker()?;
        if marker == SOF {
            let mut body = r.segment("frame header")?;
            break markers::parse_frame_header(&mut body)?;
        }
        tables.read(marker, &mut r, false)?;
    };
    let FrameHeader {
        width,
        height,
        m_shift,
        r_scale,
    } = frame;
    check_geometry(width, height)?;
    // Decompression is bounded by the input: no file expands past this many coefficients or
    // pixels per byte, whatever its zero-run codes say.
    let per_byte = super::limits::MAX_WSQ_PIXELS_PER_INPUT_BYTE;
    let expansion_cap = data.len().saturating_mul(per_byte);
    if width * height > expansion_cap {
        return Err(WsqError::ExpansionTooLarge {
            pixels: width * height,
            bytes: data.len(),
            limit: per_byte,
        }
        .into());
    }
    let tree = Tree::new(width, height);

    // Blocks until EOI; coefficients are collected in subband order across blocks.
    let mut coefficients: Vec<i32> = Vec::new();
    let mut expected: Option<usize> = None;
    let mut marker = r.marker()?;
    loop {
        match marker {
            EOI => break,
            SOB => {
                let mut body = r.segment("block header")?;
                let id = markers::parse_block_header(&mut body)?;
                let quant = tables
                    .quant
                    .as_ref()
                    .ok_or(WsqError::MissingTable("quantisation table"))?;
                if tables.transform.is_none() {
                    return Err(WsqError::MissingTable("transform table").into());
                }
                let limit = (*expected
                    .get_or_insert_with(|| quant::coded_coefficients(quant, &tree.subbands)))
                .min(expansion_cap);
                let table = tables.huffman[id]
                    .as_ref()
                    .ok_or(WsqError::MissingTable("Huffman table named by a block"))?;
                let mut bits = BitReader::new(data, r.position());
                marker = decode_block(&mut bits, table, &mut coefficients, limit)?;
                r.seek(bits.position());
            }
            _ => {
                tables.read(marker, &mut r, expected.is_some())?;
                marker = r.marker()?;
            }
        }
    }

    let expected = expected.ok_or(WsqError::MissingTable("coefficient block"))?;
    if coefficients.len() != expected {
        return Err(WsqError::TooFewCoefficients {
            expected,
            got: coefficients.len(),
        }
        .into());
    }
    let (Some(quant), Some(transform)) = (&tables.quant, &tables.transform) else {
        return Err(WsqError::MissingTable("quantisation or transform table").into());
    };

    let mut plane = vec![0f32; width * height];
    quant::dequantize(&coefficients, quant, &tree.subbands, &mut plane, width);
    drop(coefficients);
    wavelet::reconstruct(&mut plane, width, &tree, &Synthesis::new(transform));

    let pixels = plane
        .iter()
        .map(|&v| {
            let p = v * r_scale + m_shift + 0.5;
            // NaN compares false everywhere and ends up 0.
            if p >= 255.0 {
                255
            } else if p > 0.0 {
                p as u8
            } else {
                0
            }
        })
        .collect();
    Ok(WsqImage {
        width,
        height,
        ppi: tables.ppi,
        pixels,
    })
}
