//! WSQ markers and the header segments: transform table (DTT), quantisation table (DQT),
//! Huffman tables (DHT), frame header (SOF), block header (SOB), restart interval (DRT) and
//! comments (COM, with the NISTCOM `PPI` field).
//!
//! Every segment starts with a 16-bit length that counts itself; the body is parsed from a
//! slice bounded by that length, so no field can be read past the segment or the input.

use super::WsqError;
use super::huffman::{HuffmanTable, MAX_SYMBOLS};

/// Start of image.
pub(crate) const SOI: u16 = 0xFFA0;
/// End of image.
pub(crate) const EOI: u16 = 0xFFA1;
/// Start of frame.
pub(crate) const SOF: u16 = 0xFFA2;
/// Start of block.
pub(crate) const SOB: u16 = 0xFFA3;
/// Define transform table.
pub(crate) const DTT: u16 = 0xFFA4;
/// Define quantisation table.
pub(crate) const DQT: u16 = 0xFFA5;
/// Define Huffman tables.
pub(crate) const DHT: u16 = 0xFFA6;
/// Define restart interval.
pub(crate) const DRT: u16 = 0xFFA7;
/// Comment.
pub(crate) const COM: u16 = 0xFFA8;

/// Longest accepted wavelet filter, in taps (the standard filters have 9 and 7).
pub(crate) const MAX_FILTER_TAPS: usize = 31;

/// Number of quantisation table entries (subbands 60..63 are never coded).
pub(crate) const DQT_SUBBANDS: usize = 64;

/// Number of Huffman table slots.
pub(crate) const HUFFMAN_SLOTS: usize = 8;

/// A bounds-checked big-endian reader over a byte slice.
pub(crate) struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    /// A reader at the start of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        ByteReader { data, pos: 0 }
    }

    /// The current byte position.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Moves to byte `pos` (not past the end).
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The whole underlying input.
    pub(crate) fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, WsqError> {
        let b = *self.data.get(self.pos).ok_or(WsqError::Truncated(what))?;
        self.pos += 1;
        Ok(b)
    }

    /// Reads a big-endian 16-bit value.
    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, WsqError> {
        Ok(u16::from_be_bytes([self.u8(what)?, self.u8(what)?]))
    }

    /// Reads a big-endian 32-bit value.
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, WsqError> {
        Ok(u32::from_be_bytes([
            self.u8(what)?,
            self.u8(what)?,
            self.u8(what)?,
            self.u8(what)?,
        ]))
    }

    /// Takes the next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WsqError> {
        if n > self.remaining() {
            return Err(WsqError::Truncated(what));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Reads a marker (`0xFFxx`).
    pub(crate) fn marker(&mut self) -> Result<u16, WsqError> {
        let m = self.u16("marker")?;
        if m & 0xFF00 != 0xFF00 {
            return Err(WsqError::ExpectedMarker(m));
        }
        Ok(m)
    }

    /// Reads a segment's length field and returns a reader over its body.
    pub(crate) fn segment(&mut self, what: &'static str) -> Result<ByteReader<'a>, WsqError> {
        let len = self.u16(what)? as usize;
        if len < 2 {
            return Err(WsqError::BadSegment(format!(
                "{what} length {len} is shorter than its own length field"
            )));
        }
        let body = self.take(len - 2, what)?;
        Ok(ByteReader::new(body))
    }
}

/// A value stored as a decimal exponent and an integer: `value / 10^exponent`, computed the
/// way the reference decoder does (one division by ten per step, rounded to `f32` each time).
fn scaled(value: u32, exponent: u8) -> f32 {
    let mut v = value as f32;
    for _ in 0..exponent {
        v = (v as f64 / 10.0) as f32;
    }
    v
}

/// The analysis filters from the transform table, as halves from the centre tap outwards.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TransformTable {
    /// Analysis lowpass, centre tap first.
    pub(crate) lowpass_half: Vec<f32>,
    /// Analysis highpass, centre tap first.
    pub(crate) highpass_half: Vec<f32>,
}

/// Parses a DTT segment body.
pub(crate) fn parse_transform_table(r: &mut ByteReader<'_>) -> Result<TransformTable, WsqError> {
    let low_len = r.u8("transform table")? as usize;
    let high_len = r.u8("transform table")? as usize;
    for (name, len) in [("lowpass", low_len), ("highpass", high_len)] {
        if len == 0 || len > MAX_FILTER_TAPS {
            return Err(WsqError::BadSegment(format!(
                "{name} filter has {len} taps (1..={MAX_FILTER_TAPS} accepted)"
            )));
        }
        if len % 2 == 0 {
            return Err(WsqError::Unsupported(format!(
                "even-length {name} filter ({len} taps); only the symmetric odd-length filters \
                 used by WSQ encoders are supported"
            )));
        }
    }
    let mut read_half = |len: usize| -> Result<Vec<f32>, WsqError> {
        (0..len.div_ceil(2))
            .map(|_| {
                let sign = r.u8("transform table")?;
                let exponent = r.u8("transform table")?;
                let value = scaled(r.u32("transform table")?, exponent);
                Ok(if sign != 0 { -value } else { value })
            })
            .collect()
    };
    let lowpass_half = read_half(low_len)?;
    let highpass_half = read_half(high_len)?;
    Ok(TransformTable {
        lowpass_half,
        highpass_half,
    })
}

/// The quantisation parameters.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct QuantTable {
    /// Bin centre C (a fraction of the bin width).
    pub(crate) bin_center: f32,
    /// Bin width Q per subband; 0 means the subband was not coded.
    pub(crate) q: [f32; DQT_SUBBANDS],
    /// Zero-bin width Z per subband.
    pub(crate) z: [f32; DQT_SUBBANDS],
}

/// Parses a DQT segment body.
pub(crate) fn parse_quant_table(r: &mut ByteReader<'_>) -> Result<QuantTable, WsqError> {
    const W: &str = "quantisation table";
    let exponent = r.u8(W)?;
    let bin_center = scaled(r.u16(W)? as u32, exponent);
    let mut q = [0f32; DQT_SUBBANDS];
    let mut z = [0f32; DQT_SUBBANDS];
    for i in 0..DQT_SUBBANDS {
        let e = r.u8(W)?;
        q[i] = scaled(r.u16(W)? as u32, e);
        let e = r.u8(W)?;
        z[i] = scaled(r.u16(W)? as u32, e);
    }
    Ok(QuantTable { bin_center, q, z })
}

/// Parses a DHT segment body: one or more tables, each an id, 16 counts and the symbols.
pub(crate) fn parse_huffman_tables(
    r: &mut ByteReader<'_>,
) -> Result<Vec<(usize, HuffmanTable)>, WsqError> {
    const W: &str = "Huffman table";
    let mut tables = Vec::new();
    while r.remaining() > 0 {
        let id = r.u8(W)? as usize;
        if id >= HUFFMAN_SLOTS {
            return Err(WsqError::BadSegment(format!(
                "Huffman table id {id} (0..{HUFFMAN_SLOTS} accepted)"
            )));
        }
        let mut counts = [0u8; 16];
        for c in counts.iter_mut() {
            *c = r.u8(W)?;
        }
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        if total > MAX_SYMBOLS {
            return Err(WsqError::BadHuffmanTable(format!(
                "{total} codes (at most {MAX_SYMBOLS})"
            )));
        }
        let symbols = r.take(total, W)?.to_vec();
        tables.push((id, HuffmanTable::new(&counts, symbols)?));
    }
    if tables.is_empty() {
        return Err(WsqError::BadSegment("empty Huffman table segment".into()));
    }
    Ok(tables)
}

/// The frame header.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FrameHeader {
    /// Image width in pixels.
    pub(crate) width: usize,
    /// Image height in pixels.
    pub(crate) height: usize,
    /// Added to every reconstructed value.
    pub(crate) m_shift: f32,
    /// Every reconstructed value is multiplied by this.
    pub(crate) r_scale: f32,
}

/// Parses a SOF segment body.
pub(crate) fn parse_frame_header(r: &mut ByteReader<'_>) -> Result<FrameHeader, WsqError> {
    const W: &str = "frame header";
    let _black = r.u8(W)?;
    let _white = r.u8(W)?;
    let height = r.u16(W)? as usize;
    let width = r.u16(W)? as usize;
    let e = r.u8(W)?;
    let m_shift = scaled(r.u16(W)? as u32, e);
    let e = r.u8(W)?;
    let r_scale = scaled(r.u16(W)? as u32, e);
    let _encoder = r.u8(W)?;
    let _software = r.u16(W)?;
    Ok(FrameHeader {
        width,
        height,
        m_shift,
        r_scale,
    })
}

/// Parses a SOB segment body: the Huffman table id for the block.
pub(crate) fn parse_block_header(r: &mut ByteReader<'_>) -> Result<usize, WsqError> {
    let id = r.u8("block header")? as usize;
    if id >= HUFFMAN_SLOTS {
        return Err(WsqError::BadSegment(format!(
            "block uses Huffman table id {id} (0..{HUFFMAN_SLOTS} accepted)"
        )));
    }
    Ok(id)
}

/// The resolution in a NISTCOM comment (`NIST_COM` first line, then `KEY value` lines), if the
/// comment is one and states a positive `PPI`.
pub(crate) fn nistcom_ppi(comment: &[u8]) -> Option<f32> {
    let text = std::str::from_utf8(comment).ok()?;
    let mut lines = text.lines();
    if !lines.next()?.trim_start().starts_with("NIST_COM") {
        return None;
    }
    for line in lines {
        let mut parts = line.split_whitespace();
        if parts.next() == Some("PPI") {
            let ppi: f32 = parts.next()?.parse().ok()?;
            return (ppi.is_finite() && ppi > 0.0).then_some(ppi);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_values_divide_by_powers_of_ten() {
        assert_eq!(scaled(44, 2), 0.44);
        assert_eq!(scaled(12345, 0), 12345.0);
        assert_eq!(scaled(1, 255), 0.0);
    }

    #[test]
    fn segment_length_is_bounds_checked() {
        let data = [0x00, 0x10, 1, 2, 3];
        let mut r = ByteReader::new(&data);
        assert!(matches!(r.segment("x"), Err(WsqError::Truncated(_))));
        let data = [0x00, 0x01];
        let mut r = ByteReader::new(&data);
        assert!(matches!(r.segment("x"), Err(WsqError::BadSegment(_))));
    }

    #[test]
    fn nistcom_ppi_is_found() {
        assert_eq!(
            nistcom_ppi(b"NIST_COM 5\nPIX_WIDTH 10\nPPI 1000\nLOSSY 1\n"),
            Some(1000.0)
        );
        assert_eq!(nistcom_ppi(b"NIST_COM 2\nPPI -1\n"), None);
        assert_eq!(nistcom_ppi(b"just a comment\nPPI 500\n"), None);
    }
}
