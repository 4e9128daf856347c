//! Big-endian byte reading and writing, and the strict/lenient deviation bookkeeping every
//! reader shares.

use super::{Deviation, FormatError, Mode};

/// A bounds-checked big-endian cursor over a byte slice. Offsets in errors are absolute
/// (`base` + position), so a cursor over a sub-slice still reports record offsets.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            base: 0,
        }
    }

    /// A cursor over `bytes`, which start at absolute offset `base` of the record.
    pub(crate) fn with_base(bytes: &'a [u8], base: usize) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            base,
        }
    }

    /// Absolute offset of the next byte.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Position within this cursor's slice.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to a position within this cursor's slice (clamped to its end).
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.bytes.len());
    }

    /// Bytes left.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The unread bytes, without consuming them.
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    /// The next `n` bytes, or a truncation error.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let available = self.remaining();
        if n > available {
            return Err(FormatError::Truncated {
                offset: self.offset(),
                needed: n,
                available,
            });
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, FormatError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, FormatError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// A growable big-endian output buffer.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) bytes: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn put(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Overwrites a big-endian u32 written earlier (a length placeholder).
    pub(crate) fn patch_u32(&mut self, at: usize, v: u32) {
        self.bytes[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }
}

/// Collects deviations: strict mode turns the first into an error, lenient mode keeps them
/// all as warnings.
pub(crate) struct Diag {
    mode: Mode,
    pub(crate) warnings: Vec<Deviation>,
}

impl Diag {
    pub(crate) fn new(mode: Mode) -> Diag {
        Diag {
            mode,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn strict(&self) -> bool {
        self.mode == Mode::Strict
    }

    /// Records a deviation at `offset`; an error in strict mode.
    pub(crate) fn deviation(
        &mut self,
        offset: usize,
        message: impl Into<String>,
    ) -> Result<(), FormatError> {
        let message = message.into();
        match self.mode {
            Mode::Strict => Err(FormatError::NonConforming(format!(
                "{message} (at offset {offset})"
            ))),
            Mode::Lenient => {
                self.warnings.push(Deviation { offset, message });
                Ok(())
            }
        }
    }
}

/// Checks where a binary record ends against its length field and the buffer:
/// the length field must equal the structure's size and nothing may follow the record.
pub(crate) fn check_record_end(
    diag: &mut Diag,
    length_field_offset: usize,
    declared: u64,
    structure_end: usize,
    buffer: &[u8],
) -> Result<(), FormatError> {
    if declared != structure_end as u64 {
        diag.deviation(
            length_field_offset,
            format!(
                "record length field says {declared} bytes but the record's structure occupies \
                 {structure_end} bytes"
            ),
        )?;
    }
    if buffer.len() > structure_end {
        let trailing = &buffer[structure_end..];
        let what = if trailing.iter().all(|&b| b == 0) {
            "bytes of zero padding"
        } else {
            "unexpected non-zero bytes"
        };
        diag.deviation(
            structure_end,
            format!("{} {what} after the end of the record", trailing.len()),
        )?;
    }
    Ok(())
}

/// A short printable description of the first bytes of a buffer (for error messages).
pub(crate) fn describe_start(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(12)];
    let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    let text: String = head
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!(
        "{} bytes starting {} (\"{}\")",
        bytes.len(),
        hex.join(" "),
        text
    )
}
