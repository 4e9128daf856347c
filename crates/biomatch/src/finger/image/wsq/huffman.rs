//! Huffman decoding of the quantised wavelet coefficients.
//!
//! The tables are JPEG-style canonical codes (16 code-length counts and the symbol list).
//! The entropy-coded data uses JPEG byte stuffing (`FF 00` is a data byte `FF`); any other
//! `FF xx` met while reading a code is a marker that ends the block. Symbols:
//!
//! | symbol    | meaning                                            |
//! |-----------|----------------------------------------------------|
//! | 1..=100   | run of that many zero coefficients                 |
//! | 101 / 102 | coefficient `+n` / `-n`, `n` in the next 8 bits    |
//! | 103 / 104 | coefficient `+n` / `-n`, `n` in the next 16 bits   |
//! | 105 / 106 | run of `n` zeros, `n` in the next 8 / 16 bits       |
//! | 107..=254 | coefficient `symbol - 180` (-73..=74)              |
//!
//! Every step consumes input, and running out of input is an error, so decoding always ends.

use super::WsqError;

/// The longest Huffman code, in bits.
const MAX_CODE_LEN: usize = 16;

/// Most symbols a table can hold.
pub(crate) const MAX_SYMBOLS: usize = 256;

/// A canonical Huffman decoding table.
#[derive(Clone, Debug)]
pub(crate) struct HuffmanTable {
    /// Largest code of each length (index 1..=16), or -1 when there is none.
    max_code: [i32; MAX_CODE_LEN + 1],
    /// Smallest code of each length.
    min_code: [i32; MAX_CODE_LEN + 1],
    /// Index in `symbols` of the smallest code of each length.
    first_index: [usize; MAX_CODE_LEN + 1],
    /// Symbols in code order.
    symbols: Vec<u8>,
}

impl HuffmanTable {
    /// Builds the table from the count of codes of each length 1..=16 and the symbols.
    pub(crate) fn new(counts: &[u8; MAX_CODE_LEN], symbols: Vec<u8>) -> Result<Self, WsqError> {
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        if total == 0 || total > MAX_SYMBOLS {
            return Err(WsqError::BadHuffmanTable(format!(
                "{total} codes (must be 1..={MAX_SYMBOLS})"
            )));
        }
        if total != symbols.len() {
            return Err(WsqError::BadHuffmanTable(format!(
                "{total} codes but {} symbols",
                symbols.len()
            )));
        }
        let mut max_code = [-1i32; MAX_CODE_LEN + 1];
        let mut min_code = [0i32; MAX_CODE_LEN + 1];
        let mut first_index = [0usize; MAX_CODE_LEN + 1];
        let mut code: i64 = 0;
        let mut index = 0usize;
        for len in 1..=MAX_CODE_LEN {
            let count = counts[len - 1] as usize;
            if count > 0 {
                // The codes of this length are code..code+count; they must fit in `len` bits.
                if code + count as i64 > 1i64 << len {
                    return Err(WsqError::BadHuffmanTable(format!(
                        "code lengths over-subscribe the code space at length {len}"
                    )));
                }
                min_code[len] = code as i32;
                max_code[len] = (code + count as i64 - 1) as i32;
                first_index[len] = index;
                code += count as i64;
                index += count;
            }
            code <<= 1;
        }
        Ok(HuffmanTable {
            max_code,
            min_code,
            first_index,
            symbols,
        })
    }
}

/// What [`BitReader::decode_symbol`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Symbol {
    /// A Huffman-coded symbol.
    Value(u8),
    /// A marker (`0xFFxx`) ended the entropy-coded segment.
    Marker(u16),
}

/// Reads the entropy-coded data bit by bit, most significant bit first, removing stuffing.
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    current: u8,
    bits_left: u32,
}

impl<'a> BitReader<'a> {
    /// A reader at byte `pos` of `data`.
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader {
            data,
            pos,
            current: 0,
            bits_left: 0,
        }
    }

    /// The byte position after everything read so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Drops the rest of the current byte (after a restart marker).
    pub(crate) fn align(&mut self) {
        self.bits_left = 0;
    }

    fn next_byte(&mut self) -> Result<u8, WsqError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or(WsqError::Truncated("entropy-coded data"))?;
        self.pos += 1;
        Ok(b)
    }

    /// Loads the next data byte; `Ok(Some(marker))` if a marker comes instead and
    /// `markers_allowed`, an error if it comes and they are not.
    fn load(&mut self, markers_allowed: bool) -> Result<Option<u16>, WsqError> {
        let b = self.next_byte()?;
        if b == 0xFF {
            let b2 = self.next_byte()?;
            if b2 != 0 {
                if markers_allowed {
                    return Ok(Some(0xFF00 | b2 as u16));
                }
                return Err(WsqError::UnexpectedMarker {
                    found: 0xFF00 | b2 as u16,
                    context: "inside a coefficient's extra bits",
                });
            }
        }
        self.current = b;
        self.bits_left = 8;
        Ok(None)
    }

    fn bit(&mut self, markers_allowed: bool) -> Result<Result<u32, u16>, WsqError> {
        if self.bits_left == 0
            && let Some(marker) = self.load(markers_allowed)?
        {
            return Ok(Err(marker));
        }
        self.bits_left -= 1;
        Ok(Ok(((self.current >> self.bits_left) & 1) as u32))
    }

    /// Reads `n <= 16` raw bits (a coefficient's magnitude or a run length).
    pub(crate) fn read_bits(&mut self, n: u32) -> Result<u32, WsqError> {
        let mut v = 0u32;
        for _ in 0..n {
            // Markers are not allowed here, so `bit` never yields one.
            match self.bit(false)? {
                Ok(b) => v = (v << 1) | b,
                Err(m) => {
                    return Err(WsqError::UnexpectedMarker {
                        found: m,
                        context: "inside a coefficient's extra bits",
                    });
                }
            }
        }
        Ok(v)
    }

    /// Decodes one Huffman symbol, or reports the marker that ends the data.
    pub(crate) fn decode_symbol(&mut self, table: &HuffmanTable) -> Result<Symbol, WsqError> {
        let mut code: i32 = 0;
        for len in 1..=MAX_CODE_LEN {
            match self.bit(true)? {
                Ok(b) => code = (code << 1) | b as i32,
                Err(marker) => return Ok(Symbol::Marker(marker)),
            }
            if code <= table.max_code[len] {
                let index = table.first_index[len] + (code - table.min_code[len]) as usize;
                return table
                    .symbols
                    .get(index)
                    .map(|&s| Symbol::Value(s))
                    .ok_or(WsqError::InvalidHuffmanCode);
            }
        }
        Err(WsqError::InvalidHuffmanCode)
    }
}

/// Whether `marker` is a restart marker RST0..RST7 (`FFB0`..`FFB7`).
pub(crate) fn is_restart(marker: u16) -> bool {
    (0xFFB0..=0xFFB7).contains(&marker)
}

/// Decodes one block's coefficients into `out`, never letting it grow beyond `limit`, and
/// returns the marker that ends the block. Restart markers inside the block are skipped.
pub(crate) fn decode_block(
    reader: &mut BitReader<'_>,
    table: &HuffmanTable,
    out: &mut Vec<i32>,
    limit: usize,
) -> Result<u16, WsqError> {
    let push_zeros = |out: &mut Vec<i32>, n: usize| -> Result<(), WsqError> {
        if out.len() + n > limit {
            return Err(WsqError::TooManyCoefficients { expected: limit });
        }
        out.resize(out.len() + n, 0);
        Ok(())
    };
    let push = |out: &mut Vec<i32>, v: i32| -> Result<(), WsqError> {
        if out.len() >= limit {
            return Err(WsqError::TooManyCoefficients { expected: limit });
        }
        out.push(v);
        Ok(())
    };
    loop {
        let symbol = match reader.decode_symbol(table)? {
            Symbol::Marker(m) if is_restart(m) => {
                reader.align();
                continue;
            }
            Symbol::Marker(m) => return Ok(m),
            Symbol::Value(v) => v,
        };
        match symbol {
            1..=100 => push_zeros(out, symbol as usize)?,
            101 => {
                let n = reader.read_bits(8)?;
                push(out, n as i32)?
            }
            102 => {
                let n = reader.read_bits(8)?;
                push(out, -(n as i32))?
            }
            103 => {
                let n = reader.read_bits(16)?;
                push(out, n as i32)?
            }
            104 => {
                let n = reader.read_bits(16)?;
                push(out, -(n as i32))?
            }
            105 => {
                let n = reader.read_bits(8)?;
                push_zeros(out, n as usize)?
            }
            106 => {
                let n = reader.read_bits(16)?;
                push_zeros(out, n as usize)?
            }
            107..=254 => push(out, symbol as i32 - 180)?,
            _ => return Err(WsqError::InvalidSymbol(symbol)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> HuffmanTable {
        // Lengths: two codes of length 2 (00, 01), one of length 3 (100).
        let mut counts = [0u8; 16];
        counts[1] = 2;
        counts[2] = 1;
        HuffmanTable::new(&counts, vec![180, 3, 110]).unwrap()
    }

    #[test]
    fn decodes_canonical_codes_and_runs() {
        // 00 -> 180 (value 0), 01 -> run of 3 zeros, 100 -> value -70; pad with ones.
        // bits: 00 01 100 1 -> 0b0001_1001 = 0x19, then marker FFA1.
        let data = [0x19, 0xFF, 0xA1];
        let mut r = BitReader::new(&data, 0);
        let mut out = Vec::new();
        let m = decode_block(&mut r, &table(), &mut out, 100).unwrap();
        assert_eq!(m, 0xFFA1);
        assert_eq!(out, vec![0, 0, 0, 0, -70]);
    }

    #[test]
    fn stuffed_ff_is_data() {
        let mut counts = [0u8; 16];
        counts[7] = 1; // one 8-bit code: 00000000
        let t = HuffmanTable::new(&counts, vec![101]).unwrap();
        // symbol 101 then 8 bits 0xFF (stuffed), then marker.
        let data = [0x00, 0xFF, 0x00, 0xFF, 0xA1];
        let mut r = BitReader::new(&data, 0);
        let mut out = Vec::new();
        assert_eq!(decode_block(&mut r, &t, &mut out, 10).unwrap(), 0xFFA1);
        assert_eq!(out, vec![255]);
    }

    #[test]
    fn running_out_of_data_is_an_error() {
        let data = [0x00, 0x00];
        let mut r = BitReader::new(&data, 0);
        let mut out = Vec::new();
        assert!(matches!(
            decode_block(&mut r, &table(), &mut out, 1000),
            Err(WsqError::Truncated(_))
        ));
    }

    #[test]
    fn too_many_coefficients_is_an_error() {
        let data = [0x00, 0x00, 0xFF, 0xA1];
        let mut r = BitReader::new(&data, 0);
        let mut out = Vec::new();
        assert!(matches!(
            decode_block(&mut r, &table(), &mut out, 3),
            Err(WsqError::TooManyCoefficients { .. })
        ));
    }

    #[test]
    fn oversubscribed_table_is_rejected() {
        let mut counts = [0u8; 16];
        counts[0] = 3; // three 1-bit codes cannot exist
        assert!(HuffmanTable::new(&counts, vec![1, 2, 3]).is_err());
    }
}
